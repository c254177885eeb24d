import type { ApolloServerPlugin, GraphQLRequestListener } from "@apollo/server";
import type { Logger } from "pino";
import type { Limits } from "../config";
import type { RequestContext } from "../context";
import { markWriting } from "../db/read-scope";
import { HelpgateError } from "../errors";
import { operationPolicy } from "./cache-policy";
import type { Metrics } from "./metrics";
import type { Throttle } from "./throttle";
import { costLimit } from "./use-cost-limit";
import { chargeOperation } from "./use-throttle";

/**
 * helpgate's one Apollo plugin (each plugin costs Apollo a round of calls per hook per request):
 * - names each request's operation for the log, then refuses it over MAX_QUERY_COST, then
 *   charges it to its caller's budget (use-throttle.ts) or refuses it as THROTTLED;
 * - logs unexpected errors with their request id (clients see only the masked message);
 * - counts operations by outcome and refused license changes by licenseError;
 * - puts the request id on every error a client sees, which the log carries too;
 * - answers `cache-control: no-store`, what Apollo's cache-control plugin (disabled: it wraps
 *   every field resolver) answered for uncached operations, and notes each operation's cache
 *   policy, read from the schema's hints, for the public response cache (use-response-cache.ts).
 * Its hooks take everything from the request context, so every request shares one listener.
 */
export function gatewayPlugin(
  log: Logger,
  metrics: Metrics,
  limits: Pick<Limits, "maxCost" | "maxPageSize">,
  throttle: Throttle,
): ApolloServerPlugin<RequestContext> {
  const checkCost = costLimit(limits.maxCost, limits.maxPageSize);
  const listener: GraphQLRequestListener<RequestContext> = {
    async didResolveOperation(requestContext) {
      const { contextValue } = requestContext;
      contextValue.operationName = requestContext.operationName ?? "anonymous";
      const observed = contextValue.observed;
      // A batch logs the names of all its operations.
      if (observed) observed.operationName = observed.operationName ? `${observed.operationName},${contextValue.operationName}` : contextValue.operationName;
      chargeOperation(throttle, requestContext, checkCost(requestContext));
      // A mutation reads what it is about to change from the primary (db/read-scope.ts).
      if (requestContext.operation?.operation === "mutation") markWriting();
      if (observed && requestContext.operation) observed.cachePolicy = operationPolicy(requestContext.schema, requestContext.document, requestContext.operation);
    },
    async didEncounterErrors({ errors, contextValue }) {
      for (const error of errors) {
        const original = error.originalError;
        if (original && !(original instanceof HelpgateError) && !error.extensions?.code) {
          log.error({ err: original, requestId: contextValue.requestId, path: error.path }, "resolver failed");
        }
      }
    },
    async willSendResponse({ response, contextValue, operationName }) {
      response.http.headers.set("cache-control", "no-store");
      const errors = response.body.kind === "single" ? (response.body.singleResult.errors ?? []) : [];
      const outcome = errors.length === 0 ? "ok" : String(errors[0].extensions?.code ?? "INTERNAL_SERVER_ERROR");
      const operation = contextValue.operationName === undefined ? "invalid" : metrics.operations.labelOf(operationName);
      metrics.requests.inc({ operation, outcome });
      if (contextValue.observed) contextValue.observed.succeeded = errors.length === 0;
      for (const error of errors) {
        const licenseError = error.extensions?.licenseError;
        if (typeof licenseError === "string") metrics.licenseErrors.inc({ licenseError });
        (error.extensions as Record<string, unknown>).requestId = contextValue.requestId;
      }
    },
  };
  return {
    async requestDidStart() {
      return listener;
    },
  };
}
