import { GraphQLError, Kind, type ASTVisitor, type SelectionSetNode, type ValidationContext } from "graphql";

/**
 * How much introspection one operation may ask for, in every mode where introspection is on.
 * Each `__schema` answers the whole schema (about 100 KB for helpgate), so aliases of it repeat
 * that answer: 15 of them in each of 10 batched operations made 30 MB. A tool needs the schema
 * once (graphql-js's getIntrospectionQuery asks for `__schema` once), and looks up a few types
 * by name at most. Fields under one response name are merged by GraphQL and run once, so what
 * counts is the number of response names.
 * Introspection also counts in the query cost (use-cost-limit.ts), and graphql-js's own rule
 * bounds how deep `fields { type { fields … } }` may nest.
 */
export const MAX_SCHEMA_FIELDS = 1;
export const MAX_TYPE_FIELDS = 10;

export function introspectionLimitRule(context: ValidationContext): ASTVisitor {
  return {
    OperationDefinition(operation) {
      const found = { __schema: new Set<string>(), __type: new Set<string>() };
      collect(context, operation.selectionSet, found, new Set());
      if (found.__schema.size > MAX_SCHEMA_FIELDS) {
        context.reportError(
          new GraphQLError(
            `Introspection limit: an operation may ask for __schema once; this one asks for it ${found.__schema.size} times (aliases count). ` +
              "Ask for the schema once, as graphql-js's getIntrospectionQuery() does.",
            { nodes: operation },
          ),
        );
      }
      if (found.__type.size > MAX_TYPE_FIELDS) {
        context.reportError(
          new GraphQLError(
            `Introspection limit: an operation may look up at most ${MAX_TYPE_FIELDS} types with __type; this one looks up ${found.__type.size}. ` +
              "Ask for __schema { types { … } } once instead.",
            { nodes: operation },
          ),
        );
      }
    },
  };
}

/** The response names of the root's `__schema` and `__type` fields, through inline fragments and fragment spreads. */
function collect(context: ValidationContext, selectionSet: SelectionSetNode, found: Record<"__schema" | "__type", Set<string>>, spread: Set<string>): void {
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      const name = selection.name.value;
      if (name === "__schema" || name === "__type") found[name].add(selection.alias?.value ?? name);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      collect(context, selection.selectionSet, found, spread);
    } else if (!spread.has(selection.name.value)) {
      spread.add(selection.name.value);
      const fragment = context.getFragment(selection.name.value);
      if (fragment) collect(context, fragment.selectionSet, found, spread);
    }
  }
}
