import type { Catalog, LicenseError, LicenseProblem, Sku } from "./types";

// Every licensing refusal is worded here, after the messages Microsoft Graph gives.

function skuName(catalog: Catalog, skuId: string): string {
  return catalog.skus.get(skuId)?.skuPartNumber ?? skuId;
}

/** Plans as people know them and as the service names them: "Exchange Online (Plan 2) [EXCHANGE_S_ENTERPRISE]". */
export function planNames(catalog: Catalog, planIds: readonly string[]): string {
  return planIds
    .map((id) => {
      const plan = catalog.plans.get(id);
      if (!plan) return id;
      return plan.displayName && plan.displayName !== plan.servicePlanName ? `${plan.displayName} [${plan.servicePlanName}]` : plan.servicePlanName;
    })
    .join(", ");
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
  inactiveSubscription: (catalog: Catalog, skuId: string, status: string) =>
    problem("CountViolation", skuId, [], `Subscription with SKU ${skuName(catalog, skuId)} is ${status}; no licenses can be assigned from it.`),
  conflict: (catalog: Catalog, skuId: string, planA: string, planB: string) =>
    problem(
      "MutuallyExclusiveViolation",
      skuId,
      [planA, planB],
      `Conflicting service plans: ${planNames(catalog, [planA])} and ${planNames(catalog, [planB])} cannot both be enabled for the user; disable one of them.`,
    ),
  missingPrerequisite: (catalog: Catalog, skuId: string, plan: string, requiresAnyOf: readonly string[]) =>
    problem(
      "DependencyViolation",
      skuId,
      [plan, ...requiresAnyOf],
      `Service plan ${planNames(catalog, [plan])} depends on one of ${planNames(catalog, requiresAnyOf)}, which would not be enabled for the user.`,
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
