import { In, type EntityManager } from "typeorm";
import { isPostgres } from "../../db/dialect";
import { likePrefix, orderByDisplayName } from "../../db/keyset";
import { ProxyAddressEntity, UserEntity } from "../entities";
import type { ProxyAddressRecord, UserRecord } from "../model";

export interface UserFilter {
  /** Prefix of displayName or userPrincipalName, any letter case. */
  startsWith?: string | null;
  department?: string | null;
  usageLocation?: string | null;
  hasUsageLocation?: boolean | null;
  accountEnabled?: boolean | null;
}

/** The only code that reads or writes users and their proxy addresses. */
export class UserStore {
  constructor(private readonly manager: EntityManager) {}

  findByIds(ids: readonly string[]): Promise<UserRecord[]> {
    return ids.length === 0 ? Promise.resolve([]) : this.manager.findBy(UserEntity, { id: In([...ids]) });
  }

  findById(id: string): Promise<UserRecord | null> {
    return this.manager.findOneBy(UserEntity, { id });
  }

  findByUpn(userPrincipalName: string): Promise<UserRecord | null> {
    return this.manager.findOneBy(UserEntity, { upnKey: userPrincipalName.toLowerCase() });
  }

  list(filter: UserFilter, after: { displayName: string; id: string } | null, limit: number): Promise<UserRecord[]> {
    return orderByDisplayName(this.filtered(filter), "u", after).take(limit).getMany();
  }

  count(filter: UserFilter): Promise<number> {
    return this.filtered(filter).getCount();
  }

  /** Every user, for re-evaluating a dynamic group's rule. */
  all(): Promise<UserRecord[]> {
    return this.manager.find(UserEntity);
  }

  /**
   * Of these users, those that exist, locked on PostgreSQL until the transaction ends so that
   * one transaction at a time recomputes a user's licenses (SQLite's single writer already
   * does that). FOR NO KEY UPDATE leaves rows that only reference the user (memberships) free.
   * With `skipLocked`, users another transaction holds are left out instead of waited for.
   */
  async lock(ids: readonly string[], skipLocked = false): Promise<string[]> {
    if (ids.length === 0) return [];
    const query = this.manager
      .createQueryBuilder(UserEntity, "u")
      .select("u.id", "id")
      .where("u.id IN (:...ids)", { ids: [...new Set(ids)] })
      .orderBy("u.id", "ASC"); // one order for everyone: two lockers cannot deadlock
    if (isPostgres(this.manager)) {
      query.setLock("for_no_key_update");
      if (skipLocked) query.setOnLocked("skip_locked");
    }
    return (await query.getRawMany<{ id: string }>()).map((row) => row.id);
  }

  async insert(user: UserRecord): Promise<void> {
    await this.manager.insert(UserEntity, user);
  }

  async update(user: UserRecord): Promise<void> {
    const { id, ...fields } = user;
    await this.manager.update(UserEntity, { id }, fields);
  }

  async delete(id: string): Promise<void> {
    await this.manager.delete(UserEntity, { id });
  }

  proxyAddressesOf(userIds: readonly string[]): Promise<ProxyAddressRecord[]> {
    if (userIds.length === 0) return Promise.resolve([]);
    return this.manager.find(ProxyAddressEntity, {
      where: { userId: In([...userIds]) },
      order: { userId: "ASC", position: "ASC" },
    });
  }

  /** Who, other than `exceptUserId`, already holds any of these addresses (keys are lower-cased). */
  holdersOf(addressKeys: readonly string[], exceptUserId: string | null): Promise<ProxyAddressRecord[]> {
    if (addressKeys.length === 0) return Promise.resolve([]);
    const query = this.manager
      .createQueryBuilder(ProxyAddressEntity, "p")
      .where("p.addressKey IN (:...keys)", { keys: [...addressKeys] });
    if (exceptUserId) query.andWhere("p.userId <> :exceptUserId", { exceptUserId });
    return query.getMany();
  }

  async duplicateProxyAddresses(): Promise<{ addressKey: string; userIds: string[] }[]> {
    const rows = await this.manager
      .createQueryBuilder(ProxyAddressEntity, "p")
      .select(["p.address_key AS \"addressKey\"", "p.user_id AS \"userId\""])
      .where("p.address_key IN (SELECT d.address_key FROM user_proxy_addresses d GROUP BY d.address_key HAVING COUNT(*) > 1)")
      .orderBy("p.address_key")
      .getRawMany<{ addressKey: string; userId: string }>();
    const byKey = new Map<string, string[]>();
    for (const row of rows) byKey.set(row.addressKey, [...(byKey.get(row.addressKey) ?? []), row.userId]);
    return [...byKey].map(([addressKey, userIds]) => ({ addressKey, userIds }));
  }

  async replaceProxyAddresses(userId: string, addresses: readonly ProxyAddressRecord[]): Promise<void> {
    await this.manager.delete(ProxyAddressEntity, { userId });
    if (addresses.length > 0) await this.manager.insert(ProxyAddressEntity, [...addresses]);
  }

  private filtered(filter: UserFilter) {
    const query = this.manager.createQueryBuilder(UserEntity, "u").where("1 = 1");
    if (filter.startsWith) {
      query.andWhere("(LOWER(u.displayName) LIKE :prefix ESCAPE '\\' OR u.upnKey LIKE :prefix ESCAPE '\\')", {
        prefix: likePrefix(filter.startsWith),
      });
    }
    if (filter.department) {
      query.andWhere("LOWER(u.department) = :department", { department: filter.department.toLowerCase() });
    }
    if (filter.usageLocation) query.andWhere("u.usageLocation = :location", { location: filter.usageLocation });
    if (filter.hasUsageLocation === true) query.andWhere("u.usageLocation IS NOT NULL");
    if (filter.hasUsageLocation === false) query.andWhere("u.usageLocation IS NULL");
    if (filter.accountEnabled != null) query.andWhere("u.accountEnabled = :enabled", { enabled: filter.accountEnabled });
    return query;
  }
}
