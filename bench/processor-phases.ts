/**
 * A copy of LicenseProcessor.runBatch (src/licensing/processor.ts) with a stopwatch and an SQL
 * statement counter (queryLog.count) around each phase: how bench/group-licensing.ts --phases
 * shows where a batch spends its time. It calls the same stores, engine and core functions as
 * the processor, in the same order, in one transaction per batch; only the private helpers
 * (settle, count, markStarted, markFinished, record) are re-written here, line for line.
 * Keep it in step with processor.ts when that changes (this copy follows the version with
 * lockUsers and release): it measures, it does not replace it. Its per-phase SQL
 * counts add up to the real processor's (the bench prints both) — a quick check they agree.
 */
import type { EntityManager } from "typeorm";
import type { AuditEntry, ModifiedProperty, TargetResource } from "../src/audit/model";
import type { UserRecord } from "../src/directory/model";
import { DirectoryFacts } from "../src/directory/services/directory-facts";
import { evaluateUser, type GroupGrant } from "../src/licensing/engine";
import type { WorkRecord } from "../src/licensing/model";
import { applyStates, loadSnapshot, subjectsFor, toStates } from "../src/licensing/services/core";
import { GROUP_LICENSING_APP } from "../src/licensing/services/queue";
import { AssignmentStore } from "../src/licensing/stores/assignment.store";
import { WorkStore } from "../src/licensing/stores/work.store";
import type { Services } from "../src/services";

export interface PhaseTotals {
  [phase: string]: { ms: number; sql: number; calls: number };
}

export class PhaseTimer {
  readonly totals: PhaseTotals = {};

  constructor(private readonly services: Services) {}

  async time<T>(phase: string, work: () => Promise<T> | T): Promise<T> {
    const sql = this.services.db.queryLog.count;
    const started = performance.now();
    try {
      return await work();
    } finally {
      const entry = (this.totals[phase] ??= { ms: 0, sql: 0, calls: 0 });
      entry.ms += performance.now() - started;
      entry.sql += this.services.db.queryLog.count - sql;
      entry.calls += 1;
    }
  }
}

/** One batch, as runBatch does it; returns how many users it processed. */
export function instrumentedBatch(services: Services, worker: string, batchSize: number, leaseMs: number, timer: PhaseTimer): Promise<number> {
  return timer.time("transaction (total)", () =>
    services.db.transaction(async (tx) => {
      const now = new Date();
      const work = new WorkStore(tx);
      const claimed = await timer.time("claim", () => work.claim(worker, now, leaseMs, batchSize));
      if (claimed.length === 0) return 0;
      const facts = new DirectoryFacts(tx);
      const held = new Set(await timer.time("lockUsers", () => facts.lockUsers([...new Set(claimed.map((row) => row.userId))], { skipLocked: true })));
      const existing = await timer.time("load users", () => facts.users([...new Set(claimed.map((row) => row.userId))]));
      const busy = new Set(existing.filter((user) => !held.has(user.id)).map((user) => user.id));
      if (busy.size > 0) await timer.time("release busy users", () => work.release(claimed.filter((row) => busy.has(row.userId))));
      const rows = claimed.filter((row) => !busy.has(row.userId));
      if (rows.length === 0) return 0;
      const groups = [...new Set(rows.map((row) => row.groupId).filter(Boolean))];
      await timer.time("markStarted", () => markStarted(services, tx, groups, now));
      const snapshot = await timer.time("loadSnapshot", () => loadSnapshot(tx));
      const userIds = [...new Set(rows.map((row) => row.userId))];
      const users = existing.filter((user) => held.has(user.id));
      const store = new AssignmentStore(tx);
      const memberships = await timer.time("groupIdsOf (memberships)", () => facts.groupIdsOf(users.map((user) => user.id)));
      const licenses = await timer.time("groupLicenses", () => store.groupLicenses([...new Set([...memberships.values()].flat())]));
      const records = await timer.time("ofUsers (assignments before)", () => store.ofUsers(users.map((user) => user.id)));
      const subjects = await timer.time("subjectsFor (proxy addresses, holders)", () => subjectsFor(tx, users, snapshot, true));
      for (const user of users) {
        const grants: GroupGrant[] = (memberships.get(user.id) ?? [])
          .filter((groupId) => licenses.has(groupId))
          .map((groupId) => ({ groupId, licenses: licenses.get(groupId)! }));
        const before = records.get(user.id) ?? [];
        const after = await timer.time("per user: evaluateUser (engine)", () =>
          evaluateUser(snapshot.catalog, snapshot.subscriptions, subjects.get(user.id)!, toStates(before), grants),
        );
        const applied = await timer.time("per user: applyStates (seats, rows, mailbox)", () => applyStates(tx, snapshot, user, before, after, now));
        if (applied.seatTakenMeanwhile) throw new Error("a seat was taken meanwhile: the bench runs alone, this should not happen");
        if (applied.licenseChange.length > 0) await timer.time("per user: audit 'Change user license'", () => record(services, tx, "Change user license", user, applied.licenseChange, ""));
        if (applied.mailboxChange.length > 0) await timer.time("per user: audit 'Update user' (mailbox)", () => record(services, tx, "Update user", user, applied.mailboxChange, "Mailbox addresses recalculated for a newly assigned mailbox plan."));
        await timer.time("per user: count (group succeeded/failed)", () => count(tx, rows, user.id, after));
      }
      await timer.time("complete (delete work rows)", () => work.complete(worker, rows));
      await timer.time("markFinished (pendingFor)", () => markFinished(services, tx, groups, now));
      return userIds.length;
    }),
  );
}

async function count(tx: EntityManager, rows: WorkRecord[], userId: string, after: ReturnType<typeof evaluateUser>): Promise<void> {
  const work = new WorkStore(tx);
  for (const row of rows) {
    if (row.userId !== userId || !row.groupId) continue;
    const failed = after.some((state) => state.assignedByGroup === row.groupId && state.error !== null);
    await work.addCounts(row.groupId, failed ? 0 : 1, failed ? 1 : 0);
  }
}

async function markStarted(services: Services, tx: EntityManager, groupIds: string[], now: Date): Promise<void> {
  const work = new WorkStore(tx);
  for (const [groupId, processing] of await work.processing(groupIds)) {
    if (processing.state !== "QueuedForProcessing") continue;
    if ((await work.processing([groupId], true)).get(groupId)?.state !== "QueuedForProcessing") continue;
    await work.setState(groupId, "ProcessingInProgress", now);
    await recordGroup(services, tx, groupId, "Start applying group based license to users", []);
  }
}

async function markFinished(services: Services, tx: EntityManager, groupIds: string[], now: Date): Promise<void> {
  const work = new WorkStore(tx);
  for (const [groupId, processing] of await work.processing(groupIds)) {
    if ((await work.pendingFor(groupId)) > 0) continue;
    await work.setState(groupId, "ProcessingComplete", now);
    const counts = [
      { displayName: "SucceededCount", oldValue: null, newValue: String(processing.succeeded) },
      { displayName: "FailedCount", oldValue: null, newValue: String(processing.failed) },
    ];
    await recordGroup(services, tx, groupId, "Finish applying group based license to users", counts);
  }
}

async function recordGroup(services: Services, tx: EntityManager, groupId: string, activity: string, properties: ModifiedProperty[]): Promise<void> {
  const group = await new DirectoryFacts(tx).group(groupId);
  const target: TargetResource = { id: groupId, displayName: group?.displayName ?? null, type: "Group", userPrincipalName: null, modifiedProperties: properties };
  await services.audit.record(tx, entry(activity, "GroupManagement", target, "success", ""));
}

async function record(services: Services, tx: EntityManager, activity: string, user: UserRecord, properties: ModifiedProperty[], reason: string): Promise<void> {
  const target: TargetResource = { id: user.id, displayName: user.displayName, type: "User", userPrincipalName: user.userPrincipalName, modifiedProperties: properties };
  await services.audit.record(tx, entry(activity, "UserManagement", target, "success", reason));
}

function entry(activity: string, category: AuditEntry["category"], target: TargetResource, result: AuditEntry["result"], reason: string): AuditEntry {
  return { activityDisplayName: activity, category, operationType: "Update", initiatedBy: GROUP_LICENSING_APP, targetResources: [target], result, resultReason: reason, correlationId: null };
}
