import { loadProducts, resolvePlan, type PlanRulesDocument } from "../catalog";
import { assignedLicenses, isHeld, requestPlans, type AssignmentState, type Catalog, type LicenseProblem as Problem } from "../engine";
import { catalogWith } from "../catalog";
import { DIRECT, type AssignmentRecord, type GroupProcessingRecord, type SubscriptionRecord } from "../model";
import { toStates } from "../services/core";
import type {
  AssignedLicense,
  AssignedPlan,
  LicenseAssignmentState,
  LicenseDetails,
  LicenseProblem,
  LicenseProcessingState,
  PlanRules,
  ServicePlanInfo,
  SubscribedSku,
} from "./types";

// From stored records and engine values to the GraphQL shapes of types.ts.

export function processingState(record: GroupProcessingRecord): LicenseProcessingState {
  const processed = record.succeeded + record.failed;
  return {
    state: record.state,
    // Never fewer than processed, whatever the queue's bookkeeping missed (it is settled when the run completes).
    queuedCount: Math.max(record.queued, processed),
    processedCount: processed,
    succeededCount: record.succeeded,
    failedCount: record.failed,
    startedDateTime: record.startedDateTime,
  };
}

export function planInfo(servicePlanId: string, provisioningStatus: "Success" | "Disabled" | null = null): ServicePlanInfo {
  const plan = loadProducts().plans.get(servicePlanId);
  return {
    servicePlanId,
    servicePlanName: plan?.servicePlanName ?? servicePlanId,
    displayName: plan?.displayName ?? servicePlanId,
    provisioningStatus,
  };
}

function skuPartNumber(skuId: string): string {
  return loadProducts().skus.get(skuId)?.skuPartNumber ?? skuId;
}

export function subscribedSku(record: SubscriptionRecord): SubscribedSku {
  const sku = loadProducts().skus.get(record.skuId);
  return {
    id: record.skuId,
    skuId: record.skuId,
    skuPartNumber: record.skuPartNumber,
    displayName: sku?.displayName ?? record.skuPartNumber,
    appliesTo: record.appliesTo,
    capabilityStatus: record.capabilityStatus,
    consumedUnits: record.consumedUnits,
    prepaidUnits: { enabled: record.enabledUnits, suspended: record.suspendedUnits, warning: record.warningUnits, lockedOut: record.lockedOutUnits },
    servicePlans: (sku?.servicePlanIds ?? []).map((id) => planInfo(id)),
  };
}

export function assignmentState(record: AssignmentRecord): LicenseAssignmentState {
  return {
    skuId: record.skuId,
    skuPartNumber: skuPartNumber(record.skuId),
    disabledPlans: record.disabledPlans,
    assignedByGroup: record.source === DIRECT ? null : record.source,
    state: record.state,
    error: record.error ?? "None",
    lastUpdatedDateTime: record.lastUpdatedDateTime,
  };
}

export function engineState(state: AssignmentState, at: Date): LicenseAssignmentState {
  return assignmentState({ userId: "", skuId: state.skuId, source: state.assignedByGroup ?? DIRECT, disabledPlans: [...state.disabledPlans], state: state.state, error: state.error, lastUpdatedDateTime: at });
}

export function userAssignedLicenses(records: readonly AssignmentRecord[]): AssignedLicense[] {
  return assignedLicenses(toStates(records)).map((license) => ({ skuId: license.skuId, disabledPlans: [...license.disabledPlans] }));
}

/** Enabled plans, each dated by the earliest source that gives it. */
export function userAssignedPlans(records: readonly AssignmentRecord[]): AssignedPlan[] {
  const catalog: Catalog = catalogWith({ mutuallyExclusive: [], dependencies: [], locationRestrictions: [], mailboxPlans: [] });
  const plans = new Map<string, Date>();
  for (const record of records) {
    const [state] = toStates([record]);
    if (!isHeld(state)) continue;
    for (const plan of requestPlans(catalog, state)) {
      const at = plans.get(plan);
      if (!at || record.lastUpdatedDateTime < at) plans.set(plan, record.lastUpdatedDateTime);
    }
  }
  return [...plans].map(([servicePlanId, assignedDateTime]) => ({
    servicePlanId,
    service: planInfo(servicePlanId).servicePlanName,
    capabilityStatus: "Enabled",
    assignedDateTime,
  }));
}

export function userLicenseDetails(userId: string, records: readonly AssignmentRecord[]): LicenseDetails[] {
  return userAssignedLicenses(records).map((license) => {
    const disabled = new Set(license.disabledPlans);
    return {
      id: `${userId}_${license.skuId}`,
      skuId: license.skuId,
      skuPartNumber: skuPartNumber(license.skuId),
      servicePlans: (loadProducts().skus.get(license.skuId)?.servicePlanIds ?? []).map((id) => planInfo(id, disabled.has(id) ? "Disabled" : "Success")),
    };
  });
}

export function licenseProblem(problem: Problem): LicenseProblem {
  return { error: problem.error, skuId: problem.skuId, message: problem.message, servicePlans: problem.servicePlanIds.map((id) => planInfo(id)) };
}

export function planRules(doc: PlanRulesDocument): PlanRules {
  const plan = (name: string) => planInfo(resolvePlan(name, "plan"));
  return {
    mutuallyExclusive: doc.mutuallyExclusive.map((rule) => ({ planA: plan(rule.planA), planB: plan(rule.planB), note: rule.note ?? null })),
    dependencies: doc.dependencies.map((rule) => ({ plan: plan(rule.plan), requiresAnyOf: rule.requiresAnyOf.map(plan), note: rule.note ?? null })),
    locationRestrictions: doc.locationRestrictions.map((rule) => ({ plan: plan(rule.plan), countries: rule.countries, note: rule.note ?? null })),
    mailboxPlans: doc.mailboxPlans.map(plan),
  };
}
