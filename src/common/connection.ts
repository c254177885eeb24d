import { ArgsType, Field, Int, ObjectType, type ClassType } from "type-graphql";
import { badInput } from "../errors";
import { CacheControl } from "./cache-control";

/** Relay connections: every list in the API pages the same way. */

export const DEFAULT_PAGE_SIZE = 50;

// PageInfo and edges are as cacheable as the list they belong to.
@CacheControl({ inheritMaxAge: true })
@ObjectType({ description: "Where a page sits in its list (Relay).", simpleResolvers: true })
export class PageInfo {
  @Field({ description: "true when more items follow this page: ask again with after: endCursor." })
  hasNextPage!: boolean;

  @Field({ description: "true when items come before this page." })
  hasPreviousPage!: boolean;

  @Field(() => String, { nullable: true, description: "The cursor of the page's first item; null for an empty page." })
  startCursor!: string | null;

  @Field(() => String, { nullable: true, description: "The cursor of the page's last item; null for an empty page." })
  endCursor!: string | null;
}

export interface Edge<T> {
  readonly cursor: string;
  readonly node: T;
}

/** An edge that computes its cursor only if a client asks for it: most read a page's nodes only. */
class LazyEdge<T> implements Edge<T> {
  constructor(
    readonly node: T,
    private readonly makeCursor: () => string,
  ) {}

  get cursor(): string {
    return this.makeCursor();
  }
}

/**
 * A page as resolvers return it. `totalCount` is a getter so its COUNT query runs only when a
 * client asks for the field.
 */
export class Page<T> {
  constructor(
    readonly edges: Edge<T>[],
    readonly pageInfo: PageInfo,
    private readonly counter: () => Promise<number>,
  ) {}

  get totalCount(): Promise<number> {
    return this.counter();
  }

  /** The same page with each node converted, e.g. from a stored record to its GraphQL shape. */
  map<U>(convert: (node: T) => U): Page<U> {
    return new Page(
      this.edges.map((edge) => new LazyEdge(convert(edge.node), () => edge.cursor)),
      this.pageInfo,
      this.counter,
    );
  }
}

/** Declares `<Node>Connection` and `<Node>Edge` GraphQL types for a node type. */
export function Connection<TNode extends object>(Node: ClassType<TNode>) {
  // Plain fields, read by graphql-js's default resolver (see simpleResolvers in directory/graphql/types.ts).
  @CacheControl({ inheritMaxAge: true })
  @ObjectType(`${Node.name}Edge`, { description: `A ${Node.name} in a page, with its cursor.`, simpleResolvers: true })
  class EdgeType {
    @Field({ description: "Where this item sits in the list: pass it as after (or before) to page on from here." })
    cursor!: string;

    @Field(() => Node, { description: "The item." })
    node!: TNode;
  }

  // Never referenced itself, so type-graphql does not emit it; its subclasses are the real types.
  @ObjectType({ description: `A page of a list of ${Node.name} items (a Relay connection).` })
  abstract class ConnectionType {
    @Field(() => [EdgeType], { description: "The page's items, in the list's order." })
    edges!: EdgeType[];

    @Field(() => PageInfo, { description: "Where the page sits in the list." })
    pageInfo!: PageInfo;

    @Field(() => Int, { description: "How many items the whole list holds, with the same filter." })
    totalCount!: number;
  }

  return ConnectionType;
}

/** The Relay paging arguments every connection takes: forward with first/after, backward with last/before. */
@ArgsType()
export class PageArgs {
  @Field(() => Int, { nullable: true, description: "Returns the first n items (after `after`, when given): 1 to MAX_PAGE_SIZE, 50 by default." })
  first?: number | null;

  @Field(() => String, { nullable: true, description: "Returns the items after this cursor: a pageInfo.endCursor or edge cursor this list returned." })
  after?: string | null;

  @Field(() => Int, { nullable: true, description: "Returns the last n items (before `before`, when given): 1 to MAX_PAGE_SIZE. Not with first." })
  last?: number | null;

  @Field(() => String, { nullable: true, description: "Returns the items before this cursor: a pageInfo.startCursor or edge cursor this list returned." })
  before?: string | null;
}

/** Which page to read: `limit` items after (forward) or before (backward) the cursor. */
export interface PageRequest {
  readonly limit: number;
  readonly backward: boolean;
  /** The cursor given, and the argument it came in (for errors). */
  readonly cursor: string | null;
  readonly cursorField: "after" | "before";
}

/**
 * Reads the paging arguments: forward (first, after) or backward (last, before), never both;
 * a page size is checked against the configured cap (MAX_PAGE_SIZE).
 */
export function pageRequest(args: PageArgs, max: number): PageRequest {
  if (args.first != null && args.last != null) {
    throw badInput("Give first or last, not both: first pages forward from after, last pages backward from before.", { field: "last" });
  }
  const forward = args.first != null || args.after != null;
  const backward = args.last != null || args.before != null;
  if (forward && backward) {
    throw badInput("Page forward (first, after) or backward (last, before), not both at once: drop after or before.", { field: args.before != null ? "before" : "after" });
  }
  if (backward) return { limit: pageSize(args.last, max, "last"), backward: true, cursor: args.before ?? null, cursorField: "before" };
  return { limit: pageSize(args.first, max, "first"), backward: false, cursor: args.after ?? null, cursorField: "after" };
}

/** Checks a page size against the configured cap (MAX_PAGE_SIZE) and returns how many rows to fetch. */
export function pageSize(size: number | null | undefined, max: number, field: "first" | "last" = "first"): number {
  if (size == null) return Math.min(DEFAULT_PAGE_SIZE, max);
  if (!Number.isInteger(size) || size < 1 || size > max) {
    throw badInput(`${field} must be between 1 and ${max}; got ${size}.`, { field });
  }
  return size;
}

/** Cursors are opaque to clients: base64url of the row's sort key. */
export function encodeCursor(key: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(key)).toString("base64url");
}

export function decodeCursor<K extends readonly (string | number)[]>(
  cursor: string | null | undefined,
  isKey: (value: unknown) => value is K,
  field: "after" | "before" = "after",
): K | null {
  if (cursor == null || cursor === "") return null;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    value = undefined;
  }
  if (!isKey(value)) {
    const which = field === "after" ? "an endCursor" : "a startCursor";
    throw badInput(`${field} is not a cursor from this list; pass ${which} or edge cursor it returned.`, { field });
  }
  return value;
}

/**
 * Turns `limit + 1` fetched rows into a page: the extra row only says whether there is another
 * page that way. Backward pages come fetched in reverse (nearest the cursor first) and are put
 * back in the list's order. A cursor given means there are items on its side of the page.
 */
export function toPage<T>(
  rows: T[],
  request: Pick<PageRequest, "limit" | "backward">,
  hadCursor: boolean,
  cursorOf: (row: T) => string,
  counter: () => Promise<number>,
): Page<T> {
  const more = rows.length > request.limit;
  const nodes = rows.slice(0, request.limit);
  if (request.backward) nodes.reverse();
  const edges = nodes.map((node) => new LazyEdge(node, () => cursorOf(node)));
  const pageInfo: PageInfo = {
    hasNextPage: request.backward ? hadCursor : more,
    hasPreviousPage: request.backward ? more : hadCursor,
    startCursor: edges[0]?.cursor ?? null,
    endCursor: edges.at(-1)?.cursor ?? null,
  };
  return new Page(edges, pageInfo, counter);
}

export const isNameIdKey = (value: unknown): value is [string, string] =>
  Array.isArray(value) && value.length === 2 && typeof value[0] === "string" && typeof value[1] === "string";

/** Cursor for lists ordered by (displayName, id). */
export function nameIdCursor(row: { displayName: string; id: string }): string {
  return encodeCursor([row.displayName, row.id]);
}

export function afterNameId(cursor: string | null | undefined, field: "after" | "before" = "after"): { displayName: string; id: string } | null {
  const key = decodeCursor(cursor, isNameIdKey, field);
  return key && { displayName: key[0], id: key[1] };
}
