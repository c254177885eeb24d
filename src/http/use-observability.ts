import type { ApolloServerPlugin } from "@apollo/server";
import type { Logger } from "pino";
import type { RequestContext } from "../context";
import { HelpgateError } from "../errors";
import type { Metrics } from "./metrics";

/**
 * Names each request's operation for the log, counts operations by outcome and refused license
 * changes by licenseError, and logs unexpected errors with their request id (clients see only
 * the masked message).
 */
export function useObservability(log: Logger, metrics: Metrics): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart({ contextValue }) {
      return {
        async didResolveOperation({ operationName }) {
          contextValue.operationName = operationName ?? "anonymous";
          const observed = contextValue.observed;
          // A batch logs the names of all its operations.
          if (observed) observed.operationName = observed.operationName ? `${observed.operationName},${contextValue.operationName}` : contextValue.operationName;
        },
        async didEncounterErrors({ errors }) {
          for (const error of errors) {
            const original = error.originalError;
            if (original && !(original instanceof HelpgateError) && !error.extensions?.code) {
              log.error({ err: original, requestId: contextValue.requestId, path: error.path }, "resolver failed");
            }
          }
        },
        async willSendResponse({ response }) {
          const errors = response.body.kind === "single" ? (response.body.singleResult.errors ?? []) : [];
          const outcome = errors.length === 0 ? "ok" : String(errors[0].extensions?.code ?? "INTERNAL_SERVER_ERROR");
          metrics.requests.inc({ operation: contextValue.operationName ?? "invalid", outcome });
          for (const error of errors) {
            const licenseError = error.extensions?.licenseError;
            if (typeof licenseError === "string") metrics.licenseErrors.inc({ licenseError });
          }
        },
      };
    },
  };
}
