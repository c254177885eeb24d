import type { ObjectLiteral, SelectQueryBuilder } from "typeorm";

/** LIKE patterns treat % and _ as wildcards; a user's search text must not. */
export function likePrefix(text: string): string {
  return `${text.toLowerCase().replace(/[\\%_]/g, (match) => `\\${match}`)}%`;
}

/**
 * Continues a list ordered by (displayName, id) after the row the cursor names: keyset paging,
 * so page 100 costs what page 1 costs.
 */
export function orderByDisplayName<T extends ObjectLiteral>(
  query: SelectQueryBuilder<T>,
  alias: string,
  after: { displayName: string; id: string } | null,
): SelectQueryBuilder<T> {
  if (after) {
    query.andWhere(
      `(${alias}.displayName > :afterName OR (${alias}.displayName = :afterName AND ${alias}.id > :afterId))`,
      { afterName: after.displayName, afterId: after.id },
    );
  }
  return query.orderBy(`${alias}.displayName`, "ASC").addOrderBy(`${alias}.id`, "ASC");
}
