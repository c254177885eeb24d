import DataLoader from "dataloader";
import type { Services } from "../services";
import type { AppPermissionGrantRecord, GroupRecord } from "./model";

/**
 * Per-request batching of the directory's relations: however many users a page holds, each
 * relation costs one query. A request makes each loader on its first use (context.ts).
 */
export const directoryLoaders = {
  proxyAddresses: (services: Services) =>
    new DataLoader<string, string[]>(async (userIds) => {
      const byUser = await services.users.proxyAddressesOf(userIds);
      return userIds.map((id) => byUser.get(id) ?? []);
    }),
  memberOf: (services: Services) =>
    new DataLoader<string, GroupRecord[]>(async (userIds) => {
      const byUser = await services.groups.groupsOf(userIds);
      return userIds.map((id) => (byUser.get(id) ?? []).sort((a, b) => a.displayName.localeCompare(b.displayName)));
    }),
  /** The groups each group is a direct member of (nested groups). */
  groupMemberOf: (services: Services) =>
    new DataLoader<string, GroupRecord[]>(async (groupIds) => {
      const byGroup = await services.groups.parentsOf(groupIds);
      return groupIds.map((id) => (byGroup.get(id) ?? []).sort((a, b) => a.displayName.localeCompare(b.displayName)));
    }),
  directoryRoles: (services: Services) =>
    new DataLoader<string, string[]>(async (userIds) => {
      const byUser = await services.roles.rolesOf(userIds);
      return userIds.map((id) => byUser.get(id) ?? []);
    }),
  appPermissions: (services: Services) =>
    new DataLoader<string, AppPermissionGrantRecord[]>(async (servicePrincipalIds) => {
      const bySp = await services.servicePrincipals.grantsOf(servicePrincipalIds);
      return servicePrincipalIds.map((id) => bySp.get(id) ?? []);
    }),
};
