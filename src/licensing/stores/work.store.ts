import { Brackets, type EntityManager } from "typeorm";
import { isPostgres } from "../../db/dialect";
import { chunked, RawSql } from "../../db/sql";
import { GroupProcessingEntity, WorkEntity } from "../entities";
import type { GroupProcessingRecord, LicenseProcessingState, WorkRecord } from "../model";

/**
 * The persistent licensing queue and each group's processing state. A row says "recompute this
 * user because of that group"; it survives restarts, and a claim expires so that work held by a
 * process that died is taken up again.
 */
export class WorkStore {
  constructor(private readonly manager: EntityManager) {}

  /**
   * Queues users; a user already queued for the group stays queued once, and a row already
   * claimed must run again after its current run, so its claim is released. One upsert per
   * chunk: a row that a batch under way deletes meanwhile is inserted again, never lost.
   */
  async enqueue(groupId: string, userIds: readonly string[], now: Date): Promise<void> {
    const sql = new RawSql(this.manager);
    const at = now.toISOString();
    for (const chunk of chunked([...new Set(userIds)])) {
      const text =
        `INSERT INTO license_work (user_id, group_id, enqueued_date_time) VALUES ${sql.tuples(chunk.length, 3)} ` +
        "ON CONFLICT (user_id, group_id) DO UPDATE SET claimed_by = NULL, claimed_until = NULL, enqueued_date_time = excluded.enqueued_date_time";
      await sql.affected(text, chunk.flatMap((userId) => [userId, groupId, at]));
    }
  }

  /** Claims up to `limit` users (every row of each) whose work is free or whose claim expired. */
  async claim(worker: string, now: Date, leaseMs: number, limit: number): Promise<WorkRecord[]> {
    if (isPostgres(this.manager)) return this.claimSkippingLocked(worker, now, leaseMs, limit);
    // Oldest work first, read in index order: no sort of the whole queue per batch.
    const sql = new RawSql(this.manager);
    const free = "(claimed_until IS NULL OR claimed_until < ?)";
    const oldest = await sql.rows<{ user_id: string }>(
      `SELECT user_id FROM license_work INDEXED BY IX_license_work_order WHERE ${free} ORDER BY enqueued_date_time, user_id, group_id LIMIT ?`,
      [now.toISOString(), limit],
    );
    const userIds = [...new Set(oldest.map((row) => row.user_id))];
    if (userIds.length === 0) return [];
    // SQLite has one writer, and this batch's transaction holds it until the rows are done and
    // deleted (or rolled back): nobody can see a claim, so none is written.
    const until = new Date(now.getTime() + leaseMs);
    const claimed: WorkRecord[] = [];
    for (const chunk of chunked(userIds)) {
      const rows = await sql.rows<{ user_id: string; group_id: string; enqueued_date_time: string }>(
        `SELECT user_id, group_id, enqueued_date_time FROM license_work WHERE user_id IN (${sql.list(chunk.length)}) AND ${free}`,
        [...chunk, now.toISOString()],
      );
      for (const row of rows) {
        claimed.push({ userId: row.user_id, groupId: row.group_id, claimedBy: worker, claimedUntil: until, enqueuedDateTime: new Date(row.enqueued_date_time) });
      }
    }
    return claimed;
  }

  /**
   * PostgreSQL, where other processes claim at the same time: the rows are locked FOR UPDATE
   * SKIP LOCKED, so a batch passes over the rows another transaction holds (another process's
   * batch) instead of waiting for it or taking them twice. Oldest work first, as on SQLite; a
   * user's other free rows join the batch unless someone else holds them.
   */
  private async claimSkippingLocked(worker: string, now: Date, leaseMs: number, limit: number): Promise<WorkRecord[]> {
    const free = "(w.claimed_until IS NULL OR w.claimed_until < :now)";
    const oldest = await this.manager
      .createQueryBuilder(WorkEntity, "w")
      .where(free, { now: now.toISOString() })
      .orderBy("w.enqueued_date_time", "ASC")
      .addOrderBy("w.user_id", "ASC")
      .addOrderBy("w.group_id", "ASC")
      .limit(limit)
      .setLock("pessimistic_write")
      .setOnLocked("skip_locked")
      .getMany();
    const userIds = [...new Set(oldest.map((row) => row.userId))];
    if (userIds.length === 0) return [];
    const rows = await this.manager
      .createQueryBuilder(WorkEntity, "w")
      .where("w.user_id IN (:...userIds)", { userIds })
      .andWhere(free, { now: now.toISOString() })
      .setLock("pessimistic_write")
      .setOnLocked("skip_locked")
      .getMany();
    const until = new Date(now.getTime() + leaseMs);
    await this.setClaim(rows, worker, until);
    return rows.map((row) => ({ ...row, claimedBy: worker, claimedUntil: until }));
  }

  /** Gives claimed rows back untouched, for a later batch (e.g. their user was busy elsewhere). */
  async release(rows: readonly WorkRecord[]): Promise<void> {
    await this.setClaim(rows, null, null);
  }

  /** Sets the claim of exactly these rows (by key), in chunks. */
  private async setClaim(rows: readonly WorkRecord[], claimedBy: string | null, claimedUntil: Date | null): Promise<void> {
    for (let i = 0; i < rows.length; i += 500) {
      const chunk = rows.slice(i, i + 500);
      await this.manager
        .createQueryBuilder()
        .update(WorkEntity)
        .set({ claimedBy, claimedUntil })
        .where(
          new Brackets((where) => {
            chunk.forEach((row, j) => where.orWhere(`(user_id = :u${j} AND group_id = :g${j})`, { [`u${j}`]: row.userId, [`g${j}`]: row.groupId }));
          }),
        )
        .execute();
    }
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

  count(): Promise<number> {
    return this.manager.count(WorkEntity);
  }

  /** Whether any of the group's work is still queued (cheaper than counting a long queue). */
  async hasPending(groupId: string): Promise<boolean> {
    const sql = new RawSql(this.manager);
    return (await sql.rows(`SELECT 1 AS one FROM license_work WHERE group_id = ${sql.list(1)} LIMIT 1`, [groupId])).length > 0;
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

  /** Sets a group's state, its counts kept (or set to zero), in one upsert: two writers cannot both insert it. */
  async setState(groupId: string, state: LicenseProcessingState, now: Date, resetCounts = false): Promise<void> {
    await this.manager
      .createQueryBuilder()
      .insert()
      .into(GroupProcessingEntity)
      .values({ groupId, state, succeeded: 0, failed: 0, updatedDateTime: now })
      .orUpdate(resetCounts ? ["state", "succeeded", "failed", "updated_date_time"] : ["state", "updated_date_time"], ["group_id"])
      .updateEntity(false)
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
}
