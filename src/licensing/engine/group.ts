import { enabledPlans, heldSkus, requestPlans } from "./plans";
import { problems } from "./problems";
import { availableUnits } from "./subscriptions";
import {
  checkDependencies,
  checkLicenseIsValid,
  checkLocation,
  checkMutualExclusion,
  checkProxyUniqueness,
  checkSeats,
  checkUsageLocation,
  type Proposal,
} from "./rules";
import { isHeld, type AssignmentState, type Catalog, type LicenseProblem, type LicenseRequest, type LicenseSubject, type Subscription } from "./types";

/** The licenses one group gives its members. */
export interface GroupGrant {
  groupId: string;
  licenses: readonly LicenseRequest[];
}

/**
 * Recomputes a user's group-based assignments from scratch, so running it twice gives the same
 * answer. Groups are tried one at a time, those that already licensed the user first; within a
 * group it is all or nothing. Direct assignments are kept as they are.
 */
export function evaluateUser(
  catalog: Catalog,
  subscriptions: ReadonlyMap<string, Subscription>,
  subject: LicenseSubject,
  current: readonly AssignmentState[],
  grants: readonly GroupGrant[],
): AssignmentState[] {
  return explainUser(catalog, subscriptions, subject, current, grants).states;
}

/**
 * evaluateUser for many users in a row (a batch of group-licensed users), remembering answers.
 * The answer depends on the subscriptions only through each requested SKU's status and whether
 * it has a free seat (a user needs at most one per SKU), so users with the same usage location,
 * proxy clashes, assignments and groups get the same states while those stay as they were.
 * The states returned are shared between users: read them, never change them (nor a grants
 * array once passed: its part of the key is remembered by reference).
 */
export function batchEvaluator(catalog: Catalog): BatchEvaluator {
  const memo = new Map<string, readonly AssignmentState[]>();
  // Users of one batch mostly share their groups' grants (the same array, see the processor).
  const grantKeys = new WeakMap<readonly GroupGrant[], string>();
  return (subscriptions, subject, current, grants) => {
    let seats = "";
    for (const grant of grants) {
      for (const license of grant.licenses) {
        const subscription = subscriptions.get(license.skuId);
        seats += subscription ? `${subscription.capabilityStatus}:${availableUnits(subscription) >= 1},` : "none,";
      }
      seats += ";";
    }
    let grantKey = grantKeys.get(grants);
    if (grantKey === undefined) {
      grantKey = JSON.stringify(grants.map((grant) => [grant.groupId, grant.licenses.map((license) => [license.skuId, license.disabledPlans])]));
      grantKeys.set(grants, grantKey);
    }
    // JSON never holds a raw line break, so the parts cannot run into each other.
    const key = [
      JSON.stringify(subject.usageLocation),
      JSON.stringify(subject.conflictingProxyAddresses),
      current.length === 0 ? "[]" : JSON.stringify(current.map((state) => [state.skuId, state.disabledPlans, state.assignedByGroup, state.state, state.error])),
      grantKey,
      seats,
    ].join("\n");
    let states = memo.get(key);
    if (!states) {
      states = evaluateUser(catalog, subscriptions, subject, current, grants);
      if (memo.size < MEMO_LIMIT) memo.set(key, states);
    }
    return states;
  };
}

const MEMO_LIMIT = 10_000;

export type BatchEvaluator = (
  subscriptions: ReadonlyMap<string, Subscription>,
  subject: LicenseSubject,
  current: readonly AssignmentState[],
  grants: readonly GroupGrant[],
) => readonly AssignmentState[];

/** evaluateUser, with the problem behind each failed group (for people asking why). */
export function explainUser(
  catalog: Catalog,
  subscriptions: ReadonlyMap<string, Subscription>,
  subject: LicenseSubject,
  current: readonly AssignmentState[],
  grants: readonly GroupGrant[],
): { states: AssignmentState[]; problems: (LicenseProblem & { groupId: string })[] } {
  const problemsFound: (LicenseProblem & { groupId: string })[] = [];
  const granted = new Set(grants.map((grant) => grant.groupId));
  const accepted: AssignmentState[] = current.filter((state) => state.assignedByGroup === null);
  const results: AssignmentState[] = [...accepted];
  const claimed = new Map<string, number>();
  for (const grant of orderGrants(current, grants)) {
    const candidate = grant.licenses.map((license) => toState(license, grant.groupId));
    const proposal: Proposal = {
      catalog,
      subscriptions,
      subject,
      heldBefore: new Set([...heldSkus(current), ...heldSkus(accepted)]),
      claimed: new Map(claimed),
      after: [...accepted, ...candidate],
      before: current,
    };
    const failures = grant.licenses.flatMap((license) => groupLicenseProblems(proposal, license).slice(0, 1));
    if (failures.length === 0) {
      accepted.push(...candidate);
      results.push(...candidate);
      for (const [sku, count] of proposal.claimed) claimed.set(sku, count);
    } else {
      results.push(...candidate.map((state) => inError(catalog, state, failures)));
      problemsFound.push(...failures.map((failure) => ({ ...failure, groupId: grant.groupId })));
    }
  }
  // Decided last, against everything the remaining sources give.
  results.push(...keptForDependents(catalog, current, granted, accepted));
  return { states: results, problems: problemsFound };
}

function groupLicenseProblems(p: Proposal, license: LicenseRequest): LicenseProblem[] {
  const newPlans = new Set(requestPlans(p.catalog, license));
  return [
    ...checkLicenseIsValid(p, license),
    ...checkUsageLocation(p, license),
    ...checkSeats(p, license),
    ...checkMutualExclusion(p, license),
    ...checkDependencies(p, [license.skuId], newPlans),
    ...checkLocation(p, license),
    ...checkProxyUniqueness(p, license),
  ];
}

function toState(license: LicenseRequest, groupId: string): AssignmentState {
  return { skuId: license.skuId, disabledPlans: [...license.disabledPlans], assignedByGroup: groupId, state: "Active", error: null };
}

/** The failing SKU gets its own error; its siblings from the same group get Other. */
function inError(catalog: Catalog, state: AssignmentState, failures: LicenseProblem[]): AssignmentState {
  const own = failures.find((failure) => failure.skuId === state.skuId);
  return { ...state, state: "Error", error: own ? own.error : "Other" };
}

/** Groups that already licensed the user keep their place ahead of newcomers. */
function orderGrants(current: readonly AssignmentState[], grants: readonly GroupGrant[]): GroupGrant[] {
  const holding = new Set(current.filter((state) => isHeld(state) && state.assignedByGroup).map((state) => state.assignedByGroup));
  const rank = (grant: GroupGrant) => (holding.has(grant.groupId) ? 0 : 1);
  return [...grants].sort((a, b) => rank(a) - rank(b) || a.groupId.localeCompare(b.groupId));
}

/**
 * A group assignment that no longer applies (the user left the group) cannot be taken away
 * while a direct plan depends on it: it stays, in ActiveWithError with DependencyViolation.
 */
function keptForDependents(
  catalog: Catalog,
  current: readonly AssignmentState[],
  granted: ReadonlySet<string>,
  accepted: readonly AssignmentState[],
): AssignmentState[] {
  const vanished = current.filter((state) => isHeld(state) && state.assignedByGroup && !granted.has(state.assignedByGroup));
  return vanished
    .filter((state) => dependentsOf(catalog, accepted, state).length > 0)
    .map((state) => ({ ...state, state: "ActiveWithError" as const, error: "DependencyViolation" as const }));
}

/** Plans of `others` that would lose their last prerequisite if `removed` went away. */
export function dependentsOf(catalog: Catalog, others: readonly AssignmentState[], removed: AssignmentState): string[] {
  const remaining = enabledPlans(catalog, others);
  const lost = new Set(requestPlans(catalog, removed).filter((plan) => !remaining.has(plan)));
  return catalog.rules.dependencies
    .filter(({ plan, requiresAnyOf }) => remaining.has(plan) && requiresAnyOf.some((required) => lost.has(required)))
    .filter(({ requiresAnyOf }) => !requiresAnyOf.some((required) => remaining.has(required)))
    .map(({ plan }) => plan);
}

/**
 * SKUs with a plan that needs one of the plans of `removedSkuIds` to work (an add-on's plan,
 * when its prerequisite is among them): only a user holding one of these can have a plan lose
 * its prerequisite when those SKUs go, so only such holders need conversionsOnGroupRemoval.
 */
export function skusDependingOn(catalog: Catalog, removedSkuIds: readonly string[]): string[] {
  const removedPlans = new Set(removedSkuIds.flatMap((skuId) => catalog.skus.get(skuId)?.servicePlanIds ?? []));
  const dependent = new Set(catalog.rules.dependencies.filter(({ requiresAnyOf }) => requiresAnyOf.some((plan) => removedPlans.has(plan))).map(({ plan }) => plan));
  if (dependent.size === 0) return [];
  return [...catalog.skus.values()].filter((sku) => sku.servicePlanIds.some((plan) => dependent.has(plan))).map((sku) => sku.skuId);
}

/**
 * When a group stops assigning SKUs, members whose direct plans depend on them keep those
 * licenses as direct assignments instead. Returns the states to convert.
 */
export function conversionsOnGroupRemoval(
  catalog: Catalog,
  states: readonly AssignmentState[],
  groupId: string,
  removedSkuIds: readonly string[],
): AssignmentState[] {
  const removed = (state: AssignmentState) => state.assignedByGroup === groupId && removedSkuIds.includes(state.skuId);
  // What the user keeps from every other source: a prerequisite another group still gives is not lost.
  const kept = states.filter((state) => isHeld(state) && !removed(state));
  return states.filter((state) => removed(state) && isHeld(state) && dependentsOf(catalog, kept, state).length > 0);
}

/**
 * An add-on on a group needs its prerequisite plan from the same group, or the change to the
 * group is refused at once.
 */
export function groupPrerequisiteProblem(catalog: Catalog, licenses: readonly LicenseRequest[]): LicenseProblem | null {
  const plans = new Set(licenses.flatMap((license) => requestPlans(catalog, license)));
  for (const { plan, requiresAnyOf } of catalog.rules.dependencies) {
    if (!plans.has(plan) || requiresAnyOf.some((required) => plans.has(required))) continue;
    const sku = licenses.find((license) => requestPlans(catalog, license).includes(plan))!.skuId;
    return problems.groupPrerequisite(catalog, sku, plan, requiresAnyOf);
  }
  return null;
}
