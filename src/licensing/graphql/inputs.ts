import { Field, ID, InputType, Int } from "type-graphql";

@InputType({ description: "A SKU to assign, with the plans to leave disabled." })
export class AssignedLicenseInput {
  @Field(() => ID)
  skuId!: string;

  @Field(() => [ID], { nullable: true })
  disabledPlans?: string[] | null;
}

@InputType()
export class PrepaidUnitsInput {
  @Field(() => Int, { nullable: true })
  enabled?: number | null;

  @Field(() => Int, { nullable: true })
  suspended?: number | null;

  @Field(() => Int, { nullable: true })
  warning?: number | null;

  @Field(() => Int, { nullable: true })
  lockedOut?: number | null;
}

@InputType()
export class PlanConflictInput {
  @Field({ description: "servicePlanName or servicePlanId." })
  planA!: string;

  @Field()
  planB!: string;

  @Field(() => String, { nullable: true })
  note?: string | null;
}

@InputType()
export class PlanDependencyInput {
  @Field()
  plan!: string;

  @Field(() => [String])
  requiresAnyOf!: string[];

  @Field(() => String, { nullable: true })
  note?: string | null;
}

@InputType()
export class PlanLocationRestrictionInput {
  @Field()
  plan!: string;

  @Field(() => [String])
  countries!: string[];

  @Field(() => String, { nullable: true })
  note?: string | null;
}

@InputType({ description: "The whole set of plan rules; it replaces the current one." })
export class PlanRulesInput {
  @Field(() => [PlanConflictInput])
  mutuallyExclusive!: PlanConflictInput[];

  @Field(() => [PlanDependencyInput])
  dependencies!: PlanDependencyInput[];

  @Field(() => [PlanLocationRestrictionInput])
  locationRestrictions!: PlanLocationRestrictionInput[];

  @Field(() => [String])
  mailboxPlans!: string[];
}
