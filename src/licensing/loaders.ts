import DataLoader from "dataloader";
import type { Services } from "../services";
import type { GroupRecord } from "../directory/model";
import type { ErrorCounts } from "./services/product-license.service";
import type { AssignmentRecord, GroupLicenseRecord, GroupProcessingRecord } from "./model";

/** Per-request batching of licensing relations, like the directory's loaders (made on first use too). */
export const licensingLoaders = {
  assignments: (services: Services) =>
    new DataLoader<string, AssignmentRecord[]>(async (userIds) => {
      const byUser = await services.licensing.assignments.assignmentsOf(userIds);
      return userIds.map((id) => byUser.get(id) ?? []);
    }),
  groupLicenses: (services: Services) =>
    new DataLoader<string, GroupLicenseRecord[]>(async (groupIds) => {
      const byGroup = await services.licensing.groups.groupLicenses(groupIds);
      return groupIds.map((id) => byGroup.get(id) ?? []);
    }),
  processing: (services: Services) =>
    new DataLoader<string, GroupProcessingRecord | null>(async (groupIds) => {
      const byGroup = await services.licensing.groups.processing(groupIds);
      return groupIds.map((id) => byGroup.get(id) ?? null);
    }),
  /** One query answers every group of the request. */
  groupsWithErrors: (services: Services) =>
    new DataLoader<"all", Set<string>>(async (keys) => {
      const ids = new Set(await services.licensing.groups.errorGroupIds());
      return keys.map(() => ids);
    }),
  /** Users and groups in error for every SKU, in one grouped statement: however many SKUs a request shows. */
  errorCountsBySku: (services: Services) =>
    new DataLoader<"all", Map<string, ErrorCounts>>(async (keys) => {
      const counts = await services.licensing.products.errorCountsBySku();
      return keys.map(() => counts);
    }),
  /** The tenant's users and groups in error, each counted once (licenseSummary). */
  tenantErrorCounts: (services: Services) =>
    new DataLoader<"all", ErrorCounts>(async (keys) => {
      const counts = await services.licensing.products.errorCounts();
      return keys.map(() => counts);
    }),
  /** The groups a page's licenses are inherited from. */
  groupsById: (services: Services) =>
    new DataLoader<string, GroupRecord | null>(async (groupIds) => {
      const groups = new Map((await services.groups.byIds(groupIds)).map((group) => [group.id, group]));
      return groupIds.map((id) => groups.get(id) ?? null);
    }),
};
