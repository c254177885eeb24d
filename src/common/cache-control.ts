import { Extensions } from "type-graphql";

/**
 * Cache hints on the schema, as Apollo Server's `@cacheControl` has them, kept in the types' and
 * fields' `extensions.cacheControl` so that they cost nothing while a query runs; the HTTP front
 * reads them (http/cache-policy.ts).
 *
 * - `maxAge`: seconds an answer may be reused; `scope: "PRIVATE"`: it depends on who asks.
 * - `inheritMaxAge`: a wrapper type (a connection's edges, PageInfo) takes its parent field's age.
 */
export interface CacheHint {
  maxAge?: number;
  scope?: "PUBLIC" | "PRIVATE";
  inheritMaxAge?: boolean;
}

/** How long public content may be reused: it changes only when the library reloads, and its ETag tells a reload apart. */
export const CONTENT_MAX_AGE = 300;

/** The hint of public content: the same answer for every caller until the library reloads. */
export const PUBLIC_CONTENT: CacheHint = { maxAge: CONTENT_MAX_AGE, scope: "PUBLIC" };

/** Declares a type's or a field's cache hint. */
export function CacheControl(hint: CacheHint): ReturnType<typeof Extensions> {
  return Extensions({ cacheControl: hint });
}
