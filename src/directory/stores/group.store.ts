import { In, type EntityManager } from "typeorm";
import { isPostgres } from "../../db/dialect";
import { likePrefix, orderByDisplayName } from "../../db/keyset";
import { idCondition, type IdQuery } from "../../db/id-query";
import { chunked, RawSql } from "../../db/sql";
import { GroupEntity, GroupMemberEntity } from "../entities";
import { DYNAMIC_MEMBERSHIP, type GroupRecord, type MemberRun } from "../model";

export interface GroupFilter {
  startsWith?: string | null;
  securityEnabled?: boolean | null;
  dynamicMembership?: boolean | null;
  /** Only these groups (e.g. those another module singled out). */
  idIn?: readonly string[] | null;
  idNotIn?: readonly string[] | null;
  /** Only groups each of these subqueries selects (e.g. licensing's groups assigning a SKU). */
  idInQueries?: readonly IdQuery[];
}

type After = { displayName: string; id: string } | null;

/** The only code that reads or writes groups and their user members (groups held by groups: group-nesting.store.ts). */
export class GroupStore {
  constructor(private readonly manager: EntityManager) {}

  // Fixed SQL mapped by groupFromRow, as UserStore's lookups: TypeORM's query builder and entity
  // hydration cost a page of members several times the read itself.
  async findByIds(ids: readonly string[]): Promise<GroupRecord[]> {
    if (ids.length === 0) return [];
    const rows = await new RawSql(this.manager, { prepared: true }).rowsIn<GroupRow>("id", [...new Set(ids)], (wanted) => `SELECT ${GROUP_COLUMNS} FROM directory_groups WHERE ${wanted}`);
    return rows.map(groupFromRow);
  }

  async findById(id: string): Promise<GroupRecord | null> {
    const sql = new RawSql(this.manager, { prepared: true });
    const [row] = await sql.rows<GroupRow>(`SELECT ${GROUP_COLUMNS} FROM directory_groups WHERE id = ${sql.parameter(0)} LIMIT 1`, [id]);
    return row ? groupFromRow(row) : null;
  }

  list(filter: GroupFilter, after: After, limit: number, backward = false): Promise<GroupRecord[]> {
    return orderByDisplayName(this.filtered(filter), "g", after, backward).take(limit).getMany();
  }

  count(filter: GroupFilter): Promise<number> {
    return this.filtered(filter).getCount();
  }

  dynamicGroups(): Promise<GroupRecord[]> {
    return this.filtered({ dynamicMembership: true }).getMany();
  }

  async insert(group: GroupRecord): Promise<void> {
    await this.manager.insert(GroupEntity, group);
  }

  async update(group: GroupRecord): Promise<void> {
    const { id, ...fields } = group;
    await this.manager.update(GroupEntity, { id }, fields);
  }

  async delete(id: string): Promise<void> {
    await this.manager.delete(GroupEntity, { id });
  }

  /** The group's direct user members, as a subquery of user ids (its column named id). */
  memberIdQuery(groupId: string): IdQuery {
    return { sql: "SELECT user_id AS id FROM group_members WHERE group_id = :directoryMembersOf", parameters: { directoryMembersOf: groupId } };
  }

  async memberIds(groupId: string): Promise<Set<string>> {
    const sql = new RawSql(this.manager);
    const rows = await sql.rows<{ user_id: string }>(`SELECT user_id FROM group_members WHERE group_id = ${sql.list(1)}`, [groupId]);
    return new Set(rows.map((row) => row.user_id));
  }

  /**
   * The group's members cut into runs of `size` in key order (the order of the group_members
   * index): each run's first and last member id and how many it holds. Only the ids at the cuts
   * leave the database.
   */
  async memberRuns(groupId: string, size: number): Promise<MemberRun[]> {
    const sql = new RawSql(this.manager);
    const cuts = await sql.rows<{ user_id: string; position: number | string }>(
      `SELECT user_id, position FROM (SELECT user_id, ROW_NUMBER() OVER (ORDER BY user_id) AS position FROM group_members WHERE group_id = ${sql.list(1)}) numbered ` +
        `WHERE position % ${sql.list(1, 1)} IN (0, 1) ORDER BY position`,
      [groupId, size],
    );
    const runs: MemberRun[] = [];
    let open: { firstUserId: string; from: number } | null = null;
    for (const cut of cuts) {
      const position = Number(cut.position);
      if ((position - 1) % size === 0) open = { firstUserId: cut.user_id, from: position };
      if (position % size === 0 && open) {
        runs.push({ firstUserId: open.firstUserId, lastUserId: cut.user_id, members: position - open.from + 1 });
        open = null;
      }
    }
    if (open) {
      const [end] = await sql.rows<{ n: number | string; last: string }>(
        `SELECT COUNT(*) AS n, MAX(user_id) AS last FROM group_members WHERE group_id = ${sql.list(1)}`,
        [groupId],
      );
      runs.push({ firstUserId: open.firstUserId, lastUserId: end!.last, members: Number(end!.n) - open.from + 1 });
    }
    return runs;
  }

  /** Up to `limit` member ids between two ids (both included), in key order. */
  async memberIdsBetween(groupId: string, firstUserId: string, lastUserId: string, limit: number): Promise<string[]> {
    const sql = new RawSql(this.manager);
    const rows = await sql.rows<{ user_id: string }>(
      `SELECT user_id FROM group_members WHERE group_id = ${sql.list(1)} AND user_id BETWEEN ${sql.list(1, 1)} AND ${sql.list(1, 2)} ORDER BY user_id LIMIT ${sql.list(1, 3)}`,
      [groupId, firstUserId, lastUserId, limit],
    );
    return rows.map((row) => row.user_id);
  }

  /** The ids of the groups each user is a direct member of. */
  async groupIdsOf(userIds: readonly string[]): Promise<Map<string, string[]>> {
    const byUser = new Map<string, string[]>();
    const rows = await new RawSql(this.manager, { prepared: true }).rowsIn<{ user_id: string; group_id: string }>("user_id", userIds, (members) => `SELECT user_id, group_id FROM group_members WHERE ${members}`);
    for (const row of rows) {
      const list = byUser.get(row.user_id);
      if (list) list.push(row.group_id);
      else byUser.set(row.user_id, [row.group_id]);
    }
    return byUser;
  }

  async isMember(groupId: string, userId: string): Promise<boolean> {
    return (await this.manager.countBy(GroupMemberEntity, { groupId, userId })) > 0;
  }

  /**
   * The groups each of these users is a direct member of, in fixed SQL: the memberOf loader reads
   * a page of users' worth per request. Two statements per 200 users (a page holds at most
   * MAX_PAGE_SIZE, 100 by default): their memberships, and the groups those name.
   */
  async groupsOf(userIds: readonly string[]): Promise<Map<string, GroupRecord[]>> {
    const sql = new RawSql(this.manager, { prepared: true });
    const byUser = new Map<string, GroupRecord[]>();
    const memberships = await sql.arraysIn<[string, string]>("user_id", userIds, (members) => `SELECT user_id, group_id FROM group_members WHERE ${members}`);
    const rows = await sql.rowsIn<GroupRow>("user_id", userIds, (members) => `SELECT ${GROUP_COLUMNS} FROM directory_groups WHERE id IN (SELECT group_id FROM group_members WHERE ${members})`);
    const groups = new Map(rows.map((row) => [row.id, groupFromRow(row)]));
    for (const [userId, groupId] of memberships) {
      const group = groups.get(groupId);
      if (!group) continue;
      const list = byUser.get(userId);
      if (list) list.push(group);
      else byUser.set(userId, [group]);
    }
    return byUser;
  }

  /**
   * Adds these users to the group, each membership with the user's display name as the users
   * table holds it (see GroupMemberRecord). On PostgreSQL the users' rows are locked for the
   * insert (FOR SHARE), so a rename in another transaction either commits first (and its name is
   * the one read here) or waits for this one (and then renames these memberships too).
   */
  async addMembers(groupId: string, userIds: readonly string[]): Promise<void> {
    const sql = new RawSql(this.manager);
    const lock = sql.postgres ? " FOR SHARE" : "";
    for (const slice of chunked([...new Set(userIds)])) {
      await sql.affected(
        `INSERT INTO group_members (group_id, user_id, display_name) SELECT ${sql.list(1)}, id, display_name FROM users WHERE ${sql.anyOf("id", slice.length, 1)}${lock}`,
        [groupId, ...sql.values(slice)],
      );
    }
  }

  async removeMembers(groupId: string, userIds: readonly string[]): Promise<void> {
    if (userIds.length > 0) await this.manager.delete(GroupMemberEntity, { groupId, userId: In([...userIds]) });
  }

  private filtered(filter: GroupFilter) {
    const query = this.manager.createQueryBuilder(GroupEntity, "g").where("1 = 1");
    if (filter.startsWith) {
      // As users' startsWith: the form each engine's prefix index serves.
      query.andWhere(`${isPostgres(this.manager) ? "LOWER(g.displayName)" : "g.displayName"} LIKE :prefix ESCAPE '\\'`, { prefix: likePrefix(filter.startsWith) });
    }
    if (filter.idIn) query.andWhere(filter.idIn.length > 0 ? "g.id IN (:...idIn)" : "1 = 0", { idIn: [...filter.idIn] });
    if (filter.idNotIn && filter.idNotIn.length > 0) query.andWhere("g.id NOT IN (:...idNotIn)", { idNotIn: [...filter.idNotIn] });
    for (const ids of filter.idInQueries ?? []) query.andWhere(...idCondition("g.id", ids));
    if (filter.securityEnabled != null) query.andWhere("g.securityEnabled = :security", { security: filter.securityEnabled });
    // groupTypes is a short JSON array; a containment test on its text is exact for these names.
    // Written out, not bound: a partial index (IX_directory_groups_dynamic) serves the condition only as its own text.
    if (filter.dynamicMembership === true) query.andWhere(DYNAMIC_GROUPS_CONDITION("g.groupTypes"));
    if (filter.dynamicMembership === false) query.andWhere("g.groupTypes NOT LIKE :dynamic", { dynamic: `%"${DYNAMIC_MEMBERSHIP}"%` });
    return query;
  }
}

/** The dynamic groups: `column` (groups' group_types) names DynamicMembership. */
export const DYNAMIC_GROUPS_CONDITION = (column: string) => `${column} LIKE '%"${DYNAMIC_MEMBERSHIP}"%'`;

const GROUP_COLUMNS =
  "id, display_name, description, security_enabled, mail_enabled, mail_nickname, group_types, membership_rule, membership_rule_processing_state, created_date_time";

interface GroupRow {
  id: string;
  display_name: string;
  description: string | null;
  security_enabled: boolean | number;
  mail_enabled: boolean | number;
  mail_nickname: string | null;
  group_types: string;
  membership_rule: string | null;
  membership_rule_processing_state: string | null;
  created_date_time: string;
}

/** A directory_groups row as GroupEntity maps it. */
function groupFromRow(row: GroupRow): GroupRecord {
  return {
    id: row.id,
    displayName: row.display_name,
    description: row.description,
    securityEnabled: Boolean(row.security_enabled),
    mailEnabled: Boolean(row.mail_enabled),
    mailNickname: row.mail_nickname,
    groupTypes: JSON.parse(row.group_types) as string[],
    membershipRule: row.membership_rule,
    membershipRuleProcessingState: row.membership_rule_processing_state as GroupRecord["membershipRuleProcessingState"],
    createdDateTime: new Date(row.created_date_time),
  };
}
