import { getDirectiveValues, GraphQLIncludeDirective, GraphQLSkipDirective, Kind, type GraphQLResolveInfo, type SelectionSetNode } from "graphql";
import type { RequestContext, RequestLoaders } from "../context";

type LoaderName = keyof RequestLoaders;

/**
 * Reading a page's relations ahead of its field resolvers. A list field whose items each ask a
 * DataLoader for a relation (a user's licenseAssignmentStates, memberOf...) makes one promise per
 * item and relation, which graphql-js then waits for item by item: on a page of 100 users, more
 * work than the rows themselves. A page resolver that knows its nodes calls readAhead(): for each
 * relation the client selected on them, it loads every node's value through the same loader in
 * one batch (the same statements the field resolvers would have caused, no more), and keeps the
 * values so that the field resolvers answer at once through settled(). A relation not selected
 * is not read; one whose batch failed is left to the field resolvers, which then report the
 * loader's error per item as before.
 */
export async function readAhead(
  ctx: RequestContext,
  info: GraphQLResolveInfo,
  path: readonly string[],
  keys: readonly string[],
  relations: Readonly<Record<string, LoaderName>>,
): Promise<void> {
  if (keys.length === 0) return;
  const selected = selectedFields(info, path);
  const loaders = new Set<LoaderName>();
  for (const [field, loader] of Object.entries(relations)) if (selected.has(field)) loaders.add(loader);
  if (loaders.size === 0) return;
  const store = (ctx.readAhead ??= new Map());
  await Promise.all(
    [...loaders].map(async (name) => {
      const loader = ctx.loaders[name] as unknown as { loadMany(keys: readonly string[]): Promise<unknown[]> };
      const values = await loader.loadMany(keys);
      const byKey = store.get(name) ?? new Map<string, unknown>();
      keys.forEach((key, i) => {
        if (!(values[i] instanceof Error)) byKey.set(key, values[i]);
      });
      store.set(name, byKey);
    }),
  );
}

/** The value readAhead() loaded for this loader and key, if it did. */
export function settled<V>(ctx: RequestContext, loader: LoaderName, key: string): V | undefined {
  return ctx.readAhead?.get(loader)?.get(key) as V | undefined;
}

/**
 * The names of the fields selected at `path` below the resolved field (e.g. edges, node), through
 * fragments, leaving out what @skip or @include leave out.
 */
function selectedFields(info: GraphQLResolveInfo, path: readonly string[]): Set<string> {
  let sets: SelectionSetNode[] = info.fieldNodes.flatMap((node) => (node.selectionSet ? [node.selectionSet] : []));
  for (const step of path) {
    const next: SelectionSetNode[] = [];
    for (const set of sets) forEachField(info, set, (name, selectionSet) => name === step && selectionSet && next.push(selectionSet));
    sets = next;
  }
  const names = new Set<string>();
  for (const set of sets) forEachField(info, set, (name) => names.add(name));
  return names;
}

function forEachField(info: GraphQLResolveInfo, set: SelectionSetNode, visit: (name: string, selectionSet: SelectionSetNode | undefined) => unknown): void {
  for (const selection of set.selections) {
    if (!included(info, selection)) continue;
    if (selection.kind === Kind.FIELD) visit(selection.name.value, selection.selectionSet);
    else if (selection.kind === Kind.INLINE_FRAGMENT) forEachField(info, selection.selectionSet, visit);
    else {
      const fragment = info.fragments[selection.name.value];
      if (fragment) forEachField(info, fragment.selectionSet, visit);
    }
  }
}

function included(info: GraphQLResolveInfo, node: Parameters<typeof getDirectiveValues>[1]): boolean {
  if (!node.directives || node.directives.length === 0) return true;
  if (getDirectiveValues(GraphQLSkipDirective, node, info.variableValues)?.if === true) return false;
  return getDirectiveValues(GraphQLIncludeDirective, node, info.variableValues)?.if !== false;
}
