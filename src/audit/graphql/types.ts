import { DateTimeResolver } from "graphql-scalars";
import { Field, ID, InputType, ObjectType } from "type-graphql";
import { Connection } from "../../common/connection";
import type { AuditCategory as AuditCategoryName, AuditEntry, AuditResult } from "../model";
import { AuditCategory, AuditOperationType, OperationResult } from "./enums";
import { Node } from "../../node/node";

// Shaped like Microsoft Graph's directoryAudit and its parts. Plain fields all: `simpleResolvers`
// (see directory/graphql/types.ts), as a page of the log returns them by the fifty.

@ObjectType({ description: "A property an audited change modified.", simpleResolvers: true })
export class ModifiedProperty {
  @Field({ description: "The property's name, e.g. usageLocation." })
  displayName!: string;

  @Field(() => String, { nullable: true, description: "JSON text." })
  oldValue!: string | null;

  @Field(() => String, { nullable: true, description: "JSON text." })
  newValue!: string | null;
}

@ObjectType({ description: "An object an audited change concerned (Graph's targetResource).", simpleResolvers: true })
export class TargetResource {
  @Field(() => ID, { description: "The object's id; null when it has none.", nullable: true })
  id!: string | null;

  @Field(() => String, { description: "The object's name then.", nullable: true })
  displayName!: string | null;

  @Field({ description: "The kind of object: User, Group, ServicePrincipal, Organization, Subscription or PlanRules. A String, as in Graph, where new kinds of target appear without notice." })
  type!: string;

  @Field(() => String, { description: "For a user, the sign-in name then.", nullable: true })
  userPrincipalName!: string | null;

  @Field(() => [ModifiedProperty], { description: "The properties changed, with old and new values." })
  modifiedProperties!: ModifiedProperty[];
}

@ObjectType({ description: "A user who made an audited change.", simpleResolvers: true })
export class UserIdentity {
  @Field(() => ID, { description: "The user's object id." })
  id!: string;

  @Field({ description: "The user's sign-in name then." })
  userPrincipalName!: string;

  @Field({ description: "The user's name then." })
  displayName!: string;
}

@ObjectType({ description: "An application, or helpgate's own background work, that made an audited change.", simpleResolvers: true })
export class AppIdentity {
  @Field(() => String, { description: "The application (client) id; null for helpgate's own work.", nullable: true })
  appId!: string | null;

  @Field({ description: "The application's name." })
  displayName!: string;

  @Field(() => ID, { nullable: true, description: "The service principal of a registered app that made the change; null for helpgate's own background work." })
  servicePrincipalId!: string | null;
}

@ObjectType({ description: "Exactly one of user or app is set.", simpleResolvers: true })
export class AuditActivityInitiator {
  @Field(() => UserIdentity, { description: "The signed-in user who made the change.", nullable: true })
  user!: UserIdentity | null;

  @Field(() => AppIdentity, { nullable: true, description: "An application acting on its own (app-only token), or background work such as dynamic membership processing." })
  app!: AppIdentity | null;
}

@ObjectType({ description: "An entry of the directory audit log (Graph's directoryAudit).", implements: Node, simpleResolvers: true })
export class DirectoryAudit implements Node {
  @Field(() => ID, { description: "The entry's id." })
  id!: string;

  @Field(() => DateTimeResolver, { description: "When the change was made." })
  activityDateTime!: Date;

  @Field({ description: "What was done, e.g. Update user." })
  activityDisplayName!: string;

  @Field(() => AuditCategory, { description: "What kind of object the change concerns." })
  category!: AuditCategoryName;

  @Field(() => AuditOperationType, { description: "The kind of change." })
  operationType!: AuditEntry["operationType"];

  @Field({ description: "The service that logged it, e.g. Core Directory." })
  loggedByService!: string;

  @Field(() => AuditActivityInitiator, { description: "Who made the change." })
  initiatedBy!: AuditActivityInitiator;

  @Field(() => [TargetResource], { description: "What the change concerned, with the properties changed." })
  targetResources!: TargetResource[];

  @Field(() => OperationResult, { description: "success or failure." })
  result!: AuditResult;

  @Field({ description: "Why it failed; empty on success." })
  resultReason!: string;

  @Field(() => String, { nullable: true, description: "The id of the request that made the change." })
  correlationId!: string | null;
}

@ObjectType({ description: "A page of DirectoryAudit items (a Relay connection).", simpleResolvers: true })
export class DirectoryAuditConnection extends Connection(DirectoryAudit) {}

@InputType({ description: "Narrows the audit log; all given conditions must hold." })
export class DirectoryAuditFilter {
  @Field(() => AuditCategory, { nullable: true, description: "Entries of this category." })
  category?: AuditCategoryName | null;

  @Field(() => String, { nullable: true, description: "e.g. Update user, Add member to group." })
  activityDisplayName?: string | null;

  @Field(() => ID, { nullable: true, description: "Entries naming this object among their targets." })
  targetId?: string | null;

  @Field(() => ID, { nullable: true, description: "Entries initiated by this user, or by this app's service principal." })
  initiatedById?: string | null;

  @Field(() => OperationResult, { nullable: true, description: "Entries that ended so: success or failure." })
  result?: AuditResult | null;

  @Field(() => DateTimeResolver, { nullable: true, description: "From this instant, inclusive." })
  since?: Date | null;

  @Field(() => DateTimeResolver, { nullable: true, description: "Up to this instant, inclusive." })
  until?: Date | null;
}
