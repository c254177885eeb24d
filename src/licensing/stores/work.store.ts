import type { EntityManager } from "typeorm";
import { isPostgres } from "../../db/dialect";
import { chunked, RawSql } from "../../db/sql";
import { GroupProcessingEntity } from "../entities";
import type { MemberRun } from "../../directory/model";
import type { GroupProcessingRecord, LicenseProcessingState, WorkRange, WorkRecord } from "../model";

/** Members per range row: one batch on PostgreSQL, two on SQLite (see processorOptionsFor). */
export const RANGE_SIZE = 1000;
const RANGE_COLUMN_LIST = ["group_id", "last_user_id", "first_user_id", "members", "enqueued_date_time"];
const RANGE_COLUMNS = RANGE_COLUMN_LIST.join(", ");

interface RangeRow {
  group_id: string;
  last_user_id: string;
  first_user_id: string;
  members: number | string;
  enqueued_date_time: string;
}

/**
 * The persistent licensing queue and each group's processing state. A row says "recompute this
 * user because of that group"; it survives restarts.
 */
export class WorkStore {
  constructor(private readonly manager: EntityManager) {}

  /**
   * Queues users; a user already queued for the group stays queued once. One upsert per chunk:
   * a row that a batch under way holds is waited for (PostgreSQL), then inserted again after that
   * batch deletes it, never lost. Returns how many rows are new (for the run's queued count).
   */
  async enqueue(groupId: string, userIds: readonly string[], now: Date): Promise<number> {
    const sql = new RawSql(this.manager);
    const at = now.toISOString();
    let added = 0;
    for (const chunk of chunked([...new Set(userIds)])) {
      const text =
        `INSERT INTO license_work (user_id, group_id, enqueued_date_time) VALUES ${sql.tuples(chunk.length, 3)} ` +
        "ON CONFLICT (user_id, group_id) DO UPDATE SET claimed_by = NULL, claimed_until = NULL, enqueued_date_time = excluded.enqueued_date_time";
      const values = chunk.flatMap((userId) => [userId, groupId, at]);
      if (sql.postgres) {
        // xmax is 0 on a row this statement inserted, set on one it updated.
        const rows = await sql.rows<{ inserted: boolean }>(`${text} RETURNING (xmax = 0) AS inserted`, values);
        added += rows.filter((row) => row.inserted).length;
        continue;
      }
      // SQLite's single writer: nobody changes the queue between the two statements.
      const [row] = await sql.rows<{ n: number }>(
        `SELECT COUNT(*) AS n FROM license_work WHERE group_id = ${sql.list(1)} AND user_id IN (${sql.list(chunk.length, 1)})`,
        [groupId, ...chunk],
      );
      added += chunk.length - Number(row?.n ?? 0);
      await sql.affected(text, values);
    }
    return added;
  }

  /**
   * Takes up to `limit` users' work (every free row of each), oldest first, for a batch. The
   * claim is the batch's transaction itself: on SQLite it holds the single writer; on PostgreSQL
   * the rows are locked FOR UPDATE SKIP LOCKED, so batches of other processes pass over them
   * instead of waiting or taking them twice. The rows are deleted when the batch is done; if the
   * process dies first, the transaction rolls back and the rows are free again at once.
   * (claimed_by / claimed_until are only honoured, for rows an older version left claimed.)
   */
  async claim(now: Date, limit: number): Promise<WorkRecord[]> {
    const sql = new RawSql(this.manager);
    const free = `(claimed_until IS NULL OR claimed_until < ${sql.list(1)})`;
    const lock = sql.postgres ? " FOR UPDATE SKIP LOCKED" : "";
    // Read in index order: no sort of the whole queue per batch.
    const from = sql.postgres ? "license_work" : "license_work INDEXED BY IX_license_work_order";
    const oldest = await sql.rows<{ user_id: string }>(
      `SELECT user_id FROM ${from} WHERE ${free} ORDER BY enqueued_date_time, user_id, group_id LIMIT ${sql.list(1, 1)}${lock}`,
      [now.toISOString(), limit],
    );
    const claimed: WorkRecord[] = [];
    for (const chunk of chunked([...new Set(oldest.map((row) => row.user_id))])) {
      const rows = await sql.rows<{ user_id: string; group_id: string; enqueued_date_time: string }>(
        `SELECT user_id, group_id, enqueued_date_time FROM license_work WHERE ${free} AND user_id IN (${sql.list(chunk.length, 1)})${lock}`,
        [now.toISOString(), ...chunk],
      );
      for (const row of rows) {
        claimed.push({ userId: row.user_id, groupId: row.group_id, claimedBy: null, claimedUntil: null, enqueuedDateTime: new Date(row.enqueued_date_time) });
      }
    }
    return claimed;
  }

  /**
   * Removes finished work, by key. The batch's transaction still holds these rows (SQLite's
   * single writer, or PostgreSQL's row locks), so nobody can have queued them again meanwhile:
   * an upsert from elsewhere waits, and inserts them anew once this commits.
   */
  async complete(rows: readonly Pick<WorkRecord, "userId" | "groupId">[]): Promise<void> {
    const sql = new RawSql(this.manager);
    for (const chunk of chunked(rows)) {
      await sql.affected(`DELETE FROM license_work WHERE (user_id, group_id) IN (VALUES ${sql.tuples(chunk.length, 2)})`, chunk.flatMap((row) => [row.userId, row.groupId]));
    }
  }

  /**
   * Queues a whole group's members as ranges of ids (runs of RANGE_SIZE members in the
   * database's own key order, see GroupStore.memberRuns). The group's ranges still waiting are
   * replaced (on PostgreSQL, one a batch holds is waited for first). Returns how many members the
   * replaced ranges still stood for (no longer to be processed by this run).
   */
  async enqueueRanges(groupId: string, runs: readonly MemberRun[], now: Date): Promise<number> {
    const sql = new RawSql(this.manager);
    const replaced = await sql.rows<{ members: number | string }>(
      `DELETE FROM license_work_ranges WHERE group_id = ${sql.list(1)} RETURNING members`,
      [groupId],
    );
    const at = now.toISOString();
    const rows = runs.map((run) => [groupId, run.lastUserId, run.firstUserId, run.members, at]);
    await sql.insert("license_work_ranges", RANGE_COLUMN_LIST, ["text", "text", "text", "int", "text"], rows);
    return replaced.reduce((sum, row) => sum + Number(row.members), 0);
  }

  /**
   * The oldest waiting range (with `notAfter`, only one queued no later than that), held by this
   * transaction until it ends: on PostgreSQL locked FOR UPDATE SKIP LOCKED, so other processes'
   * batches take the next one; on SQLite the batch holds the single writer.
   */
  async claimRange(notAfter: Date | null = null): Promise<WorkRange | null> {
    const sql = new RawSql(this.manager);
    const from = sql.postgres ? "license_work_ranges" : "license_work_ranges INDEXED BY IX_license_work_ranges_order";
    const where = notAfter ? ` WHERE enqueued_date_time <= ${sql.list(1)}` : "";
    const [row] = await sql.rows<RangeRow>(
      `SELECT ${RANGE_COLUMNS} FROM ${from}${where} ORDER BY enqueued_date_time, group_id, last_user_id LIMIT 1${sql.postgres ? " FOR UPDATE SKIP LOCKED" : ""}`,
      notAfter ? [notAfter.toISOString()] : [],
    );
    return row
      ? { groupId: row.group_id, firstUserId: row.first_user_id, lastUserId: row.last_user_id, members: Number(row.members), enqueuedDateTime: new Date(row.enqueued_date_time) }
      : null;
  }

  /** When the oldest user's own work was queued, or null when none waits. */
  async oldestQueued(): Promise<Date | null> {
    const sql = new RawSql(this.manager);
    const from = sql.postgres ? "license_work" : "license_work INDEXED BY IX_license_work_order";
    const [row] = await sql.rows<{ enqueued_date_time: string }>(`SELECT enqueued_date_time FROM ${from} ORDER BY enqueued_date_time, user_id, group_id LIMIT 1`, []);
    return row ? new Date(row.enqueued_date_time) : null;
  }

  /**
   * The group's own license_work rows of users whose ids lie in [firstUserId, lastUserId], which
   * a batch taking that part of a range covers as well; locked like claim() locks.
   */
  async claimWithin(groupId: string, firstUserId: string, lastUserId: string): Promise<WorkRecord[]> {
    const sql = new RawSql(this.manager);
    const rows = await sql.rows<{ user_id: string; enqueued_date_time: string }>(
      `SELECT user_id, enqueued_date_time FROM license_work WHERE group_id = ${sql.list(1)} AND user_id BETWEEN ${sql.list(1, 1)} AND ${sql.list(1, 2)}` +
        (sql.postgres ? " FOR UPDATE SKIP LOCKED" : ""),
      [groupId, firstUserId, lastUserId],
    );
    return rows.map((row) => ({ userId: row.user_id, groupId, claimedBy: null, claimedUntil: null, enqueuedDateTime: new Date(row.enqueued_date_time) }));
  }

  /** After a batch took `taken` of a range's members: moves the range on to `nextUserId`, or removes it when that is null. */
  async advanceRange(range: WorkRange, nextUserId: string | null, taken: number): Promise<void> {
    const sql = new RawSql(this.manager);
    if (nextUserId === null) {
      await sql.affected(`DELETE FROM license_work_ranges WHERE group_id = ${sql.list(1)} AND last_user_id = ${sql.list(1, 1)}`, [range.groupId, range.lastUserId]);
      return;
    }
    await sql.affected(
      `UPDATE license_work_ranges SET first_user_id = ${sql.list(1)}, members = ${sql.list(1, 1)} WHERE group_id = ${sql.list(1, 2)} AND last_user_id = ${sql.list(1, 3)}`,
      [nextUserId, Math.max(range.members - taken, 1), range.groupId, range.lastUserId],
    );
  }

  /** Users waiting: their own rows, and the members the ranges stood for when queued (less those taken since). */
  async count(): Promise<number> {
    const sql = new RawSql(this.manager);
    const [row] = await sql.rows<{ n: number | string | null }>(
      "SELECT (SELECT COUNT(*) FROM license_work) + (SELECT COALESCE(SUM(members), 0) FROM license_work_ranges) AS n",
      [],
    );
    return Number(row?.n ?? 0);
  }

  /** Whether any of the group's work is still queued (cheaper than counting a long queue). */
  async hasPending(groupId: string): Promise<boolean> {
    const sql = new RawSql(this.manager);
    const own = await sql.rows(`SELECT 1 AS one FROM license_work WHERE group_id = ${sql.list(1)} LIMIT 1`, [groupId]);
    if (own.length > 0) return true;
    return (await sql.rows(`SELECT 1 AS one FROM license_work_ranges WHERE group_id = ${sql.list(1)} LIMIT 1`, [groupId])).length > 0;
  }

  /**
   * Each group's processing state. With `lock`, on PostgreSQL the rows stay locked until the
   * transaction ends: a batch finishing the group's run waits, then sees the work queued here.
   */
  async processing(groupIds: readonly string[], lock = false): Promise<Map<string, GroupProcessingRecord>> {
    if (groupIds.length === 0) return new Map();
    const query = this.manager.createQueryBuilder(GroupProcessingEntity, "p").where("p.group_id IN (:...groupIds)", { groupIds: [...groupIds] });
    if (lock && isPostgres(this.manager)) query.orderBy("p.group_id", "ASC").setLock("pessimistic_write");
    const rows = await query.getMany();
    return new Map(rows.map((row) => [row.groupId, row]));
  }

  /** Sets a group's state, its counts kept (or set to zero: a new run), in one upsert: two writers cannot both insert it. */
  async setState(groupId: string, state: LicenseProcessingState, now: Date, resetCounts = false): Promise<void> {
    await this.manager
      .createQueryBuilder()
      .insert()
      .into(GroupProcessingEntity)
      .values({ groupId, state, succeeded: 0, failed: 0, queued: 0, startedDateTime: null, updatedDateTime: now })
      .orUpdate(
        resetCounts ? ["state", "succeeded", "failed", "queued", "started_date_time", "updated_date_time"] : ["state", "updated_date_time"],
        ["group_id"],
      )
      .updateEntity(false)
      .execute();
  }

  /** The processor takes up the group's run: ProcessingInProgress, started now. */
  async setStarted(groupId: string, now: Date): Promise<void> {
    await this.manager
      .createQueryBuilder()
      .update(GroupProcessingEntity)
      .set({ state: "ProcessingInProgress", startedDateTime: now, updatedDateTime: now })
      .where("group_id = :groupId", { groupId })
      .execute();
  }

  async addCounts(groupId: string, succeeded: number, failed: number): Promise<void> {
    await this.manager
      .createQueryBuilder()
      .update(GroupProcessingEntity)
      .set({ succeeded: () => `succeeded + ${Number(succeeded)}`, failed: () => `failed + ${Number(failed)}` })
      .where("group_id = :groupId", { groupId })
      .execute();
  }

  /** Adds to (or, for work taken back, subtracts from) the users the group's run has queued. */
  async addQueued(groupId: string, users: number): Promise<void> {
    if (users === 0) return;
    await this.manager
      .createQueryBuilder()
      .update(GroupProcessingEntity)
      .set({ queued: () => `CASE WHEN queued + ${Math.trunc(users)} < 0 THEN 0 ELSE queued + ${Math.trunc(users)} END` })
      .where("group_id = :groupId", { groupId })
      .execute();
  }

  /** At the end of a run, what it queued is what it processed (see GroupProcessingRecord.queued). */
  async settleQueued(groupId: string): Promise<void> {
    await this.manager
      .createQueryBuilder()
      .update(GroupProcessingEntity)
      .set({ queued: () => "succeeded + failed" })
      .where("group_id = :groupId", { groupId })
      .execute();
  }
}
