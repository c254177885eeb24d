import { explainUser, problems, type AssignmentState, type GroupGrant, type LicenseError, type LicenseSubject } from "../engine";
import { DIRECT, type AssignmentRecord } from "../model";
import { toStates, type Snapshot } from "./core";

/** A license the background processing left in error for one user, worded as the service words it. */
export interface LicenseFailure {
  skuId: string;
  /** The group that gives the license, or null for a direct assignment left in error. */
  groupId: string | null;
  error: LicenseError;
  message: string;
}

/**
 * The licenses that this processing puts in error, or in another error than before: Entra
 * records each such failure once ("Change user license", failure), not at every retry that meets
 * the same error again.
 */
export function newFailures(
  snapshot: Snapshot,
  subject: LicenseSubject,
  before: readonly AssignmentRecord[],
  after: readonly AssignmentState[],
  grants: readonly GroupGrant[],
): LicenseFailure[] {
  const fresh = after.filter(
    (state) => state.error !== null && !before.some((record) => record.skuId === state.skuId && record.source === (state.assignedByGroup ?? DIRECT) && record.error === state.error),
  );
  if (fresh.length === 0) return [];
  // Only failures need the reasons in words; the batch itself runs on the faster evaluator.
  const explained = explainUser(snapshot.catalog, snapshot.subscriptions, subject, toStates(before), grants).problems;
  return fresh.map((state) => {
    const groupId = state.assignedByGroup;
    const own = explained.find((problem) => problem.groupId === groupId && problem.skuId === state.skuId && problem.error === state.error);
    return { skuId: state.skuId, groupId, error: state.error!, message: own?.message ?? fallbackMessage(snapshot, state, explained.find((problem) => problem.groupId === groupId)?.skuId) };
  });
}

/** When the engine names no problem of its own for the state: a sibling of a failed product, or a license kept for a direct plan. */
function fallbackMessage(snapshot: Snapshot, state: AssignmentState, failedSibling: string | undefined): string {
  const { catalog } = snapshot;
  const sku = catalog.skus.get(state.skuId)?.skuPartNumber ?? state.skuId;
  switch (state.error) {
    case "Other":
      return failedSibling ? problems.sibling(catalog, state.skuId, failedSibling).message : `Not assigned because another product of the same group could not be assigned (${sku}).`;
    case "CountViolation":
      return problems.noSeats(catalog, state.skuId).message;
    case "DependencyViolation":
      return `License ${sku} stays assigned in error: a service plan assigned directly depends on it. Remove that plan, or give ${sku} another way.`;
    default:
      return `License ${sku} could not be assigned (${state.error}).`;
  }
}
