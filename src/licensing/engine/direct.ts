import { heldSkus } from "./plans";
import { problems } from "./problems";
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
import type { AssignmentState, Catalog, LicenseProblem, LicenseRequest, LicenseSubject, Subscription } from "./types";

export interface DirectChange {
  addLicenses: readonly LicenseRequest[];
  removeLicenses: readonly string[];
}

export interface DirectOutcome {
  /** The user's assignment states if the change applies (all sources). */
  states: AssignmentState[];
  /** Every problem, in the order the service checks them; empty when the change may apply. */
  problems: LicenseProblem[];
}

/**
 * Direct assignment is all or nothing and answers at once: the change applies only when no
 * problem is found. Checks run in the service's order: the license, the usage location, seats,
 * conflicting plans, prerequisites, location restrictions, proxy address uniqueness.
 */
export function planDirectChange(
  catalog: Catalog,
  subscriptions: ReadonlyMap<string, Subscription>,
  subject: LicenseSubject,
  current: readonly AssignmentState[],
  change: DirectChange,
): DirectOutcome {
  const found: LicenseProblem[] = [];
  found.push(...change.removeLicenses.flatMap((skuId) => checkRemoval(catalog, current, skuId)));
  const after = applyChange(current, change);
  const proposal: Proposal = {
    catalog,
    subscriptions,
    subject,
    heldBefore: heldSkus(current),
    claimed: new Map(),
    after,
    before: current,
  };
  const valid = change.addLicenses.filter((request) => {
    const invalid = checkLicenseIsValid(proposal, request);
    found.push(...invalid);
    return invalid.length === 0;
  });
  if (valid.length > 0) found.push(...checkUsageLocation(proposal, valid[0]));
  for (const request of valid) found.push(...checkSeats(proposal, request));
  for (const request of valid) found.push(...checkMutualExclusion(proposal, request));
  found.push(...checkDependencies(proposal, [...change.removeLicenses, ...change.addLicenses.map((request) => request.skuId)]));
  for (const request of valid) found.push(...checkLocation(proposal, request));
  for (const request of valid) found.push(...checkProxyUniqueness(proposal, request));
  return { states: after, problems: found };
}

function checkRemoval(catalog: Catalog, current: readonly AssignmentState[], skuId: string): LicenseProblem[] {
  const sources = current.filter((state) => state.skuId === skuId);
  if (sources.some((state) => state.assignedByGroup === null)) return [];
  return sources.length > 0 ? [problems.inherited(catalog, skuId)] : [problems.notAssigned(catalog, skuId)];
}

/** The states after the change: removed direct sources go, added ones are (re)placed as direct and active. */
function applyChange(current: readonly AssignmentState[], change: DirectChange): AssignmentState[] {
  const touched = new Set([...change.removeLicenses, ...change.addLicenses.map((request) => request.skuId)]);
  const kept = current.filter((state) => state.assignedByGroup !== null || !touched.has(state.skuId));
  const added = change.addLicenses.map((request) => ({
    skuId: request.skuId,
    disabledPlans: [...new Set(request.disabledPlans)],
    assignedByGroup: null,
    state: "Active" as const,
    error: null,
  }));
  return [...kept, ...added];
}
