import type { EntityManager } from "typeorm";
import { changed, type ModifiedProperty } from "../../audit/model";
import { calculatedProxyAddresses, DirectoryFacts, type UserMailbox } from "../../directory/services/directory-facts";
import type { Licensee, OrganizationRecord } from "../../directory/model";
import { primarySmtpAddress, proxyAddressKey } from "../../directory/validation";
import { catalogWith, DEFAULT_PLAN_RULES, resolvePlanRules, type PlanRulesDocument } from "../catalog";
import { assignedLicenses, enabledPlans, heldSkus, type AssignmentState, type Catalog, type LicenseSubject, type Subscription } from "../engine";
import { DIRECT, type AssignmentRecord } from "../model";
import { AssignmentStore } from "../stores/assignment.store";
import { PlanRulesStore } from "../stores/plan-rules.store";
import { SubscriptionStore } from "../stores/subscription.store";

/** Everything the engine needs that is the same for every user of one unit of work. */
export interface Snapshot {
  catalog: Catalog;
  subscriptions: Map<string, Subscription>;
  organization: OrganizationRecord;
}

export interface Applied {
  /** Whether any state, seat or plan changed. */
  changed: boolean;
  /** AssignedLicense before and after, for the audit log. */
  licenseChange: ModifiedProperty[];
  /** Mail and proxy addresses given with a new mailbox, for the audit log. */
  mailboxChange: ModifiedProperty[];
  /** A SKU whose last seat another writer took since the snapshot; nothing was written. */
  seatTakenMeanwhile: string | null;
}

export async function loadPlanRules(manager: EntityManager): Promise<PlanRulesDocument> {
  const stored = await new PlanRulesStore(manager).get();
  return stored ? (JSON.parse(stored) as PlanRulesDocument) : DEFAULT_PLAN_RULES;
}

export async function loadSnapshot(manager: EntityManager): Promise<Snapshot> {
  const catalog = catalogWith(resolvePlanRules(await loadPlanRules(manager)));
  const subscriptions = new Map((await new SubscriptionStore(manager).all()).map((s) => [s.skuId, { ...s }]));
  return { catalog, subscriptions, organization: await new DirectoryFacts(manager).organization() };
}

export function toStates(records: readonly AssignmentRecord[]): AssignmentState[] {
  return records.map((record) => ({
    skuId: record.skuId,
    disabledPlans: record.disabledPlans,
    assignedByGroup: record.source === DIRECT ? null : record.source,
    state: record.state,
    error: record.error,
  }));
}

/**
 * The engine's view of each user: the usage location that applies (for group licensing, the
 * tenant default when the user has none) and the proxy addresses their mailbox would collide on.
 */
export async function subjectsFor(
  manager: EntityManager,
  users: readonly Licensee[],
  snapshot: Snapshot,
  forGroupLicensing: boolean,
): Promise<Map<string, LicenseSubject>> {
  const mailboxes = await new DirectoryFacts(manager).mailboxesOf(users.map((user) => user.id));
  return subjectsWith(manager, users, mailboxes, snapshot, forGroupLicensing);
}

/**
 * subjectsFor, given the users' mailboxes already read. A user with addresses collides on those
 * another user holds too; one without would get the addresses Exchange calculates, so those are
 * looked up.
 */
export async function subjectsWith(
  manager: EntityManager,
  users: readonly Licensee[],
  mailboxes: ReadonlyMap<string, UserMailbox>,
  snapshot: Snapshot,
  forGroupLicensing: boolean,
): Promise<Map<string, LicenseSubject>> {
  const calculated = new Map(users.filter((user) => !mailboxes.has(user.id)).map((user) => [user.id, calculatedProxyAddresses(user, snapshot.organization)]));
  const holders = calculated.size > 0 ? await new DirectoryFacts(manager).holdersOf([...calculated.values()].flat()) : new Map<string, string[]>();
  return new Map(
    users.map((user) => {
      const clashes =
        mailboxes.get(user.id)?.heldByOthers ??
        (calculated.get(user.id) ?? []).map(proxyAddressKey).filter((key) => (holders.get(key) ?? []).some((id) => id !== user.id));
      const usageLocation = user.usageLocation ?? (forGroupLicensing ? snapshot.organization.defaultUsageLocation : null);
      return [user.id, { usageLocation, conflictingProxyAddresses: [...new Set(clashes)] }];
    }),
  );
}

/**
 * Persists a user's new states: seats are taken (one conditional update per new SKU) and given
 * back, rows replaced, and a user who gains a mailbox gets its addresses. On a seat another
 * writer took meanwhile nothing is written and the SKU is reported.
 */
export async function applyStates(
  manager: EntityManager,
  snapshot: Snapshot,
  user: Licensee,
  before: readonly AssignmentRecord[],
  after: readonly AssignmentState[],
  now: Date,
): Promise<Applied> {
  const beforeStates = toStates(before);
  const [held, willHold] = [heldSkus(beforeStates), heldSkus(after)];
  const subscriptions = new SubscriptionStore(manager);
  const taken: string[] = [];
  for (const skuId of [...willHold].filter((sku) => !held.has(sku))) {
    if (!(await subscriptions.takeSeat(skuId))) {
      for (const sku of taken) await subscriptions.releaseSeat(sku);
      return { changed: false, licenseChange: [], mailboxChange: [], seatTakenMeanwhile: skuId };
    }
    taken.push(skuId);
  }
  for (const skuId of [...held].filter((sku) => !willHold.has(sku))) await subscriptions.releaseSeat(skuId);
  adjustSnapshot(snapshot, taken, [...held].filter((sku) => !willHold.has(sku)));
  const rows = toRecords(user.id, before, after, now);
  const rowsChanged = !sameRecords(before, rows);
  if (rowsChanged) await new AssignmentStore(manager).replace(user.id, rows);
  const mailboxChange = gainsMailbox(snapshot.catalog, beforeStates, after)
    ? await new DirectoryFacts(manager).provisionMailbox(user, calculatedProxyAddresses(user, snapshot.organization))
    : [];
  const licenseChange = licensesOf(beforeStates, after);
  return { changed: rowsChanged || mailboxChange.length > 0, licenseChange, mailboxChange, seatTakenMeanwhile: null };
}

/** One user's outcome in a batch: the rows before and the engine's states after. */
export interface PlannedUser {
  user: Licensee;
  before: readonly AssignmentRecord[];
  after: readonly AssignmentState[];
}

/**
 * Counts a planned user's seats in the snapshot, as applying it would: users evaluated later in
 * the same batch see the seats this one takes.
 */
export function reserveSeats(snapshot: Snapshot, planned: PlannedUser): void {
  const [held, willHold] = [heldSkus(toStates(planned.before)), heldSkus(planned.after)];
  adjustSnapshot(
    snapshot,
    [...willHold].filter((sku) => !held.has(sku)),
    [...held].filter((sku) => !willHold.has(sku)),
  );
}

/**
 * applyStates for many users at once (their seats already reserved with reserveSeats): the
 * rows that differ deleted and inserted in a few multi-row statements, new mailboxes given, then
 * `alongside` (the caller's other writes for the batch, e.g. its audit entries), then one
 * conditional seat update per SKU. The seats go last because every process's batches update
 * those same rows, each holding its lock until it commits. `mailboxes` are the users' proxy
 * addresses as read for the batch. When another writer took seats since the snapshot, everything
 * written here is undone (a savepoint) and the SKU is reported: the caller then goes one user at
 * a time.
 */
export async function applyBatch(
  manager: EntityManager,
  snapshot: Snapshot,
  planned: readonly PlannedUser[],
  mailboxes: ReadonlyMap<string, UserMailbox>,
  now: Date,
  alongside: (applied: readonly Applied[]) => Promise<void> = async () => undefined,
): Promise<{ applied: Applied[]; seatTakenMeanwhile: null } | { applied: null; seatTakenMeanwhile: string }> {
  const seats = new Map<string, number>();
  for (const { before, after } of planned) {
    const [held, willHold] = [heldSkus(toStates(before)), heldSkus(after)];
    for (const sku of willHold) if (!held.has(sku)) seats.set(sku, (seats.get(sku) ?? 0) + 1);
    for (const sku of held) if (!willHold.has(sku)) seats.set(sku, (seats.get(sku) ?? 0) - 1);
  }
  await manager.query(`SAVEPOINT ${BATCH_SAVEPOINT}`);

  // Only the rows that differ are written: deleted where a user had them, inserted where the
  // user has them now (the batch holds its users, so no row appeared since they were read).
  const removed: AssignmentRecord[] = [];
  const rows: AssignmentRecord[] = [];
  const applied: Applied[] = [];
  const facts = new DirectoryFacts(manager);
  const changes = new ChangeMemo(snapshot.catalog);
  for (const { user, before, after } of planned) {
    const next = toRecords(user.id, before, after, now);
    const rowsChanged = !sameRecords(before, next);
    if (rowsChanged) {
      const previous = new Map(before.map((record) => [`${record.skuId}/${record.source}`, record]));
      for (const record of next) {
        const key = `${record.skuId}/${record.source}`;
        const old = previous.get(key);
        previous.delete(key);
        if (old && sameRecord(old, record)) continue;
        if (old) removed.push(old);
        rows.push(record);
      }
      removed.push(...previous.values());
    }
    const change = changes.of(before, after);
    const own = mailboxes.get(user.id)?.addresses ?? [];
    const mailboxChange =
      change.gainsMailbox && !primarySmtpAddress(own) ? await facts.provisionMailbox(user, calculatedProxyAddresses(user, snapshot.organization)) : [];
    applied.push({ changed: rowsChanged || mailboxChange.length > 0, licenseChange: change.licenseChange, mailboxChange, seatTakenMeanwhile: null });
  }
  await new AssignmentStore(manager).change(removed, rows);
  await alongside(applied);
  // In SKU order, so that two processes' batches lock the rows in the same order.
  const subscriptions = new SubscriptionStore(manager);
  for (const [sku, count] of [...seats].sort(([a], [b]) => a.localeCompare(b))) {
    if (count > 0 && !(await subscriptions.takeSeats(sku, count))) {
      await manager.query(`ROLLBACK TO SAVEPOINT ${BATCH_SAVEPOINT}`);
      return { applied: null, seatTakenMeanwhile: sku };
    }
    if (count < 0) await subscriptions.releaseSeats(sku, -count);
  }
  return { applied, seatTakenMeanwhile: null };
}

/** Where applyBatch undoes a batch to (released with the transaction). */
const BATCH_SAVEPOINT = "license_batch";

/**
 * What a change from `before` to `after` means for the audit log and the mailbox, worked out
 * once per distinct change in a batch: group licensing gives most members the same states (the
 * batch evaluator hands them the same array), from the same rows before. The answers are shared
 * between users and must not be changed.
 */
class ChangeMemo {
  private readonly memo = new WeakMap<readonly AssignmentState[], Map<string, { gainsMailbox: boolean; licenseChange: ModifiedProperty[] }>>();

  constructor(private readonly catalog: Catalog) {}

  of(before: readonly AssignmentRecord[], after: readonly AssignmentState[]): { gainsMailbox: boolean; licenseChange: ModifiedProperty[] } {
    const beforeStates = toStates(before);
    const key = before.length === 0 ? "" : JSON.stringify(beforeStates);
    let byBefore = this.memo.get(after);
    if (!byBefore) this.memo.set(after, (byBefore = new Map()));
    let change = byBefore.get(key);
    if (!change) byBefore.set(key, (change = { gainsMailbox: gainsMailbox(this.catalog, beforeStates, after), licenseChange: licensesOf(beforeStates, after) }));
    return change;
  }
}

function adjustSnapshot(snapshot: Snapshot, taken: readonly string[], released: readonly string[]): void {
  for (const sku of taken) snapshot.subscriptions.get(sku)!.consumedUnits += 1;
  for (const sku of released) {
    const subscription = snapshot.subscriptions.get(sku);
    if (subscription) subscription.consumedUnits -= 1;
  }
}

function toRecords(userId: string, before: readonly AssignmentRecord[], after: readonly AssignmentState[], now: Date): AssignmentRecord[] {
  const previous = new Map(before.map((record) => [`${record.skuId}/${record.source}`, record]));
  return after.map((state) => {
    const source = state.assignedByGroup ?? DIRECT;
    const old = previous.get(`${state.skuId}/${source}`);
    const same = old && old.state === state.state && old.error === state.error && JSON.stringify(old.disabledPlans) === JSON.stringify(state.disabledPlans);
    return { userId, skuId: state.skuId, source, disabledPlans: [...state.disabledPlans], state: state.state, error: state.error, lastUpdatedDateTime: same ? old.lastUpdatedDateTime : now };
  });
}

/** Whether a row is written again unchanged: the same state, error, plans and time. */
function sameRecord(a: AssignmentRecord, b: AssignmentRecord): boolean {
  return (
    a.state === b.state &&
    a.error === b.error &&
    a.lastUpdatedDateTime.getTime() === b.lastUpdatedDateTime.getTime() &&
    JSON.stringify(a.disabledPlans) === JSON.stringify(b.disabledPlans)
  );
}

/** Whether two sets of rows hold the same assignments (timestamps aside), in any order. */
function sameRecords(a: readonly AssignmentRecord[], b: readonly AssignmentRecord[]): boolean {
  if (a.length !== b.length) return false;
  const key = (r: AssignmentRecord) => JSON.stringify([r.skuId, r.source, r.state, r.error, [...r.disabledPlans].sort()]);
  const keys = a.map(key).sort();
  return b.map(key).sort().every((k, i) => k === keys[i]);
}

function gainsMailbox(catalog: Catalog, before: readonly AssignmentState[], after: readonly AssignmentState[]): boolean {
  const mailbox = (states: readonly AssignmentState[]) => [...enabledPlans(catalog, states)].some((plan) => catalog.rules.mailboxPlans.includes(plan));
  return !mailbox(before) && mailbox(after);
}

/** The user's assignedLicenses before and after, when they differ. */
function licensesOf(before: readonly AssignmentState[], after: readonly AssignmentState[]): ModifiedProperty[] {
  const [old, next] = [assignedLicenses(before), assignedLicenses(after)];
  return JSON.stringify(old) === JSON.stringify(next) ? [] : [changed("AssignedLicense", old, next)];
}
