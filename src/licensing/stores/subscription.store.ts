import type { EntityManager } from "typeorm";
import { SubscriptionEntity } from "../entities";
import type { SubscriptionRecord } from "../model";

/** The only code that reads or writes the tenant's subscriptions and their seat counts. */
export class SubscriptionStore {
  constructor(private readonly manager: EntityManager) {}

  all(): Promise<SubscriptionRecord[]> {
    return this.manager.find(SubscriptionEntity, { order: { skuPartNumber: "ASC" } });
  }

  find(skuId: string): Promise<SubscriptionRecord | null> {
    return this.manager.findOneBy(SubscriptionEntity, { skuId });
  }

  async insert(subscription: SubscriptionRecord): Promise<void> {
    await this.manager.insert(SubscriptionEntity, subscription);
  }

  async update(subscription: SubscriptionRecord): Promise<void> {
    const { skuId, consumedUnits: _consumed, ...fields } = subscription;
    await this.manager.update(SubscriptionEntity, { skuId }, fields);
  }

  /**
   * Takes one seat if one is free, in a single conditional statement: two writers can never
   * both take the last seat. Returns false when none was free.
   */
  async takeSeat(skuId: string): Promise<boolean> {
    const result = await this.manager
      .createQueryBuilder()
      .update(SubscriptionEntity)
      .set({ consumedUnits: () => "consumed_units + 1" })
      .where("sku_id = :skuId AND consumed_units < enabled_units", { skuId })
      .execute();
    return result.affected === 1;
  }

  async releaseSeat(skuId: string): Promise<void> {
    await this.manager
      .createQueryBuilder()
      .update(SubscriptionEntity)
      .set({ consumedUnits: () => "consumed_units - 1" })
      .where("sku_id = :skuId AND consumed_units > 0", { skuId })
      .execute();
  }
}
