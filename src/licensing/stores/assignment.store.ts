import { In, type EntityManager } from "typeorm";
import { rawIdExists, type IdQuery } from "../../db/id-query";
import { chunked, RawSql } from "../../db/sql";
import { AssignmentEntity, GroupLicenseEntity } from "../entities";
import type { AssignmentRecord, GroupLicenseRecord } from "../model";

const ERROR_STATES = ["Error", "ActiveWithError"];
const COLUMN_LIST = ["user_id", "sku_id", "source", "disabled_plans", "state", "error", "last_updated_date_time"];
const COLUMN_TYPES = COLUMN_LIST.map(() => "text");
const COLUMNS = COLUMN_LIST.join(", ");

/** A row of COLUMNS as an array, in COLUMN_LIST's order. */
type AssignmentTuple = [string, string, string, string, AssignmentRecord["state"], AssignmentRecord["error"], string];

/** A license_assignments row (read as an array, RawSql.arraysIn) as AssignmentEntity maps it. */
function fromTuple(row: AssignmentTuple): AssignmentRecord {
  return {
    userId: row[0],
    skuId: row[1],
    source: row[2],
    disabledPlans: JSON.parse(row[3]) as string[],
    state: row[4],
    error: row[5],
    lastUpdatedDateTime: new Date(row[6]),
  };
}

/** The only code that reads or writes license assignments (per user, SKU and source) and group licenses. */
export class AssignmentStore {
  constructor(private readonly manager: EntityManager) {}

  /** Each user's rows, in key order (SKU, then source). */
  async ofUsers(userIds: readonly string[]): Promise<Map<string, AssignmentRecord[]>> {
    const byUser = new Map<string, AssignmentRecord[]>();
    const rows = await new RawSql(this.manager, { prepared: true }).arraysIn<AssignmentTuple>("user_id", userIds, (holders) => `SELECT ${COLUMNS} FROM license_assignments WHERE ${holders} ORDER BY user_id, sku_id, source`);
    for (const row of rows) {
      const record = fromTuple(row);
      const list = byUser.get(record.userId);
      if (list) list.push(record);
      else byUser.set(record.userId, [record]);
    }
    return byUser;
  }

  /** Replaces all of a user's assignment rows with `rows`. */
  replace(userId: string, rows: readonly AssignmentRecord[]): Promise<void> {
    return this.replaceMany([userId], rows);
  }

  /**
   * Deletes all the rows of `userIds`, then inserts `rows`: replaces the rows of those users
   * (a user known to have none may be left out of `userIds` and only gain rows).
   */
  async replaceMany(userIds: readonly string[], rows: readonly AssignmentRecord[]): Promise<void> {
    await new RawSql(this.manager).affectedIn("user_id", userIds, (holders) => `DELETE FROM license_assignments WHERE ${holders}`);
    await this.insertRows(rows);
  }

  /**
   * Deletes the rows with these keys, then inserts `rows`: a batch's changes, where the rows a
   * change leaves as they were are not touched (a member given one more license by a group keeps
   * the rows of their other licenses as they are, instead of having them deleted and written
   * again).
   */
  async change(removed: readonly Pick<AssignmentRecord, "userId" | "skuId" | "source">[], rows: readonly AssignmentRecord[]): Promise<void> {
    const sql = new RawSql(this.manager);
    for (const chunk of chunked(removed, sql.postgres ? 2000 : 300)) {
      if (sql.postgres) {
        const keys = "SELECT * FROM unnest($1::text[], $2::text[], $3::text[])";
        await sql.affected(`DELETE FROM license_assignments WHERE (user_id, sku_id, source) IN (${keys})`, [chunk.map((k) => k.userId), chunk.map((k) => k.skuId), chunk.map((k) => k.source)]);
      } else {
        const keys = `VALUES ${sql.tuples(chunk.length, 3)}`;
        await sql.affected(`DELETE FROM license_assignments WHERE (user_id, sku_id, source) IN (${keys})`, chunk.flatMap((k) => [k.userId, k.skuId, k.source]));
      }
    }
    await this.insertRows(rows);
  }

  private async insertRows(rows: readonly AssignmentRecord[]): Promise<void> {
    const sql = new RawSql(this.manager);
    // A batch's rows mostly share their time and have no disabled plans: each encoded once.
    const times = new Map<number, string>();
    const time = (date: Date) => {
      let text = times.get(date.getTime());
      if (text === undefined) times.set(date.getTime(), (text = date.toISOString()));
      return text;
    };
    const values = rows.map((r) => [r.userId, r.skuId, r.source, r.disabledPlans.length === 0 ? "[]" : JSON.stringify(r.disabledPlans), r.state, r.error, time(r.lastUpdatedDateTime)]);
    await sql.insert("license_assignments", COLUMN_LIST, COLUMN_TYPES, values);
  }

  /** Users holding a SKU (any source, held states), as ids. */
  async holderIds(skuId: string): Promise<string[]> {
    const rows = await this.manager
      .createQueryBuilder(AssignmentEntity, "a")
      .select("DISTINCT a.user_id", "userId")
      .where("a.sku_id = :skuId AND a.state IN (:...held)", { skuId, held: ["Active", "ActiveWithError"] })
      .getRawMany<{ userId: string }>();
    return rows.map((row) => row.userId);
  }

  /** Users with a license error from this group, ordered by id, after a cursor. */
  /** In user id order after `fromUserId`; backward: before it, nearest first. */
  async erroredUserIds(groupId: string, fromUserId: string | null, limit: number, backward = false): Promise<string[]> {
    // One ordered range of the (source, state, user_id) index per error state, each cut at
    // `limit`, then merged: an IN over the states would read every member in error to sort them
    // (20,000 in a large group) for each page.
    const sql = new RawSql(this.manager);
    const [op, direction] = backward ? ["<", "DESC"] : [">", "ASC"];
    const parameters: unknown[] = [];
    const ranges = ERROR_STATES.map((state, k) => {
      parameters.push(groupId, state, ...(fromUserId ? [fromUserId] : []), limit);
      const at = parameters.length - (fromUserId ? 4 : 3);
      const after = fromUserId ? ` AND user_id ${op} ${sql.list(1, at + 2)}` : "";
      // DISTINCT: a member in error on two products of the group has a row for each.
      return `SELECT user_id FROM (SELECT DISTINCT user_id FROM license_assignments WHERE source = ${sql.list(1, at)} AND state = ${sql.list(1, at + 1)}${after} ORDER BY user_id ${direction} LIMIT ${sql.list(1, parameters.length - 1)}) r${k}`;
    });
    parameters.push(limit);
    const rows = await sql.rows<{ user_id: string }>(`${ranges.join(" UNION ")} ORDER BY user_id ${direction} LIMIT ${sql.list(1, parameters.length - 1)}`, parameters);
    return rows.map((row) => row.user_id);
  }

  async countErroredUsers(groupId: string): Promise<number> {
    const row = await this.manager
      .createQueryBuilder(AssignmentEntity, "a")
      .select("COUNT(DISTINCT a.user_id)", "count")
      .where("a.source = :groupId AND a.state IN (:...errors)", { groupId, errors: ERROR_STATES })
      .getRawOne<{ count: string | number }>();
    return Number(row?.count ?? 0);
  }

  /**
   * Groups with at least one member in error. The distinct sources are found by jumping through
   * the (source, state, user_id) index one source at a time (a group with licenses is one seek,
   * not its members), and each is asked whether it holds a row in an error state.
   */
  async groupsWithErrors(): Promise<string[]> {
    const sql = new RawSql(this.manager);
    const rows = await sql.rows<{ group_id: string }>(
      "WITH RECURSIVE sources(source) AS (" +
        "SELECT MIN(source) FROM license_assignments " +
        "UNION ALL SELECT (SELECT MIN(n.source) FROM license_assignments n WHERE n.source > sources.source) FROM sources WHERE sources.source IS NOT NULL) " +
        "SELECT s.source AS group_id FROM sources s WHERE s.source IS NOT NULL AND s.source <> 'direct' " +
        `AND EXISTS (SELECT 1 FROM license_assignments e WHERE e.source = s.source AND e.state IN (${sql.list(ERROR_STATES.length)}))`,
      ERROR_STATES,
    );
    return rows.map((row) => row.group_id);
  }

  /** Users holding any assignment from these groups, or in error on one. */
  async userIdsWithSource(groupIds: readonly string[]): Promise<string[]> {
    if (groupIds.length === 0) return [];
    const rows = await this.manager
      .createQueryBuilder(AssignmentEntity, "a")
      .select("DISTINCT a.user_id", "userId")
      .where("a.source IN (:...groupIds)", { groupIds: [...groupIds] })
      .getRawMany<{ userId: string }>();
    return rows.map((row) => row.userId);
  }

  /** Users holding (or in error on) a license from the group who are not among `members`. */
  async userIdsWithSourceOutside(groupId: string, members: IdQuery): Promise<string[]> {
    const sql = new RawSql(this.manager);
    const values: unknown[] = [groupId];
    const next = (value: unknown) => {
      values.push(value);
      return sql.parameter(values.length - 1);
    };
    const outside = rawIdExists("a.user_id", members, next, true);
    const rows = await sql.rows<{ user_id: string }>(`SELECT DISTINCT a.user_id FROM license_assignments a WHERE a.source = ${sql.parameter(0)} AND ${outside}`, values);
    return rows.map((row) => row.user_id);
  }

  /** Whether anyone holds (or is in error on) a license from the group. */
  async hasHolders(groupId: string): Promise<boolean> {
    const sql = new RawSql(this.manager);
    return (await sql.rows(`SELECT 1 AS one FROM license_assignments WHERE source = ${sql.list(1)} LIMIT 1`, [groupId])).length > 0;
  }

  /** Which of these users hold (or are in error on) a license from the group. */
  async holdersAmong(groupId: string, userIds: readonly string[]): Promise<string[]> {
    const sql = new RawSql(this.manager);
    const holders: string[] = [];
    for (const chunk of chunked([...new Set(userIds)])) {
      const rows = await sql.rows<{ user_id: string }>(
        `SELECT DISTINCT user_id FROM license_assignments WHERE source = ${sql.parameter(0)} AND ${sql.anyOf("user_id", chunk.length, 1)}`,
        [groupId, ...sql.values(chunk)],
      );
      holders.push(...rows.map((row) => row.user_id));
    }
    return holders;
  }

  /**
   * Users with a row of one of `skuIds` from the group who also have a row of one of
   * `otherSkuIds` that is not such a row (another SKU, or the same one from another source).
   * Read from the group's rows and each holder's own, by index; no row is loaded.
   */
  async holdersAlsoHolding(groupId: string, skuIds: readonly string[], otherSkuIds: readonly string[]): Promise<string[]> {
    if (skuIds.length === 0 || otherSkuIds.length === 0) return [];
    const sql = new RawSql(this.manager);
    const values: unknown[] = [groupId];
    const anyOf = (column: string, list: readonly string[]) => {
      const condition = sql.anyOf(column, list.length, values.length);
      values.push(...sql.values(list));
      return condition;
    };
    const removed = anyOf("g.sku_id", skuIds);
    const other = anyOf("o.sku_id", otherSkuIds);
    const group = sql.parameter(values.length);
    values.push(groupId);
    const notRemoved = `(o.source <> ${group} OR NOT (${anyOf("o.sku_id", skuIds)}))`;
    const rows = await sql.rows<{ user_id: string }>(
      `SELECT DISTINCT g.user_id FROM license_assignments g WHERE g.source = ${sql.parameter(0)} AND ${removed} ` +
        `AND EXISTS (SELECT 1 FROM license_assignments o WHERE o.user_id = g.user_id AND ${other} AND ${notRemoved})`,
      values,
    );
    return rows.map((row) => row.user_id);
  }

  async userIdsWithError(error: string): Promise<string[]> {
    const rows = await this.manager
      .createQueryBuilder(AssignmentEntity, "a")
      .select("DISTINCT a.user_id", "userId")
      .where("a.error = :error", { error })
      .getRawMany<{ userId: string }>();
    return rows.map((row) => row.userId);
  }

  /**
   * Group sources waiting for a seat of this SKU: its CountViolation, and the siblings that
   * failed with it (Other). What changing the SKU's seats can fix.
   */
  async waitingForSeats(skuId: string): Promise<{ userId: string; source: string }[]> {
    return this.manager
      .createQueryBuilder(AssignmentEntity, "a")
      .select(["a.user_id AS \"userId\"", "a.source AS \"source\""])
      .where(
        "a.source <> 'direct' AND a.state = 'Error' AND a.error IN ('CountViolation', 'Other') AND EXISTS (" +
          "SELECT 1 FROM license_assignments c WHERE c.user_id = a.user_id AND c.source = a.source AND c.sku_id = :skuId AND c.error = 'CountViolation')",
        { skuId },
      )
      .getRawMany<{ userId: string; source: string }>();
  }

  // Group licenses: what a group assigns.

  async groupLicenses(groupIds: readonly string[]): Promise<Map<string, GroupLicenseRecord[]>> {
    const byGroup = new Map<string, GroupLicenseRecord[]>();
    if (groupIds.length === 0) return byGroup;
    for (const row of await this.manager.find(GroupLicenseEntity, { where: { groupId: In([...groupIds]) }, order: { skuId: "ASC" } })) {
      byGroup.set(row.groupId, [...(byGroup.get(row.groupId) ?? []), row]);
    }
    return byGroup;
  }

  async replaceGroupLicenses(groupId: string, rows: readonly GroupLicenseRecord[]): Promise<void> {
    await this.manager.delete(GroupLicenseEntity, { groupId });
    if (rows.length > 0) await this.manager.insert(GroupLicenseEntity, [...rows]);
  }

  async licensedGroupIds(): Promise<string[]> {
    const rows = await this.manager.createQueryBuilder(GroupLicenseEntity, "g").select("DISTINCT g.group_id", "groupId").getRawMany<{ groupId: string }>();
    return rows.map((row) => row.groupId);
  }

  async groupsAssigning(skuId: string): Promise<string[]> {
    return (await this.manager.findBy(GroupLicenseEntity, { skuId })).map((row) => row.groupId);
  }
}
