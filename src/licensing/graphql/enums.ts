import { documentedEnum } from "../../common/enums";
import type { AssignmentStateName, CapabilityStatus as CapabilityStatusName, LicenseError as LicenseErrorName } from "../engine";
import type { LicenseProcessingState, SubscriptionRecord } from "../model";
import type { LicenseDiagnosisCode } from "../services/diagnosis.service";

// Licensing's fixed value lists, spelled as Microsoft Graph returns them.

export const CapabilityStatus = documentedEnum("CapabilityStatus", "The status of a subscription, which follows its prepaidUnits, or of a plan a user holds (Graph's capabilityStatus).", {
  Enabled: "At least one unit is enabled: licenses can be assigned and used. Also a subscription with no units that was never deleted.",
  Warning: "No unit enabled, some in their grace period after expiry: still usable, and they count as available for new assignments.",
  Suspended: "Units cancelled but reactivatable, none usable: licenses already assigned stay, no new ones can be assigned.",
  LockedOut: "Units locked out after cancellation, none usable: licenses already assigned stay, no new ones can be assigned.",
  Deleted: "The subscription was deleted and has no units: licenses already assigned stay, no new ones can be assigned.",
} satisfies Record<CapabilityStatusName, string>);

export const LicenseState = documentedEnum("LicenseState", "How one source of a license fares for a user (Graph's licenseAssignmentState.state).", {
  Active: "Applied without error.",
  ActiveWithError: "Applied, but some of its plans could not be (see error).",
  Disabled: "Not applied: turned off.",
  Error: "Not applied because of the error.",
} satisfies Record<AssignmentStateName, string>);

const LICENSE_ERRORS = {
  CountViolation: "The subscription has no free units left.",
  MutuallyExclusiveViolation: "One of its plans conflicts with a plan the user already holds.",
  DependencyViolation: "One of its plans needs a plan the user does not hold.",
  ProhibitedInUsageLocationViolation: "One of its plans cannot be used in the user's usageLocation.",
  UniquenessViolation: "A mailbox plan would give the user a proxy address another user holds.",
  Other: "Any other failure, e.g. another license from the same group could not be assigned.",
  InvalidUsageLocation: "The user has no usageLocation, needed before a direct assignment.",
  InvalidLicense: "The SKU is unknown, not subscribed, or not assignable to users.",
  LicenseNotAssigned: "A license to remove is not assigned directly to the user.",
  InheritedLicense: "The license comes from a group; remove the user from the group instead.",
} satisfies Record<LicenseErrorName, string>;

export const LicenseError = documentedEnum(
  "LicenseError",
  "Why a license assignment failed or would fail (Graph's licenseAssignmentState.error and assignLicense errors).",
  { None: "No error (licenseAssignmentStates only).", ...LICENSE_ERRORS },
);

export const LicenseProblemCode = documentedEnum("LicenseProblemCode", "Why a user lacks a license, as ask and its chatbot tools diagnose it.", {
  ...LICENSE_ERRORS,
  DynamicMembershipPaused: "The user matches a dynamic group's rule, but its membership is Paused, so its licenses do not reach them.",
} satisfies Record<LicenseDiagnosisCode, string>);

export const LicenseProcessingStatus = documentedEnum("LicenseProcessingStatus", "Where a group's license processing stands (Graph's licenseProcessingState.state).", {
  QueuedForProcessing: "Waiting for the licensing service to start.",
  ProcessingInProgress: "Members are being licensed.",
  ProcessingComplete: "Every member has been processed.",
} satisfies Record<LicenseProcessingState, string>);

export const SkuAppliesTo = documentedEnum("SkuAppliesTo", "Who a SKU licenses (Graph's subscribedSku.appliesTo).", {
  User: "Assigned to users.",
  Company: "Licenses the whole tenant; cannot be assigned to a user.",
} satisfies Record<SubscriptionRecord["appliesTo"], string>);

export const ProvisioningStatus = documentedEnum("ProvisioningStatus", "Whether a plan of a user's license is on (Graph's servicePlanInfo.provisioningStatus).", {
  Success: "The plan is enabled.",
  Disabled: "The plan is disabled (one of the license's disabledPlans).",
});
