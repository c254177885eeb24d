import type { EntityManager } from "typeorm";
import type { IdQuery } from "../../db/id-query";
import { chunked, RawSql } from "../../db/sql";
import { DIRECT, type AssignmentRecord } from "../model";

/** A license that holds: its plans reach the user. */
const HELD = "('Active', 'ActiveWithError')";
/** A license source in error: what the "users in error" of a product counts. */
const IN_ERROR = "('Error', 'ActiveWithError')";

/** Which sources of a SKU a product's user list looks at. */
export type AssignedBy = "DIRECT" | "GROUP" | "ANY";

export interface ErrorCounts {
  /** Users with at least one source of the SKU in error. */
  users: number;
  /** Groups with at least one member in error on the SKU from that group. */
  groups: number;
}

/**
 * The product-centric reads of license assignments and group licenses (the "Licenses → All
 * products" views): who holds a SKU and how, which groups assign it, and error counts grouped by
 * SKU. Each answers a whole page or the whole tenant in one statement. Restrictions for the
 * directory's lists come back as IdQuery subqueries, so a filter by license is one more
 * condition of the list's own keyset query instead of a list of ids.
 */
export class ProductLicenseStore {
  constructor(private readonly manager: EntityManager) {}

  /** Users with a source of `skuId` (DIRECT, from a GROUP, or ANY), optionally in one state. */
  licensedUserIds(skuId: string, assignedBy: AssignedBy, state: string | null): IdQuery {
    const source = assignedBy === "DIRECT" ? " AND pl_a.source = :plDirect" : assignedBy === "GROUP" ? " AND pl_a.source <> :plDirect" : "";
    const inState = state === null ? "" : " AND pl_a.state = :plState";
    return {
      sql: `SELECT pl_a.user_id AS id FROM license_assignments pl_a WHERE pl_a.sku_id = :plSkuId${source}${inState}`,
      parameters: { plSkuId: skuId, plDirect: DIRECT, ...(state === null ? {} : { plState: state }) },
    };
  }

  /** Users whose assignedLicenses include `skuId`: it holds from some source. */
  holderIds(skuId: string): IdQuery {
    return { sql: `SELECT pl_h.user_id AS id FROM license_assignments pl_h WHERE pl_h.sku_id = :plHeldSkuId AND pl_h.state IN ${HELD}`, parameters: { plHeldSkuId: skuId } };
  }

  /**
   * Users with a source in error: of `skuId` when given, else of any SKU. Either way the rows come
   * from IX_license_assignments_user_errors, which holds only those sources, by user: read whole
   * for a list of the few in error, or probed once per user for a page that walks the users'
   * name index (UserStore.probesIds). SQLite, given the seed's statistics, would rather probe
   * the assignments' key, which holds no state, and read every walked user's rows from the table
   * (7 ms a page against 0.5 ms in a million users with 24,000 sources in error): without a SKU
   * it is told which index to take; with one, it takes this index by itself.
   */
  erroredUserIds(skuId: string | null): IdQuery {
    if (skuId === null) {
      const from = new RawSql(this.manager).postgres ? "license_assignments pl_e" : "license_assignments pl_e INDEXED BY IX_license_assignments_user_errors";
      return { sql: `SELECT pl_e.user_id AS id FROM ${from} WHERE pl_e.state IN ${IN_ERROR}`, parameters: {}, few: true };
    }
    return {
      sql: `SELECT pl_e.user_id AS id FROM license_assignments pl_e WHERE pl_e.sku_id = :plErrorSkuId AND pl_e.state IN ${IN_ERROR}`,
      parameters: { plErrorSkuId: skuId },
      few: true,
    };
  }

  /** Groups that assign `skuId`. */
  assigningGroupIds(skuId: string): IdQuery {
    return { sql: "SELECT pl_g.group_id FROM group_licenses pl_g WHERE pl_g.sku_id = :plGroupSkuId", parameters: { plGroupSkuId: skuId } };
  }

  /** Every source of `skuId` for these users, by user. */
  async sourcesOf(skuId: string, userIds: readonly string[]): Promise<Map<string, AssignmentRecord[]>> {
    const rows = await this.rowsForSku<AssignmentRow>(
      skuId,
      "user_id",
      userIds,
      (users) => `SELECT user_id, sku_id, source, disabled_plans, state, error, last_updated_date_time FROM license_assignments WHERE sku_id = $SKU AND ${users} ORDER BY user_id, source`,
    );
    const byUser = new Map<string, AssignmentRecord[]>();
    for (const row of rows) {
      const record = fromRow(row);
      const list = byUser.get(record.userId);
      if (list) list.push(record);
      else byUser.set(record.userId, [record]);
    }
    return byUser;
  }

  /** For each of these groups, how many members are in error on `skuId` from it. */
  async groupErrorCounts(skuId: string, groupIds: readonly string[]): Promise<Map<string, number>> {
    const rows = await this.rowsForSku<{ source: string; users: number | string }>(
      skuId,
      "source",
      groupIds,
      (groups) => `SELECT source, COUNT(DISTINCT user_id) AS users FROM license_assignments WHERE sku_id = $SKU AND state IN ${IN_ERROR} AND ${groups} GROUP BY source`,
    );
    return new Map(rows.map((row) => [row.source, Number(row.users)]));
  }

  /** Users and groups in error, per SKU, in one grouped statement (SKUs with none are left out). */
  async errorCountsBySku(): Promise<Map<string, ErrorCounts>> {
    const sql = new RawSql(this.manager);
    const rows = await sql.rows<{ sku_id: string; users: number | string; groups: number | string }>(
      `SELECT sku_id, COUNT(DISTINCT user_id) AS users, COUNT(DISTINCT CASE WHEN source <> '${DIRECT}' THEN source END) AS ${quoted("groups")} ` +
        `FROM ${errorRows(sql)} WHERE state IN ${IN_ERROR} GROUP BY sku_id`,
      [],
    );
    return new Map(rows.map((row) => [row.sku_id, { users: Number(row.users), groups: Number(row.groups) }]));
  }

  /** Users and groups in error across the tenant, whatever the SKU: each counted once. */
  async errorCounts(): Promise<ErrorCounts> {
    const sql = new RawSql(this.manager);
    const [row] = await sql.rows<{ users: number | string; groups: number | string }>(
      `SELECT COUNT(DISTINCT user_id) AS users, COUNT(DISTINCT CASE WHEN source <> '${DIRECT}' THEN source END) AS ${quoted("groups")} ` +
        `FROM ${errorRows(sql)} WHERE state IN ${IN_ERROR}`,
      [],
    );
    return { users: Number(row?.users ?? 0), groups: Number(row?.groups ?? 0) };
  }

  /**
   * The rows of `statement(condition)` for one SKU and a page's ids: `$SKU` in the text stands
   * for the SKU's parameter, `condition` is anyOf() on `column` after it. One statement per
   * CHUNK ids (a page never holds more).
   */
  private async rowsForSku<T>(skuId: string, column: string, ids: readonly string[], statement: (condition: string) => string): Promise<T[]> {
    const sql = new RawSql(this.manager);
    const out: T[] = [];
    for (const slice of chunked([...new Set(ids)])) {
      const text = statement(sql.anyOf(column, slice.length, 1)).replace("$SKU", () => sql.list(1));
      out.push(...(await sql.rows<T>(text, [skuId, ...sql.values(slice)])));
    }
    return out;
  }
}

/**
 * The assignments, read through the partial index of rows in error. SQLite without statistics
 * (helpgate never runs ANALYZE) would rather scan a whole covering index; PostgreSQL proves the
 * index's condition from the query's by itself.
 */
function errorRows(sql: RawSql): string {
  return sql.postgres ? "license_assignments" : "license_assignments INDEXED BY IX_license_assignments_errors";
}

/** GROUPS is a keyword in recent SQLite and in PostgreSQL's window syntax: quoted as an alias. */
function quoted(name: string): string {
  return `"${name}"`;
}


interface AssignmentRow {
  user_id: string;
  sku_id: string;
  source: string;
  disabled_plans: string;
  state: AssignmentRecord["state"];
  error: AssignmentRecord["error"];
  last_updated_date_time: string;
}

function fromRow(row: AssignmentRow): AssignmentRecord {
  return {
    userId: row.user_id,
    skuId: row.sku_id,
    source: row.source,
    disabledPlans: JSON.parse(row.disabled_plans) as string[],
    state: row.state,
    error: row.error,
    lastUpdatedDateTime: new Date(row.last_updated_date_time),
  };
}
