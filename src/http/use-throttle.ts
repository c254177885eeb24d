import { HeaderMap, type GraphQLRequestContextDidResolveOperation } from "@apollo/server";
import { GraphQLError, Kind, type DocumentNode, type FragmentDefinitionNode, type SelectionSetNode } from "graphql";
import type { RequestContext } from "../context";
import type { Throttle, Units, Verdict } from "./throttle";

/**
 * What GraphQL requests spend from their caller's budgets (throttle.ts), in two steps:
 * - on arrival, one read unit per operation (a batch of 10 spends 10), before anything is parsed:
 *   a caller whose budget is spent is refused at once, and even refused requests cost something;
 * - once an operation is resolved and costed, one more read unit per COST_PER_READ_UNIT of its
 *   query cost, and one write unit per mutation field it holds (aliases each count: each runs,
 *   and a refused one still leaves an audit entry), before it executes.
 */
export const COST_PER_READ_UNIT = 100;

/** The arrival charge: one read unit per operation in the body. */
export function chargeArrival(throttle: Throttle, key: string, body: unknown): Verdict {
  return throttle.charge(key, { read: Array.isArray(body) ? body.length : 1 });
}

type ResolvedRequest = Pick<GraphQLRequestContextDidResolveOperation<RequestContext>, "operation" | "document" | "contextValue">;

/** The charge of a resolved operation; throws the THROTTLED error (HTTP 429, Retry-After) if its caller's budget is spent. */
export function chargeOperation(throttle: Throttle, request: ResolvedRequest, cost: number): void {
  const { operation, document, contextValue } = request;
  const key = contextValue.throttleKey;
  if (!key || !operation) return;
  const units: Units = {
    read: Math.floor(cost / COST_PER_READ_UNIT),
    write: operation.operation === "mutation" ? writesIn(operation.selectionSet, document) : 0,
  };
  const verdict = throttle.charge(key, units);
  if (!verdict.ok) throw throttledError(verdict);
}

/** The refusal as a GraphQL error that Apollo answers with HTTP 429 and Retry-After. */
export function throttledError(verdict: Extract<Verdict, { ok: false }>): GraphQLError {
  const { error, retryAfterSeconds } = verdict;
  return new GraphQLError(error.message, {
    originalError: error,
    extensions: {
      ...error.details,
      code: error.code,
      http: { status: 429, headers: new HeaderMap([["retry-after", String(retryAfterSeconds)]]) },
    },
  });
}

/** The mutation fields the operation runs: its root fields under distinct response names, through fragments. */
function writesIn(root: SelectionSetNode, document: DocumentNode): number {
  const fragments = new Map(
    document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]),
  );
  const responseNames = new Set<string>();
  const visit = (selectionSet: SelectionSetNode, spread: Set<string>) => {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        if (selection.name.value !== "__typename") responseNames.add(selection.alias?.value ?? selection.name.value);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        visit(selection.selectionSet, spread);
      } else if (!spread.has(selection.name.value)) {
        spread.add(selection.name.value);
        const fragment = fragments.get(selection.name.value);
        if (fragment) visit(fragment.selectionSet, spread);
      }
    }
  };
  visit(root, new Set());
  return responseNames.size;
}
