/** The licensing engine's vocabulary, in Microsoft Graph's names. Plain data only. */

export interface ServicePlan {
  servicePlanId: string;
  servicePlanName: string;
  displayName: string;
}

export interface Sku {
  skuId: string;
  skuPartNumber: string;
  displayName: string;
  appliesTo: "User" | "Company";
  servicePlanIds: readonly string[];
}

/** Rules between service plans: data an administrator can change, as Microsoft does over time. */
export interface PlanRules {
  /** Pairs of plans that cannot both be enabled for one user. */
  mutuallyExclusive: readonly { planA: string; planB: string }[];
  /** A plan that needs at least one of `requiresAnyOf` enabled for the same user. */
  dependencies: readonly { plan: string; requiresAnyOf: readonly string[] }[];
  /** Plans that cannot be used by users whose usage location is one of `countries`. */
  locationRestrictions: readonly { plan: string; countries: readonly string[] }[];
  /** Plans that give the user a mailbox (and so need unique proxy addresses). */
  mailboxPlans: readonly string[];
}

export interface Catalog {
  skus: ReadonlyMap<string, Sku>;
  plans: ReadonlyMap<string, ServicePlan>;
  rules: PlanRules;
}

export type CapabilityStatus = "Enabled" | "Warning" | "Suspended" | "Deleted" | "LockedOut";

export interface Subscription {
  skuId: string;
  /** Follows the units (see capabilityStatusOf): only Enabled and Warning give new licenses. */
  capabilityStatus: CapabilityStatus;
  enabledUnits: number;
  /** Units in their grace period: they still count as available. */
  warningUnits: number;
  /** Users holding the SKU, this user included when they hold it. */
  consumedUnits: number;
}

export interface LicenseRequest {
  skuId: string;
  disabledPlans: readonly string[];
}

export type AssignmentStateName = "Active" | "ActiveWithError" | "Disabled" | "Error";

export type LicenseError =
  | "CountViolation"
  | "MutuallyExclusiveViolation"
  | "DependencyViolation"
  | "ProhibitedInUsageLocationViolation"
  | "UniquenessViolation"
  | "Other"
  | "InvalidUsageLocation"
  | "InvalidLicense"
  | "LicenseNotAssigned"
  | "InheritedLicense";

/** One source of one SKU for one user: direct (assignedByGroup null) or through a group. */
export interface AssignmentState {
  skuId: string;
  disabledPlans: readonly string[];
  assignedByGroup: string | null;
  state: AssignmentStateName;
  error: LicenseError | null;
}

/** Why a license cannot be (or stay) assigned. */
export interface LicenseProblem {
  error: LicenseError;
  skuId: string;
  /** The plans involved, e.g. both plans of a conflict or the missing prerequisites. */
  servicePlanIds: string[];
  message: string;
}

/** What the engine needs to know about the user. */
export interface LicenseSubject {
  /** The usage location that applies: the user's own, or for group licensing the tenant default. */
  usageLocation: string | null;
  /** Proxy addresses (the user's own or those a mailbox would give) that another user already holds. */
  conflictingProxyAddresses: readonly string[];
}

/** Active and ActiveWithError assignments give their plans; Error and Disabled do not. */
export function isHeld(state: AssignmentState): boolean {
  return state.state === "Active" || state.state === "ActiveWithError";
}
