import { demand, type Caller } from "../../auth/permissions";
import type { Database } from "../../db/database";
import type { GroupRecord, UserRecord } from "../../directory/model";
import type { GroupService } from "../../directory/services/group.service";
import type { UserService } from "../../directory/services/user.service";
import type { GroupFilter } from "../../directory/stores/group.store";
import type { UserFilter } from "../../directory/stores/user.store";
import { badInput } from "../../errors";
import { parseSkuId } from "./inputs";
import type { AssignmentStateName } from "../engine";
import type { AssignmentRecord, GroupLicenseRecord } from "../model";
import { AssignmentStore } from "../stores/assignment.store";
import { ProductLicenseStore, type AssignedBy, type ErrorCounts } from "../stores/product-license.store";
import { SubscriptionStore } from "../stores/subscription.store";

export type { AssignedBy, ErrorCounts };

type After = { displayName: string; id: string } | null;

export interface LicensedUserFilter {
  assignedBy?: AssignedBy | null;
  state?: AssignmentStateName | null;
}

/** A user with a SKU: every source of it they have (direct, groups), in any state. */
export interface LicensedUserRecord {
  user: UserRecord;
  sources: AssignmentRecord[];
}

/** A group that assigns a SKU, with what it assigns and how many of its members are in error on it. */
export interface LicensedGroupRecord {
  group: GroupRecord;
  license: GroupLicenseRecord | null;
  membersInError: number;
}

/** Filters of the directory's lists by license (Graph's assignedLicenses/any(x: x/skuId eq …)). */
export interface UserLicenseFilter {
  skuId?: string | null;
  hasLicenseErrors?: boolean | null;
}

/**
 * The product-centric views of licensing (Entra's "Licenses → All products"): a SKU's licensed
 * users and groups, error counts per SKU and for the tenant, and the directory's lists narrowed
 * by license. Readable by whoever may read the directory, as the other license reads. Every
 * read is a fixed number of statements: a page, then one statement per relation of the page.
 */
export class ProductLicenseService {
  constructor(
    private readonly db: Database,
    private readonly users: UserService,
    private readonly groups: GroupService,
  ) {}

  /** The SKU a filter names, checked: a GUID of a product the tenant subscribes to. */
  async subscribedSkuId(caller: Caller | null, given: string, field: string): Promise<string> {
    demand(caller, "directory.read");
    const skuId = parseSkuId(given, field);
    if (!(await new SubscriptionStore(this.db.manager).find(skuId))) {
      throw badInput(`${field} '${given}' is not a product the tenant subscribes to; subscribedSkus lists the skuIds it has.`, { field });
    }
    return skuId;
  }

  /** The conditions the user list adds for a filter by license. */
  async userRestrictions(caller: Caller | null, filter: UserLicenseFilter): Promise<Pick<UserFilter, "idInQueries" | "idNotInQueries">> {
    demand(caller, "directory.read");
    const skuId = filter.skuId == null ? null : await this.subscribedSkuId(caller, filter.skuId, "filter.skuId");
    const store = new ProductLicenseStore(this.db.manager);
    const idInQueries = [];
    const idNotInQueries = [];
    // With a SKU, errors are those of the SKU; a user whose only source failed holds nothing yet,
    // and is exactly who "in error on this product" must list.
    if (filter.hasLicenseErrors === true) idInQueries.push(store.erroredUserIds(skuId));
    else if (skuId !== null) idInQueries.push(store.holderIds(skuId));
    if (filter.hasLicenseErrors === false) idNotInQueries.push(store.erroredUserIds(skuId));
    return { idInQueries, idNotInQueries };
  }

  /** The conditions the group list adds for a filter by license. */
  async groupRestrictions(caller: Caller | null, filter: { skuId?: string | null }): Promise<Pick<GroupFilter, "idInQueries">> {
    if (filter.skuId == null) return { idInQueries: [] };
    const skuId = await this.subscribedSkuId(caller, filter.skuId, "filter.skuId");
    return { idInQueries: [new ProductLicenseStore(this.db.manager).assigningGroupIds(skuId)] };
  }

  /** A page of the SKU's users (by displayName, id), each with every source of the SKU. */
  async licensedUsers(caller: Caller | null, skuId: string, filter: LicensedUserFilter, after: After, limit: number, backward = false): Promise<LicensedUserRecord[]> {
    const store = new ProductLicenseStore(this.db.manager);
    const users = await this.users.list(caller, this.licensedUserFilter(store, skuId, filter), after, limit, backward);
    const sources = await store.sourcesOf(skuId, users.map((user) => user.id));
    return users.map((user) => ({ user, sources: sources.get(user.id) ?? [] }));
  }

  countLicensedUsers(caller: Caller | null, skuId: string, filter: LicensedUserFilter): Promise<number> {
    return this.users.count(caller, this.licensedUserFilter(new ProductLicenseStore(this.db.manager), skuId, filter));
  }

  /** A page of the groups assigning the SKU (by displayName, id), with their license and members in error. */
  async licensedGroups(caller: Caller | null, skuId: string, after: After, limit: number, backward = false): Promise<LicensedGroupRecord[]> {
    const store = new ProductLicenseStore(this.db.manager);
    const groups = await this.groups.list(caller, { idInQueries: [store.assigningGroupIds(skuId)] }, after, limit, backward);
    const ids = groups.map((group) => group.id);
    const licenses = await new AssignmentStore(this.db.manager).groupLicenses(ids);
    const errors = await store.groupErrorCounts(skuId, ids);
    return groups.map((group) => ({
      group,
      license: (licenses.get(group.id) ?? []).find((license) => license.skuId === skuId) ?? null,
      membersInError: errors.get(group.id) ?? 0,
    }));
  }

  countLicensedGroups(caller: Caller | null, skuId: string): Promise<number> {
    return this.groups.count(caller, { idInQueries: [new ProductLicenseStore(this.db.manager).assigningGroupIds(skuId)] });
  }

  /**
   * Users and groups in error per SKU, for every SKU at once: the loader behind a SKU's counts
   * (the caller's right to read was checked by the parent field).
   */
  errorCountsBySku(): Promise<Map<string, ErrorCounts>> {
    return new ProductLicenseStore(this.db.manager).errorCountsBySku();
  }

  /** Users and groups in error across the tenant, each counted once whatever its SKUs (for a loader, as above). */
  errorCounts(): Promise<ErrorCounts> {
    return new ProductLicenseStore(this.db.manager).errorCounts();
  }

  private licensedUserFilter(store: ProductLicenseStore, skuId: string, filter: LicensedUserFilter): UserFilter {
    return { idInQueries: [store.licensedUserIds(skuId, filter.assignedBy ?? "ANY", filter.state ?? null)] };
  }
}
