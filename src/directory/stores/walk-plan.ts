import type { RawSql } from "../../db/sql";

/**
 * How many members a set of users needs for a page of `limit` of them to be read along the
 * users' name index rather than from the set itself, in a directory of `users` users:
 * √(limit × users), where reading and sorting every member costs about as much as walking
 * users ÷ members users for each of the page's `limit` members. 2,000 users, pages of 21: 205
 * members; a million users: 4,583. (A group's members, a product's holders.)
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
