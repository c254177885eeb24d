import type { EntityManager } from "typeorm";
import type { Logger } from "pino";
import type { AuditService } from "../audit/audit.service";
import type { AuditEntry, ModifiedProperty, TargetResource } from "../audit/model";
import type { Database } from "../db/database";
import type { Licensee } from "../directory/model";
import { DirectoryFacts } from "../directory/services/directory-facts";
import { batchEvaluator, evaluateUser, type AssignmentState, type GroupGrant, type LicenseSubject } from "./engine";
import type { AssignmentRecord, WorkRange } from "./model";
import { AssignmentStore } from "./stores/assignment.store";
import { SubscriptionStore } from "./stores/subscription.store";
import { WorkStore } from "./stores/work.store";
import { applyBatch, applyStates, loadSnapshot, reserveSeats, subjectsWith, toStates, type Applied, type PlannedUser, type Snapshot } from "./services/core";
import type { LicenseProgress } from "./services/license-progress";
import { newFailures, type LicenseFailure } from "./services/failures";
import { GROUP_LICENSING_APP } from "./services/queue";

/** How processUsers has a batch's outcomes counted on its groups' runs (see runBatch). */
interface Tally {
  /** Locks the groups' processing rows, as counting would. */
  lock(): Promise<void>;
  count(outcomes: ReadonlyMap<string, readonly AssignmentState[]>): Promise<void>;
}

/** A queued (user, group) a batch took: from a range, or a license_work row of its own. */
interface ClaimedRow {
  userId: string;
  groupId: string;
  fromRange: boolean;
}

interface ClaimedBatch {
  claimed: ClaimedRow[];
  /** The range this batch takes `memberIds` of, and where the range goes on (null: it is done). */
  range: { range: WorkRange; memberIds: string[]; next: string | null } | null;
}

export interface ProcessorOptions {
  batchSize: number;
  /** Pause between polls when the queue is empty. */
  idleMs: number;
}

const RETRIES = 3;
const YIELD_EVERY = 100;

/**
 * The background side of group-based licensing. It takes queued users in batches, recomputes
 * each with the engine, and records the outcome on the user, as Entra does: errors are never
 * reported to whoever changed the group, they wait on the user in licenseAssignmentStates.
 * Each batch is one transaction, so a crash loses nothing: the batch is simply done again.
 */
export class LicenseProcessor {
  /** Users processed since start, for the metrics. */
  processedTotal = 0;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> = Promise.resolve();
  private stopped = true;
  private progress: LicenseProgress | null = null;

  constructor(
    private readonly db: Database,
    private readonly audit: AuditService,
    private readonly log: Logger,
    private readonly options: ProcessorOptions,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Where each batch announces, once committed, the groups whose processing it moved on. */
  reportProgressTo(progress: LicenseProgress): void {
    this.progress = progress;
  }

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  /** Stops polling and waits for the batch under way to commit. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running.catch(() => undefined);
  }

  /** Processes until the queue holds nothing this process can take. */
  async drain(): Promise<void> {
    while ((await this.enqueueRun(() => this.runBatch())) > 0);
  }

  pending(): Promise<number> {
    return new WorkStore(this.db.manager).count();
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.enqueueRun(() => this.runBatch()).then(
        (processed) => this.schedule(processed > 0 ? 0 : this.options.idleMs),
        (error: unknown) => {
          this.log.error({ err: error }, "license processing batch failed; retrying");
          this.schedule(this.options.idleMs * 10);
        },
      );
    }, delayMs);
  }

  private enqueueRun<T>(run: () => Promise<T>): Promise<T> {
    const result = this.running.catch(() => undefined).then(run);
    this.running = result;
    return result;
  }

  /** One batch in one transaction; returns how many users it processed. */
  async runBatch(): Promise<number> {
    let groups: string[] = [];
    const processed = await this.db.transaction(async (tx) => {
      if (this.db.kind === "postgres") await keyedPlans(tx);
      const now = this.now();
      const work = new WorkStore(tx);
      const batch = await this.claim(tx, now);
      if (!batch) return 0;
      const { claimed, range } = batch;
      // A user is recomputed by one transaction at a time. On PostgreSQL another one may hold
      // some of these users (a direct assignment, or a batch with the user's other rows): their
      // rows stay in the queue for a later batch rather than wait (see UserStore.lock).
      const facts = new DirectoryFacts(tx);
      const claimedIds = [...new Set(claimed.map((row) => row.userId))];
      const locked = await facts.lockLicensees(claimedIds, { skipLocked: true });
      const busy = new Set(locked.busy);
      // A range is taken up to its first busy member and goes on from there next time; the
      // users' own rows then wait for that batch too.
      const firstBusy = range ? range.memberIds.findIndex((userId) => busy.has(userId)) : -1;
      const later = new Set(firstBusy >= 0 ? range!.memberIds.slice(firstBusy) : []);
      const rows = claimed.filter((row) => !busy.has(row.userId) && !(firstBusy >= 0 && (later.has(row.userId) || !row.fromRange)));
      if (range) {
        const taken = firstBusy >= 0 ? firstBusy : range.memberIds.length;
        await work.advanceRange(range.range, firstBusy >= 0 ? range.memberIds[firstBusy]! : range.next, taken);
      }
      if (rows.length === 0) return 0;
      groups = [...new Set(rows.map((row) => row.groupId).filter(Boolean))].sort();
      await this.markStarted(tx, groups, now);
      const snapshot = await loadSnapshot(tx);
      const taking = new Set(rows.map((row) => row.userId));
      const users = locked.held.filter((user) => taking.has(user.id));
      await this.processUsers(tx, snapshot, users, now, {
        lock: async () => void (await work.processing(groups, true)),
        count: (outcomes) => this.count(tx, rows, outcomes),
      });
      await work.complete(rows.filter((row) => !row.fromRange));
      await this.markFinished(tx, groups, now);
      const processed = new Set(rows.map((row) => row.userId)).size;
      this.processedTotal += processed;
      return processed;
    });
    if (groups.length > 0) await this.progress?.changed(groups);
    return processed;
  }

  /**
   * What the next batch takes, oldest first: the next part of a group's range (up to a batch of
   * its members, with the group's own rows of users in that part), or users' own rows.
   */
  private async claim(tx: EntityManager, now: Date): Promise<ClaimedBatch | null> {
    const work = new WorkStore(tx);
    const own = async (): Promise<ClaimedBatch | null> => {
      const claimed = await work.claim(now, this.options.batchSize);
      return claimed.length === 0 ? null : { claimed: claimed.map((row) => ({ userId: row.userId, groupId: row.groupId, fromRange: false })), range: null };
    };
    for (;;) {
      // Users' own rows queued before every range go first: a range is taken (and on PostgreSQL
      // locked, so other processes pass over it) only when no own row is older, or when other
      // processes hold them all.
      const oldest = await work.oldestQueued();
      let range = await work.claimRange(oldest);
      if (!range && oldest) {
        const batch = await own();
        if (batch) return batch;
        range = await work.claimRange();
      }
      if (!range) return null;
      const ids = await new DirectoryFacts(tx).memberIdsBetween(range.groupId, range.firstUserId, range.lastUserId, this.options.batchSize + 1);
      const memberIds = ids.slice(0, this.options.batchSize);
      const next = ids[this.options.batchSize] ?? null;
      if (memberIds.length === 0) {
        // Everyone in it left the group: nothing to do (whoever left was queued on their own).
        await work.advanceRange(range, null, 0);
        continue;
      }
      const through = next === null ? range.lastUserId : memberIds[memberIds.length - 1]!;
      const claimed: ClaimedRow[] = [
        ...memberIds.map((userId) => ({ userId, groupId: range.groupId, fromRange: true })),
        ...(await work.claimWithin(range.groupId, range.firstUserId, through)).map((row) => ({ userId: row.userId, groupId: row.groupId, fromRange: false })),
      ];
      return { claimed, range: { range, memberIds, next } };
    }
  }

  /**
   * Evaluates every user of the batch (seats counted as it goes, in memory), then writes the
   * whole batch at once: rows, audit entries, the groups' counts, and the seats last
   * (applyBatch). Should another process have taken seats since the snapshot, it goes again one
   * user at a time, as Entra retries such a clash.
   *
   * Every batch locks its groups' processing rows (markStarted, the counts) before any
   * subscription row: two processes' batches that locked them in opposite orders deadlocked
   * (PostgreSQL found it after its one-second wait, and the batch ran again).
   */
  private async processUsers(tx: EntityManager, snapshot: Snapshot, users: Licensee[], now: Date, tally: Tally): Promise<void> {
    const facts = new DirectoryFacts(tx);
    const store = new AssignmentStore(tx);
    const ids = users.map((user) => user.id);
    const memberships = await facts.groupIdsOf(ids);
    const licenses = await store.groupLicenses([...new Set([...memberships.values()].flat())]);
    const records = await store.ofUsers(ids);
    const mailboxes = await facts.mailboxesOf(ids);
    const subjects = await subjectsWith(tx, users, mailboxes, snapshot, true);
    // One grants array for every user in the same licensed groups (the evaluator keys on it).
    const grantsByGroups = new Map<string, GroupGrant[]>();
    const grantsOf = (user: Licensee): GroupGrant[] => {
      const groupIds = (memberships.get(user.id) ?? []).filter((groupId) => licenses.has(groupId));
      const key = groupIds.join(",");
      let grants = grantsByGroups.get(key);
      if (!grants) grantsByGroups.set(key, (grants = groupIds.map((groupId) => ({ groupId, licenses: licenses.get(groupId)! }))));
      return grants;
    };

    const evaluate = batchEvaluator(snapshot.catalog);
    const planned: PlannedUser[] = [];
    for (const [i, user] of users.entries()) {
      // SQLite's driver is synchronous: without a pause now and then a batch would hold the event
      // loop, and health checks, reads and signals would wait for it.
      if (i > 0 && i % YIELD_EVERY === 0) await pause();
      const before = records.get(user.id) ?? [];
      const plan = { user, before, after: evaluate(snapshot.subscriptions, subjects.get(user.id)!, toStates(before), grantsOf(user)) };
      reserveSeats(snapshot, plan);
      planned.push(plan);
    }
    await pause();
    const outcome = await applyBatch(tx, snapshot, planned, mailboxes, now, async (applied) => {
      const entries = planned.flatMap((plan, i) => [
        ...this.entries(plan.user, applied[i]!),
        ...failureEntries(plan.user, newFailures(snapshot, subjects.get(plan.user.id)!, plan.before, plan.after, grantsOf(plan.user))),
      ]);
      await this.audit.recordMany(tx, entries);
      await tally.count(new Map(planned.map((plan) => [plan.user.id, plan.after])));
    });
    if (outcome.applied) return;
    // Another process took seats this batch counted on: nothing stays written; one user at a time.
    await tally.lock();
    Object.assign(snapshot, { subscriptions: (await loadSnapshot(tx)).subscriptions });
    const outcomes = new Map<string, AssignmentState[]>();
    for (const [i, user] of users.entries()) {
      if (i > 0 && i % YIELD_EVERY === 0) await pause();
      outcomes.set(user.id, await this.settle(tx, snapshot, user, records.get(user.id) ?? [], grantsOf(user), subjects.get(user.id)!, now));
    }
    await tally.count(outcomes);
  }

  /** Evaluates and applies one user, retrying when another writer took a seat meanwhile. */
  private async settle(
    tx: EntityManager,
    snapshot: Snapshot,
    user: Licensee,
    before: AssignmentRecord[],
    grants: GroupGrant[],
    subject: LicenseSubject,
    now: Date,
  ): Promise<AssignmentState[]> {
    for (let attempt = 1; ; attempt++) {
      const after = evaluateUser(snapshot.catalog, snapshot.subscriptions, subject, toStates(before), grants);
      const applied = await applyStates(tx, snapshot, user, before, after, now);
      if (!applied.seatTakenMeanwhile) {
        await this.audit.recordMany(tx, [...this.entries(user, applied), ...failureEntries(user, newFailures(snapshot, subject, before, after, grants))]);
        return after;
      }
      // Another process took the seat the snapshot counted on: Entra retries such a clash itself.
      await this.audit.record(tx, userEntry("Change user license", user, [], "LicenseAssignmentAttributeConcurrencyException", "failure"));
      const fresh = await new SubscriptionStore(tx).find(applied.seatTakenMeanwhile);
      if (fresh) snapshot.subscriptions.set(fresh.skuId, { ...fresh });
      if (attempt >= RETRIES) throw new Error(`license assignment for ${user.id} kept clashing with other writers`);
    }
  }

  /** The audit entries of one user's applied change: their licenses, and a new mailbox's addresses. */
  private entries(user: Licensee, applied: Applied): AuditEntry[] {
    return [
      ...(applied.licenseChange.length > 0 ? [userEntry("Change user license", user, applied.licenseChange, "")] : []),
      ...(applied.mailboxChange.length > 0 ? [userEntry("Update user", user, applied.mailboxChange, "Mailbox addresses recalculated for a newly assigned mailbox plan.")] : []),
    ];
  }

  /** Adds each group's succeeded and failed members of this batch to its run: one update per group. */
  private async count(tx: EntityManager, rows: readonly ClaimedRow[], outcomes: ReadonlyMap<string, readonly AssignmentState[]>): Promise<void> {
    const counts = new Map<string, { succeeded: number; failed: number }>();
    const seen = new Set<string>();
    for (const row of rows) {
      // A member of a range may have a row of their own for the group too: one user, counted once.
      const key = `${row.userId}/${row.groupId}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const after = outcomes.get(row.userId);
      if (!after || !row.groupId) continue;
      const failed = after.some((state) => state.assignedByGroup === row.groupId && state.error !== null);
      const count = counts.get(row.groupId) ?? { succeeded: 0, failed: 0 };
      if (failed) count.failed += 1;
      else count.succeeded += 1;
      counts.set(row.groupId, count);
    }
    const work = new WorkStore(tx);
    for (const [groupId, { succeeded, failed }] of [...counts].sort(([a], [b]) => a.localeCompare(b))) await work.addCounts(groupId, succeeded, failed);
  }

  private async markStarted(tx: EntityManager, groupIds: string[], now: Date): Promise<void> {
    const work = new WorkStore(tx);
    const states = await work.processing(groupIds);
    // In group order (runBatch sorts them), as every batch locks them.
    for (const groupId of groupIds) {
      if (states.get(groupId)?.state !== "QueuedForProcessing") continue;
      // Read again, locked: another process's batch may be starting the same run (PostgreSQL).
      if ((await work.processing([groupId], true)).get(groupId)?.state !== "QueuedForProcessing") continue;
      await work.setStarted(groupId, now);
      await this.recordGroup(tx, groupId, "Start applying group based license to users", []);
    }
  }

  private async markFinished(tx: EntityManager, groupIds: string[], now: Date): Promise<void> {
    const work = new WorkStore(tx);
    for (const [groupId, processing] of await work.processing(groupIds)) {
      if (await work.hasPending(groupId)) continue;
      await work.setState(groupId, "ProcessingComplete", now);
      await work.settleQueued(groupId);
      const counts = [
        { displayName: "SucceededCount", oldValue: null, newValue: String(processing.succeeded) },
        { displayName: "FailedCount", oldValue: null, newValue: String(processing.failed) },
      ];
      // The service's own summary, as the audit log shows it.
      const summary = `Users successfully assigned licenses: ${processing.succeeded}, Users for whom license assignment failed: ${processing.failed}.`;
      await this.recordGroup(tx, groupId, "Finish applying group based license to users", counts, summary);
    }
  }

  private async recordGroup(tx: EntityManager, groupId: string, activity: string, properties: ModifiedProperty[], reason = ""): Promise<void> {
    const group = await new DirectoryFacts(tx).group(groupId);
    const target: TargetResource = { id: groupId, displayName: group?.displayName ?? null, type: "Group", userPrincipalName: null, modifiedProperties: properties };
    await this.audit.record(tx, entry(activity, "GroupManagement", target, "success", reason));
  }


}

/**
 * Entra's record of a background assignment that failed: "Change user license", failure, by the
 * group-based licensing service, with the error and its message.
 */
function failureEntries(user: Licensee, failures: readonly LicenseFailure[]): AuditEntry[] {
  return failures.map((failure) =>
    userEntry(
      "Change user license",
      user,
      [
        { displayName: "SkuId", oldValue: null, newValue: failure.skuId },
        { displayName: "AssignedByGroup", oldValue: null, newValue: failure.groupId },
        { displayName: "LicenseError", oldValue: null, newValue: failure.error },
      ],
      failure.message,
      "failure",
    ),
  );
}

function userEntry(activity: string, user: Licensee, properties: ModifiedProperty[], reason: string, result: AuditEntry["result"] = "success"): AuditEntry {
  const target: TargetResource = { id: user.id, displayName: user.displayName, type: "User", userPrincipalName: user.userPrincipalName, modifiedProperties: properties };
  return entry(activity, "UserManagement", target, result, reason);
}

/**
 * PostgreSQL, for the rest of this transaction: index plans for a batch's lookups. Each reads
 * the rows of at most a batch of keys (`id = ANY($1)`), yet the planner costs every index probe
 * as a disk read and, on a table that grew since its last ANALYZE (a first group license fills
 * license_assignments from nothing), takes the list for most of the table: it scanned whole
 * tables, with a parallel worker, instead. Measured on 100,000 assignment rows, 500 keys: 10–90 ms
 * scanned, 2–6 ms through the primary key, with or without statistics. A statement with no index
 * to use still runs (seq scans are only costed higher); JIT is off, as such a statement's cost
 * would otherwise pass the threshold at which PostgreSQL compiles it (4–5 ms for a one-row read).
 */
async function keyedPlans(tx: EntityManager): Promise<void> {
  await tx.query("SELECT set_config('enable_seqscan', 'off', true), set_config('max_parallel_workers_per_gather', '0', true), set_config('jit', 'off', true)");
}

function pause(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function entry(activity: string, category: AuditEntry["category"], target: TargetResource, result: AuditEntry["result"], reason: string): AuditEntry {
  return {
    activityDisplayName: activity,
    category,
    operationType: "Update",
    initiatedBy: GROUP_LICENSING_APP,
    targetResources: [target],
    result,
    resultReason: reason,
    correlationId: null,
  };
}
