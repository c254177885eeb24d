import type { GraphQLRequestContextDidResolveOperation } from "@apollo/server";
import {
  getNamedType,
  getNullableType,
  GraphQLError,
  isInterfaceType,
  isListType,
  isObjectType,
  isEnumType,
  isInputObjectType,
  isAbstractType,
  Kind,
  SchemaMetaFieldDef,
  TypeMetaFieldDef,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLInterfaceType,
  type GraphQLSchema,
  type GraphQLType,
  isWrappingType,
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
  introspectionRows: ReadonlyMap<string, number>;
}

/**
 * Refuses an operation whose cost, counted with the real page sizes, is over MAX_QUERY_COST
 * (called by the gateway's plugin, plugin.ts, once the operation is resolved).
 * graphql-armor's rule runs at validation, before variables are known, so `first: $n` or a
 * missing `first` (the default page) would count as one; this runs once they are known.
 * Each field costs 1 plus what it contains, times the rows it will return.
 * Introspection counts too (armor's rule skips `__schema`): its lists count as many rows as
 * they hold on average in this schema, so asking for the whole schema costs about what its
 * answer holds.
 * Apollo keeps parsed documents, so an operation without variables is costed once.
 * Returns the operation's cost, which the throttle charges (use-throttle.ts).
 */
export function costLimit(maxCost: number, maxPageSize: number): (request: CostedRequest) => number {
  const known = new WeakMap<OperationDefinitionNode, number>();
  return ({ operation, document, request, schema }) => {
    if (!operation) return 0;
    const root = operation.operation === "mutation" ? schema.getMutationType() : schema.getQueryType();
    if (!root) return 0;
    const fixed = !operation.variableDefinitions?.length;
    let cost = fixed ? known.get(operation) : undefined;
    if (cost === undefined) {
      const fragments = Object.fromEntries(
        document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]),
      );
      const costing = {
        schema,
        fragments,
        variables: request.variables ?? {},
        defaultPage: Math.min(DEFAULT_PAGE_SIZE, maxPageSize),
        maxPageSize,
        introspectionRows: introspectionRowsOf(schema),
      };
      cost = Math.ceil(selectionCost(costing, root, operation.selectionSet, 0));
      if (fixed) known.set(operation, cost);
    }
    if (cost > maxCost) {
      throw new GraphQLError(
        `Query Cost limit of ${maxCost} exceeded, found ${cost}. Ask for fewer rows per page (first) or fewer nested lists (MAX_QUERY_COST).`,
        { extensions: { code: "GRAPHQL_VALIDATION_FAILED", http: { status: 400 } } },
      );
    }
    return cost;
  };
}

/** What the check reads of Apollo's request context once the operation is resolved. */
type CostedRequest = Pick<GraphQLRequestContextDidResolveOperation<RequestContext>, "operation" | "document" | "request" | "schema">;

function selectionCost(costing: Costing, type: Composite, selectionSet: SelectionSetNode, depth: number): number {
  if (depth > 64) return Number.POSITIVE_INFINITY;
  let total = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      const field = fieldOf(costing, type, selection.name.value);
      if (!field) continue;
      const named = getNamedType(field.type);
      const inner = selection.selectionSet && (isObjectType(named) || isInterfaceType(named)) ? selectionCost(costing, named, selection.selectionSet, depth + 1) : 0;
      // A connection's edges are the page its `first` already counted.
      const count = type.name.endsWith("Connection") ? 1 : (costing.introspectionRows.get(`${type.name}.${field.name}`) ?? rows(costing, field, selection.arguments ?? []));
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

/** A field of `type`, or the root's introspection fields `__schema` and `__type` (not among the query type's own fields). */
function fieldOf(costing: Costing, type: Composite, name: string): GraphQLField<unknown, unknown> | undefined {
  if (type === costing.schema.getQueryType()) {
    if (name === SchemaMetaFieldDef.name) return SchemaMetaFieldDef;
    if (name === TypeMetaFieldDef.name) return TypeMetaFieldDef;
  }
  return type.getFields()[name];
}

const introspectionRowsBySchema = new WeakMap<GraphQLSchema, ReadonlyMap<string, number>>();

/**
 * How many rows each introspection field returns on average in this schema: `types` all of
 * them, a type's `fields` the schema's fields spread over all its types, and so on. `ofType`
 * returns a type for a list or non-null wrapper and null for a named type, so it counts as the
 * share of wrappers among the types that fields and arguments refer to.
 */
function introspectionRowsOf(schema: GraphQLSchema): ReadonlyMap<string, number> {
  let found = introspectionRowsBySchema.get(schema);
  if (found) return found;
  const types = Object.values(schema.getTypeMap());
  const fields = types.flatMap((type) => (isObjectType(type) || isInterfaceType(type) ? Object.values(type.getFields()) : []));
  const inputFields = types.flatMap((type) => (isInputObjectType(type) ? Object.values(type.getFields()) : []));
  const directives = schema.getDirectives();
  const args = [...fields, ...directives].flatMap((owner) => owner.args);
  const sum = (counts: number[]) => counts.reduce((total, count) => total + count, 0);
  const average = (total: number, over: number) => Math.max(1, Math.ceil(total / Math.max(1, over)));
  const wrappers = [...fields, ...inputFields, ...args].map(({ type }) => wrapperCount(type));
  found = new Map([
    ["__Schema.types", types.length],
    ["__Schema.directives", directives.length],
    ["__Type.fields", average(fields.length, types.length)],
    ["__Type.interfaces", average(sum(types.map((type) => (isObjectType(type) || isInterfaceType(type) ? type.getInterfaces().length : 0))), types.length)],
    ["__Type.possibleTypes", average(sum(types.map((type) => (isAbstractType(type) ? schema.getPossibleTypes(type).length : 0))), types.length)],
    ["__Type.enumValues", average(sum(types.map((type) => (isEnumType(type) ? type.getValues().length : 0))), types.length)],
    ["__Type.inputFields", average(inputFields.length, types.length)],
    ["__Field.args", average(sum(fields.map((field) => field.args.length)), fields.length)],
    ["__Directive.args", average(sum(directives.map((directive) => directive.args.length)), directives.length)],
    ["__Type.ofType", sum(wrappers) / Math.max(1, sum(wrappers) + wrappers.length)],
  ]);
  introspectionRowsBySchema.set(schema, found);
  return found;
}

/** How many list and non-null wrappers a type reference has (`[String!]!` has three). */
function wrapperCount(type: GraphQLType): number {
  let count = 0;
  for (let inner = type; isWrappingType(inner); inner = inner.ofType) count++;
  return count;
}

/**
 * How many rows a field returns: its `first` or `last` (literal or variable) or the default
 * page; `nodes(ids:)` as many as the ids; other lists a fixed guess.
 */
function rows(costing: Costing, field: GraphQLField<unknown, unknown>, args: readonly { name: { value: string }; value: { kind: string } }[]): number {
  const valueOf = (name: string): unknown => {
    const given = args.find((arg) => arg.name.value === name)?.value as { kind: string; value?: string; name?: { value: string }; values?: unknown[] } | undefined;
    if (given?.kind === Kind.INT) return Number(given.value);
    if (given?.kind === Kind.LIST) return given.values;
    return given?.kind === Kind.VARIABLE ? costing.variables[given.name!.value] : undefined;
  };
  if (field.args.some((arg) => arg.name === "first" || arg.name === "last")) {
    const sizes = [valueOf("first"), valueOf("last")].filter((value): value is number => typeof value === "number" && Number.isFinite(value) && value > 0);
    // Over the page cap the resolver refuses it with a clearer error; cost it at the cap.
    return sizes.length > 0 ? Math.min(Math.max(...sizes), costing.maxPageSize) : costing.defaultPage;
  }
  if (field.args.some((arg) => arg.name === "ids")) {
    const ids = valueOf("ids");
    return Array.isArray(ids) ? Math.min(Math.max(ids.length, 1), costing.maxPageSize) : UNPAGED_LIST_LENGTH;
  }
  return isListType(getNullableType(field.type)) ? UNPAGED_LIST_LENGTH : 1;
}
