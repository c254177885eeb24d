import { DateTimeResolver } from "graphql-scalars";
import { Field, ID, Int, ObjectType } from "type-graphql";
import { Connection } from "../../common/connection";

// Licensing's GraphQL shapes, named as in Microsoft Graph.

@ObjectType()
export class ServicePlanInfo {
  @Field(() => ID)
  servicePlanId!: string;

  @Field()
  servicePlanName!: string;

  @Field({ description: "The plan's friendly name, e.g. Exchange Online (Plan 2)." })
  displayName!: string;

  @Field(() => String, { nullable: true, description: "In licenseDetails: Success when enabled, Disabled when disabled." })
  provisioningStatus?: string | null;
}

@ObjectType()
export class PrepaidUnits {
  @Field(() => Int)
  enabled!: number;

  @Field(() => Int)
  suspended!: number;

  @Field(() => Int)
  warning!: number;

  @Field(() => Int)
  lockedOut!: number;
}

@ObjectType({ description: "A product the tenant subscribes to, with its seats." })
export class SubscribedSku {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  skuId!: string;

  @Field()
  skuPartNumber!: string;

  @Field()
  displayName!: string;

  @Field({ description: "User or Company; only User SKUs can be assigned." })
  appliesTo!: string;

  @Field({ description: "Enabled, Warning, Suspended, Deleted or LockedOut." })
  capabilityStatus!: string;

  @Field(() => Int, { description: "Users holding the SKU: one each, however many sources." })
  consumedUnits!: number;

  @Field(() => PrepaidUnits)
  prepaidUnits!: PrepaidUnits;

  @Field(() => [ServicePlanInfo])
  servicePlans!: ServicePlanInfo[];
}

@ObjectType()
export class AssignedLicense {
  @Field(() => ID)
  skuId!: string;

  @Field(() => [ID])
  disabledPlans!: string[];
}

@ObjectType()
export class AssignedPlan {
  @Field(() => ID)
  servicePlanId!: string;

  @Field({ description: "The plan's servicePlanName." })
  service!: string;

  @Field()
  capabilityStatus!: string;

  @Field(() => DateTimeResolver)
  assignedDateTime!: Date;
}

@ObjectType({ description: "One source (direct, or a group) of one SKU for a user, and how it fares." })
export class LicenseAssignmentState {
  @Field(() => ID)
  skuId!: string;

  @Field()
  skuPartNumber!: string;

  @Field(() => [ID])
  disabledPlans!: string[];

  @Field(() => ID, { nullable: true, description: "The group the license comes from; null when assigned directly." })
  assignedByGroup!: string | null;

  @Field({ description: "Active, ActiveWithError, Disabled or Error." })
  state!: string;

  @Field({
    description: "None, or CountViolation, MutuallyExclusiveViolation, DependencyViolation, ProhibitedInUsageLocationViolation, UniquenessViolation, Other.",
  })
  error!: string;

  @Field(() => DateTimeResolver)
  lastUpdatedDateTime!: Date;
}

@ObjectType()
export class LicenseDetails {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  skuId!: string;

  @Field()
  skuPartNumber!: string;

  @Field(() => [ServicePlanInfo])
  servicePlans!: ServicePlanInfo[];
}

@ObjectType({ description: "How the processing of a group's licenses goes: its current (or last) run, with live counts." })
export class LicenseProcessingState {
  @Field({ description: "QueuedForProcessing, ProcessingInProgress or ProcessingComplete." })
  state!: string;

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
  @Field({ description: "The Graph error value, e.g. CountViolation." })
  error!: string;

  @Field(() => ID)
  skuId!: string;

  @Field()
  message!: string;

  @Field(() => [ServicePlanInfo])
  servicePlans!: ServicePlanInfo[];
}

@ObjectType({ description: "What assignLicense would do, without doing it." })
export class LicenseAssignmentPreview {
  @Field()
  succeeded!: boolean;

  @Field(() => [LicenseProblem], { description: "Every problem, in the order the service checks them." })
  problems!: LicenseProblem[];

  @Field(() => [LicenseAssignmentState], { description: "The states after the change; the current ones when it would fail." })
  licenseAssignmentStates!: LicenseAssignmentState[];
}

@ObjectType()
export class PlanConflict {
  @Field(() => ServicePlanInfo)
  planA!: ServicePlanInfo;

  @Field(() => ServicePlanInfo)
  planB!: ServicePlanInfo;

  @Field(() => String, { nullable: true })
  note!: string | null;
}

@ObjectType()
export class PlanDependency {
  @Field(() => ServicePlanInfo)
  plan!: ServicePlanInfo;

  @Field(() => [ServicePlanInfo])
  requiresAnyOf!: ServicePlanInfo[];

  @Field(() => String, { nullable: true })
  note!: string | null;
}

@ObjectType()
export class PlanLocationRestriction {
  @Field(() => ServicePlanInfo)
  plan!: ServicePlanInfo;

  @Field(() => [String], { description: "Usage locations where the plan cannot be used." })
  countries!: string[];

  @Field(() => String, { nullable: true })
  note!: string | null;
}

@ObjectType({ description: "The rules between service plans the licensing engine applies." })
export class PlanRules {
  @Field(() => [PlanConflict])
  mutuallyExclusive!: PlanConflict[];

  @Field(() => [PlanDependency])
  dependencies!: PlanDependency[];

  @Field(() => [PlanLocationRestriction])
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

@ObjectType()
export class SubscribedSkuConnection extends Connection(SubscribedSku) {}
