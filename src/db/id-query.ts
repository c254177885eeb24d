/**
 * A subquery that selects ids (one column), with its named parameters: how one module narrows
 * another's list without handing over every id. The list adds `id IN (sql)` (or NOT IN) to its
 * own keyset query, so paging and counting stay one statement each. Parameter names must not
 * clash with the list's own: each module prefixes its names.
 */
export interface IdQuery {
  sql: string;
  parameters: Record<string, unknown>;
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
  const sql = query.sql.replace(/(?<!:):(\w+)/g, (_match, name: string) => {
    if (!(name in query.parameters)) throw new Error(`id query parameter :${name} has no value`);
    return next(query.parameters[name]);
  });
  return `${column} ${negate ? "NOT IN" : "IN"} (${sql})`;
}
