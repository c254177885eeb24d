import { enabledPlans, planProviders, requestPlans } from "./plans";
import { problems } from "./problems";
import { acceptsNewAssignments, availableUnits } from "./subscriptions";
import type { AssignmentState, Catalog, LicenseProblem, LicenseRequest, LicenseSubject, Subscription } from "./types";

/**
 * One function per rule of the service. Each looks at a proposed set of assignments and answers
 * with the problems it finds (none when the rule holds).
 */
export interface Proposal {
  catalog: Catalog;
  subscriptions: ReadonlyMap<string, Subscription>;
  subject: LicenseSubject;
  /** SKUs the user holds already, before the change or from an earlier group of the same run: no new seat. */
  heldBefore: ReadonlySet<string>;
  /** Seats already taken by earlier requests of the same evaluation, per SKU. */
  claimed: Map<string, number>;
  /** Every assignment that would give plans after the change, from all sources. */
  after: readonly AssignmentState[];
  /** The assignments before the change. */
  before: readonly AssignmentState[];
}

/** The SKU is one the tenant subscribes to, it applies to users, and the disabled plans are its own. */
export function checkLicenseIsValid(p: Proposal, request: LicenseRequest): LicenseProblem[] {
  const sku = p.catalog.skus.get(request.skuId);
  if (!sku || !p.subscriptions.has(request.skuId)) return [problems.invalidLicense(request.skuId)];
  if (sku.appliesTo !== "User") return [problems.companyLicense(sku)];
  const unknown = request.disabledPlans.find((plan) => !sku.servicePlanIds.includes(plan));
  return unknown ? [problems.unknownDisabledPlan(p.catalog, request.skuId, unknown)] : [];
}

/** A license can only be used where the user is: no usage location, no license. */
export function checkUsageLocation(p: Proposal, request: LicenseRequest): LicenseProblem[] {
  return p.subject.usageLocation ? [] : [problems.invalidUsageLocation(request.skuId)];
}

/**
 * A SKU the user does not hold yet costs a seat: the subscription must give new licenses (Enabled
 * or Warning) and have one free among its enabled and warning units.
 */
export function checkSeats(p: Proposal, request: LicenseRequest): LicenseProblem[] {
  if (p.heldBefore.has(request.skuId)) return [];
  const subscription = p.subscriptions.get(request.skuId);
  if (!subscription) return [problems.invalidLicense(request.skuId)];
  if (!acceptsNewAssignments(subscription.capabilityStatus)) {
    return [problems.inactiveSubscription(p.catalog, request.skuId, subscription.capabilityStatus)];
  }
  const claimed = p.claimed.get(request.skuId) ?? 0;
  if (availableUnits(subscription) - claimed < 1) return [problems.noSeats(p.catalog, request.skuId)];
  p.claimed.set(request.skuId, claimed + 1);
  return [];
}

/** No plan of the request may be enabled together with a plan it excludes, from another SKU. */
export function checkMutualExclusion(p: Proposal, request: LicenseRequest): LicenseProblem[] {
  const mine = new Set(requestPlans(p.catalog, request));
  const providers = planProviders(p.catalog, p.after);
  const fromOtherSkus = (plan: string) => [...(providers.get(plan) ?? [])].some((sku) => sku !== request.skuId);
  for (const { planA, planB } of p.catalog.rules.mutuallyExclusive) {
    if (mine.has(planA) && fromOtherSkus(planB)) return [problems.conflict(p.catalog, request.skuId, planA, planB)];
    if (mine.has(planB) && fromOtherSkus(planA)) return [problems.conflict(p.catalog, request.skuId, planB, planA)];
  }
  return [];
}

/**
 * Every enabled plan keeps at least one of its prerequisites enabled. A plan that is new is
 * blamed on the SKU that brings it; one that loses its prerequisite is blamed on the changed SKU
 * that used to provide it.
 */
export function checkDependencies(p: Proposal, changedSkuIds: readonly string[], onlyPlans?: ReadonlySet<string>): LicenseProblem[] {
  const enabled = enabledPlans(p.catalog, p.after);
  const providers = planProviders(p.catalog, p.after);
  const enabledBefore = enabledPlans(p.catalog, p.before);
  const providersBefore = planProviders(p.catalog, p.before);
  const found: LicenseProblem[] = [];
  for (const { plan, requiresAnyOf } of p.catalog.rules.dependencies) {
    if (!enabled.has(plan) || (onlyPlans && !onlyPlans.has(plan))) continue;
    if (requiresAnyOf.some((required) => enabled.has(required))) continue;
    const skuId = enabledBefore.has(plan)
      ? formerProvider(changedSkuIds, requiresAnyOf, providersBefore)
      : [...(providers.get(plan) ?? changedSkuIds)][0];
    found.push(problems.missingPrerequisite(p.catalog, skuId, plan, requiresAnyOf));
  }
  return found;
}

function formerProvider(changedSkuIds: readonly string[], requiresAnyOf: readonly string[], providersBefore: Map<string, Set<string>>): string {
  const former = new Set(requiresAnyOf.flatMap((required) => [...(providersBefore.get(required) ?? [])]));
  return changedSkuIds.find((skuId) => former.has(skuId)) ?? changedSkuIds[0];
}

/** Some plans are not offered in some countries. */
export function checkLocation(p: Proposal, request: LicenseRequest): LicenseProblem[] {
  const location = p.subject.usageLocation;
  if (!location) return [];
  const mine = new Set(requestPlans(p.catalog, request));
  const restriction = p.catalog.rules.locationRestrictions.find(({ plan, countries }) => mine.has(plan) && countries.includes(location));
  return restriction ? [problems.prohibitedLocation(p.catalog, request.skuId, restriction.plan, location)] : [];
}

/** A mailbox needs proxy addresses nobody else holds. */
export function checkProxyUniqueness(p: Proposal, request: LicenseRequest): LicenseProblem[] {
  if (p.subject.conflictingProxyAddresses.length === 0) return [];
  const mailboxPlans = requestPlans(p.catalog, request).filter((plan) => p.catalog.rules.mailboxPlans.includes(plan));
  if (mailboxPlans.length === 0) return [];
  return [problems.proxyInUse(p.catalog, request.skuId, mailboxPlans, p.subject.conflictingProxyAddresses)];
}
