import { buildSchema, parse } from "graphql";
import { CompiledExecutor } from "../../src/http/compiled-executor";

const schema = buildSchema(`
  type Item { id: ID! name: String! }
  type Query { items(first: Int!): [Item!]! broken: Item! }
`);
const resolvers = {
  items: ({ first }: { first: number }) => Array.from({ length: first }, (_, i) => ({ id: `i${i}`, name: `Item ${i}` })),
  broken: () => null,
};
// buildSchema's types have no resolvers: the root fields are read off the root value, so give
// them one through each field (both engines call field resolvers the same way).
for (const [name, resolve] of Object.entries(resolvers)) {
  schema.getQueryType()!.getFields()[name]!.resolve = (_root, args) => (resolve as (args: unknown) => unknown)(args);
}

describe("CompiledExecutor", () => {
  it("compiles an operation only after it has run compileAfter times, then once per document and operation", async () => {
    const executor = new CompiledExecutor(schema, 2);
    const document = parse("query A { items(first: 2) { id } } query B { items(first: 1) { name } }");
    const answers = [];
    for (let run = 0; run < 4; run++) answers.push(await executor.execute(document, "A", undefined, {}));
    expect(executor.compilations).toBe(1);
    expect(answers.every((answer) => JSON.stringify(answer) === JSON.stringify({ data: { items: [{ id: "i0" }, { id: "i1" }] } }))).toBe(true);
    await executor.execute(document, "B", undefined, {});
    await executor.execute(document, "B", undefined, {});
    expect(executor.compilations).toBe(1);
    expect(await executor.execute(document, "B", undefined, {})).toEqual({ data: { items: [{ name: "Item 0" }] } });
    expect(executor.compilations).toBe(2);
    // The same text parsed again is another document (Apollo keeps one per text).
    await executor.execute(parse("query A { items(first: 2) { id } }"), "A", undefined, {});
    expect(executor.compilations).toBe(2);
  });

  it("gives graphql-js's errors: a null for a non-null field, refused variables", async () => {
    const executor = new CompiledExecutor(schema, 0);
    const nonNull = await executor.execute(parse("{ broken { id } }"), null, undefined, {});
    expect(executor.compilations).toBe(1);
    expect(nonNull.data).toBeNull();
    expect(nonNull.errors?.[0]?.message).toBe("Cannot return null for non-nullable field Query.broken.");
    expect(nonNull.errors?.[0]?.extensions).toEqual({});
    expect(nonNull.errors?.[0]?.path).toEqual(["broken"]);
    expect(nonNull.errors?.[0]?.locations).toEqual([{ line: 1, column: 3 }]);

    const refused = await executor.execute(parse("query($n: Int!) { items(first: $n) { id } }"), null, { n: "two" }, {});
    expect(refused).not.toHaveProperty("data");
    expect(refused.errors?.[0]?.message).toBe('Variable "$n" got invalid value "two"; Int cannot represent non-integer value: "two"');
  });
});
