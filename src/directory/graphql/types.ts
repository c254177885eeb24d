import { DateTimeResolver } from "graphql-scalars";
import { Field, ID, ObjectType } from "type-graphql";
import { Connection } from "../../common/connection";

// GraphQL shapes of the directory, named as in Microsoft Graph. Resolvers return the plain
// records of model.ts; the relation fields are resolved in the resolvers, through loaders.

@ObjectType({ description: "A domain the organization has proven it owns." })
export class VerifiedDomain {
  @Field()
  name!: string;

  @Field()
  isDefault!: boolean;

  @Field()
  isInitial!: boolean;
}

@ObjectType({ description: "The tenant." })
export class Organization {
  @Field(() => ID)
  id!: string;

  @Field()
  displayName!: string;

  @Field(() => [VerifiedDomain])
  verifiedDomains!: VerifiedDomain[];

  @Field(() => String, {
    nullable: true,
    description: "Used for group-based licensing of members who have no usageLocation of their own (ISO 3166-1 alpha-2).",
  })
  defaultUsageLocation!: string | null;

  @Field(() => DateTimeResolver)
  createdDateTime!: Date;
}

@ObjectType({ description: "A built-in directory role." })
export class DirectoryRole {
  @Field(() => ID, { description: "The role's template id (the same in every tenant)." })
  id!: string;

  @Field(() => ID)
  roleTemplateId!: string;

  @Field()
  displayName!: string;

  @Field()
  description!: string;
}

@ObjectType()
export class User {
  @Field(() => ID)
  id!: string;

  @Field()
  userPrincipalName!: string;

  @Field()
  displayName!: string;

  @Field(() => String, { nullable: true })
  mail!: string | null;

  @Field(() => String, { nullable: true })
  department!: string | null;

  @Field(() => String, { nullable: true })
  jobTitle!: string | null;

  @Field()
  accountEnabled!: boolean;

  @Field(() => String, {
    nullable: true,
    description: "Two-letter country code (ISO 3166-1 alpha-2) where the user consumes services; required before a license can be assigned directly.",
  })
  usageLocation!: string | null;

  @Field(() => DateTimeResolver)
  createdDateTime!: Date;
}

@ObjectType()
export class Group {
  @Field(() => ID)
  id!: string;

  @Field()
  displayName!: string;

  @Field(() => String, { nullable: true })
  description!: string | null;

  @Field()
  securityEnabled!: boolean;

  @Field()
  mailEnabled!: boolean;

  @Field(() => String, { nullable: true })
  mailNickname!: string | null;

  @Field(() => [String], { description: "DynamicMembership for groups whose members follow membershipRule; Unified for Microsoft 365 groups." })
  groupTypes!: string[];

  @Field(() => String, { nullable: true })
  membershipRule!: string | null;

  @Field(() => String, { nullable: true, description: "On, or Paused (membership frozen)." })
  membershipRuleProcessingState!: string | null;

  @Field(() => DateTimeResolver)
  createdDateTime!: Date;
}

@ObjectType()
export class UserConnection extends Connection(User) {}

@ObjectType()
export class GroupConnection extends Connection(Group) {}
