/**
 * A subquery that selects ids (one column), with its named parameters: how one module narrows
 * another's list without handing over every id. The list adds `id IN (sql)` (or NOT IN) to its
 * own keyset query, so paging and counting stay one statement each. Parameter names must not
 * clash with the list's own: each module prefixes its names.
 */
export interface IdQuery {
  sql: string;
  parameters: Record<string, unknown>;
  /**
   * The set holds few of the users by its nature (the users in error): a page that walks the
   * users' name index passes many users for each one it keeps.
   */
  few?: boolean;
}

/** `column IN (subquery)`, or NOT IN, for a query builder's andWhere. */
export function idCondition(column: string, query: IdQuery, negate = false): [string, Record<string, unknown>] {
  return [`${column} ${negate ? "NOT IN" : "IN"} (${query.sql})`, query.parameters];
}

/**
 * `column IN (subquery)`, or NOT IN, for fixed SQL: the subquery's named parameters become the
 * statement's own placeholders through `next`, in the order they appear.
 */
export function rawIdCondition(column: string, query: IdQuery, next: (value: unknown) => string, negate = false): string {
  return `${column} ${negate ? "NOT IN" : "IN"} (${bound(query, next)})`;
}

/**
 * `EXISTS` (or NOT EXISTS) of `column` among the subquery's ids, for fixed SQL; the subquery must
 * name its column `id`. For a large subquery against many rows: PostgreSQL plans NOT EXISTS as an
 * anti-join, where NOT IN is a subplan that, once its ids outgrow work_mem, is scanned again for
 * every row.
 */
export function rawIdExists(column: string, query: IdQuery, next: (value: unknown) => string, negate = false): string {
  return `${negate ? "NOT EXISTS" : "EXISTS"} (SELECT 1 FROM (${bound(query, next)}) ids WHERE ids.id = ${column})`;
}

/** The subquery for fixed SQL, its named parameters turned into the statement's placeholders through `next`. */
export function bound(query: IdQuery, next: (value: unknown) => string): string {
  return query.sql.replace(/(?<!:):(\w+)/g, (_match, name: string) => {
    if (!(name in query.parameters)) throw new Error(`id query parameter :${name} has no value`);
    return next(query.parameters[name]);
  });
}
