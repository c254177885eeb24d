import type { EntityManager } from "typeorm";
import type { RawSql } from "../../db/sql";
import { rememberedRead } from "../../db/sqlite-direct";

/**
 * How many members a set of users needs for a page of `limit` of them to be read along the
 * users' name index rather than from the set itself, in a directory of `users` users:
 * √(limit × users), where reading and sorting every member costs about as much as walking
 * users ÷ members users for each of the page's `limit` members. 2,000 users, pages of 21: 205
 * members; a million users: 4,583. (The users under a group at any depth, a product's holders.)
 */
export function membersWalkThreshold(limit: number, users: number): number {
  return Math.max(1, Math.ceil(Math.sqrt(limit * users)));
}

/** The users table's size, near enough to choose a plan: the largest rowid on SQLite (one seek), the planner's estimate on PostgreSQL. */
export async function userCount(sql: RawSql): Promise<number> {
  const [{ users }] = await sql.rows<{ users: number | string | null }>(
    sql.postgres ? "SELECT GREATEST(reltuples, 0) AS users FROM pg_class WHERE oid = 'users'::regclass" : "SELECT MAX(rowid) AS users FROM users",
    [],
  );
  return Number(users ?? 0);
}

/**
 * `choose()`'s answer for `key`, made once and kept on SQLite's reader until another connection
 * commits (rememberedRead): a page's plan (walk an index, or read the set and sort it) rests on
 * counts that only a write changes, and counting up to the threshold cost a page of a product's
 * 200,000 holders 0.35 ms of its 1.5 ms. Elsewhere (PostgreSQL, a transaction, the writer) the
 * choice is made each time. A choice only picks a plan: the rows are the same either way.
 */
export function rememberedChoice(manager: EntityManager, key: string, choose: () => Promise<boolean>): Promise<boolean> {
  return rememberedRead(manager, "plan", key, choose);
}
