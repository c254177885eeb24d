import { buildClientSchema, getIntrospectionQuery, type IntrospectionQuery } from "graphql";
import { MAX_TYPE_FIELDS } from "../../src/http/use-introspection-limit";
import { refusal, TestGateway } from "../support/harness";

/**
 * Introspection is bounded in every mode where it is on: `__schema` once per operation (an alias
 * of it repeats the whole schema), a few `__type` lookups, and introspection counts in the query
 * cost. What schema tools send (graphql-js's getIntrospectionQuery, as codegen and the explorer
 * do) still works with the default limits.
 */

/** The fragments of graphql-js's introspection query (FullType, InputValue, TypeRef). */
const INTROSPECTION_FRAGMENTS = getIntrospectionQuery().slice(getIntrospectionQuery().indexOf("fragment FullType"));

/** The flood a hostile review sent: 10 operations, each with 15 aliases of `__schema { types { ...FullType } }`. */
function floodBatch(): string {
  const aliases = Array.from({ length: 15 }, (_, i) => `schema${i}: __schema { types { ...FullType } }`).join("\n  ");
  const operation = { query: `query Flood {\n  ${aliases}\n}\n${INTROSPECTION_FRAGMENTS}` };
  return JSON.stringify(Array.from({ length: 10 }, () => operation));
}

async function postRaw(url: string, body: string): Promise<{ status: number; bytes: number; json: any }> {
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body });
  const text = await response.text();
  return { status: response.status, bytes: Buffer.byteLength(text), json: JSON.parse(text) };
}

jest.setTimeout(30_000);

describe("introspection limits", () => {
  describe("in development, with the default limits", () => {
    let gateway: TestGateway;
    beforeAll(async () => {
      gateway = await TestGateway.start();
    });
    afterAll(() => gateway.stop());

    it("answers graphql-js's getIntrospectionQuery(), from which a client rebuilds the schema", async () => {
      const data = await gateway.ok<IntrospectionQuery>(null, getIntrospectionQuery());
      const schema = buildClientSchema(data);
      expect(Object.keys(schema.getQueryType()!.getFields())).toEqual(expect.arrayContaining(["users", "groups", "me"]));
      expect(Object.keys(schema.getMutationType()!.getFields())).toEqual(expect.arrayContaining(["createUser", "assignLicense"]));
    });

    it("answers the fuller introspection query an explorer sends (descriptions, deprecated arguments, repeatable directives)", async () => {
      const query = getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true, schemaDescription: true, specifiedByUrl: true, directiveIsRepeatable: true });
      const data = await gateway.ok<IntrospectionQuery>(null, query);
      expect(buildClientSchema(data).getType("User")).toBeDefined();
    });

    it("refuses the flood batch (10 operations × 15 aliases of __schema) before any of it runs", async () => {
      const body = floodBatch();
      const response = await postRaw(gateway.url, body);
      expect(response.status).toBe(400);
      expect(response.json).toHaveLength(10);
      for (const result of response.json) {
        expect(result.data).toBeUndefined();
        expect(result.errors).toEqual([
          expect.objectContaining({
            message: expect.stringMatching(/^Introspection limit: an operation may ask for __schema once; this one asks for it 15 times/),
            extensions: expect.objectContaining({ code: "GRAPHQL_VALIDATION_FAILED" }),
          }),
        ]);
      }
      // Ten refusals, not ten times fifteen schemas.
      expect(response.bytes).toBeLessThan(10_000);
    });

    it("counts __schema under every response name, through fragments", async () => {
      const query = `{ ...A ...B } fragment A on Query { __schema { queryType { name } } } fragment B on Query { again: __schema { queryType { name } } }`;
      const error = refusal(await gateway.gql(null, query));
      expect(error.code).toBe("GRAPHQL_VALIDATION_FAILED");
      expect(error.message).toMatch(/asks for it 2 times/);
    });

    it("takes __schema asked twice under one response name: GraphQL merges them and runs it once", async () => {
      const data = await gateway.ok(null, `{ __schema { queryType { name } } ...A } fragment A on Query { __schema { mutationType { name } } }`);
      expect(data).toEqual({ __schema: { queryType: { name: "Query" }, mutationType: { name: "Mutation" } } });
    });

    it(`looks up at most ${MAX_TYPE_FIELDS} types with __type in one operation`, async () => {
      const lookups = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `t${i}: __type(name: "User") { name }`).join(" ")} }`;
      // MAX_ALIASES (15) is not what refuses the larger one.
      expect(Object.keys(await gateway.ok(null, lookups(MAX_TYPE_FIELDS)))).toHaveLength(MAX_TYPE_FIELDS);
      const error = refusal(await gateway.gql(null, lookups(MAX_TYPE_FIELDS + 1)));
      expect(error.code).toBe("GRAPHQL_VALIDATION_FAILED");
      expect(error.message).toBe(
        `Introspection limit: an operation may look up at most ${MAX_TYPE_FIELDS} types with __type; this one looks up ${MAX_TYPE_FIELDS + 1}. Ask for __schema { types { … } } once instead.`,
      );
    });
  });

  describe("with introspection turned on in production and a small MAX_QUERY_COST", () => {
    let gateway: TestGateway;
    beforeAll(async () => {
      gateway = await TestGateway.start({ NODE_ENV: "production", INTROSPECTION: "true", MAX_QUERY_COST: "50" });
    });
    afterAll(() => gateway.stop());

    it("refuses aliases of __schema in production too", async () => {
      const error = refusal(await gateway.gql(null, "{ a: __schema { queryType { name } } b: __schema { queryType { name } } }"));
      expect(error.code).toBe("GRAPHQL_VALIDATION_FAILED");
      expect(error.message).toMatch(/^Introspection limit: .*asks for it 2 times/);
    });

    it("counts introspection in the query cost: every type of the schema is a row", async () => {
      const response = await gateway.gql(null, "{ __schema { types { name } } }");
      expect(response.status).toBe(400);
      const error = refusal(response);
      expect(error.code).toBe("GRAPHQL_VALIDATION_FAILED");
      expect(error.message).toMatch(/^Query Cost limit of 50 exceeded, found \d+\./);
      expect(await gateway.ok(null, "{ __schema { queryType { name } } }")).toEqual({ __schema: { queryType: { name: "Query" } } });
    });
  });
});
