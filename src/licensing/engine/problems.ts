import type { CapabilityStatus, Catalog, LicenseError, LicenseProblem, Sku } from "./types";

// Every licensing refusal is worded here, after the messages Microsoft Graph gives.

/** What a status that gives no new licenses means for the administrator. */
const INACTIVE_REASONS: Record<CapabilityStatus, string> = {
  Enabled: "",
  Warning: "",
  Suspended: "its units are suspended. Licenses already assigned stay; new ones can be assigned once the subscription is reactivated.",
  LockedOut: "its units are locked out. Licenses already assigned stay; new ones can be assigned once the subscription is renewed.",
  Deleted: "it has no units left. Licenses already assigned stay; subscribe to the product again to assign new ones.",
};

function skuName(catalog: Catalog, skuId: string): string {
  return catalog.skus.get(skuId)?.skuPartNumber ?? skuId;
}

/** Plans as people know them and as the service names them: "Exchange Online (Plan 2) [EXCHANGE_S_ENTERPRISE]". */
export function planNames(catalog: Pick<Catalog, "plans">, planIds: readonly string[]): string {
  return planIds
    .map((id) => {
      const plan = catalog.plans.get(id);
      if (!plan) return id;
      return plan.displayName && plan.displayName !== plan.servicePlanName ? `${plan.displayName} [${plan.servicePlanName}]` : plan.servicePlanName;
    })
    .join(", ");
}

/** A plan's name as the service shows it to people: "Exchange Online (Plan 2)". */
function planTitle(catalog: Catalog, planId: string): string {
  const plan = catalog.plans.get(planId);
  return plan?.displayName || plan?.servicePlanName || planId;
}

function problem(error: LicenseError, skuId: string, servicePlanIds: string[], message: string): LicenseProblem {
  return { error, skuId, servicePlanIds, message };
}

export const problems = {
  invalidLicense: (skuId: string) =>
    problem("InvalidLicense", skuId, [], `License ${skuId} does not correspond to a valid company License.`),
  companyLicense: (sku: Sku) =>
    problem("InvalidLicense", sku.skuId, [], `License ${sku.skuPartNumber} applies to the company, not to users; it cannot be assigned to a user.`),
  unknownDisabledPlan: (catalog: Catalog, skuId: string, planId: string) =>
    problem("InvalidLicense", skuId, [planId], `Service plan ${planId} is not part of ${skuName(catalog, skuId)}; disabledPlans may only name plans of the license.`),
  invalidUsageLocation: (skuId: string) =>
    problem("InvalidUsageLocation", skuId, [], "License assignment cannot be done for user with invalid usage location."),
  noSeats: (catalog: Catalog, skuId: string) =>
    problem("CountViolation", skuId, [], `Subscription with SKU ${skuName(catalog, skuId)} does not have any available licenses.`),
  /** Graph's sentence for a subscription without free units, and why: its units are not usable. */
  inactiveSubscription: (catalog: Catalog, skuId: string, status: CapabilityStatus) =>
    problem(
      "CountViolation",
      skuId,
      [],
      `Subscription with SKU ${skuName(catalog, skuId)} does not have any available licenses. It is ${status}: ${INACTIVE_REASONS[status]}`,
    ),
  // Graph names the plans by id in these two messages; the plans' names are in `servicePlanIds`
  // and, for people, in the troubleshooting answer.
  conflict: (catalog: Catalog, skuId: string, planA: string, planB: string) =>
    problem(
      "MutuallyExclusiveViolation",
      skuId,
      [planA, planB],
      `License assignment failed because service plans ${planA}, ${planB} are mutually exclusive.`,
    ),
  missingPrerequisite: (catalog: Catalog, skuId: string, plan: string, requiresAnyOf: readonly string[]) =>
    problem(
      "DependencyViolation",
      skuId,
      [plan, ...requiresAnyOf],
      `License assignment failed because service plan ${plan} depends on the service plan(s) ${requiresAnyOf.join(", ")}.`,
    ),
  /**
   * An add-on on a group without its prerequisite in the same group, refused at once. The second
   * sentence names the plans as people know them, as the service does.
   */
  groupPrerequisite: (catalog: Catalog, skuId: string, plan: string, requiresAnyOf: readonly string[]) =>
    problem(
      "DependencyViolation",
      skuId,
      [plan, ...requiresAnyOf],
      "License operation failed. Make sure that the group has necessary services before adding or removing a dependent service. " +
        `The service ${planTitle(catalog, plan)} requires ${requiresAnyOf.map((id) => planTitle(catalog, id)).join(" or ")} to be enabled as well.`,
    ),
  prohibitedLocation: (catalog: Catalog, skuId: string, plan: string, location: string) =>
    problem(
      "ProhibitedInUsageLocationViolation",
      skuId,
      [plan],
      `Service plan ${planNames(catalog, [plan])} is not available in usage location ${location}.`,
    ),
  proxyInUse: (catalog: Catalog, skuId: string, mailboxPlans: string[], addresses: readonly string[]) =>
    problem(
      "UniquenessViolation",
      skuId,
      mailboxPlans,
      `Proxy address is already being used: ${addresses.join(", ")}. Each proxy address must belong to one user only.`,
    ),
  notAssigned: (catalog: Catalog, skuId: string) =>
    problem("LicenseNotAssigned", skuId, [], `User does not have a corresponding license (${skuName(catalog, skuId)}).`),
  inherited: (catalog: Catalog, skuId: string) =>
    problem(
      "InheritedLicense",
      skuId,
      [],
      `User license is inherited from a group membership and it cannot be removed directly from the user (${skuName(catalog, skuId)}).`,
    ),
  sibling: (catalog: Catalog, skuId: string, failedSkuId: string) =>
    problem("Other", skuId, [], `Not assigned because ${skuName(catalog, failedSkuId)}, from the same group, could not be assigned.`),
};

/**
 * A problem in words for people (a chatbot's answer, an article link): Graph's messages name the
 * plans of a conflict or a prerequisite by id only, so these two name them as people know them.
 */
export function problemInWords(catalog: Pick<Catalog, "plans">, problem: LicenseProblem): string {
  const [plan, ...others] = problem.servicePlanIds;
  if (problem.error === "MutuallyExclusiveViolation" && plan !== undefined) {
    return `Conflicting service plans: ${planNames(catalog, [plan])} and ${planNames(catalog, others)} cannot both be enabled for the user; disable one of them.`;
  }
  if (problem.error === "DependencyViolation" && plan !== undefined && others.length > 0) {
    return `Service plan ${planNames(catalog, [plan])} depends on one of ${planNames(catalog, others)}, which would not be enabled for the user.`;
  }
  return problem.message;
}
