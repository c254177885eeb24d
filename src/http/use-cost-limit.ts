import type { GraphQLRequestContextDidResolveOperation } from "@apollo/server";
import {
  getNamedType,
  getNullableType,
  GraphQLError,
  isInterfaceType,
  isListType,
  isObjectType,
  Kind,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLInterfaceType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from "graphql";
import type { RequestContext } from "../context";
import { DEFAULT_PAGE_SIZE } from "../common/connection";

/** Lists without a `first` argument (memberOf, targetResources, licenseAssignmentStates…) are short; assumed this long. */
const UNPAGED_LIST_LENGTH = 3;

type Composite = GraphQLObjectType | GraphQLInterfaceType;

interface Costing {
  schema: GraphQLSchema;
  fragments: Record<string, FragmentDefinitionNode>;
  variables: Record<string, unknown>;
  defaultPage: number;
  maxPageSize: number;
}

/**
 * Refuses an operation whose cost, counted with the real page sizes, is over MAX_QUERY_COST
 * (called by the gateway's plugin, plugin.ts, once the operation is resolved).
 * graphql-armor's rule runs at validation, before variables are known, so `first: $n` or a
 * missing `first` (the default page) would count as one; this runs once they are known.
 * Each field costs 1 plus what it contains, times the rows it will return.
 * Apollo keeps parsed documents, so an operation without variables is costed once.
 */
export function costLimit(maxCost: number, maxPageSize: number): (request: CostedRequest) => void {
  const known = new WeakMap<OperationDefinitionNode, number>();
  return ({ operation, document, request, schema }) => {
    if (!operation) return;
    const root = operation.operation === "mutation" ? schema.getMutationType() : schema.getQueryType();
    if (!root) return;
    const fixed = !operation.variableDefinitions?.length;
    let cost = fixed ? known.get(operation) : undefined;
    if (cost === undefined) {
      const fragments = Object.fromEntries(
        document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]),
      );
      const costing = { schema, fragments, variables: request.variables ?? {}, defaultPage: Math.min(DEFAULT_PAGE_SIZE, maxPageSize), maxPageSize };
      cost = selectionCost(costing, root, operation.selectionSet, 0);
      if (fixed) known.set(operation, cost);
    }
    if (cost > maxCost) {
      throw new GraphQLError(
        `Query Cost limit of ${maxCost} exceeded, found ${cost}. Ask for fewer rows per page (first) or fewer nested lists (MAX_QUERY_COST).`,
        { extensions: { code: "GRAPHQL_VALIDATION_FAILED", http: { status: 400 } } },
      );
    }
  };
}

/** What the check reads of Apollo's request context once the operation is resolved. */
type CostedRequest = Pick<GraphQLRequestContextDidResolveOperation<RequestContext>, "operation" | "document" | "request" | "schema">;

function selectionCost(costing: Costing, type: Composite, selectionSet: SelectionSetNode, depth: number): number {
  if (depth > 64) return Number.POSITIVE_INFINITY;
  let total = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      const field = type.getFields()[selection.name.value];
      if (!field) continue;
      const named = getNamedType(field.type);
      const inner = selection.selectionSet && (isObjectType(named) || isInterfaceType(named)) ? selectionCost(costing, named, selection.selectionSet, depth + 1) : 0;
      // A connection's edges are the page its `first` already counted.
      const count = type.name.endsWith("Connection") ? 1 : rows(costing, field, selection.arguments ?? []);
      total += 1 + count * inner;
    } else {
      const condition = selection.kind === Kind.INLINE_FRAGMENT ? selection.typeCondition : costing.fragments[selection.name.value]?.typeCondition;
      const set = selection.kind === Kind.INLINE_FRAGMENT ? selection.selectionSet : costing.fragments[selection.name.value]?.selectionSet;
      const target = condition ? costing.schema.getType(condition.name.value) : type;
      if (set && (isObjectType(target) || isInterfaceType(target))) total += selectionCost(costing, target, set, depth + 1);
    }
  }
  return total;
}

/** How many rows a field returns: its `first` (literal or variable) or the default page; other lists a fixed guess. */
function rows(costing: Costing, field: GraphQLField<unknown, unknown>, args: readonly { name: { value: string }; value: { kind: string } }[]): number {
  if (field.args.some((arg) => arg.name === "first")) {
    const given = args.find((arg) => arg.name.value === "first")?.value as { kind: string; value?: string; name?: { value: string } } | undefined;
    const value = given?.kind === Kind.INT ? Number(given.value) : given?.kind === Kind.VARIABLE ? costing.variables[given.name!.value] : undefined;
    // Over the page cap the resolver refuses it with a clearer error; cost it at the cap.
    return typeof value === "number" && Number.isFinite(value) && value > 0 ? Math.min(value, costing.maxPageSize) : costing.defaultPage;
  }
  return isListType(getNullableType(field.type)) ? UNPAGED_LIST_LENGTH : 1;
}
