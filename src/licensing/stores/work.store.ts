import { In, type EntityManager } from "typeorm";
import { GroupProcessingEntity, WorkEntity } from "../entities";
import type { GroupProcessingRecord, LicenseProcessingState, WorkRecord } from "../model";

/**
 * The persistent licensing queue and each group's processing state. A row says "recompute this
 * user because of that group"; it survives restarts, and a claim expires so that work held by a
 * process that died is taken up again.
 */
export class WorkStore {
  constructor(private readonly manager: EntityManager) {}

  /** Queues users; a user already queued for the group stays queued once. */
  async enqueue(groupId: string, userIds: readonly string[], now: Date): Promise<void> {
    if (userIds.length === 0) return;
    const existing = new Set(
      (await this.manager.find(WorkEntity, { where: { groupId, userId: In([...userIds]) }, select: { userId: true } })).map((row) => row.userId),
    );
    const rows: WorkRecord[] = [...new Set(userIds)]
      .filter((userId) => !existing.has(userId))
      .map((userId) => ({ userId, groupId, claimedBy: null, claimedUntil: null, enqueuedDateTime: now }));
    for (let i = 0; i < rows.length; i += 500) await this.manager.insert(WorkEntity, rows.slice(i, i + 500));
    // A row already claimed must run again after its current run: release its claim.
    if (existing.size > 0) {
      await this.manager.update(WorkEntity, { groupId, userId: In([...existing]) }, { claimedBy: null, claimedUntil: null, enqueuedDateTime: now });
    }
  }

  /** Claims up to `limit` users (every row of each) whose work is free or whose claim expired. */
  async claim(worker: string, now: Date, leaseMs: number, limit: number): Promise<WorkRecord[]> {
    // Oldest work first.
    const free = await this.manager
      .createQueryBuilder(WorkEntity, "w")
      .select("w.user_id", "userId")
      .where("(w.claimed_until IS NULL OR w.claimed_until < :now)", { now: now.toISOString() })
      .groupBy("w.user_id")
      .orderBy("MIN(w.enqueued_date_time)", "ASC")
      .addOrderBy("w.user_id", "ASC")
      .limit(limit)
      .getRawMany<{ userId: string }>();
    const userIds = free.map((row) => row.userId);
    if (userIds.length === 0) return [];
    const until = new Date(now.getTime() + leaseMs);
    await this.manager
      .createQueryBuilder()
      .update(WorkEntity)
      .set({ claimedBy: worker, claimedUntil: until })
      .where("user_id IN (:...userIds) AND (claimed_until IS NULL OR claimed_until < :now)", { userIds, now: now.toISOString() })
      .execute();
    return this.manager.find(WorkEntity, { where: { userId: In(userIds), claimedBy: worker } });
  }

  /** Removes finished work; rows re-queued meanwhile (claim released) stay. */
  async complete(worker: string, rows: readonly WorkRecord[]): Promise<void> {
    for (const row of rows) await this.manager.delete(WorkEntity, { userId: row.userId, groupId: row.groupId, claimedBy: worker });
  }

  count(): Promise<number> {
    return this.manager.count(WorkEntity);
  }

  pendingFor(groupId: string): Promise<number> {
    return this.manager.countBy(WorkEntity, { groupId });
  }

  async processing(groupIds: readonly string[]): Promise<Map<string, GroupProcessingRecord>> {
    if (groupIds.length === 0) return new Map();
    const rows = await this.manager.findBy(GroupProcessingEntity, { groupId: In([...groupIds]) });
    return new Map(rows.map((row) => [row.groupId, row]));
  }

  async setState(groupId: string, state: LicenseProcessingState, now: Date, resetCounts = false): Promise<void> {
    const existing = await this.manager.findOneBy(GroupProcessingEntity, { groupId });
    const counts = resetCounts || !existing ? { succeeded: 0, failed: 0 } : { succeeded: existing.succeeded, failed: existing.failed };
    await this.manager.save(GroupProcessingEntity, { groupId, state, ...counts, updatedDateTime: now });
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
