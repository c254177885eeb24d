import { Field, ID, InputType } from "type-graphql";
import { MembershipRuleProcessingState } from "./enums";
import type { MembershipRuleProcessingState as ProcessingStateName } from "../model";

// Inputs mirror Microsoft Graph's writable properties. Omitted fields are left as they are;
// an explicit null clears a field where clearing makes sense.

@InputType({ description: "Narrows a user list; all given conditions must hold." })
export class UserFilter {
  @Field(() => String, { nullable: true, description: "Prefix of displayName or userPrincipalName, any letter case." })
  startsWith?: string | null;

  @Field(() => String, { description: "Users of this department (exact).", nullable: true })
  department?: string | null;

  @Field(() => String, { description: "Users with this usage location, e.g. US.", nullable: true })
  usageLocation?: string | null;

  @Field(() => Boolean, { nullable: true, description: "false lists users who cannot be licensed directly yet." })
  hasUsageLocation?: boolean | null;

  @Field(() => Boolean, { description: "Users whose account is enabled (true) or blocked (false).", nullable: true })
  accountEnabled?: boolean | null;

  @Field(() => ID, {
    nullable: true,
    description: "Users whose assignedLicenses include this SKU (Graph's assignedLicenses/any(x: x/skuId eq …)); a skuId of subscribedSkus.",
  })
  skuId?: string | null;

  @Field(() => Boolean, {
    nullable: true,
    description:
      "true: users with a license source in Error or ActiveWithError (of skuId's SKU when given, whether or not they hold it yet); false: users with none (with skuId: holders of the SKU without an error on it).",
  })
  hasLicenseErrors?: boolean | null;
}

@InputType({ description: "A new user's properties." })
export class CreateUserInput {
  @Field({ description: "Sign-in name in a verified domain, e.g. ada@contoso.com." })
  userPrincipalName!: string;

  @Field({ description: "The name shown in lists." })
  displayName!: string;

  @Field(() => String, { nullable: true, description: "Defaults to the primary SMTP proxy address." })
  mail?: string | null;

  @Field(() => String, { description: "The department.", nullable: true })
  department?: string | null;

  @Field(() => String, { description: "The job title.", nullable: true })
  jobTitle?: string | null;

  @Field(() => Boolean, { description: "false blocks sign-in; true by default.", nullable: true, defaultValue: true })
  accountEnabled?: boolean | null;

  @Field(() => String, { description: "Two-letter country code (ISO 3166-1 alpha-2), e.g. US; needed before a direct license.", nullable: true })
  usageLocation?: string | null;

  @Field(() => [String], { nullable: true, description: "SMTP:primary@domain and smtp:secondary@domain entries." })
  proxyAddresses?: string[] | null;
}

@InputType({ description: "The user properties to change; those left out stay." })
export class UpdateUserInput {
  @Field(() => String, { description: "The new sign-in name, in a verified domain.", nullable: true })
  userPrincipalName?: string | null;

  @Field(() => String, { description: "The name shown in lists.", nullable: true })
  displayName?: string | null;

  @Field(() => String, { description: "The primary SMTP address.", nullable: true })
  mail?: string | null;

  @Field(() => String, { description: "The department.", nullable: true })
  department?: string | null;

  @Field(() => String, { description: "The job title.", nullable: true })
  jobTitle?: string | null;

  @Field(() => Boolean, { description: "false blocks sign-in.", nullable: true })
  accountEnabled?: boolean | null;

  @Field(() => String, { nullable: true, description: "null clears it. License Administrators may change this field alone." })
  usageLocation?: string | null;

  @Field(() => [String], { nullable: true, description: "Replaces the whole list." })
  proxyAddresses?: string[] | null;
}

@InputType({ description: "Narrows a group list; all given conditions must hold." })
export class GroupFilter {
  @Field(() => String, { nullable: true, description: "Prefix of displayName, any letter case." })
  startsWith?: string | null;

  @Field(() => Boolean, { description: "true: only security groups; false: only groups that are not.", nullable: true })
  securityEnabled?: boolean | null;

  @Field(() => Boolean, { nullable: true, description: "true: only dynamic groups; false: only assigned-membership groups." })
  dynamicMembership?: boolean | null;

  @Field(() => Boolean, { nullable: true, description: "true: groups with at least one member in a license error; the groups that need attention." })
  hasMembersWithLicenseErrors?: boolean | null;

  @Field(() => ID, { nullable: true, description: "Groups that assign this SKU (Graph's assignedLicenses/any(x: x/skuId eq …)); a skuId of subscribedSkus." })
  skuId?: string | null;
}

@InputType({ description: "A new group's properties." })
export class CreateGroupInput {
  @Field({ description: "The name shown in lists." })
  displayName!: string;

  @Field(() => String, { description: "What the group is for.", nullable: true })
  description?: string | null;

  @Field(() => Boolean, { description: "true for a security group (the default).", nullable: true, defaultValue: true })
  securityEnabled?: boolean | null;

  @Field(() => Boolean, { description: "true for a mail-enabled group; it then needs a mailNickname.", nullable: true, defaultValue: false })
  mailEnabled?: boolean | null;

  @Field(() => String, { description: "The mail alias, e.g. sales-team.", nullable: true })
  mailNickname?: string | null;

  @Field(() => [String], { nullable: true, description: "Implied by membershipRule when left out." })
  groupTypes?: string[] | null;

  @Field(() => String, {
    nullable: true,
    description: 'Makes the group dynamic, e.g. (user.department -eq "Sales") -and (user.usageLocation -eq "US").',
  })
  membershipRule?: string | null;

  @Field(() => MembershipRuleProcessingState, { nullable: true, description: "On (default for dynamic groups) or Paused." })
  membershipRuleProcessingState?: ProcessingStateName | null;
}

@InputType({ description: "The group properties to change; those left out stay." })
export class UpdateGroupInput {
  @Field(() => String, { description: "The name shown in lists.", nullable: true })
  displayName?: string | null;

  @Field(() => String, { description: "What the group is for.", nullable: true })
  description?: string | null;

  @Field(() => Boolean, { description: "true for a security group.", nullable: true })
  securityEnabled?: boolean | null;

  @Field(() => Boolean, { description: "true for a mail-enabled group.", nullable: true })
  mailEnabled?: boolean | null;

  @Field(() => String, { description: "The mail alias.", nullable: true })
  mailNickname?: string | null;

  @Field(() => [String], { description: "Replaces the list: DynamicMembership, Unified.", nullable: true })
  groupTypes?: string[] | null;

  @Field(() => String, { nullable: true, description: "null makes the group an assigned-membership group again." })
  membershipRule?: string | null;

  @Field(() => MembershipRuleProcessingState, { nullable: true, description: "On or Paused; for dynamic groups only." })
  membershipRuleProcessingState?: ProcessingStateName | null;
}

@InputType({ description: "The organization properties to change; those left out stay." })
export class UpdateOrganizationInput {
  @Field(() => String, { description: "The organization's name.", nullable: true })
  displayName?: string | null;

  @Field(() => String, { description: "Two-letter country code for group licensing of members without a usageLocation; null clears it.", nullable: true })
  defaultUsageLocation?: string | null;
}
