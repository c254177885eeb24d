import { DateTimeResolver } from "graphql-scalars";
import { Field, ID, Int, ObjectType } from "type-graphql";
import { Connection } from "../../common/connection";
import { CapabilityStatus, LicenseError, LicenseProcessingStatus, LicenseState, ProvisioningStatus, SkuAppliesTo } from "./enums";
import { Node } from "../../node/node";

// Licensing's GraphQL shapes, named as in Microsoft Graph.

@ObjectType({ description: "A service plan of a SKU (Graph's servicePlanInfo)." })
export class ServicePlanInfo {
  @Field(() => ID, { description: "The plan's id." })
  servicePlanId!: string;

  @Field({ description: "The plan's name, e.g. EXCHANGE_S_ENTERPRISE." })
  servicePlanName!: string;

  @Field({ description: "The plan's friendly name, e.g. Exchange Online (Plan 2)." })
  displayName!: string;

  @Field(() => ProvisioningStatus, { nullable: true, description: "In licenseDetails: Success when enabled, Disabled when disabled; null elsewhere." })
  provisioningStatus?: keyof typeof ProvisioningStatus | null;
}

@ObjectType({ description: "A subscription's units, by lifecycle state (Graph's licenseUnitsDetail)." })
export class PrepaidUnits {
  @Field(() => Int, { description: "Units of the active subscription: they can be assigned." })
  enabled!: number;

  @Field(() => Int, { description: "Units cancelled but still reactivatable: they cannot be assigned." })
  suspended!: number;

  @Field(() => Int, { description: "Units expired and in their grace period: they still count as available for assignment." })
  warning!: number;

  @Field(() => Int, { description: "Units locked out after cancellation: they cannot be assigned." })
  lockedOut!: number;
}

@ObjectType({ description: "A product the tenant subscribes to, with its seats.", implements: Node })
export class SubscribedSku implements Node {
  @Field(() => ID, { description: "The SKU's id (as skuId)." })
  id!: string;

  @Field(() => ID, { description: "The SKU's id." })
  skuId!: string;

  @Field({ description: "The SKU's part number, e.g. ENTERPRISEPACK." })
  skuPartNumber!: string;

  @Field({ description: "The product's name, e.g. Office 365 E3." })
  displayName!: string;

  @Field(() => SkuAppliesTo, { description: "User or Company; only User SKUs can be assigned." })
  appliesTo!: keyof typeof SkuAppliesTo;

  @Field(() => CapabilityStatus, {
    description: "Follows prepaidUnits: Enabled while any unit is enabled, else Warning, Suspended or LockedOut by the units left, Deleted once deleted.",
  })
  capabilityStatus!: keyof typeof CapabilityStatus;

  @Field(() => Int, { description: "Users holding the SKU: one each, however many sources. New assignments need enabled + warning units above it." })
  consumedUnits!: number;

  @Field(() => PrepaidUnits, { description: "The units bought, by status." })
  prepaidUnits!: PrepaidUnits;

  @Field(() => [ServicePlanInfo], { description: "The plans the SKU includes." })
  servicePlans!: ServicePlanInfo[];
}

@ObjectType({ description: "A SKU held, with the plans left disabled (Graph's assignedLicense)." })
export class AssignedLicense {
  @Field(() => ID, { description: "The SKU's id." })
  skuId!: string;

  @Field(() => [ID], { description: "The servicePlanIds left off." })
  disabledPlans!: string[];
}

@ObjectType({ description: "A service plan a user can use (Graph's assignedPlan)." })
export class AssignedPlan {
  @Field(() => ID, { description: "The plan's id." })
  servicePlanId!: string;

  @Field({ description: "The plan's servicePlanName." })
  service!: string;

  @Field(() => CapabilityStatus, { description: "Enabled: helpgate lists the plans a user can use." })
  capabilityStatus!: keyof typeof CapabilityStatus;

  @Field(() => DateTimeResolver, { description: "When the user first got the plan." })
  assignedDateTime!: Date;
}

@ObjectType({ description: "One source (direct, or a group) of one SKU for a user, and how it fares.", simpleResolvers: true })
export class LicenseAssignmentState {
  @Field(() => ID, { description: "The SKU's id." })
  skuId!: string;

  @Field({ description: "The SKU's part number, e.g. ENTERPRISEPACK." })
  skuPartNumber!: string;

  @Field(() => [ID], { description: "The servicePlanIds this source leaves off." })
  disabledPlans!: string[];

  @Field(() => ID, { nullable: true, description: "The group the license comes from; null when assigned directly." })
  assignedByGroup!: string | null;

  @Field(() => LicenseState, { description: "Active, ActiveWithError, Disabled or Error." })
  state!: keyof typeof LicenseState;

  @Field(() => LicenseError, {
    description: "None, or CountViolation, MutuallyExclusiveViolation, DependencyViolation, ProhibitedInUsageLocationViolation, UniquenessViolation, Other.",
  })
  error!: keyof typeof LicenseError;

  @Field(() => DateTimeResolver, { description: "When the state last changed." })
  lastUpdatedDateTime!: Date;
}

@ObjectType({ description: "A held SKU with its plans (Graph's licenseDetails)." })
export class LicenseDetails {
  @Field(() => ID, { description: "userId_skuId." })
  id!: string;

  @Field(() => ID, { description: "The SKU's id." })
  skuId!: string;

  @Field({ description: "The SKU's part number." })
  skuPartNumber!: string;

  @Field(() => [ServicePlanInfo], { description: "Every plan of the SKU, with its provisioningStatus." })
  servicePlans!: ServicePlanInfo[];
}

@ObjectType({ description: "How the processing of a group's licenses goes: its current (or last) run, with live counts." })
export class LicenseProcessingState {
  @Field(() => LicenseProcessingStatus, { description: "QueuedForProcessing, ProcessingInProgress or ProcessingComplete." })
  state!: keyof typeof LicenseProcessingStatus;

  @Field(() => Int, {
    description:
      "Users the run has queued in all, processed or still waiting. Grows when members join during the run; exact once the run is complete (then equal to processedCount).",
  })
  queuedCount!: number;

  @Field(() => Int, { description: "Users the run has processed so far: succeededCount + failedCount." })
  processedCount!: number;

  @Field(() => Int, { description: "Processed users whose licenses from the group were applied without error." })
  succeededCount!: number;

  @Field(() => Int, { description: "Processed users left with an error on a license from the group (see membersWithLicenseErrors)." })
  failedCount!: number;

  @Field(() => DateTimeResolver, { nullable: true, description: "When processing of the run started; null while it is only queued." })
  startedDateTime!: Date | null;
}

@ObjectType({ description: "Why a license change would fail." })
export class LicenseProblem {
  @Field(() => LicenseError, { description: "The Graph error value, e.g. CountViolation." })
  error!: keyof typeof LicenseError;

  @Field(() => ID, { description: "The SKU concerned." })
  skuId!: string;

  @Field({ description: "The problem in words, as Graph would say it." })
  message!: string;

  @Field(() => [ServicePlanInfo], { description: "The plans involved, e.g. both sides of a conflict." })
  servicePlans!: ServicePlanInfo[];
}

@ObjectType({ description: "What assignLicense would do, without doing it." })
export class LicenseAssignmentPreview {
  @Field({ description: "true when assignLicense would succeed." })
  succeeded!: boolean;

  @Field(() => [LicenseProblem], { description: "Every problem, in the order the service checks them." })
  problems!: LicenseProblem[];

  @Field(() => [LicenseAssignmentState], { description: "The states after the change; the current ones when it would fail." })
  licenseAssignmentStates!: LicenseAssignmentState[];
}

@ObjectType({ description: "Two plans a user cannot hold together." })
export class PlanConflict {
  @Field(() => ServicePlanInfo, { description: "One plan." })
  planA!: ServicePlanInfo;

  @Field(() => ServicePlanInfo, { description: "The other plan." })
  planB!: ServicePlanInfo;

  @Field(() => String, { description: "Why, in words; null when not given.", nullable: true })
  note!: string | null;
}

@ObjectType({ description: "A plan that needs one of some other plans." })
export class PlanDependency {
  @Field(() => ServicePlanInfo, { description: "The plan that has the prerequisite." })
  plan!: ServicePlanInfo;

  @Field(() => [ServicePlanInfo], { description: "The plans any one of which satisfies it." })
  requiresAnyOf!: ServicePlanInfo[];

  @Field(() => String, { description: "Why, in words; null when not given.", nullable: true })
  note!: string | null;
}

@ObjectType({ description: "A plan that cannot be used in some countries." })
export class PlanLocationRestriction {
  @Field(() => ServicePlanInfo, { description: "The plan." })
  plan!: ServicePlanInfo;

  @Field(() => [String], { description: "Usage locations where the plan cannot be used." })
  countries!: string[];

  @Field(() => String, { description: "Why, in words; null when not given.", nullable: true })
  note!: string | null;
}

@ObjectType({ description: "The rules between service plans the licensing engine applies." })
export class PlanRules {
  @Field(() => [PlanConflict], { description: "Plans a user cannot hold together." })
  mutuallyExclusive!: PlanConflict[];

  @Field(() => [PlanDependency], { description: "Plans that need another plan." })
  dependencies!: PlanDependency[];

  @Field(() => [PlanLocationRestriction], { description: "Plans that cannot be used in some countries." })
  locationRestrictions!: PlanLocationRestriction[];

  @Field(() => [ServicePlanInfo], { description: "Plans that give a mailbox (and need unique proxy addresses)." })
  mailboxPlans!: ServicePlanInfo[];
}

@ObjectType({ description: "A proxy address more than one user holds or would hold." })
export class ProxyAddressConflict {
  @Field({ description: "The address, lower-cased, without its prefix." })
  address!: string;

  @Field(() => [ID], { description: "The users involved." })
  userIds!: string[];

  @Field({ description: "true when one of the users only would hold it, once a mailbox license is applied (UniquenessViolation)." })
  pendingMailbox!: boolean;
}

@ObjectType({ description: "A page of SubscribedSku items (a Relay connection)." })
export class SubscribedSkuConnection extends Connection(SubscribedSku) {}
