import type { EntityManager } from "typeorm";
import { isPostgres } from "../../db/dialect";
import { bound, rawIdCondition, rawIdExists, type IdQuery } from "../../db/id-query";
import { namesInCodePointOrder } from "../../db/collation";
import { likePrefix } from "../../db/keyset";
import { RawSql } from "../../db/sql";
import { rememberedRead } from "../../db/sqlite-direct";
import { ProxyAddressEntity, UserEntity } from "../entities";
import type { Licensee, ProxyAddressRecord, UserRecord } from "../model";
import { membersWalkThreshold, rememberedChoice, userCount } from "./walk-plan";

export interface UserFilter {
  /** Prefix of displayName or userPrincipalName, any letter case. */
  startsWith?: string | null;
  department?: string | null;
  usageLocation?: string | null;
  hasUsageLocation?: boolean | null;
  accountEnabled?: boolean | null;
  /** Only users each of these subqueries selects (e.g. licensing's holders of a SKU). */
  idInQueries?: readonly IdQuery[];
  /** No user any of these subqueries selects. */
  idNotInQueries?: readonly IdQuery[];
}

/** The only code that reads or writes users and their proxy addresses. */
export class UserStore {
  constructor(private readonly manager: EntityManager) {}

  /**
   * Users by id, in no particular order; fixed SQL, as bulk work reads thousands at a time. Rows
   * as arrays (see arraysIn): a page of 50 members read this way cost 108 µs against 155 µs as
   * row objects.
   */
  async findByIds(ids: readonly string[]): Promise<UserRecord[]> {
    const rows = await new RawSql(this.manager, { prepared: true }).arraysIn<UserTuple>("id", ids, (wanted) => `SELECT ${USER_COLUMNS} FROM users WHERE ${wanted}`);
    return rows.map(userFromTuple);
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

  // The reads every request makes (the signed-in user) and the directory page make are fixed
  // SQL mapped by userFromRow: TypeORM's query builder and entity hydration cost several times
  // the statement itself.

  findById(id: string): Promise<UserRecord | null> {
    return this.one("id", id);
  }

  findByUpn(userPrincipalName: string): Promise<UserRecord | null> {
    return this.one("upn_key", userPrincipalName.toLowerCase());
  }

  /**
   * The user a token names (by id or by upn_key) with the directory roles they hold. Every
   * signed-in request reads both, so on SQLite's reader the answer is kept until the next commit
   * (rememberedRead), which is when a disabled account, a deleted user or a role taken away is
   * read again. Each caller gets its own copy.
   */
  async findForSignIn(column: "id" | "upn_key", value: string): Promise<{ user: UserRecord; roleTemplateIds: string[] } | null> {
    const found = await rememberedRead(this.manager, "sign-in", `${column} ${value}`, () => this.readForSignIn(column, value));
    return found && { user: { ...found.user }, roleTemplateIds: [...found.roleTemplateIds] };
  }

  /**
   * The read itself, one statement: on PostgreSQL each statement is a round trip to the server
   * (about as much of a short request's time as all the rest of it).
   */
  private async readForSignIn(column: "id" | "upn_key", value: string): Promise<{ user: UserRecord; roleTemplateIds: string[] } | null> {
    const sql = new RawSql(this.manager, { prepared: true });
    const roles = sql.postgres ? "string_agg(role_template_id, ',')" : "group_concat(role_template_id, ',')";
    const text =
      `SELECT ${USER_COLUMNS}, (SELECT ${roles} FROM directory_role_assignments held WHERE held.user_id = users.id) AS role_template_ids ` +
      `FROM users WHERE ${column} = ${sql.parameter(0)} LIMIT 1`;
    const [row] = await sql.rows<UserRow & { role_template_ids: string | null }>(text, [value]);
    if (!row) return null;
    return { user: userFromRow(row), roleTemplateIds: row.role_template_ids ? row.role_template_ids.split(",") : [] };
  }

  /** Users ordered by (displayName, id), after (or, backward, before) the row `after` names. */
  async list(filter: UserFilter, after: { displayName: string; id: string } | null, limit: number, backward = false): Promise<UserRecord[]> {
    const sql = new RawSql(this.manager);
    if (onlyStartsWith(filter)) return this.prefixPage(sql, filter.startsWith, after, limit, backward);
    const where = filterSql(sql, filter, await this.probesIds(sql, filter, limit));
    const [op, direction] = backward ? ["<", "DESC"] : [">", "ASC"];
    if (after) {
      // A row-value comparison, which both engines turn into a range on the (display_name, id) index.
      const [name, id] = [where.next(after.displayName), where.next(after.id)];
      where.conditions.push(`(display_name, id) ${op} (${name}, ${id})`);
    }
    const order = `ORDER BY display_name ${direction}, id ${direction}`;
    const page = `FROM users${whereClause(where.conditions)} ${order} LIMIT ${where.next(limit)}`;
    // On PostgreSQL a page of a set that holds few users (the users in error) walks the name index,
    // each user's id probed in the set: thousands of users for a page, and read whole, each of their
    // rows was fetched from the table to be tested. The page's ids are picked from the index alone,
    // then only its rows are read: 4–5 ms instead of 6–7.5 for a page of the users in error (2 % of a
    // million), and 7.5–10 ms instead of 68–125 when those rows were not yet in PostgreSQL's memory.
    // Not for a set that holds many (a product's holders): there the walk keeps most users it passes,
    // and reading the page's rows again by key cost more (0.6 ms against 0.3) than it saved.
    const ids = sql.postgres && Boolean(filter.idInQueries?.some((query) => query.few));
    const text = ids ? `SELECT ${USER_COLUMNS} FROM users WHERE id IN (SELECT id FROM (SELECT display_name, id ${page}) page) ${order}` : `SELECT ${USER_COLUMNS} ${page}`;
    const rows = await sql.arrays<UserTuple>(text, where.values);
    return rows.map(userFromTuple);
  }

  /**
   * A page of `startsWith` alone: the page's (display_name, id) are picked from indexes that
   * carry both, and only that page's rows are read. Read the plain way, every match's row was
   * read to be sorted: thousands of rows on random pages of a million-user table for a page of 50.
   *
   * Picked from the two prefix indexes (migration PrefixPages), every match is still sorted:
   * 129 ms a page for "a" in a million users on SQLite (146,000 names and as many UPNs), 8 ms for
   * "zoe"; 0.6 s for "a" on PostgreSQL. So when the prefix has at most
   * CASE_VARIANT_LETTERS ASCII letters and names sort by code point (always on SQLite; on
   * PostgreSQL under a C collation: namesInCodePointOrder), the names come from the users' name
   * index instead, in its order: one range for each way of writing the prefix's letters (see
   * caseVariantRanges), each range read up to the page's size; and from the UPN prefix index only
   * the UPNs whose user's name does not match too; for a prefix of up to three characters, those
   * are among the users whose UPN and name start differently, which partial indexes of their own
   * hold (migrations UpnOtherInitial, UpnOtherInitialPostgres, UpnOtherStart: upnOtherCondition).
   * What is sorted is then at most a page a range, plus those UPNs. On PostgreSQL each range also
   * states the list's own condition on LOWER(display_name), so a range holds only the names the
   * plain statement matches.
   */
  private async prefixPage(sql: RawSql, startsWith: string, after: { displayName: string; id: string } | null, limit: number, backward: boolean): Promise<UserRecord[]> {
    const values: unknown[] = [];
    const next = (value: unknown) => {
      values.push(value);
      return sql.parameter(values.length - 1);
    };
    const [op, direction] = backward ? ["<", "DESC"] : [">", "ASC"];
    const prefix = likePrefix(startsWith);
    const variants = (await namesInCodePointOrder(this.manager)) ? caseVariantRanges(startsWith, { postgres: sql.postgres }) : null;
    if (variants) {
      const order = `ORDER BY display_name ${direction}, id ${direction}`;
      const cursor = () => (after ? ` AND (display_name, id) ${op} (${next(after.displayName)}, ${next(after.id)})` : "");
      // The users found by UPN alone: from an index of the users whose UPN and name start
      // differently, in their first character or in their first UPN_OTHER_START (see
      // upnOtherCondition), else from the UPN prefix index.
      const others = upnOtherCondition([...startsWith].length);
      if (sql.postgres) {
        // The list's own condition, written so that no index serves it: given a LIKE or a
        // starts_with on LOWER(display_name), the planner would rather read the whole prefix from
        // its index and sort it again. Only the name's first characters are lowered, which is the
        // same here: LOWER maps character for character (libc's and the builtin provider's case
        // mappings do; an ICU collation never takes this path).
        const lowered = startsWith.toLowerCase();
        const matches = (negated: boolean) => `LOWER(left(display_name, ${lowered.length})) ${negated ? "<>" : "="} ${next(lowered)}`;
        // The ranges go in as arrays, each read by one lateral subquery: PostgreSQL plans one
        // range scan, not one for each of up to 16 arms (planning them was most of the statement's
        // time: 2.2 ms of 2.9 for "zoe s"). Each range starts after (lo, lo_id) and ends before
        // (hi, hi_id); an empty id stands for the bound's name itself (every id sorts after it),
        // and the cursor takes the place of the bound it passes: given both, PostgreSQL started
        // the scan at the cursor and read every name up to the range (0.25 s for page 51 of "a").
        const ranges = postgresRanges(variants, after?.displayName ?? null, backward);
        const bound = (range: { cursor: boolean }, name: string, passes: boolean): [string, string] => (range.cursor && passes ? [after!.displayName, after!.id] : [name, ""]);
        const lows = ranges.map((range) => bound(range, range.from, !backward));
        const highs = ranges.map((range) => bound(range, range.to, backward));
        const [lo, loId, hi, hiId] = [lows.map(([name]) => name), lows.map(([, id]) => id), highs.map(([name]) => name), highs.map(([, id]) => id)].map((list) => next(list));
        const within = backward ? `display_name >= r.lo AND (display_name, id) < (r.hi, r.hi_id)` : `(display_name, id) > (r.lo, r.lo_id) AND display_name < r.hi`;
        const names =
          `(SELECT x.display_name, x.id FROM unnest(${lo}::text[], ${loId}::text[], ${hi}::text[], ${hiId}::text[]) AS r(lo, lo_id, hi, hi_id) ` +
          `CROSS JOIN LATERAL (SELECT display_name, id FROM users WHERE ${within} AND ${matches(false)} ${order} LIMIT ${next(limit)}) x)`;
        const upns = `(SELECT display_name, id FROM users WHERE upn_key LIKE ${next(prefix)} ESCAPE '\\'${others ? ` AND ${others.condition}` : ""} AND ${matches(true)}${cursor()})`;
        const page = `SELECT id FROM (${names} UNION ALL ${upns}) arms ${order} LIMIT ${next(limit)}`;
        const rows = await sql.arrays<UserTuple>(`SELECT ${USER_COLUMNS} FROM users WHERE id IN (${page}) ${order}`, values);
        return rows.map(userFromTuple);
      }
      const names = variants.map(
        ([from, to]) =>
          `SELECT * FROM (SELECT display_name, id FROM users INDEXED BY "IX_users_display_name" WHERE display_name >= ${next(from)} AND display_name < ${next(to)}${cursor()} ${order} LIMIT ${next(limit)})`,
      );
      const upns = others
        ? `SELECT display_name, id FROM users INDEXED BY "${others.index}" WHERE upn_key LIKE ${next(prefix)} ESCAPE '\\' AND ${others.condition} AND display_name NOT LIKE ${next(prefix)} ESCAPE '\\'${cursor()}`
        : `SELECT display_name, id FROM users INDEXED BY "IX_users_upn_prefix" WHERE upn_key LIKE ${next(prefix)} ESCAPE '\\' AND display_name NOT LIKE ${next(prefix)} ESCAPE '\\'${cursor()}`;
      // The arms concatenated, then sorted once (at most a page an arm): given the compound's own
      // ORDER BY, SQLite sorts each arm apart, 17 sorters a page, whose buffers (malloc'd and
      // freed each time) had glibc give memory back and take it again on every request once
      // the heap had grown: 5 ms a page in a server that had answered other lists.
      const page = `SELECT id FROM (SELECT * FROM (${[...names, upns].join(" UNION ALL ")} LIMIT -1) ${order} LIMIT ${next(limit)}) page`;
      const rows = await sql.arrays<UserTuple>(`SELECT ${USER_COLUMNS} FROM users WHERE id IN (${page}) ${order}`, values);
      return rows.map(userFromTuple);
    }
    // Placeholders in the order they appear: SQLite's are positional. On SQLite each branch
    // names its index: given the cursor, SQLite would rather take the range after it on
    // (display_name, id), which runs from the cursor to the end of the table in its BINARY
    // order (every name that sorts after, accented ones included), not to the prefix's end.
    const branch = (column: string, index: string) => {
      const like = `${column} LIKE ${next(prefix)} ESCAPE '\\'`;
      const from = sql.postgres ? "users" : `users INDEXED BY "${index}"`;
      return `SELECT display_name, id FROM ${from} WHERE ${like}${after ? ` AND (display_name, id) ${op} (${next(after.displayName)}, ${next(after.id)})` : ""}`;
    };
    const names = branch(sql.postgres ? "LOWER(display_name)" : "display_name", "IX_users_display_name_prefix");
    const upns = branch("upn_key", "IX_users_upn_prefix");
    const order = `ORDER BY display_name ${direction}, id ${direction}`;
    const page = `SELECT id FROM (${names} UNION ${upns} ${order} LIMIT ${next(limit)}) page`;
    const rows = await sql.arrays<UserTuple>(`SELECT ${USER_COLUMNS} FROM users WHERE id IN (${page}) ${order}`, values);
    return rows.map(userFromTuple);
  }

  /**
   * Whether a page of users narrowed by one set of ids alone (a product's holders, its users in
   * error) is read along the users' name index, each user's id probed in the set, rather than from
   * the set, every member read and sorted: when the set holds at least membersWalkThreshold users,
   * counted up to there (and kept until the next write: rememberedChoice). On SQLite the form of
   * the condition decides the plan (`IN` reads the set; `EXISTS`, which it turns into a probe,
   * walks the index): the 200,000 holders of a product in a million users took 160 ms a page to
   * sort, against under 1 ms walked. PostgreSQL plans both forms alike, as a semi-join, by its
   * statistics: `IN` stays.
   */
  private async probesIds(sql: RawSql, filter: UserFilter, limit: number): Promise<boolean> {
    const { idInQueries, ...others } = filter;
    if (sql.postgres || idInQueries?.length !== 1 || Object.values(others).some((value) => (Array.isArray(value) ? value.length > 0 : value != null))) return false;
    const values: unknown[] = [];
    const subquery = bound(idInQueries[0]!, (value) => {
      values.push(value);
      return sql.parameter(values.length - 1);
    });
    return rememberedChoice(this.manager, `users ${subquery} ${JSON.stringify(values)} ${limit}`, async () => {
      const threshold = membersWalkThreshold(limit, await userCount(sql));
      const [{ n }] = await sql.rows<{ n: number | string }>(`SELECT COUNT(*) AS n FROM (${subquery} LIMIT ${sql.parameter(values.length)}) ids`, [...values, threshold]);
      return Number(n) >= threshold;
    });
  }

  async count(filter: UserFilter): Promise<number> {
    const sql = new RawSql(this.manager);
    if (onlyStartsWith(filter)) {
      // As prefixPage: the matches counted from the two indexes, no row read.
      const prefix = likePrefix(filter.startsWith);
      const name = sql.postgres ? "LOWER(display_name)" : "display_name";
      const text =
        `SELECT COUNT(*) AS count FROM (SELECT id FROM users WHERE ${name} LIKE ${sql.parameter(0)} ESCAPE '\\' ` +
        `UNION SELECT id FROM users WHERE upn_key LIKE ${sql.parameter(1)} ESCAPE '\\') matches`;
      const [row] = await sql.rows<{ count: number | string }>(text, [prefix, prefix]);
      return Number(row?.count ?? 0);
    }
    const where = filterSql(sql, filter);
    const [row] = await sql.rows<{ count: number | string }>(`SELECT COUNT(*) AS count FROM users${whereClause(where.conditions)}`, where.values);
    return Number(row?.count ?? 0);
  }

  private async one(column: "id" | "upn_key", value: string): Promise<UserRecord | null> {
    const sql = new RawSql(this.manager, { prepared: true });
    const [row] = await sql.rows<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE ${column} = ${sql.parameter(0)} LIMIT 1`, [value]);
    return row ? userFromRow(row) : null;
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

  /**
   * lock() and licensees() in one: the licensees of those of `ids` this transaction now holds,
   * and the ids of those that exist but another transaction holds (skipLocked). On PostgreSQL the
   * locking statement reads the columns itself, so a batch takes its users in one round trip (a
   * second only when some were passed over or are gone); SQLite's single writer holds them all.
   */
  async lockLicensees(ids: readonly string[], skipLocked = false): Promise<{ held: Licensee[]; busy: string[] }> {
    if (!isPostgres(this.manager)) return { held: await this.licensees(ids), busy: [] };
    const unique = [...new Set(ids)];
    if (unique.length === 0) return { held: [], busy: [] };
    const sql = new RawSql(this.manager);
    const text = `SELECT id, user_principal_name, display_name, mail, usage_location FROM users WHERE ${sql.anyOf("id", unique.length)} ORDER BY id FOR NO KEY UPDATE${skipLocked ? " SKIP LOCKED" : ""}`;
    const rows = await sql.rows<Pick<UserRow, "id" | "user_principal_name" | "display_name" | "mail" | "usage_location">>(text, sql.values(unique));
    const held = rows.map((row) => ({ id: row.id, userPrincipalName: row.user_principal_name, displayName: row.display_name, mail: row.mail, usageLocation: row.usage_location }));
    if (held.length === unique.length) return { held, busy: [] };
    const taken = new Set(held.map((user) => user.id));
    const missing = unique.filter((id) => !taken.has(id));
    const busy = await sql.rowsIn<{ id: string }>("id", missing, (wanted) => `SELECT id FROM users WHERE ${wanted}`);
    return { held, busy: busy.map((row) => row.id) };
  }

  async insert(user: UserRecord): Promise<void> {
    await this.manager.insert(UserEntity, user);
  }

  /** Writes the user's fields, and their display name to each of their memberships (see GroupMemberRecord). */
  async update(user: UserRecord): Promise<void> {
    const { id, ...fields } = user;
    await this.manager.update(UserEntity, { id }, fields);
    const sql = new RawSql(this.manager);
    await sql.affected(`UPDATE group_members SET display_name = ${sql.list(1)} WHERE user_id = ${sql.list(1, 1)} AND display_name <> ${sql.list(1, 2)}`, [user.displayName, id, user.displayName]);
  }

  async setMail(id: string, mail: string | null): Promise<void> {
    await this.manager.update(UserEntity, { id }, { mail });
  }

  async delete(id: string): Promise<void> {
    await this.manager.delete(UserEntity, { id });
  }

  /** Each user's addresses, by user then position. */
  async proxyAddressesOf(userIds: readonly string[]): Promise<ProxyAddressRecord[]> {
    const rows = await new RawSql(this.manager, { prepared: true }).rowsIn<ProxyRow>("user_id", userIds, (owners) => `SELECT ${PROXY_COLUMNS} FROM user_proxy_addresses WHERE ${owners} ORDER BY user_id, position`);
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
}

/**
 * The WHERE conditions of a filter and their values in order; `next` adds a value and returns
 * its placeholder (one value for each placeholder written, as SQLite's `?` are positional).
 */
function filterSql(sql: RawSql, filter: UserFilter, probeIds = false): { conditions: string[]; values: unknown[]; next(value: unknown): string } {
  const conditions: string[] = [];
  const values: unknown[] = [];
  const next = (value: unknown) => {
    values.push(value);
    return sql.parameter(values.length - 1);
  };
  // Written so each engine's index applies (see migration LargeTenantReads): SQLite's LIKE and
  // NOCASE fold ASCII letters only, as its LOWER does; PostgreSQL's lower() folds all.
  if (filter.startsWith) {
    const prefix = likePrefix(filter.startsWith);
    const name = sql.postgres ? "LOWER(display_name)" : "display_name";
    conditions.push(`(${name} LIKE ${next(prefix)} ESCAPE '\\' OR upn_key LIKE ${next(prefix)} ESCAPE '\\')`);
  }
  if (filter.department) {
    const department = next(filter.department.toLowerCase());
    conditions.push(sql.postgres ? `LOWER(department) = ${department}` : `department = ${department} COLLATE NOCASE`);
  }
  if (filter.usageLocation) conditions.push(`usage_location = ${next(filter.usageLocation)}`);
  if (filter.hasUsageLocation === true) conditions.push("usage_location IS NOT NULL");
  if (filter.hasUsageLocation === false) conditions.push("usage_location IS NULL");
  if (filter.accountEnabled != null) conditions.push(`account_enabled = ${next(filter.accountEnabled)}`);
  // probeIds: each user's id looked up in the set (see probesIds; the subquery names its column id).
  for (const ids of filter.idInQueries ?? []) conditions.push(probeIds ? rawIdExists("users.id", ids, next) : rawIdCondition("id", ids, next));
  for (const ids of filter.idNotInQueries ?? []) conditions.push(rawIdCondition("id", ids, next, true));
  return { conditions, values, next };
}

/**
 * The condition of the partial index IX_users_upn_other_initial, as migrations UpnOtherInitial
 * (SQLite) and UpnOtherInitialPostgres wrote it (either engine uses the index only for a query
 * that states it so): the users whose UPN and display name start with different characters.
 */
const UPN_OTHER_INITIAL = "lower(substr(upn_key, 1, 1)) <> lower(substr(display_name, 1, 1))";

/** The first characters of UPN and name that migration UpnOtherStart compares. */
const UPN_OTHER_START = 3;

/**
 * The condition of the partial index IX_users_upn_other_start (migration UpnOtherStart): the users
 * whose UPN and display name differ within their first UPN_OTHER_START characters.
 */
const UPN_OTHER_START_CONDITION = `lower(substr(upn_key, 1, ${UPN_OTHER_START})) <> lower(substr(display_name, 1, ${UPN_OTHER_START}))`;

/**
 * Where a short prefix's users found by UPN alone are read from: a user whose UPN starts with a
 * prefix of n characters and whose name does not has a UPN and a name that differ within their
 * first n characters (both engines' lower() maps character for character), so for n = 1 the
 * index of those whose first character differs holds them, and for n up to UPN_OTHER_START the
 * index of those whose first UPN_OTHER_START differ does. Either is small where UPNs follow the
 * names. Null past that: the UPN prefix index, every UPN that starts with the prefix read.
 */
function upnOtherCondition(characters: number): { index: string; condition: string } | null {
  if (characters === 1) return { index: "IX_users_upn_other_initial", condition: UPN_OTHER_INITIAL };
  if (characters <= UPN_OTHER_START) return { index: "IX_users_upn_other_start", condition: UPN_OTHER_START_CONDITION };
  return null;
}

/** At most this many ASCII letters in a `startsWith` prefix for its names to be read as one range per way of writing them (2⁴ = 16 ranges). */
const CASE_VARIANT_LETTERS = 4;

/**
 * Characters besides an ASCII letter's two cases that PostgreSQL's LOWER() may turn into it, as
 * Unicode's case mapping does: İ (U+0130) into i, the Kelvin sign (U+212A) into k. Whether it does
 * depends on the database's character type; a range of them yields no name the list's condition
 * refuses, since each range states that condition too.
 */
const FOLDED_INTO: Readonly<Record<string, string>> = { i: "\u0130", k: "\u212a" };

/** At most this many ranges on PostgreSQL, where i and k have three ways of writing ("kim": 18). */
const MAX_POSTGRES_RANGES = 32;

/**
 * The code-point ranges [from, to) of the names that start with `prefix` in any case of its ASCII
 * letters, in order (they do not overlap: each is the names starting with one string of the
 * prefix's length), or null when the prefix has no ASCII letter, more than CASE_VARIANT_LETTERS
 * of them, or does not end in an ASCII character (whose successor bounds the range). "Zo" gives
 * ["ZO", "ZP"), ["Zo", "Zp"), ["zO", "zP"), ["zo", "zp"): what SQLite's LIKE matches, its case
 * folding being ASCII's.
 *
 * `postgres`: the ranges of what LOWER(display_name) LIKE may match instead, so only for a prefix
 * that is all ASCII (LOWER folds every letter: "é" would need "É" too), each i and k also written
 * as the character LOWER may fold into it (FOLDED_INTO); null past MAX_POSTGRES_RANGES.
 */
export function caseVariantRanges(prefix: string, options: { postgres?: boolean } = {}): [string, string][] | null {
  const letters = [...prefix].filter((c) => /[A-Za-z]/.test(c)).length;
  const last = prefix.charCodeAt(prefix.length - 1);
  if (letters === 0 || letters > CASE_VARIANT_LETTERS || !(last < 0x7f)) return null;
  if (options.postgres && !/^[\x00-\x7e]*$/.test(prefix)) return null;
  let variants = [""];
  for (const c of prefix) {
    if (!/[A-Za-z]/.test(c)) {
      variants = variants.map((v) => v + c);
      continue;
    }
    const ways = [c.toUpperCase(), c.toLowerCase()];
    const folded = options.postgres ? FOLDED_INTO[c.toLowerCase()] : undefined;
    if (folded) ways.push(folded);
    variants = variants.flatMap((v) => ways.map((way) => v + way));
    if (options.postgres && variants.length > MAX_POSTGRES_RANGES) return null;
  }
  return variants.sort().map((from) => [from, from.slice(0, -1) + String.fromCharCode(from.charCodeAt(from.length - 1) + 1)]);
}

/**
 * The ranges a page after (or, backward, before) a cursor's name reads on PostgreSQL: those the
 * cursor has passed left out, and `cursor` set on the one it falls in (whose bound it replaces).
 * JavaScript compares strings by UTF-16 unit, which orders them as code points do here: the
 * ranges' bounds hold no character past U+212B, below every surrogate.
 */
function postgresRanges(ranges: [string, string][], cursor: string | null, backward: boolean): { from: string; to: string; cursor: boolean }[] {
  if (cursor === null) return ranges.map(([from, to]) => ({ from, to, cursor: false }));
  return ranges
    .filter(([from, to]) => (backward ? cursor >= from : cursor < to))
    .map(([from, to]) => ({ from, to, cursor: cursor >= from && cursor < to }));
}

/** A filter with `startsWith` and nothing else. */
function onlyStartsWith(filter: UserFilter): filter is UserFilter & { startsWith: string } {
  const { startsWith, idInQueries, idNotInQueries, ...others } = filter;
  return Boolean(startsWith) && !idInQueries?.length && !idNotInQueries?.length && Object.values(others).every((value) => value == null);
}

function whereClause(conditions: readonly string[]): string {
  return conditions.length === 0 ? "" : ` WHERE ${conditions.join(" AND ")}`;
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

/** A row of USER_COLUMNS as an array (RawSql.arrays), in their order. */
type UserTuple = [string, string, string, string, string | null, string | null, string | null, boolean | number, string | null, string];

/** userFromRow for a row read as an array. */
function userFromTuple(row: UserTuple): UserRecord {
  return {
    id: row[0],
    userPrincipalName: row[1],
    upnKey: row[2],
    displayName: row[3],
    mail: row[4],
    department: row[5],
    jobTitle: row[6],
    accountEnabled: Boolean(row[7]),
    usageLocation: row[8],
    createdDateTime: new Date(row[9]),
  };
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
