import type { EntityManager } from "typeorm";
import { isPostgres } from "../../db/dialect";
import { RawSql } from "../../db/sql";
import type { DirectoryObjectRecord, GroupRecord } from "../model";
import { GroupStore } from "./group.store";
import { UserStore } from "./user.store";
import { membersWalkThreshold, rememberedChoice, userCount } from "./walk-plan";

export { membersWalkThreshold } from "./walk-plan";

type After = { displayName: string; id: string } | null;

/** Who is a member: a user (in group_members) or a group (in group_member_groups). */
export interface MemberKey {
  kind: "User" | "Group";
  id: string;
}

// Any fixed number: the transaction-level advisory lock that one change of nesting at a time holds.
const NESTING_LOCK = 0x6e657374;

/**
 * The only code that reads or writes groups held by groups (group_member_groups), and the lists
 * that mix users and groups: a group's members, its transitive members, and the groups an
 * object belongs to transitively. The transitive lists are one recursive query each (WITH
 * RECURSIVE, on SQLite and PostgreSQL alike); UNION, not UNION ALL, so a walk visits each group
 * once whatever the shape of the nesting.
 */
export class GroupNestingStore {
  constructor(private readonly manager: EntityManager) {}

  /**
   * On PostgreSQL, waits until no other transaction is changing which groups hold which, so
   * that a cycle check and the insert it allows see the same nesting (two writers adding A to B
   * and B to A at once would otherwise both pass). SQLite's single writer keeps them apart anyway.
   */
  async lock(): Promise<void> {
    if (isPostgres(this.manager)) await this.manager.query("SELECT pg_advisory_xact_lock($1)", [NESTING_LOCK]);
  }

  async isMember(groupId: string, memberGroupId: string): Promise<boolean> {
    const sql = new RawSql(this.manager);
    const rows = await sql.rows(`SELECT 1 AS found FROM group_member_groups WHERE group_id = ${sql.list(1)} AND member_group_id = ${sql.list(1, 1)}`, [groupId, memberGroupId]);
    return rows.length > 0;
  }

  /** Whether `descendantId` is a member of `ancestorId`, directly or through groups nested in it. */
  async contains(ancestorId: string, descendantId: string): Promise<boolean> {
    const sql = new RawSql(this.manager);
    const rows = await sql.rows(`${BELOW(sql.list(1))} SELECT 1 AS found FROM below WHERE id = ${sql.list(1, 1)} LIMIT 1`, [ancestorId, descendantId]);
    return rows.length > 0;
  }

  async add(groupId: string, memberGroupId: string): Promise<void> {
    const sql = new RawSql(this.manager);
    await sql.affected(`INSERT INTO group_member_groups (group_id, member_group_id) VALUES (${sql.list(2)})`, [groupId, memberGroupId]);
  }

  async remove(groupId: string, memberGroupId: string): Promise<void> {
    const sql = new RawSql(this.manager);
    await sql.affected(`DELETE FROM group_member_groups WHERE group_id = ${sql.list(1)} AND member_group_id = ${sql.list(1, 1)}`, [groupId, memberGroupId]);
  }

  /** How many groups this group holds directly, and how many hold it. */
  async nesting(groupId: string): Promise<{ memberGroups: number; memberOf: number }> {
    const sql = new RawSql(this.manager);
    const [row] = await sql.rows<{ member_groups: number | string; member_of: number | string }>(
      `SELECT (SELECT COUNT(*) FROM group_member_groups WHERE group_id = ${sql.list(1)}) AS member_groups, ` +
        `(SELECT COUNT(*) FROM group_member_groups WHERE member_group_id = ${sql.list(1, 1)}) AS member_of`,
      [groupId, groupId],
    );
    return { memberGroups: Number(row!.member_groups), memberOf: Number(row!.member_of) };
  }

  /**
   * The group's direct members, users and groups, ordered by (displayName, id): a page of each
   * kind read on its own, limited and in order, then the two merged into one page by the
   * database (so in its collation's order). The users' page is one range of the memberships'
   * (group_id, display_name, user_id) index (each membership keeps its user's name: migration
   * MemberNames), whatever the group's size; the member groups are few and are read from the
   * group's links and sorted. Each kind's page holds at most `limit` rows, so the merge orders at
   * most two pages' rows.
   */
  async members(groupId: string, after: After, limit: number, backward = false): Promise<DirectoryObjectRecord[]> {
    const sql = new RawSql(this.manager);
    const values: unknown[] = [];
    const p = (value: unknown) => {
      values.push(value);
      return sql.list(1, values.length - 1);
    };
    const [op, direction] = backward ? ["<", "DESC"] : [">", "ASC"];
    // The keyset: a row-value comparison, which both engines read as a range of a (display_name, id) index.
    const cursor = (name: string, id: string, joiner: "WHERE" | "AND") => (after ? ` ${joiner} (${name}, ${id}) ${op} (${p(after.displayName)}, ${p(after.id)})` : "");
    const order = (name: string, id: string) => `ORDER BY ${name} ${direction}, ${id} ${direction} LIMIT ${p(limit)}`;
    // SQLite is told the index: with statistics gathered before it existed, it would read the
    // group by its key and sort.
    const memberships = sql.postgres ? "group_members m" : "group_members m INDEXED BY IX_group_members_name";
    const users = `SELECT 'User' AS kind, m.user_id AS id, m.display_name AS display_name FROM ${memberships} WHERE m.group_id = ${p(groupId)}${cursor("m.display_name", "m.user_id", "AND")} ${order("m.display_name", "m.user_id")}`;
    // The member groups, few, from the group's links, each read by primary key, sorted (rather
    // than a walk of every group's name from the cursor, which either engine may pick when its
    // statistics say the links are few).
    const group = "SELECT 'Group' AS kind, g.id AS id, g.display_name AS display_name";
    const groups = sql.postgres
      ? `WITH n AS MATERIALIZED (SELECT member_group_id FROM group_member_groups WHERE group_id = ${p(groupId)}) ${group} FROM n INNER JOIN directory_groups g ON g.id = n.member_group_id${cursor("g.display_name", "g.id", "WHERE")} ${order("g.display_name", "g.id")}`
      : `${group} FROM group_member_groups n CROSS JOIN directory_groups g ON g.id = n.member_group_id WHERE n.group_id = ${p(groupId)}${cursor("g.display_name", "g.id", "AND")} ${order("g.display_name", "g.id")}`;
    const text = `SELECT o.kind, o.id FROM (SELECT * FROM (${users}) a UNION ALL SELECT * FROM (${groups}) b) o ${order("o.display_name", "o.id")}`;
    return this.records(await sql.rows<{ kind: MemberKey["kind"]; id: string }>(text, values));
  }

  countMembers(groupId: string): Promise<number> {
    return this.count(DIRECT_MEMBERS, [groupId, groupId]);
  }

  /** Every user and group under the group, at any depth, each once, ordered by (displayName, id). */
  async transitiveMembers(groupId: string, after: After, limit: number, backward = false): Promise<DirectoryObjectRecord[]> {
    const sql = new RawSql(this.manager);
    // Most groups hold no groups: theirs are their direct members, a range of one index.
    if (!(await this.holdsGroups(sql, groupId))) return this.members(groupId, after, limit, backward);
    if (!(await this.walksNameIndexBelow(sql, groupId, limit))) return this.page(TRANSITIVE_MEMBERS, [groupId, groupId, groupId], after, limit, backward);
    // A large group: its users' page is read along the users' (display_name, id) index from the
    // cursor, each user's memberships probed (an index seek on user_id) for the group or one
    // below it, until the page is full; the groups below, few, are sorted whole; the two pages
    // merged as members() merges them. Sorting every user under it for each page took the
    // statement 362 ms for a group of 200,000 in a million users.
    const values: unknown[] = [];
    const p = (value: unknown) => {
      values.push(value);
      return sql.list(1, values.length - 1);
    };
    const [op, direction] = backward ? ["<", "DESC"] : [">", "ASC"];
    const cursor = (alias: string) => (after ? ` AND (${alias}.display_name, ${alias}.id) ${op} (${p(after.displayName)}, ${p(after.id)})` : "");
    const order = (alias: string) => `ORDER BY ${alias}.display_name ${direction}, ${alias}.id ${direction} LIMIT ${p(limit)}`;
    const below = BELOW(p(groupId));
    // On PostgreSQL the probe is a scalar subquery, which its planner does not turn into a join
    // (whose order it would choose by its statistics), so the index walk with its LIMIT is the
    // only cheap plan left to it; SQLite keeps the only table of the query, users, as the one it walks.
    const member = (group: string) => `SELECT 1 FROM group_members m WHERE m.user_id = u.id AND (m.group_id = ${group} OR m.group_id IN (SELECT id FROM below))`;
    const users =
      `SELECT 'User' AS kind, u.id AS id, u.display_name AS display_name FROM users u ` +
      (sql.postgres ? `WHERE (${member(p(groupId))} LIMIT 1) = 1` : `WHERE EXISTS (${member(p(groupId))})`) +
      `${cursor("u")} ${order("u")}`;
    const groups = `SELECT 'Group' AS kind, g.id AS id, g.display_name AS display_name FROM directory_groups g WHERE g.id IN (SELECT id FROM below) AND g.id <> ${p(groupId)}${cursor("g")} ${order("g")}`;
    const text = `${below} SELECT o.kind, o.id FROM (SELECT * FROM (${users}) a UNION ALL SELECT * FROM (${groups}) b) o ${order("o")}`;
    return this.records(await sql.rows<{ kind: MemberKey["kind"]; id: string }>(text, values));
  }

  private async holdsGroups(sql: RawSql, groupId: string): Promise<boolean> {
    return (await sql.rows(`SELECT 1 AS found FROM group_member_groups WHERE group_id = ${sql.list(1)} LIMIT 1`, [groupId])).length > 0;
  }

  /**
   * Whether a page of `limit` of the users under the group, at any depth, is cheaper read along
   * the users' name index than from their memberships. From the memberships (of the group and of
   * every group below it), every member's row is read and sorted: the cost grows with the group.
   * Along the index, about users ÷ members users are walked per member kept. The two meet at about
   * √(limit × users) members (membersWalkThreshold), so the memberships are counted only up to
   * there, each group's through its index, and the choice is kept until the next write
   * (rememberedChoice).
   */
  private walksNameIndexBelow(sql: RawSql, groupId: string, limit: number): Promise<boolean> {
    return rememberedChoice(this.manager, `transitiveMembers ${groupId} ${limit}`, async () => {
      const threshold = membersWalkThreshold(limit, await userCount(sql));
      const [{ n }] = await sql.rows<{ n: number | string }>(
        `${BELOW(sql.list(1))} SELECT COUNT(*) AS n FROM (SELECT 1 AS one FROM group_members WHERE group_id = ${sql.list(1, 1)} ` +
          `UNION ALL SELECT 1 AS one FROM below b JOIN group_members m ON m.group_id = b.id LIMIT ${sql.list(1, 2)}) g`,
        [groupId, groupId, threshold],
      );
      return Number(n) >= threshold;
    });
  }

  async countTransitiveMembers(groupId: string): Promise<number> {
    if (!(await this.holdsGroups(new RawSql(this.manager), groupId))) return this.countMembers(groupId);
    return this.count(TRANSITIVE_MEMBERS, [groupId, groupId, groupId]);
  }

  /** Every group the user or group belongs to, directly or through nested groups, ordered by (displayName, id). */
  async transitiveMemberOf(member: MemberKey, after: After, limit: number, backward = false): Promise<GroupRecord[]> {
    return (await this.page(TRANSITIVE_MEMBER_OF(member.kind), [member.id, member.id], after, limit, backward)) as GroupRecord[];
  }

  countTransitiveMemberOf(member: MemberKey): Promise<number> {
    return this.count(TRANSITIVE_MEMBER_OF(member.kind), [member.id, member.id]);
  }

  /** The groups each of these groups is a direct member of: two statements per slice of ids, as groupsOf does for users. */
  async parentsOf(groupIds: readonly string[]): Promise<Map<string, GroupRecord[]>> {
    const sql = new RawSql(this.manager);
    const links = await sql.rowsIn<{ group_id: string; member_group_id: string }>(
      "member_group_id",
      groupIds,
      (members) => `SELECT group_id, member_group_id FROM group_member_groups WHERE ${members}`,
    );
    const parents = await this.groups(links.map((link) => link.group_id));
    const byGroup = new Map<string, GroupRecord[]>();
    for (const link of links) {
      const parent = parents.get(link.group_id);
      if (!parent) continue;
      const list = byGroup.get(link.member_group_id);
      if (list) list.push(parent);
      else byGroup.set(link.member_group_id, [parent]);
    }
    return byGroup;
  }

  /**
   * One page of a list of (kind, id, display_name) rows: the keys in order from the database
   * (so the order is its collation's, as every other list's), then the records they name.
   */
  private async page(source: Source, parameters: string[], after: After, limit: number, backward: boolean): Promise<DirectoryObjectRecord[]> {
    const sql = new RawSql(this.manager);
    const [op, direction] = backward ? ["<", "DESC"] : [">", "ASC"];
    const values: unknown[] = [...parameters];
    let where = "";
    if (after) {
      const [name, sameName, id] = [sql.list(1, values.length), sql.list(1, values.length + 1), sql.list(1, values.length + 2)];
      where = ` WHERE (o.display_name ${op} ${name} OR (o.display_name = ${sameName} AND o.id ${op} ${id}))`;
      values.push(after.displayName, after.displayName, after.id);
    }
    const text = `${source.with(sql)} SELECT o.kind, o.id FROM (${source.rows(sql)}) o${where} ORDER BY o.display_name ${direction}, o.id ${direction} LIMIT ${sql.list(1, values.length)}`;
    values.push(limit);
    return this.records(await sql.rows<{ kind: MemberKey["kind"]; id: string }>(text, values));
  }

  /** The records the keys name, in the keys' order. */
  private async records(keys: readonly { kind: MemberKey["kind"]; id: string }[]): Promise<DirectoryObjectRecord[]> {
    const users = await new UserStore(this.manager).findByIds(keys.filter((key) => key.kind === "User").map((key) => key.id));
    const groups = await this.groups(keys.filter((key) => key.kind === "Group").map((key) => key.id));
    const byId = new Map<string, DirectoryObjectRecord>([...users.map((user) => [user.id, user] as const), ...groups]);
    return keys.flatMap((key) => byId.get(key.id) ?? []);
  }

  private async count(source: Source, parameters: string[]): Promise<number> {
    const sql = new RawSql(this.manager);
    const [row] = await sql.rows<{ n: number | string }>(`${source.with(sql)} SELECT COUNT(*) AS n FROM (${source.rows(sql)}) o`, parameters);
    return Number(row!.n);
  }

  private async groups(ids: readonly string[]): Promise<Map<string, GroupRecord>> {
    const groups = await new GroupStore(this.manager).findByIds(ids);
    return new Map(groups.map((group) => [group.id, group]));
  }
}

/**
 * A list of directory objects as SQL: a WITH clause (or nothing) and the SELECT of its
 * (kind, id, display_name) rows, apart so that a page or a count can wrap the rows and keep the
 * WITH first. Placeholders are numbered from the first parameter the list takes.
 */
interface Source {
  with: (sql: RawSql) => string;
  rows: (sql: RawSql) => string;
}

const source = (withClause: Source["with"], rows: Source["rows"]): Source => ({ with: withClause, rows });

/** The groups below the one in the first placeholder, at any depth: `below(id)`. */
const BELOW = (group: string) =>
  `WITH RECURSIVE below(id) AS (SELECT member_group_id FROM group_member_groups WHERE group_id = ${group} ` +
  `UNION SELECT n.member_group_id FROM group_member_groups n JOIN below b ON n.group_id = b.id)`;

const DIRECT_MEMBERS = source(
  () => "",
  (sql) =>
    `SELECT 'User' AS kind, u.id AS id, u.display_name AS display_name FROM users u JOIN group_members m ON m.user_id = u.id WHERE m.group_id = ${sql.list(1)} ` +
    `UNION ALL SELECT 'Group' AS kind, g.id AS id, g.display_name AS display_name FROM directory_groups g JOIN group_member_groups n ON n.member_group_id = g.id WHERE n.group_id = ${sql.list(1, 1)}`,
);

// The group itself is left out of its own list, should a cycle ever have been stored.
const TRANSITIVE_MEMBERS = source(
  (sql) => BELOW(sql.list(1)),
  (sql) =>
    `SELECT 'User' AS kind, u.id AS id, u.display_name AS display_name FROM users u WHERE u.id IN ` +
    `(SELECT user_id FROM group_members WHERE group_id = ${sql.list(1, 1)} OR group_id IN (SELECT id FROM below)) ` +
    `UNION ALL SELECT 'Group' AS kind, g.id AS id, g.display_name AS display_name FROM directory_groups g WHERE g.id IN (SELECT id FROM below) AND g.id <> ${sql.list(1, 2)}`,
);

/** The groups above a user or a group, at any depth: `above(id)`. */
const TRANSITIVE_MEMBER_OF = (kind: MemberKey["kind"]) =>
  source(
    (sql) =>
      `WITH RECURSIVE above(id) AS (` +
      (kind === "User"
        ? `SELECT group_id FROM group_members WHERE user_id = ${sql.list(1)}`
        : `SELECT group_id FROM group_member_groups WHERE member_group_id = ${sql.list(1)}`) +
      ` UNION SELECT n.group_id FROM group_member_groups n JOIN above a ON n.member_group_id = a.id)`,
    (sql) => `SELECT 'Group' AS kind, g.id AS id, g.display_name AS display_name FROM directory_groups g WHERE g.id IN (SELECT id FROM above) AND g.id <> ${sql.list(1, 1)}`,
  );
