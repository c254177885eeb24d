import { unwrapResolverError } from "@apollo/server/errors";
import type { GraphQLFormattedError } from "graphql";
import { HelpgateError } from "../errors";

export const INTERNAL_MESSAGE = "An internal error occurred. Quote the request id (x-request-id) when reporting it.";

/** Finds the steps for a licensing error code; how refused license changes link to articles. */
export type TroubleshootingLookup = (errorCode: string) => { articleId: string; pageTitle: string; steps: string[] } | null;

/**
 * The one place errors take the shape clients see: a HelpgateError keeps its message and gets
 * its code (and details) in `extensions`, a refused license change also the steps that fix it;
 * GraphQL's own validation errors pass through; anything else is an internal error whose
 * details stay in the log.
 */
export function createFormatError(troubleshoot: TroubleshootingLookup) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    if (original instanceof HelpgateError) {
      const licenseError = original.code === "LICENSE_ASSIGNMENT_FAILED" ? String(original.details.licenseError) : null;
      const troubleshooting = licenseError ? lookupWhileLoading(troubleshoot, licenseError) : null;
      return {
        message: original.message,
        locations: formatted.locations,
        path: formatted.path,
        extensions: { ...original.details, ...(troubleshooting ? { troubleshooting } : {}), code: original.code },
      };
    }
    return formatOther(formatted);
  };
}

/** The steps, or none while the articles are still loading at start (the refusal itself still goes out). */
function lookupWhileLoading(troubleshoot: TroubleshootingLookup, errorCode: string): ReturnType<TroubleshootingLookup> {
  try {
    return troubleshoot(errorCode);
  } catch (error) {
    if (error instanceof HelpgateError && error.code === "SERVICE_UNAVAILABLE") return null;
    throw error;
  }
}

function formatOther(formatted: GraphQLFormattedError): GraphQLFormattedError {
  const code = formatted.extensions?.code;
  if (code && code !== "INTERNAL_SERVER_ERROR") return formatted;
  return { message: INTERNAL_MESSAGE, locations: formatted.locations, path: formatted.path, extensions: { code: "INTERNAL_SERVER_ERROR" } };
}
