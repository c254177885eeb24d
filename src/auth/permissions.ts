import type { UserRecord } from "../directory/model";
import { forbidden, unauthenticated } from "../errors";
import {
  DIRECTORY_READERS,
  DIRECTORY_WRITERS,
  GLOBAL_ADMINISTRATOR,
  GLOBAL_READER,
  GROUPS_ADMINISTRATOR,
  LICENSE_ADMINISTRATOR,
  USER_ADMINISTRATOR,
} from "../directory/roles";

/**
 * What a caller may do. Each mutation demands exactly one of these. They are cut where Entra's
 * roles differ: Directory Writers create and update users and groups but delete neither, and a
 * Groups Administrator licenses groups but not users.
 */
export type Permission =
  | "directory.read"
  | "audit.read"
  /** Create and update users (not their deletion). */
  | "users.manage"
  | "users.delete"
  | "users.setUsageLocation"
  /** Create and update groups, and add and remove their members (not their deletion). */
  | "groups.manage"
  | "groups.delete"
  /** Assign, remove and reprocess users' direct licenses. */
  | "licenses.manage"
  /** Assign, remove and reprocess the licenses a group gives its members. */
  | "groupLicenses.manage"
  | "roles.manage"
  | "organization.manage"
  | "subscriptions.manage"
  | "apps.manage";

const ALL: readonly Permission[] = [
  "directory.read",
  "audit.read",
  "users.manage",
  "users.delete",
  "users.setUsageLocation",
  "groups.manage",
  "groups.delete",
  "licenses.manage",
  "groupLicenses.manage",
  "roles.manage",
  "organization.manage",
  "subscriptions.manage",
  "apps.manage",
];

/**
 * Entra's built-in roles, for what helpgate does. Groups Administrator and Directory Writers carry
 * their Entra permissions (groups/*, groups/assignLicense, users/create, users/basic/update,
 * users/assignLicense…); neither may manage roles, subscriptions or apps.
 */
const ROLE_PERMISSIONS: Readonly<Record<string, readonly Permission[]>> = {
  [GLOBAL_ADMINISTRATOR]: ALL,
  [USER_ADMINISTRATOR]: [
    "directory.read",
    "audit.read",
    "users.manage",
    "users.delete",
    "users.setUsageLocation",
    "groups.manage",
    "groups.delete",
    "licenses.manage",
    "groupLicenses.manage",
  ],
  [LICENSE_ADMINISTRATOR]: ["directory.read", "audit.read", "users.setUsageLocation", "licenses.manage", "groupLicenses.manage"],
  // Entra: "create/manage groups … and view groups activity and audit reports".
  [GROUPS_ADMINISTRATOR]: ["directory.read", "audit.read", "groups.manage", "groups.delete", "groupLicenses.manage"],
  // Entra gives it no delete and no audit log.
  [DIRECTORY_WRITERS]: ["directory.read", "users.manage", "users.setUsageLocation", "groups.manage", "licenses.manage", "groupLicenses.manage"],
  [GLOBAL_READER]: ["directory.read", "audit.read"],
  [DIRECTORY_READERS]: ["directory.read"],
};

/** Like Entra's default user permissions, any signed-in member may read the directory. */
const MEMBER_PERMISSIONS: readonly Permission[] = ["directory.read"];

/**
 * Who is asking. `kind` tells a signed-in user from an application acting on its own (an
 * app-only token). `id` is the user's object id, or the app's service principal id; an app has
 * no userPrincipalName and no directory roles.
 */
export type Caller = UserCaller | AppCaller;

interface CallerBase {
  id: string;
  displayName: string;
  roleTemplateIds: ReadonlySet<string>;
  permissions: ReadonlySet<Permission>;
}

export interface UserCaller extends CallerBase {
  kind: "user";
  userPrincipalName: string;
  /**
   * The user's directory record as it was read when the request signed in, for `me` and
   * `caller` to answer without reading it again; absent where a caller is made otherwise.
   */
  signedInAs?: UserRecord;
}

export interface AppCaller extends CallerBase {
  kind: "app";
  userPrincipalName: null;
  /** The application (client) id the token names in azp / appid. */
  appId: string;
  servicePrincipalId: string;
  /** The application permissions in effect: granted in helpgate and present in the token's roles. */
  appPermissions: readonly AppPermission[];
}

export function permissionsFor(roleTemplateIds: Iterable<string>): Set<Permission> {
  const granted = new Set<Permission>(MEMBER_PERMISSIONS);
  for (const roleId of roleTemplateIds) {
    for (const permission of ROLE_PERMISSIONS[roleId] ?? []) granted.add(permission);
  }
  return granted;
}

/** The role template ids that grant a permission (to tell a caller which role they lack). */
export function rolesGranting(permission: Permission): string[] {
  return Object.entries(ROLE_PERMISSIONS).flatMap(([roleId, granted]) => (granted.includes(permission) ? [roleId] : []));
}

export function can(caller: Caller | null, permission: Permission): boolean {
  return caller !== null && caller.permissions.has(permission);
}

/** Returns the caller when it holds `permission`; otherwise the error a portal should show. */
export function demand(caller: Caller | null, permission: Permission): Caller {
  if (caller === null) {
    throw unauthenticated("Sign in first: send 'Authorization: Bearer <token>' (see `npm run token`).");
  }
  if (!caller.permissions.has(permission)) throw forbidden();
  return caller;
}

export function isGlobalAdministrator(caller: Caller): boolean {
  return caller.roleTemplateIds.has(GLOBAL_ADMINISTRATOR);
}

/**
 * Application permissions, by Microsoft Graph's names. An app may do what the permissions both
 * granted to its service principal and listed in its token's `roles` allow.
 */
export const APP_PERMISSIONS = {
  "Directory.Read.All": ["directory.read"],
  "User.ReadWrite.All": ["directory.read", "users.manage", "users.delete", "users.setUsageLocation"],
  // Graph lets Group.ReadWrite.All assign a group's licenses too (POST /groups/{id}/assignLicense).
  "Group.ReadWrite.All": ["directory.read", "groups.manage", "groups.delete", "groupLicenses.manage"],
  "LicenseAssignment.ReadWrite.All": ["directory.read", "licenses.manage", "groupLicenses.manage"],
  "Organization.ReadWrite.All": ["directory.read", "organization.manage", "subscriptions.manage"],
  "AuditLog.Read.All": ["audit.read"],
} as const satisfies Record<string, readonly Permission[]>;

export type AppPermission = keyof typeof APP_PERMISSIONS;

export const APP_PERMISSION_NAMES = Object.keys(APP_PERMISSIONS) as AppPermission[];

export function isAppPermission(value: string): value is AppPermission {
  return Object.prototype.hasOwnProperty.call(APP_PERMISSIONS, value);
}

export function permissionsForApp(appPermissions: Iterable<AppPermission>): Set<Permission> {
  const granted = new Set<Permission>();
  for (const appPermission of appPermissions) {
    for (const permission of APP_PERMISSIONS[appPermission]) granted.add(permission);
  }
  return granted;
}

/** How logs name a caller: a user by sign-in name, an app by its application id. */
export function callerName(caller: Caller | null): string | null {
  if (caller === null) return null;
  return caller.kind === "user" ? caller.userPrincipalName : `app:${caller.appId}`;
}
