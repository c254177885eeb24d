import { Field, ID, InputType, Int, ObjectType } from "type-graphql";
import { Connection } from "../../common/connection";
import { documentedEnum } from "../../common/enums";
import type { GroupRecord, UserRecord } from "../../directory/model";
import { Group, User } from "../../directory/graphql/types";
import { LicenseError, LicenseState } from "./enums";
import { LicenseAssignmentState, SubscribedSku } from "./types";

// The product-centric views (Entra's "Licenses → All products"): a SKU's users and groups, and
// the tenant's summary.

export const LicenseAssignmentPath = documentedEnum("LicenseAssignmentPath", "How a user holds a license: which sources a product's user list looks at.", {
  DIRECT: "Assigned to the user directly.",
  GROUP: "Inherited from a group the user is a member of.",
  ANY: "Either way.",
});

@InputType({ description: "Narrows a product's licensed users; all given conditions must hold of one source of the SKU." })
export class LicensedUserFilter {
  @Field(() => LicenseAssignmentPath, { nullable: true, defaultValue: "ANY", description: "DIRECT, GROUP or ANY (the default): the sources to look at." })
  assignedBy?: keyof typeof LicenseAssignmentPath | null;

  @Field(() => LicenseState, { nullable: true, description: "Only users with a source (of those assignedBy names) in this state, e.g. Error." })
  state?: keyof typeof LicenseState | null;
}

@ObjectType({ description: "A user with a product: how they hold it (directly, from which groups) and how it fares.", simpleResolvers: true })
export class LicensedUser {
  @Field(() => User, { description: "The user." })
  user!: UserRecord;

  @Field(() => ID, { description: "The SKU's id." })
  skuId!: string;

  @Field({ description: "true when the user has the SKU directly (in whatever state)." })
  assignedDirectly!: boolean;

  /** Resolved through the groups loader (see product.resolver.ts). */
  inheritedFromIds!: string[];

  @Field(() => LicenseState, {
    description: "The worst state among the user's sources of the SKU: Error, then ActiveWithError, then Disabled, then Active.",
  })
  state!: keyof typeof LicenseState;

  @Field(() => LicenseError, { description: "The error of the source in that state; None when no source is in error." })
  error!: keyof typeof LicenseError;

  @Field(() => [LicenseAssignmentState], { description: "Every source of the SKU for the user (direct first, then groups), with its state and error." })
  licenseAssignmentStates!: LicenseAssignmentState[];
}

@ObjectType({ description: "A group that assigns a product, with how its processing goes and how many of its members are in error on it.", simpleResolvers: true })
export class LicensedGroup {
  @Field(() => Group, { description: "The group." })
  group!: GroupRecord;

  @Field(() => ID, { description: "The SKU's id." })
  skuId!: string;

  @Field(() => [ID], { description: "The servicePlanIds of the SKU the group leaves off." })
  disabledPlans!: string[];

  @Field(() => Int, { description: "Members whose license of this SKU from the group is in error (Error or ActiveWithError)." })
  membersInErrorCount!: number;
}

@ObjectType({ description: "A page of LicensedUser items (a Relay connection).", simpleResolvers: true })
export class LicensedUserConnection extends Connection(LicensedUser) {}

@ObjectType({ description: "A page of LicensedGroup items (a Relay connection).", simpleResolvers: true })
export class LicensedGroupConnection extends Connection(LicensedGroup) {}

@ObjectType({ description: "The tenant's licenses at a glance: every product with its units and errors, and the tenant's errors (a dashboard's one query)." })
export class LicenseSummary {
  @Field(() => [SubscribedSku], {
    description: "Every subscribed product, by skuPartNumber: prepaidUnits, consumedUnits, usersInErrorCount and groupsInErrorCount each.",
  })
  products!: SubscribedSku[];

  // usersInErrorCount and groupsInErrorCount: see LicenseSummaryResolver.
}
