import type { EntityManager } from "typeorm";
import { isPostgres } from "../../db/dialect";
import { likePrefix, orderByDisplayName } from "../../db/keyset";
import { RawSql } from "../../db/sql";
import { ProxyAddressEntity, UserEntity } from "../entities";
import type { Licensee, ProxyAddressRecord, UserRecord } from "../model";

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

  /** Users by id, in no particular order; fixed SQL, as bulk work reads thousands at a time. */
  async findByIds(ids: readonly string[]): Promise<UserRecord[]> {
    const rows = await new RawSql(this.manager).rowsIn<UserRow>("id", ids, (wanted) => `SELECT ${USER_COLUMNS} FROM users WHERE ${wanted}`);
    return rows.map(userFromRow);
  }

  /** What licensing needs of these users (those that exist). */
  async licensees(ids: readonly string[]): Promise<Licensee[]> {
    const sql = new RawSql(this.manager);
    // From the covering index alone (SQLite's planner would pick the primary key's).
    const from = sql.postgres ? "users" : "users INDEXED BY IX_users_licensee";
    const rows = await sql.rowsIn<Pick<UserRow, "id" | "user_principal_name" | "display_name" | "mail" | "usage_location">>(
      "id",
      ids,
      (wanted) => `SELECT id, user_principal_name, display_name, mail, usage_location FROM ${from} WHERE ${wanted}`,
    );
    return rows.map((row) => ({ id: row.id, userPrincipalName: row.user_principal_name, displayName: row.display_name, mail: row.mail, usageLocation: row.usage_location }));
  }

  findById(id: string): Promise<UserRecord | null> {
    return this.manager.findOneBy(UserEntity, { id });
  }

  findByUpn(userPrincipalName: string): Promise<UserRecord | null> {
    return this.manager.findOneBy(UserEntity, { upnKey: userPrincipalName.toLowerCase() });
  }

  list(filter: UserFilter, after: { displayName: string; id: string } | null, limit: number, backward = false): Promise<UserRecord[]> {
    return orderByDisplayName(this.filtered(filter), "u", after, backward).take(limit).getMany();
  }

  count(filter: UserFilter): Promise<number> {
    return this.filtered(filter).getCount();
  }

  /** Every user, for re-evaluating a dynamic group's rule. */
  all(): Promise<UserRecord[]> {
    return this.manager.find(UserEntity);
  }

  /**
   * Locks users on PostgreSQL until the transaction ends, so that one transaction at a time
   * recomputes a user's licenses, and returns those locked: the ones that exist and, with
   * `skipLocked`, that no other transaction holds (those are left out instead of waited for).
   * FOR NO KEY UPDATE leaves rows that only reference the user (memberships) free. On SQLite
   * the transaction holds the single writer, which already keeps everyone else out: nothing is
   * read, and the ids come back as given.
   */
  async lock(ids: readonly string[], skipLocked = false): Promise<string[]> {
    if (!isPostgres(this.manager)) return [...new Set(ids)];
    if (ids.length === 0) return [];
    const sql = new RawSql(this.manager);
    const unique = [...new Set(ids)];
    // One order for everyone: two lockers cannot deadlock.
    const text = `SELECT id FROM users WHERE ${sql.anyOf("id", unique.length)} ORDER BY id FOR NO KEY UPDATE${skipLocked ? " SKIP LOCKED" : ""}`;
    return (await sql.rows<{ id: string }>(text, sql.values(unique))).map((row) => row.id);
  }

  async insert(user: UserRecord): Promise<void> {
    await this.manager.insert(UserEntity, user);
  }

  async update(user: UserRecord): Promise<void> {
    const { id, ...fields } = user;
    await this.manager.update(UserEntity, { id }, fields);
  }

  async setMail(id: string, mail: string | null): Promise<void> {
    await this.manager.update(UserEntity, { id }, { mail });
  }

  async delete(id: string): Promise<void> {
    await this.manager.delete(UserEntity, { id });
  }

  /** Each user's addresses, by user then position. */
  async proxyAddressesOf(userIds: readonly string[]): Promise<ProxyAddressRecord[]> {
    const rows = await new RawSql(this.manager).rowsIn<ProxyRow>("user_id", userIds, (owners) => `SELECT ${PROXY_COLUMNS} FROM user_proxy_addresses WHERE ${owners} ORDER BY user_id, position`);
    return rows.map(proxyFromRow);
  }

  /**
   * The users' addresses in order, each with its key when some other user holds it too: the
   * question licensing asks of every mailbox, answered from the holder index without returning
   * the holders themselves (there are almost never any).
   */
  async proxyAddressesWithClashes(userIds: readonly string[]): Promise<{ userId: string; address: string; clashingKey: string | null }[]> {
    const rows = await new RawSql(this.manager).rowsIn<{ user_id: string; address: string; clashing_key: string | null }>(
      "p.user_id",
      userIds,
      (owners) =>
        "SELECT p.user_id, p.address, CASE WHEN EXISTS (SELECT 1 FROM user_proxy_addresses o WHERE o.address_key = p.address_key AND o.user_id <> p.user_id) THEN p.address_key END AS clashing_key " +
        `FROM user_proxy_addresses p WHERE ${owners} ORDER BY p.user_id, p.position`,
    );
    return rows.map((row) => ({ userId: row.user_id, address: row.address, clashingKey: row.clashing_key }));
  }

  /** Who, other than `exceptUserId`, already holds any of these addresses (keys are lower-cased). */
  async holdersOf(addressKeys: readonly string[], exceptUserId: string | null): Promise<Pick<ProxyAddressRecord, "userId" | "addressKey">[]> {
    // Answered from the index on (address_key, user_id) alone.
    const rows = await new RawSql(this.manager).rowsIn<{ address_key: string; user_id: string }>("address_key", addressKeys, (keys) => `SELECT address_key, user_id FROM user_proxy_addresses WHERE ${keys}`);
    return rows.filter((row) => row.user_id !== exceptUserId).map((row) => ({ userId: row.user_id, addressKey: row.address_key }));
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
    // Written so each engine's index applies (see migration LargeTenantReads): SQLite's LIKE and
    // NOCASE fold ASCII letters only, as its LOWER does; PostgreSQL's lower() folds all.
    const postgres = isPostgres(this.manager);
    if (filter.startsWith) {
      const name = postgres ? "LOWER(u.displayName)" : "u.displayName";
      query.andWhere(`(${name} LIKE :prefix ESCAPE '\\' OR u.upnKey LIKE :prefix ESCAPE '\\')`, { prefix: likePrefix(filter.startsWith) });
    }
    if (filter.department) {
      query.andWhere(postgres ? "LOWER(u.department) = :department" : "u.department = :department COLLATE NOCASE", { department: filter.department.toLowerCase() });
    }
    if (filter.usageLocation) query.andWhere("u.usageLocation = :location", { location: filter.usageLocation });
    if (filter.hasUsageLocation === true) query.andWhere("u.usageLocation IS NOT NULL");
    if (filter.hasUsageLocation === false) query.andWhere("u.usageLocation IS NULL");
    if (filter.accountEnabled != null) query.andWhere("u.accountEnabled = :enabled", { enabled: filter.accountEnabled });
    return query;
  }
}

export const USER_COLUMNS =
  "id, user_principal_name, upn_key, display_name, mail, department, job_title, account_enabled, usage_location, created_date_time";

export interface UserRow {
  id: string;
  user_principal_name: string;
  upn_key: string;
  display_name: string;
  mail: string | null;
  department: string | null;
  job_title: string | null;
  account_enabled: boolean | number;
  usage_location: string | null;
  created_date_time: string;
}

/** A users row as UserEntity maps it. */
export function userFromRow(row: UserRow): UserRecord {
  return {
    id: row.id,
    userPrincipalName: row.user_principal_name,
    upnKey: row.upn_key,
    displayName: row.display_name,
    mail: row.mail,
    department: row.department,
    jobTitle: row.job_title,
    accountEnabled: Boolean(row.account_enabled),
    usageLocation: row.usage_location,
    createdDateTime: new Date(row.created_date_time),
  };
}

const PROXY_COLUMNS = "user_id, address_key, address, is_primary, position";

interface ProxyRow {
  user_id: string;
  address_key: string;
  address: string;
  is_primary: boolean | number;
  position: number;
}

function proxyFromRow(row: ProxyRow): ProxyAddressRecord {
  return { userId: row.user_id, addressKey: row.address_key, address: row.address, isPrimary: Boolean(row.is_primary), position: Number(row.position) };
}
