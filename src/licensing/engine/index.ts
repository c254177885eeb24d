/**
 * The licensing rules as a pure engine: given the catalog, the seats, a user's assignments and
 * a requested change, it answers with the new assignment states or the problems. No database,
 * clock or GraphQL here; the licensing services persist what it decides.
 */
export * from "./types";
export { planDirectChange, type DirectChange, type DirectOutcome } from "./direct";
export { batchEvaluator, evaluateUser, explainUser, conversionsOnGroupRemoval, skusDependingOn, groupPrerequisiteProblem, dependentsOf, type BatchEvaluator, type GroupGrant } from "./group";
export { assignedLicenses, enabledPlans, heldSkus, requestPlans } from "./plans";
export { acceptsNewAssignments, availableUnits, capabilityStatusOf, unitsAfterLifecycle, type PrepaidUnits } from "./subscriptions";
export { planNames, problemInWords, problems } from "./problems";
