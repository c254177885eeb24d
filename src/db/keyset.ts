import type { ObjectLiteral, SelectQueryBuilder } from "typeorm";

/** LIKE patterns treat % and _ as wildcards; a user's search text must not. */
export function likePrefix(text: string): string {
  return `${text.toLowerCase().replace(/[\\%_]/g, (match) => `\\${match}`)}%`;
}

/**
 * Continues a list ordered by (displayName, id) from the row the cursor names: keyset paging,
 * so page 100 costs what page 1 costs. Forward reads the rows after it in order; backward the
 * rows before it, nearest first (the caller puts them back in order).
 */
export function orderByDisplayName<T extends ObjectLiteral>(
  query: SelectQueryBuilder<T>,
  alias: string,
  from: { displayName: string; id: string } | null,
  backward = false,
): SelectQueryBuilder<T> {
  const [op, direction] = backward ? ["<", "DESC" as const] : [">", "ASC" as const];
  if (from) {
    // A row-value comparison, which both engines turn into a range on the (displayName, id)
    // index; the equivalent OR of two comparisons left PostgreSQL walking the index from its start.
    query.andWhere(`(${alias}.displayName, ${alias}.id) ${op} (:fromName, :fromId)`, { fromName: from.displayName, fromId: from.id });
  }
  return query.orderBy(`${alias}.displayName`, direction).addOrderBy(`${alias}.id`, direction);
}
