import { DateTimeResolver } from "graphql-scalars";
import { Field, ID, InputType, ObjectType } from "type-graphql";
import { Connection } from "../../common/connection";

// Shaped like Microsoft Graph's directoryAudit and its parts.

@ObjectType()
export class ModifiedProperty {
  @Field()
  displayName!: string;

  @Field(() => String, { nullable: true, description: "JSON text." })
  oldValue!: string | null;

  @Field(() => String, { nullable: true, description: "JSON text." })
  newValue!: string | null;
}

@ObjectType()
export class TargetResource {
  @Field(() => ID, { nullable: true })
  id!: string | null;

  @Field(() => String, { nullable: true })
  displayName!: string | null;

  @Field({ description: "User, Group, Role or Organization." })
  type!: string;

  @Field(() => String, { nullable: true })
  userPrincipalName!: string | null;

  @Field(() => [ModifiedProperty])
  modifiedProperties!: ModifiedProperty[];
}

@ObjectType()
export class UserIdentity {
  @Field(() => ID)
  id!: string;

  @Field()
  userPrincipalName!: string;

  @Field()
  displayName!: string;
}

@ObjectType()
export class AppIdentity {
  @Field(() => String, { nullable: true })
  appId!: string | null;

  @Field()
  displayName!: string;

  @Field(() => ID, { nullable: true, description: "The service principal of a registered app that made the change; null for helpgate's own background work." })
  servicePrincipalId!: string | null;
}

@ObjectType({ description: "Exactly one of user or app is set." })
export class AuditActivityInitiator {
  @Field(() => UserIdentity, { nullable: true })
  user!: UserIdentity | null;

  @Field(() => AppIdentity, { nullable: true, description: "An application acting on its own (app-only token), or background work such as dynamic membership processing." })
  app!: AppIdentity | null;
}

@ObjectType()
export class DirectoryAudit {
  @Field(() => ID)
  id!: string;

  @Field(() => DateTimeResolver)
  activityDateTime!: Date;

  @Field()
  activityDisplayName!: string;

  @Field({ description: "UserManagement, GroupManagement, RoleManagement, DirectoryManagement or LicenseManagement." })
  category!: string;

  @Field()
  operationType!: string;

  @Field()
  loggedByService!: string;

  @Field(() => AuditActivityInitiator)
  initiatedBy!: AuditActivityInitiator;

  @Field(() => [TargetResource])
  targetResources!: TargetResource[];

  @Field({ description: "success or failure." })
  result!: string;

  @Field()
  resultReason!: string;

  @Field(() => String, { nullable: true, description: "The id of the request that made the change." })
  correlationId!: string | null;
}

@ObjectType()
export class DirectoryAuditConnection extends Connection(DirectoryAudit) {}

@InputType({ description: "Narrows the audit log; all given conditions must hold." })
export class DirectoryAuditFilter {
  @Field(() => String, { nullable: true })
  category?: string | null;

  @Field(() => String, { nullable: true, description: "e.g. Update user, Add member to group." })
  activityDisplayName?: string | null;

  @Field(() => ID, { nullable: true, description: "Entries naming this object among their targets." })
  targetId?: string | null;

  @Field(() => ID, { nullable: true, description: "Entries initiated by this user, or by this app's service principal." })
  initiatedById?: string | null;

  @Field(() => String, { nullable: true, description: "success or failure." })
  result?: string | null;

  @Field(() => DateTimeResolver, { nullable: true, description: "From this instant, inclusive." })
  since?: Date | null;

  @Field(() => DateTimeResolver, { nullable: true, description: "Up to this instant, inclusive." })
  until?: Date | null;
}
