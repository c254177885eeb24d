import { DateTimeResolver } from "graphql-scalars";
import { Field, ID, InputType, ObjectType, registerEnumType } from "type-graphql";
import { Connection } from "../../common/connection";
import type { AppPermission as AppPermissionName } from "../../auth/permissions";
import { DirectoryRole, User } from "./types";
import { Node } from "../../node/node";

/**
 * Application permissions by Graph's names. GraphQL enum values cannot hold dots, so each value
 * is Graph's name in upper case with underscores (User.ReadWrite.All is USER_READWRITE_ALL);
 * `GrantedAppPermission.value` gives Graph's spelling.
 */
export const AppPermission = {
  DIRECTORY_READ_ALL: "Directory.Read.All",
  USER_READWRITE_ALL: "User.ReadWrite.All",
  GROUP_READWRITE_ALL: "Group.ReadWrite.All",
  LICENSEASSIGNMENT_READWRITE_ALL: "LicenseAssignment.ReadWrite.All",
  ORGANIZATION_READWRITE_ALL: "Organization.ReadWrite.All",
  AUDITLOG_READ_ALL: "AuditLog.Read.All",
} as const satisfies Record<string, AppPermissionName>;

registerEnumType(AppPermission, {
  name: "AppPermission",
  description: "An application permission, by Microsoft Graph's name with dots written as underscores (e.g. USER_READWRITE_ALL is User.ReadWrite.All).",
  valuesConfig: {
    DIRECTORY_READ_ALL: { description: "Directory.Read.All: read users, groups, roles, the organization and service principals." },
    USER_READWRITE_ALL: { description: "User.ReadWrite.All: read the directory; create, update and delete users." },
    GROUP_READWRITE_ALL: { description: "Group.ReadWrite.All: read the directory; create, update and delete groups and their members." },
    LICENSEASSIGNMENT_READWRITE_ALL: { description: "LicenseAssignment.ReadWrite.All: read the directory; assign licenses to users and groups." },
    ORGANIZATION_READWRITE_ALL: { description: "Organization.ReadWrite.All: read the directory; change the organization and its subscriptions." },
    AUDITLOG_READ_ALL: { description: "AuditLog.Read.All: read the directory audit log." },
  },
});

@ObjectType({ description: "An application permission granted to a service principal (Graph: an appRoleAssignment)." })
export class GrantedAppPermission {
  @Field(() => AppPermission, { description: "The permission." })
  permission!: AppPermissionName;

  @Field({ description: "Graph's name, as app-only tokens carry it in `roles` (e.g. LicenseAssignment.ReadWrite.All)." })
  value!: string;

  @Field(() => DateTimeResolver, { description: "When it was granted." })
  grantedDateTime!: Date;
}

@ObjectType({ description: "An application registered in the directory, which may call helpgate on its own with an app-only token.", implements: Node })
export class ServicePrincipal implements Node {
  @Field(() => ID, { description: "The service principal's object id." })
  id!: string;

  @Field({ description: "The application (client) id its tokens carry in azp or appid." })
  appId!: string;

  @Field({ description: "The application's name." })
  displayName!: string;

  @Field(() => DateTimeResolver, { description: "When it was registered." })
  createdDateTime!: Date;
}

@ObjectType({ description: "A page of ServicePrincipal items (a Relay connection)." })
export class ServicePrincipalConnection extends Connection(ServicePrincipal) {}

@InputType({ description: "An application to register." })
export class CreateServicePrincipalInput {
  @Field({ description: "The application (client) id the identity provider issued." })
  appId!: string;

  @Field({ description: "The application's name." })
  displayName!: string;
}

export enum CallerKind {
  USER = "user",
  APP = "app",
}

registerEnumType(CallerKind, {
  name: "CallerKind",
  description: "A signed-in user, or an application acting on its own.",
  valuesConfig: {
    USER: { description: "A signed-in user (a delegated token)." },
    APP: { description: "An application acting on its own (an app-only token)." },
  },
});

@ObjectType({ description: "Who is calling and what they may do; a portal uses it to show only the actions that will succeed." })
export class CallerInfo {
  @Field(() => CallerKind, { description: "A user or an app." })
  kind!: CallerKind;

  @Field(() => ID, { description: "The user's object id, or the app's service principal id." })
  id!: string;

  @Field({ description: "The user's or the app's name." })
  displayName!: string;

  @Field(() => User, { nullable: true, description: "The signed-in user; null for an app." })
  user!: unknown;

  @Field(() => ServicePrincipal, { nullable: true, description: "The app's service principal; null for a user." })
  servicePrincipal!: unknown;

  @Field(() => [DirectoryRole], { description: "A user's directory roles (what their permissions come from); empty for an app." })
  directoryRoles!: DirectoryRole[];

  @Field(() => [AppPermission], { description: "An app's permissions in effect: granted in helpgate and present in its token's roles; empty for a user." })
  appPermissions!: AppPermissionName[];

  @Field(() => [String], {
    description:
      "What the caller may do: directory.read, audit.read, users.manage, users.delete, users.setUsageLocation, groups.manage, groups.delete, licenses.manage (users'), groupLicenses.manage, roles.manage, organization.manage, subscriptions.manage, apps.manage.",
  })
  permissions!: string[];
}
