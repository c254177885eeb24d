import { DateTimeResolver } from "graphql-scalars";
import { Field, ID, ObjectType } from "type-graphql";
import { Connection } from "../../common/connection";
import { MembershipRuleProcessingState } from "./enums";
import type { MembershipRuleProcessingState as ProcessingStateName } from "../model";
import { Node } from "../../node/node";
import { DirectoryObject } from "./directory-object";

// GraphQL shapes of the directory, named as in Microsoft Graph. Resolvers return the plain
// records of model.ts; the relation fields are resolved in the resolvers, through loaders.
// The types a directory page returns by the hundred take `simpleResolvers`: their plain fields
// are read by graphql-js's default resolver instead of a type-graphql wrapper per field, which
// only runs middleware and auth checks, and helpgate uses neither.

@ObjectType({ description: "A domain the organization has proven it owns." })
export class VerifiedDomain {
  @Field({ description: "The domain name, e.g. contoso.com." })
  name!: string;

  @Field({ description: "true for the domain new users get by default." })
  isDefault!: boolean;

  @Field({ description: "true for the domain the tenant started with." })
  isInitial!: boolean;
}

@ObjectType({ description: "The tenant." })
export class Organization {
  @Field(() => ID, { description: "The tenant id." })
  id!: string;

  @Field({ description: "The organization's name." })
  displayName!: string;

  @Field(() => [VerifiedDomain], { description: "The domains it owns." })
  verifiedDomains!: VerifiedDomain[];

  @Field(() => String, {
    nullable: true,
    description: "Used for group-based licensing of members who have no usageLocation of their own (ISO 3166-1 alpha-2).",
  })
  defaultUsageLocation!: string | null;

  @Field(() => DateTimeResolver, { description: "When the tenant was created." })
  createdDateTime!: Date;
}

@ObjectType({ description: "A built-in directory role." })
export class DirectoryRole {
  @Field(() => ID, { description: "The role's template id (the same in every tenant)." })
  id!: string;

  @Field(() => ID, { description: "The role's template id; the same as id." })
  roleTemplateId!: string;

  @Field({ description: "The role's name, e.g. License Administrator." })
  displayName!: string;

  @Field({ description: "What the role may do." })
  description!: string;
}

@ObjectType({ description: "A user in the directory (Graph's user).", implements: [Node, DirectoryObject], simpleResolvers: true })
export class User implements Node, DirectoryObject {
  @Field(() => ID, { description: "The user's object id (a GUID)." })
  id!: string;

  @Field({ description: "The sign-in name, e.g. ada@contoso.com." })
  userPrincipalName!: string;

  @Field({ description: "The name shown in lists." })
  displayName!: string;

  @Field(() => String, { description: "The primary SMTP address.", nullable: true })
  mail!: string | null;

  @Field(() => String, { description: "The department, e.g. Sales.", nullable: true })
  department!: string | null;

  @Field(() => String, { description: "The job title.", nullable: true })
  jobTitle!: string | null;

  @Field({ description: "false blocks sign-in." })
  accountEnabled!: boolean;

  @Field(() => String, {
    nullable: true,
    description: "Two-letter country code (ISO 3166-1 alpha-2) where the user consumes services; required before a license can be assigned directly.",
  })
  usageLocation!: string | null;

  @Field(() => DateTimeResolver, { description: "When the user was created." })
  createdDateTime!: Date;
}

@ObjectType({ description: "A group in the directory (Graph's group): security, Microsoft 365, assigned or dynamic membership.", implements: [Node, DirectoryObject], simpleResolvers: true })
export class Group implements Node, DirectoryObject {
  @Field(() => ID, { description: "The group's object id (a GUID)." })
  id!: string;

  @Field({ description: "The name shown in lists." })
  displayName!: string;

  @Field(() => String, { description: "What the group is for.", nullable: true })
  description!: string | null;

  @Field({ description: "true for a security group." })
  securityEnabled!: boolean;

  @Field({ description: "true for a mail-enabled group." })
  mailEnabled!: boolean;

  @Field(() => String, { description: "The mail alias, e.g. sales-team.", nullable: true })
  mailNickname!: string | null;

  @Field(() => [String], { description: "DynamicMembership for groups whose members follow membershipRule; Unified for Microsoft 365 groups." })
  groupTypes!: string[];

  @Field(() => String, { description: "The rule dynamic membership follows; null for an assigned-membership group.", nullable: true })
  membershipRule!: string | null;

  @Field(() => MembershipRuleProcessingState, { nullable: true, description: "On, or Paused (membership frozen); null for an assigned-membership group." })
  membershipRuleProcessingState!: ProcessingStateName | null;

  @Field(() => DateTimeResolver, { description: "When the group was created." })
  createdDateTime!: Date;
}

@ObjectType({ description: "A page of User items (a Relay connection).", simpleResolvers: true })
export class UserConnection extends Connection(User) {}

@ObjectType({ description: "A page of Group items (a Relay connection).", simpleResolvers: true })
export class GroupConnection extends Connection(Group) {}
