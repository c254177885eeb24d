import { Field, InputType } from "type-graphql";

// Inputs mirror Microsoft Graph's writable properties. Omitted fields are left as they are;
// an explicit null clears a field where clearing makes sense.

@InputType({ description: "Narrows a user list; all given conditions must hold." })
export class UserFilter {
  @Field(() => String, { nullable: true, description: "Prefix of displayName or userPrincipalName, any letter case." })
  startsWith?: string | null;

  @Field(() => String, { nullable: true })
  department?: string | null;

  @Field(() => String, { nullable: true })
  usageLocation?: string | null;

  @Field(() => Boolean, { nullable: true, description: "false lists users who cannot be licensed directly yet." })
  hasUsageLocation?: boolean | null;

  @Field(() => Boolean, { nullable: true })
  accountEnabled?: boolean | null;
}

@InputType()
export class CreateUserInput {
  @Field({ description: "Sign-in name in a verified domain, e.g. ada@contoso.com." })
  userPrincipalName!: string;

  @Field()
  displayName!: string;

  @Field(() => String, { nullable: true, description: "Defaults to the primary SMTP proxy address." })
  mail?: string | null;

  @Field(() => String, { nullable: true })
  department?: string | null;

  @Field(() => String, { nullable: true })
  jobTitle?: string | null;

  @Field(() => Boolean, { nullable: true, defaultValue: true })
  accountEnabled?: boolean | null;

  @Field(() => String, { nullable: true })
  usageLocation?: string | null;

  @Field(() => [String], { nullable: true, description: "SMTP:primary@domain and smtp:secondary@domain entries." })
  proxyAddresses?: string[] | null;
}

@InputType()
export class UpdateUserInput {
  @Field(() => String, { nullable: true })
  userPrincipalName?: string | null;

  @Field(() => String, { nullable: true })
  displayName?: string | null;

  @Field(() => String, { nullable: true })
  mail?: string | null;

  @Field(() => String, { nullable: true })
  department?: string | null;

  @Field(() => String, { nullable: true })
  jobTitle?: string | null;

  @Field(() => Boolean, { nullable: true })
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

  @Field(() => Boolean, { nullable: true })
  securityEnabled?: boolean | null;

  @Field(() => Boolean, { nullable: true, description: "true: only dynamic groups; false: only assigned-membership groups." })
  dynamicMembership?: boolean | null;

  @Field(() => Boolean, { nullable: true, description: "true: groups with at least one member in a license error; the groups that need attention." })
  hasMembersWithLicenseErrors?: boolean | null;
}

@InputType()
export class CreateGroupInput {
  @Field()
  displayName!: string;

  @Field(() => String, { nullable: true })
  description?: string | null;

  @Field(() => Boolean, { nullable: true, defaultValue: true })
  securityEnabled?: boolean | null;

  @Field(() => Boolean, { nullable: true, defaultValue: false })
  mailEnabled?: boolean | null;

  @Field(() => String, { nullable: true })
  mailNickname?: string | null;

  @Field(() => [String], { nullable: true, description: "Implied by membershipRule when left out." })
  groupTypes?: string[] | null;

  @Field(() => String, {
    nullable: true,
    description: 'Makes the group dynamic, e.g. (user.department -eq "Sales") -and (user.usageLocation -eq "US").',
  })
  membershipRule?: string | null;

  @Field(() => String, { nullable: true, description: "On (default for dynamic groups) or Paused." })
  membershipRuleProcessingState?: string | null;
}

@InputType()
export class UpdateGroupInput {
  @Field(() => String, { nullable: true })
  displayName?: string | null;

  @Field(() => String, { nullable: true })
  description?: string | null;

  @Field(() => Boolean, { nullable: true })
  securityEnabled?: boolean | null;

  @Field(() => Boolean, { nullable: true })
  mailEnabled?: boolean | null;

  @Field(() => String, { nullable: true })
  mailNickname?: string | null;

  @Field(() => [String], { nullable: true })
  groupTypes?: string[] | null;

  @Field(() => String, { nullable: true, description: "null makes the group an assigned-membership group again." })
  membershipRule?: string | null;

  @Field(() => String, { nullable: true })
  membershipRuleProcessingState?: string | null;
}

@InputType()
export class UpdateOrganizationInput {
  @Field(() => String, { nullable: true })
  displayName?: string | null;

  @Field(() => String, { nullable: true })
  defaultUsageLocation?: string | null;
}
