import type { EntityManager } from "typeorm";
import { PlanRulesEntity } from "../entities";

const ID = "tenant";

/** The tenant's plan rules, once an administrator has changed them (until then the shipped defaults apply). */
export class PlanRulesStore {
  constructor(private readonly manager: EntityManager) {}

  async get(): Promise<string | null> {
    return (await this.manager.findOneBy(PlanRulesEntity, { id: ID }))?.document ?? null;
  }

  async set(document: string, now: Date): Promise<void> {
    await this.manager.save(PlanRulesEntity, { id: ID, document, updatedDateTime: now });
  }
}
