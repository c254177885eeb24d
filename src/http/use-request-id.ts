import type { ApolloServerPlugin } from "@apollo/server";
import type { RequestContext } from "../context";

/** Every error a client sees carries the request id, which the log carries too. */
export function useRequestId(): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response, contextValue }) {
          if (response.body.kind !== "single") return;
          for (const error of response.body.singleResult.errors ?? []) {
            (error.extensions as Record<string, unknown>).requestId = contextValue.requestId;
          }
        },
      };
    },
  };
}
