import type { EntityManager } from "typeorm";
import { OrganizationEntity } from "../entities";
import type { OrganizationRecord } from "../model";

/** The tenant: one row per database. */
export class OrganizationStore {
  constructor(private readonly manager: EntityManager) {}

  async get(): Promise<OrganizationRecord | null> {
    const [organization] = await this.manager.find(OrganizationEntity, { take: 1 });
    return organization ?? null;
  }

  async insert(organization: OrganizationRecord): Promise<void> {
    await this.manager.insert(OrganizationEntity, organization);
  }

  async update(organization: OrganizationRecord): Promise<void> {
    await this.manager.save(OrganizationEntity, organization);
  }
}
