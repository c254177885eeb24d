import { registerEnumType } from "type-graphql";

/**
 * Declares a GraphQL enum whose values are spelled as they are stored and returned (Graph's
 * spelling, e.g. ActiveWithError), each with its description. Resolvers keep returning the plain
 * strings; the object it returns is what `@Field(() => …)` and `@Arg(…, () => …)` name.
 */
export function documentedEnum<const V extends string>(
  name: string,
  description: string,
  values: Readonly<Record<V, string>>,
): { readonly [K in V]: K } {
  const keys = Object.keys(values) as V[];
  const object = Object.fromEntries(keys.map((value) => [value, value])) as { [K in V]: K };
  registerEnumType(object, {
    name,
    description,
    valuesConfig: Object.fromEntries(keys.map((value) => [value, { description: values[value] }])) as Record<V, { description: string }>,
  });
  return object;
}
