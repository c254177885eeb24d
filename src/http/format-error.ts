import { unwrapResolverError } from "@apollo/server/errors";
import type { GraphQLFormattedError } from "graphql";
import { HelpgateError } from "../errors";

export const INTERNAL_MESSAGE = "An internal error occurred. Quote the request id (x-request-id) when reporting it.";

/**
 * The one place errors take the shape clients see: a HelpgateError keeps its message and gets
 * its code (and details) in `extensions`; GraphQL's own validation errors pass through; anything
 * else is an internal error whose details stay in the log.
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  if (original instanceof HelpgateError) {
    return {
      message: original.message,
      locations: formatted.locations,
      path: formatted.path,
      extensions: { ...original.details, code: original.code },
    };
  }
  const code = formatted.extensions?.code;
  if (code && code !== "INTERNAL_SERVER_ERROR") return formatted;
  return { message: INTERNAL_MESSAGE, locations: formatted.locations, path: formatted.path, extensions: { code: "INTERNAL_SERVER_ERROR" } };
}
