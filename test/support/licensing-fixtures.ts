import type {
  AssignmentState,
  AssignmentStateName,
  CapabilityStatus,
  Catalog,
  LicenseError,
  LicenseRequest,
  LicenseSubject,
  ServicePlan,
  Sku,
  Subscription,
} from "../../src/licensing/engine";
import { capabilityStatusOf } from "../../src/licensing/engine";

/**
 * A small licensing catalog for the engine's specifications. Ids are readable names: the engine
 * treats them as opaque strings, so "E3" is both the skuId and the skuPartNumber.
 */

export const MESSAGE_GROUP_PREREQUISITE =
  "License operation failed. Make sure that the group has necessary services before adding or removing a dependent service. " +
  "The service WORKPLACE_ANALYTICS (friendly) requires EXCHANGE_S_STANDARD (friendly) or EXCHANGE_S_ENTERPRISE (friendly) to be enabled as well.";

/** The country in which OFFICE may not be used. */
export const PROHIBITED_COUNTRY = "CU";

function plan(name: string): ServicePlan {
  return { servicePlanId: name, servicePlanName: name, displayName: `${name} (friendly)` };
}

function sku(id: string, plans: readonly string[], appliesTo: Sku["appliesTo"] = "User"): Sku {
  return { skuId: id, skuPartNumber: id, displayName: `${id} (product)`, appliesTo, servicePlanIds: plans };
}

const SKUS: readonly Sku[] = [
  sku("E1", ["EXCHANGE_S_STANDARD", "MCOSTANDARD", "SHAREPOINT"]),
  sku("E3", ["EXCHANGE_S_ENTERPRISE", "MCOSTANDARD", "SHAREPOINT", "OFFICE"]),
  sku("EMS", ["INTUNE", "AAD_PREMIUM"]),
  sku("WORKPLACE_ANALYTICS", ["WORKPLACE_ANALYTICS"]),
  sku("MCOMEETADV", ["MCOMEETADV"]),
  sku("DIRSYNC", ["DIRSYNC_PLAN"], "Company"),
  /** In the catalog, but the tenant does not subscribe to it. */
  sku("E5", ["EXCHANGE_S_ENTERPRISE", "OFFICE"]),
];

export function testCatalog(): Catalog {
  const planNames = [...new Set(SKUS.flatMap((s) => s.servicePlanIds))];
  return {
    skus: new Map(SKUS.map((s) => [s.skuId, s])),
    plans: new Map(planNames.map((name) => [name, plan(name)])),
    rules: {
      mutuallyExclusive: [{ planA: "EXCHANGE_S_STANDARD", planB: "EXCHANGE_S_ENTERPRISE" }],
      dependencies: [
        { plan: "WORKPLACE_ANALYTICS", requiresAnyOf: ["EXCHANGE_S_STANDARD", "EXCHANGE_S_ENTERPRISE"] },
        { plan: "MCOMEETADV", requiresAnyOf: ["MCOSTANDARD"] },
      ],
      locationRestrictions: [{ plan: "OFFICE", countries: [PROHIBITED_COUNTRY] }],
      mailboxPlans: ["EXCHANGE_S_STANDARD", "EXCHANGE_S_ENTERPRISE"],
    },
  };
}

export interface Seats {
  enabled: number;
  /** Units in their grace period. */
  warning?: number;
  consumed?: number;
  /** The status the units give (capabilityStatusOf) unless said. */
  status?: CapabilityStatus;
}

const SUBSCRIBED = ["E1", "E3", "EMS", "WORKPLACE_ANALYTICS", "MCOMEETADV", "DIRSYNC"];

/**
 * The tenant's subscriptions: every subscribed SKU has 5 seats, 2 consumed, unless `overrides`
 * say otherwise. A number is the count of free seats.
 */
export function subscriptions(overrides: Record<string, Seats | number> = {}): Map<string, Subscription> {
  const build = (skuId: string): Subscription => {
    const given = overrides[skuId];
    const seats: Seats = typeof given === "number" ? { enabled: 2 + given, consumed: 2 } : (given ?? { enabled: 5, consumed: 2 });
    const warning = seats.warning ?? 0;
    const status = seats.status ?? capabilityStatusOf({ enabled: seats.enabled, warning, suspended: 0, lockedOut: 0 });
    return { skuId, capabilityStatus: status, enabledUnits: seats.enabled, warningUnits: warning, consumedUnits: seats.consumed ?? 0 };
  };
  return new Map(SUBSCRIBED.map((skuId) => [skuId, build(skuId)]));
}

export function subject(overrides: Partial<LicenseSubject> = {}): LicenseSubject {
  return { usageLocation: "US", conflictingProxyAddresses: [], ...overrides };
}

export function license(skuId: string, ...disabledPlans: string[]): LicenseRequest {
  return { skuId, disabledPlans };
}

interface StateOptions {
  disabledPlans?: string[];
  state?: AssignmentStateName;
  error?: LicenseError | null;
}

function assignment(skuId: string, assignedByGroup: string | null, options: StateOptions): AssignmentState {
  return {
    skuId,
    disabledPlans: options.disabledPlans ?? [],
    assignedByGroup,
    state: options.state ?? "Active",
    error: options.error ?? null,
  };
}

/** A direct assignment, Active unless told otherwise. */
export function direct(skuId: string, options: StateOptions = {}): AssignmentState {
  return assignment(skuId, null, options);
}

/** An assignment inherited from `groupId`, Active unless told otherwise. */
export function fromGroup(groupId: string, skuId: string, options: StateOptions = {}): AssignmentState {
  return assignment(skuId, groupId, options);
}

/** A compact, order-free view of states, for comparing outcomes: "group:sku state/error [disabled]". */
export function summary(states: readonly AssignmentState[]): string[] {
  return states
    .map((s) => {
      const disabled = s.disabledPlans.length > 0 ? ` [${[...s.disabledPlans].sort().join(",")}]` : "";
      return `${s.assignedByGroup ?? "direct"}:${s.skuId} ${s.state}${s.error ? `/${s.error}` : ""}${disabled}`;
    })
    .sort();
}
