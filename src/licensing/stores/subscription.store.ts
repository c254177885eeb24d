import type { EntityManager } from "typeorm";
import { RawSql } from "../../db/sql";
import { SubscriptionEntity } from "../entities";
import type { CapabilityStatus } from "../engine";
import type { SubscriptionRecord } from "../model";

/** The only code that reads or writes the tenant's subscriptions and their seat counts. */
export class SubscriptionStore {
  constructor(private readonly manager: EntityManager) {}

  /**
   * Every subscription, by skuPartNumber. The reads are plain statements rather than TypeORM's
   * find: building the query through its query builder cost a `subscribedSku(skuId)` lookup
   * more than SQLite's own work on it (6% of a page of a product's users at a million users).
   */
  async all(): Promise<SubscriptionRecord[]> {
    const rows = await new RawSql(this.manager).rows<SubscriptionRow>(`SELECT ${COLUMNS} FROM subscribed_skus ORDER BY sku_part_number`, []);
    return rows.map(fromRow);
  }

  async find(skuId: string): Promise<SubscriptionRecord | null> {
    const sql = new RawSql(this.manager);
    const [row] = await sql.rows<SubscriptionRow>(`SELECT ${COLUMNS} FROM subscribed_skus WHERE sku_id = ${sql.list(1)}`, [skuId]);
    return row ? fromRow(row) : null;
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
   * both take the last seat. Units in their grace period (warning) count as free; a subscription
   * that gives no new licenses has neither enabled nor warning units (its status follows them).
   * Returns false when none was free.
   */
  async takeSeat(skuId: string): Promise<boolean> {
    const result = await this.manager
      .createQueryBuilder()
      .update(SubscriptionEntity)
      .set({ consumedUnits: () => "consumed_units + 1" })
      .where("sku_id = :skuId AND consumed_units < enabled_units + warning_units", { skuId })
      .execute();
    return result.affected === 1;
  }

  /**
   * Takes `count` seats at once if that many are free (a batch of group-licensed users), in one
   * conditional statement; returns false, taking none, when fewer are free.
   */
  async takeSeats(skuId: string, count: number): Promise<boolean> {
    const sql = new RawSql(this.manager);
    const [n, sku, m] = [sql.list(1), sql.list(1, 1), sql.list(1, 2)];
    const text = `UPDATE subscribed_skus SET consumed_units = consumed_units + ${n} WHERE sku_id = ${sku} AND consumed_units + ${m} <= enabled_units + warning_units`;
    return (await sql.affected(text, [count, skuId, count])) === 1;
  }

  /** Gives `count` seats back (never below zero). */
  async releaseSeats(skuId: string, count: number): Promise<void> {
    const sql = new RawSql(this.manager);
    const [n, m, sku] = [sql.list(1), sql.list(1, 1), sql.list(1, 2)];
    const text = `UPDATE subscribed_skus SET consumed_units = CASE WHEN consumed_units > ${n} THEN consumed_units - ${m} ELSE 0 END WHERE sku_id = ${sku}`;
    await sql.affected(text, [count, count, skuId]);
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

const COLUMNS =
  "sku_id, sku_part_number, applies_to, capability_status, enabled_units, suspended_units, warning_units, locked_out_units, consumed_units, created_date_time";

interface SubscriptionRow {
  sku_id: string;
  sku_part_number: string;
  applies_to: string;
  capability_status: string;
  enabled_units: number | string;
  suspended_units: number | string;
  warning_units: number | string;
  locked_out_units: number | string;
  consumed_units: number | string;
  created_date_time: string;
}

/** A row as the entity's columns map it (SubscriptionEntity): the counts as numbers, the time as a Date. */
function fromRow(row: SubscriptionRow): SubscriptionRecord {
  return {
    skuId: row.sku_id,
    skuPartNumber: row.sku_part_number,
    appliesTo: row.applies_to as SubscriptionRecord["appliesTo"],
    capabilityStatus: row.capability_status as CapabilityStatus,
    enabledUnits: Number(row.enabled_units),
    suspendedUnits: Number(row.suspended_units),
    warningUnits: Number(row.warning_units),
    lockedOutUnits: Number(row.locked_out_units),
    consumedUnits: Number(row.consumed_units),
    createdDateTime: new Date(row.created_date_time),
  };
}
