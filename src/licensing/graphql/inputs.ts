import { Field, ID, InputType, Int } from "type-graphql";

@InputType({ description: "A SKU to assign, with the plans to leave disabled." })
export class AssignedLicenseInput {
  @Field(() => ID, { description: "The SKU to assign." })
  skuId!: string;

  @Field(() => [ID], { description: "The servicePlanIds to leave off; none when left out.", nullable: true })
  disabledPlans?: string[] | null;
}

@InputType({ description: "Subscription units to set, by lifecycle state; those left out stay. capabilityStatus follows them." })
export class PrepaidUnitsInput {
  @Field(() => Int, { description: "Units of the active subscription, which can be assigned.", nullable: true })
  enabled?: number | null;

  @Field(() => Int, { description: "Units cancelled but reactivatable, which cannot be assigned.", nullable: true })
  suspended?: number | null;

  @Field(() => Int, { description: "Units expired and in their grace period, which still count as available.", nullable: true })
  warning?: number | null;

  @Field(() => Int, { description: "Units locked out after cancellation, which cannot be assigned.", nullable: true })
  lockedOut?: number | null;
}

@InputType({ description: "Two plans a user cannot hold together." })
export class PlanConflictInput {
  @Field({ description: "servicePlanName or servicePlanId." })
  planA!: string;

  @Field({ description: "servicePlanName or servicePlanId." })
  planB!: string;

  @Field(() => String, { description: "Why, in words.", nullable: true })
  note?: string | null;
}

@InputType({ description: "A plan that needs one of some other plans." })
export class PlanDependencyInput {
  @Field({ description: "servicePlanName or servicePlanId of the plan with the prerequisite." })
  plan!: string;

  @Field(() => [String], { description: "The plans any one of which satisfies it." })
  requiresAnyOf!: string[];

  @Field(() => String, { description: "Why, in words.", nullable: true })
  note?: string | null;
}

@InputType({ description: "A plan that cannot be used in some countries." })
export class PlanLocationRestrictionInput {
  @Field({ description: "servicePlanName or servicePlanId." })
  plan!: string;

  @Field(() => [String], { description: "Two-letter country codes." })
  countries!: string[];

  @Field(() => String, { description: "Why, in words.", nullable: true })
  note?: string | null;
}

@InputType({ description: "The whole set of plan rules; it replaces the current one." })
export class PlanRulesInput {
  @Field(() => [PlanConflictInput], { description: "Plans a user cannot hold together." })
  mutuallyExclusive!: PlanConflictInput[];

  @Field(() => [PlanDependencyInput], { description: "Plans that need another plan." })
  dependencies!: PlanDependencyInput[];

  @Field(() => [PlanLocationRestrictionInput], { description: "Plans that cannot be used in some countries." })
  locationRestrictions!: PlanLocationRestrictionInput[];

  @Field(() => [String], { description: "Plans that give a mailbox, by servicePlanName or servicePlanId." })
  mailboxPlans!: string[];
}
