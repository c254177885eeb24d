import { forbidden, unauthenticated } from "../errors";
import {
  DIRECTORY_READERS,
  GLOBAL_ADMINISTRATOR,
  GLOBAL_READER,
  LICENSE_ADMINISTRATOR,
  USER_ADMINISTRATOR,
} from "../directory/roles";

/** What a caller may do. Each mutation demands exactly one of these. */
export type Permission =
  | "directory.read"
  | "audit.read"
  | "users.manage"
  | "users.setUsageLocation"
  | "groups.manage"
  | "licenses.manage"
  | "roles.manage"
  | "organization.manage"
  | "subscriptions.manage";

const ALL: readonly Permission[] = [
  "directory.read",
  "audit.read",
  "users.manage",
  "users.setUsageLocation",
  "groups.manage",
  "licenses.manage",
  "roles.manage",
  "organization.manage",
  "subscriptions.manage",
];

const ROLE_PERMISSIONS: Readonly<Record<string, readonly Permission[]>> = {
  [GLOBAL_ADMINISTRATOR]: ALL,
  [USER_ADMINISTRATOR]: ["directory.read", "audit.read", "users.manage", "users.setUsageLocation", "groups.manage", "licenses.manage"],
  [LICENSE_ADMINISTRATOR]: ["directory.read", "audit.read", "users.setUsageLocation", "licenses.manage"],
  [GLOBAL_READER]: ["directory.read", "audit.read"],
  [DIRECTORY_READERS]: ["directory.read"],
};

/** Like Entra's default user permissions, any signed-in member may read the directory. */
const MEMBER_PERMISSIONS: readonly Permission[] = ["directory.read"];

export interface Caller {
  id: string;
  userPrincipalName: string;
  displayName: string;
  roleTemplateIds: ReadonlySet<string>;
  permissions: ReadonlySet<Permission>;
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
