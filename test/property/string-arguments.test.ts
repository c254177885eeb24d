import { Writable } from "node:stream";
import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isScalarType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLObjectType,
} from "graphql";
import pino from "pino";
import { USER_ADMINISTRATOR } from "../../src/directory/roles";
import { helpgateSchema } from "../../src/schema";
import { PLAN, SKU } from "../support/catalog-ids";
import { TestGateway } from "../support/harness";

/**
 * Names an object inherits from Object.prototype, sent as every String and ID argument (and
 * input field) of every query and mutation, one at a time with the others valid, as a Global
 * Administrator. A lookup in a plain object keyed by such a value finds a function or the
 * prototype instead of nothing; every one of these must be answered as the value it is (found
 * nothing, refused as bad input), never as an INTERNAL_SERVER_ERROR, and nothing may be logged
 * as an error.
 */

jest.setTimeout(180_000);

const PROTOTYPE_NAMES = [
  "toString", "__proto__", "constructor", "hasOwnProperty", "valueOf", "isPrototypeOf",
  "propertyIsEnumerable", "toLocaleString", "__defineGetter__", "__lookupGetter__", "prototype",
  "TOSTRING", "Constructor",
];

/** A path to a String or ID leaf: the argument, then input fields; "[]" steps into a list. */
type LeafPath = string[];

interface Case {
  operation: "query" | "mutation";
  field: GraphQLField<unknown, unknown>;
  /** The leaf set to `value`; every other argument gets a valid value where one is required. */
  leaf: LeafPath;
  value: string;
}

const isTextScalar = (type: GraphQLInputType) => {
  const named = getNamedType(type);
  return isScalarType(named) && (named.name === "String" || named.name === "ID");
};

function leavesOf(type: GraphQLInputType, path: LeafPath, depth = 0): LeafPath[] {
  const inner = isNonNullType(type) ? type.ofType : type;
  if (isListType(inner)) return leavesOf(inner.ofType, [...path, "[]"], depth);
  if (isTextScalar(inner)) return [path];
  if (isInputObjectType(inner) && depth < 4) {
    return Object.values(inner.getFields()).flatMap((field) => leavesOf(field.type, [...path, field.name], depth + 1));
  }
  return [];
}

describe("prototype names in every string argument", () => {
  let gateway: TestGateway;
  const errorLog: string[] = [];
  const cases: Case[] = [];
  let baseline: Record<string, unknown>;
  let unique = 0;

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString("utf8").split("\n").filter(Boolean)) {
          if (JSON.parse(line).level >= 50) errorLog.push(line);
        }
        done();
      },
    });
    // Some 1,300 operations from one caller in seconds: past any fair share, and not what this test is about.
    gateway = await TestGateway.start({ THROTTLE_READ_UNITS_PER_10S: "0", THROTTLE_WRITE_UNITS_PER_150S: "0" }, { log: pino({ level: "warn" }, sink) });
    baseline = {
      userId: await gateway.userId("ada.lovelace"),
      groupId: await gateway.groupId("All Sales"),
      skuId: SKU.E3,
      roleTemplateId: USER_ADMINISTRATOR,
      skuPartNumber: "ENTERPRISEPACK",
      plan: "EXCHANGE_S_STANDARD",
      mailboxPlans: "EXCHANGE_S_STANDARD",
      requiresAnyOf: "EXCHANGE_S_ENTERPRISE",
      planA: "EXCHANGE_S_STANDARD",
      planB: "EXCHANGE_S_ENTERPRISE",
      usageLocation: "US",
      countries: "US",
      servicePlanId: PLAN.EXCHANGE_S_STANDARD,
    };
    const schema = await helpgateSchema();
    for (const [operation, root] of [["query", schema.getQueryType()], ["mutation", schema.getMutationType()]] as const) {
      for (const field of Object.values((root as GraphQLObjectType).getFields())) {
        for (const argument of field.args) {
          for (const leaf of leavesOf(argument.type, [argument.name])) {
            for (const value of PROTOTYPE_NAMES) cases.push({ operation, field, leaf, value });
          }
        }
      }
    }
  });
  afterAll(() => gateway?.stop());

  /** A valid value for a required input of this type, named `name` (ids of real demo objects). */
  function required(type: GraphQLInputType, name: string, field: string): unknown {
    const inner = isNonNullType(type) ? type.ofType : type;
    if (isListType(inner)) return isTextScalar(inner) ? [required(inner.ofType, name, field)] : [];
    if (isInputObjectType(inner)) {
      return Object.fromEntries(
        Object.values(inner.getFields())
          .filter((child) => isNonNullType(child.type) && child.defaultValue === undefined)
          .map((child) => [child.name, required(child.type, child.name, field)]),
      );
    }
    if (isEnumType(inner)) return inner.getValues()[0]!.value;
    switch (inner.name) {
      case "Int":
      case "Float":
        return 1;
      case "Boolean":
        return true;
      case "DateTime":
        return new Date().toISOString();
      case "JSONObject":
        return {};
    }
    if (name === "id") return field.toLowerCase().includes("group") ? baseline.groupId : baseline.userId;
    if (name === "userPrincipalName") return `fuzz${++unique}@contoso.com`;
    if (name === "mailNickname") return `fuzz${++unique}`;
    if (name === "displayName") return `Fuzz ${++unique}`;
    return baseline[name] ?? "x";
  }

  /** The value of an argument or input field: `value` along `path`, valid values elsewhere. */
  function build(type: GraphQLInputType, name: string, path: LeafPath, value: string, field: string): unknown {
    const inner = isNonNullType(type) ? type.ofType : type;
    if (path.length === 0) return value;
    if (isListType(inner)) return [build(inner.ofType, name, path.slice(1), value, field)];
    if (!isInputObjectType(inner)) throw new Error(`no input field ${path.join(".")} in ${String(type)}`);
    const object = required(inner, name, field) as Record<string, unknown>;
    const child = inner.getFields()[path[0]!]!;
    object[child.name] = build(child.type, child.name, path.slice(1), value, field);
    return object;
  }

  function operationFor({ operation, field, leaf, value }: Case): { query: string; variables: Record<string, unknown> } {
    const variables: Record<string, unknown> = {};
    const used = field.args.filter((argument: GraphQLArgument) => argument.name === leaf[0] || isNonNullType(argument.type));
    for (const argument of used) {
      variables[argument.name] = argument.name === leaf[0]
        ? build(argument.type, argument.name, leaf.slice(1), value, field.name)
        : required(argument.type, argument.name, field.name);
    }
    const definitions = used.map((argument) => `$${argument.name}: ${String(argument.type)}`).join(", ");
    const args = used.map((argument) => `${argument.name}: $${argument.name}`).join(", ");
    const selection = isScalarType(getNamedType(field.type)) || isEnumType(getNamedType(field.type)) ? "" : " { __typename }";
    const header = definitions ? `${operation}(${definitions})` : operation;
    return { query: `${header} { ${field.name}${args ? `(${args})` : ""}${selection} }`, variables };
  }

  it("reaches every String and ID argument of the schema", () => {
    const fields = new Set(cases.map((c) => c.field.name));
    // The arguments that failed before: troubleshoot's error code, and lookups by part number, plan, role and country.
    for (const name of ["troubleshoot", "ask", "searchArticles", "supportTopic", "subscribedSku", "assignDirectoryRole", "setPlanRules", "createUser", "articles"]) {
      expect(fields).toContain(name);
    }
    expect(cases.length).toBeGreaterThan(PROTOTYPE_NAMES.length * 50);
  });

  it("reads operation, fragment and variable names like Object.prototype's members as plain names", async () => {
    const query = `query toString($constructor: Int, $valueOf: String) { ...hasOwnProperty users(first: $constructor, filter: { startsWith: $valueOf }) { totalCount } }
      fragment hasOwnProperty on Query { me { userPrincipalName } }`;
    const response = await gateway.post(JSON.stringify({ query, operationName: "toString", variables: { constructor: 5, valueOf: "Ada", __proto__: "x" } }), {
      "content-type": "application/json",
      authorization: `Bearer ${await gateway.tokenFor("admin")}`,
    });
    expect(response.errors).toBeUndefined();
    expect(response.data).toEqual({ me: { userPrincipalName: "admin@contoso.com" }, users: { totalCount: 1 } });
    const unknown = await gateway.gql("admin", "query($toString: Int) { users(first: $toString) { totalCount } }", { constructor: 1 });
    expect(unknown.errors).toBeUndefined();
  });

  it("never answers INTERNAL_SERVER_ERROR or HTTP 500, and logs no error", async () => {
    const token = await gateway.tokenFor("admin");
    const failures: string[] = [];
    // Ten operations to a batch, the gateway's limit, sent one batch at a time.
    for (let start = 0; start < cases.length; start += 10) {
      const batch = cases.slice(start, start + 10);
      const response = await fetch(gateway.url, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body: JSON.stringify(batch.map(operationFor)),
      });
      const results = (await response.json()) as { errors?: { message: string; extensions?: { code?: string } }[] }[];
      if (response.status >= 500) failures.push(`HTTP ${response.status} for ${batch.map((c) => c.field.name).join(", ")}`);
      results.forEach((result, i) => {
        const internal = (result.errors ?? []).filter((error) => error.extensions?.code === "INTERNAL_SERVER_ERROR");
        if (internal.length > 0) failures.push(`${batch[i]!.field.name}(${batch[i]!.leaf.join(".")}: ${JSON.stringify(batch[i]!.value)})`);
      });
    }
    expect(failures).toEqual([]);
    expect(errorLog).toEqual([]);
  });
});
