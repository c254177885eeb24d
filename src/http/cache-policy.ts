import {
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  getNamedType,
  isCompositeType,
  isObjectType,
  isInterfaceType,
  Kind,
} from "graphql";
import type { CacheHint } from "../common/cache-control";

/** What an operation's answer may be cached for: public with maxAge > 0, or not at all. */
export interface CachePolicy {
  maxAge: number;
  scope: "PUBLIC" | "PRIVATE";
}

const NOT_CACHEABLE: CachePolicy = { maxAge: 0, scope: "PRIVATE" };

export function isPublic(policy: CachePolicy | undefined): policy is CachePolicy {
  return policy !== undefined && policy.scope === "PUBLIC" && policy.maxAge > 0;
}

/** Policies by operation node: Apollo Server keeps each parsed document, so a repeated query costs a lookup. */
const known = new WeakMap<OperationDefinitionNode, CachePolicy>();

/**
 * The operation's policy, read from the document alone (before it runs), with Apollo's rules:
 * every field counts, whatever @include/@skip would decide; a field's own hint wins over its
 * return type's; a root field, or a field returning an object, interface or union, without
 * either hint has maxAge 0 (so the directory, licensing, the audit log and anything new stay
 * uncached until someone says otherwise); a scalar or enum field without one takes its parent's.
 * The answer's maxAge is the least of all, and one PRIVATE field makes it PRIVATE.
 */
export function operationPolicy(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode): CachePolicy {
  const found = known.get(operation);
  if (found) return found;
  const fragments = document.definitions.filter((definition): definition is FragmentDefinitionNode => definition.kind === Kind.FRAGMENT_DEFINITION);
  const policy = computePolicy(schema, operation, fragments);
  known.set(operation, policy);
  return policy;
}

function computePolicy(schema: GraphQLSchema, operation: OperationDefinitionNode, fragments: readonly FragmentDefinitionNode[]): CachePolicy {
  if (operation.operation !== "query") return NOT_CACHEABLE;
  const root = schema.getQueryType();
  if (!root) return NOT_CACHEABLE;
  const byName = new Map(fragments.map((fragment) => [fragment.name.value, fragment]));
  let maxAge = Number.POSITIVE_INFINITY;
  let scope: CachePolicy["scope"] = "PUBLIC";

  const visit = (selectionSet: SelectionSetNode, parent: GraphQLCompositeType, parentAge: number | null, spread: ReadonlySet<string>): void => {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        const name = selection.name.value;
        if (name === "__typename") continue;
        const field = fieldOf(parent, name);
        // Introspection and anything unknown: not cacheable.
        if (!field) {
          maxAge = 0;
          continue;
        }
        const type = getNamedType(field.type);
        const hint = { ...hintOf(type), ...hintOf(field) };
        if (hint.scope === "PRIVATE") scope = "PRIVATE";
        let age: number | null;
        if (hint.inheritMaxAge) age = parentAge;
        else if (hint.maxAge !== undefined) age = hint.maxAge;
        else if (isCompositeType(type) || parentAge === null) age = 0;
        else age = parentAge;
        maxAge = Math.min(maxAge, age ?? 0);
        if (selection.selectionSet && isCompositeType(type)) visit(selection.selectionSet, type, age, spread);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const condition = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent;
        if (condition && isCompositeType(condition)) visit(selection.selectionSet, condition, parentAge, spread);
      } else if (!spread.has(selection.name.value)) {
        const fragment = byName.get(selection.name.value);
        const condition = fragment && schema.getType(fragment.typeCondition.name.value);
        if (fragment && condition && isCompositeType(condition)) visit(fragment.selectionSet, condition, parentAge, new Set([...spread, fragment.name.value]));
      }
    }
  };
  visit(operation.selectionSet, root, null, new Set());
  if (!Number.isFinite(maxAge) || maxAge <= 0) return NOT_CACHEABLE;
  return { maxAge, scope };
}

function fieldOf(parent: GraphQLCompositeType, name: string): GraphQLField<unknown, unknown> | undefined {
  return isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[name] : undefined;
}

function hintOf(owner: GraphQLNamedType | GraphQLField<unknown, unknown>): CacheHint {
  return ((owner.extensions as { cacheControl?: CacheHint } | undefined)?.cacheControl ?? {}) as CacheHint;
}
