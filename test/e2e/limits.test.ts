import http from "node:http";
import { INTERNAL_MESSAGE } from "../../src/http/format-error";
import { onPostgres } from "../support/database";
import { type GraphQLResponse, refusal, TestGateway } from "../support/harness";

/**
 * Every limit on what one request may ask for refuses a hostile request with a clear error
 * before anything executes. "Before" is proven twice: each hostile request is a createUser whose
 * effect would be visible (the user, an audit entry), and the gateway's SQL statements are
 * counted: a refused request costs at most what signing in costs (two statements for a token).
 */

/** Small limits, so that the hostile requests stay readable; each case below breaks exactly one. */
const SMALL_LIMITS = {
  MAX_QUERY_DEPTH: "4",
  MAX_QUERY_COST: "50",
  MAX_ALIASES: "2",
  MAX_DIRECTIVES: "2",
  MAX_TOKENS: "100",
  MAX_BODY_BYTES: "4096",
  MAX_BATCH_SIZE: "2",
  MAX_PAGE_SIZE: "5",
};

const CREATE_USER = (selection: string) =>
  `mutation($input: CreateUserInput!) { createUser(input: $input) { ${selection} } }`;
const newUser = (name: string) => ({ input: { userPrincipalName: `${name}@contoso.com`, displayName: `Limits ${name}` } });

interface Counted<T> {
  result: T;
  statements: number;
}

/** What a test needs from one gateway: its SQL statement count, users and audit entries. */
class Probe {
  signInStatements = -1;

  constructor(readonly gateway: TestGateway) {}

  /** The background licensing processor polls the database; stopped, the statement count is the request's own. */
  async quiet(): Promise<void> {
    await this.gateway.app.services.licensing.processor.stop();
    await this.gateway.tokenFor("admin");
    this.signInStatements = (await this.counted(() => this.gateway.gql("admin", "{ __typename }"))).statements;
  }

  /**
   * The SQL statements `send` runs. The admin sends a request of its own just before: SQLite's
   * reader remembers a sign-in until the next write, so every counted request starts alike,
   * whatever ran before it (its sign-in then costs no statement there, one on PostgreSQL).
   */
  async counted<T>(send: () => Promise<T>): Promise<Counted<T>> {
    await this.gateway.gql("admin", "{ __typename }");
    const log = this.gateway.app.services.db.queryLog;
    const before = log.count;
    const result = await send();
    return { result, statements: log.count - before };
  }

  async userExists(name: string): Promise<boolean> {
    const found = await this.gateway.app.services.users.findForSignIn({ oid: null, preferredUsername: `${name}@contoso.com` });
    return found !== null;
  }

  async auditEntries(): Promise<number> {
    const [row] = await this.gateway.app.services.db.manager.query("SELECT COUNT(*) AS n FROM directory_audits");
    return Number(row.n);
  }
}

function post(url: string, body: string, headers: Record<string, string>): Promise<{ status: number; headers: Headers; json: any }> {
  return fetch(url, { method: "POST", headers, body }).then(async (response) => ({
    status: response.status,
    headers: response.headers,
    json: await response.json(),
  }));
}

/** A POST whose body is streamed in chunks, without a Content-Length header. */
function postChunked(url: string, chunks: string[], headers: Record<string, string>): Promise<{ status: number; json: any }> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method: "POST", headers: { ...headers, "transfer-encoding": "chunked" } }, (response) => {
      let text = "";
      response.setEncoding("utf8");
      response.on("data", (data: string) => (text += data));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, json: JSON.parse(text) }));
    });
    // The server may answer (and close) before every chunk is written.
    request.on("error", reject);
    for (const chunk of chunks) request.write(chunk);
    request.end();
  });
}

/** `{ __typename }` padded with spaces (not tokens) to a JSON body of exactly `bytes` bytes. */
function paddedBody(bytes: number): string {
  const bare = JSON.stringify({ query: "{ __typename }" });
  return JSON.stringify({ query: `{ __typename }${" ".repeat(bytes - Buffer.byteLength(bare))}` });
}

function expectError(response: GraphQLResponse, status: number, code: string, message: RegExp): void {
  expect(response.status).toBe(status);
  expect(response.data ?? null).toBeNull();
  const error = refusal(response);
  expect(error.code).toBe(code);
  expect(error.message).toMatch(message);
  expect(error.extensions.requestId).toBe(response.headers.get("x-request-id"));
}

jest.setTimeout(30_000);

describe("query limits", () => {
  describe("with small configured limits", () => {
    let gateway: TestGateway;
    let probe: Probe;
    let token: string;

    beforeAll(async () => {
      gateway = await TestGateway.start(SMALL_LIMITS);
      probe = new Probe(gateway);
      await probe.quiet();
      token = await gateway.tokenFor("admin");
    });
    afterAll(() => gateway.stop());

    it("lets the write used below through when it stays within every limit (so refusing it is visible)", async () => {
      expect(probe.signInStatements).toBe(onPostgres ? 1 : 0);
      const { result, statements } = await probe.counted(() => gateway.gql("admin", CREATE_USER("id displayName"), newUser("control")));
      expect(result.errors).toBeUndefined();
      expect(result.data?.createUser.displayName).toBe("Limits control");
      expect(statements).toBeGreaterThan(probe.signInStatements);
      expect(await probe.userExists("control")).toBe(true);
    });

    // One GraphQL-level limit per row; each hostile createUser breaks that limit and no other.
    const cases: { limit: string; name: string; query: string; code: string; message: RegExp }[] = [
      {
        limit: "depth (MAX_QUERY_DEPTH=4)",
        name: "too-deep",
        query: CREATE_USER("memberOf { members { edges { node { id } } } }"),
        code: "GRAPHQL_VALIDATION_FAILED",
        message: /depth limit of 4 exceeded, found 6/i,
      },
      {
        limit: "cost (MAX_QUERY_COST=50)",
        name: "too-costly",
        query: CREATE_USER(
          "id displayName mail department jobTitle usageLocation proxyAddresses " +
            "memberOf { id displayName description groupTypes members { totalCount } } " +
            "directoryRoles { id displayName description } assignedLicenses { skuId disabledPlans } " +
            "assignedPlans { service servicePlanId capabilityStatus }",
        ),
        code: "GRAPHQL_VALIDATION_FAILED",
        message: /cost limit of 50 exceeded/i,
      },
      {
        limit: "aliases (MAX_ALIASES=2)",
        name: "too-many-aliases",
        query: CREATE_USER("a: id b: displayName c: mail"),
        code: "GRAPHQL_VALIDATION_FAILED",
        message: /aliases limit of 2 exceeded, found 3/i,
      },
      {
        limit: "directives (MAX_DIRECTIVES=2)",
        name: "too-many-directives",
        query: CREATE_USER("id @include(if: true) displayName @skip(if: false) mail @include(if: true)"),
        code: "GRAPHQL_VALIDATION_FAILED",
        message: /directives limit of 2 exceeded, found 3/i,
      },
      {
        limit: "tokens (MAX_TOKENS=100)",
        name: "too-many-tokens",
        // The input inline: 100 valid secondary addresses, so the write would succeed if parsed.
        query:
          `mutation { createUser(input: { userPrincipalName: "too-many-tokens@contoso.com", displayName: "Limits too-many-tokens", ` +
          `proxyAddresses: ["SMTP:too-many-tokens@contoso.com", ${Array.from({ length: 100 }, (_, i) => `"smtp:alias${i}@contoso.com"`).join(", ")}] }) { id } }`,
        code: "GRAPHQL_PARSE_FAILED",
        message: /more th[ae]t? 100 tokens/i,
      },
    ];

    it.each(cases)("refuses a query over the $limit limit before it executes", async ({ name, query, code, message }) => {
      const audits = await probe.auditEntries();
      const { result, statements } = await probe.counted(() => gateway.gql("admin", query, query.includes("$input") ? newUser(name) : {}));
      expectError(result, 400, code, message);
      expect(statements).toBe(probe.signInStatements);
      expect(await probe.userExists(name)).toBe(false);
      // A write refused while running leaves a failure entry; this one never started.
      expect(await probe.auditEntries()).toBe(audits);
    });

    describe("body size (MAX_BODY_BYTES=4096)", () => {
      const bodyOf = (name: string, padding: number) =>
        JSON.stringify({ query: CREATE_USER("id"), variables: { input: { userPrincipalName: `${name}@contoso.com`, displayName: "x".repeat(padding) } } });
      const headers = () => ({ "content-type": "application/json", authorization: `Bearer ${token}` });

      it("takes a body of exactly 4096 bytes", async () => {
        const body = paddedBody(4096);
        expect(Buffer.byteLength(body)).toBe(4096);
        const response = await post(gateway.url, body, headers());
        expect(response.status).toBe(200);
        expect(response.json).toEqual({ data: { __typename: "Query" } });
      });

      it("refuses 4097 bytes with HTTP 413 naming MAX_BODY_BYTES, before signing in or running anything", async () => {
        const body = paddedBody(4097);
        expect(Buffer.byteLength(body)).toBe(4097);
        const { result, statements } = await probe.counted(() => post(gateway.url, body, headers()));
        expect(result.status).toBe(413);
        expect(result.json.errors).toEqual([
          {
            message: "The request body is larger than 4096 bytes (MAX_BODY_BYTES).",
            extensions: { code: "PAYLOAD_TOO_LARGE", requestId: result.headers.get("x-request-id") },
          },
        ]);
        expect(statements).toBe(0);
      });

      it("refuses a write with a large body: no user, no audit entry, no SQL", async () => {
        const audits = await probe.auditEntries();
        const { result, statements } = await probe.counted(() => post(gateway.url, bodyOf("too-large", 5000), headers()));
        expect(result.status).toBe(413);
        expect(result.json.errors[0].message).toMatch(/MAX_BODY_BYTES/);
        expect(statements).toBe(0);
        expect(await probe.userExists("too-large")).toBe(false);
        expect(await probe.auditEntries()).toBe(audits);
      });

      it("refuses a body streamed without Content-Length as soon as it passes the limit", async () => {
        const chunks = [bodyOf("too-large-chunked", 1000), ..." ".repeat(8).split("").map(() => " ".repeat(1000))];
        const { result, statements } = await probe.counted(() => postChunked(gateway.url, chunks, headers()));
        expect(result.status).toBe(413);
        expect(result.json.errors[0]).toMatchObject({ extensions: { code: "PAYLOAD_TOO_LARGE" } });
        expect(result.json.errors[0].message).toMatch(/4096 bytes \(MAX_BODY_BYTES\)/);
        expect(statements).toBe(0);
        expect(await probe.userExists("too-large-chunked")).toBe(false);
      });
    });

    describe("batch size (MAX_BATCH_SIZE=2)", () => {
      const operation = (name: string) => ({ query: CREATE_USER("id"), variables: newUser(name).valueOf() });

      it("runs a batch of 2 operations", async () => {
        const response = await post(gateway.url, JSON.stringify([{ query: "{ __typename }" }, { query: "{ organization { displayName } }" }]), {
          "content-type": "application/json",
          authorization: `Bearer ${token}`,
        });
        expect(response.status).toBe(200);
        expect(response.json).toEqual([{ data: { __typename: "Query" } }, { data: { organization: { displayName: "Contoso" } } }]);
      });

      it("refuses an array of 3 operations with HTTP 400 naming MAX_BATCH_SIZE, before any of them runs", async () => {
        const audits = await probe.auditEntries();
        const body = JSON.stringify(["batch-a", "batch-b", "batch-c"].map(operation));
        const { result, statements } = await probe.counted(() =>
          post(gateway.url, body, { "content-type": "application/json", authorization: `Bearer ${token}` }),
        );
        expect(result.status).toBe(400);
        expect(result.json.errors).toEqual([
          {
            message: "A batch may hold at most 2 operations (MAX_BATCH_SIZE); this one holds 3.",
            extensions: { code: "BATCH_TOO_LARGE", requestId: result.headers.get("x-request-id") },
          },
        ]);
        expect(statements).toBe(0);
        for (const name of ["batch-a", "batch-b", "batch-c"]) expect(await probe.userExists(name)).toBe(false);
        expect(await probe.auditEntries()).toBe(audits);
      });
    });

    describe("page size (MAX_PAGE_SIZE=5)", () => {
      let groupId: string;
      beforeAll(async () => {
        // (TestGateway.groupId asks for 100 groups, over this gateway's cost limit.)
        const data = await gateway.ok<{ groups: { edges: { node: { id: string } }[] } }>(
          "admin",
          '{ groups(first: 1, filter: { startsWith: "Engineering" }) { edges { node { id } } } }',
        );
        groupId = data.groups.edges[0].node.id;
      });

      // Every connection in the API, and the search list.
      const lists: { list: string; query: (first: number) => string }[] = [
        { list: "users", query: (first) => `{ users(first: ${first}) { totalCount } }` },
        { list: "groups", query: (first) => `{ groups(first: ${first}) { totalCount } }` },
        { list: "group members", query: (first) => `query($id: ID!) { group(id: $id) { members(first: ${first}) { totalCount } } }` },
        { list: "membersWithLicenseErrors", query: (first) => `query($id: ID!) { group(id: $id) { membersWithLicenseErrors(first: ${first}) { totalCount } } }` },
        { list: "directoryAudits", query: (first) => `{ directoryAudits(first: ${first}) { totalCount } }` },
        { list: "articles", query: (first) => `{ articles(first: ${first}) { totalCount } }` },
        { list: "searchArticles", query: (first) => `{ searchArticles(query: "license", first: ${first}) { score } }` },
      ];

      it.each(lists)("$list: first: 6 is BAD_USER_INPUT naming the cap; first: 5 is served", async ({ query }) => {
        const refused = await gateway.gql("admin", query(6), { id: groupId });
        expect(refused.status).toBe(200);
        const error = refusal(refused);
        expect(error.code).toBe("BAD_USER_INPUT");
        expect(error.message).toBe("first must be between 1 and 5; got 6.");
        expect(error.extensions.field).toBe("first");

        const served = await gateway.gql("admin", query(5), { id: groupId });
        expect(served.errors).toBeUndefined();
      });

      it("refuses first: 6 before the list is read (no SQL beyond signing in)", async () => {
        const { result, statements } = await probe.counted(() => gateway.gql("admin", "{ users(first: 6) { edges { cursor } } }"));
        expect(refusal(result).code).toBe("BAD_USER_INPUT");
        expect(statements).toBe(probe.signInStatements);
      });

      it.each([0, -1])("refuses first: %d", async (first) => {
        const error = refusal(await gateway.gql("admin", `{ users(first: ${first}) { totalCount } }`));
        expect(error.code).toBe("BAD_USER_INPUT");
        expect(error.message).toBe(`first must be between 1 and 5; got ${first}.`);
      });

      it("serves lists whose first is left out within the cap (searchArticles defaults to 10)", async () => {
        const users = await gateway.gql("admin", "{ users { edges { node { id } } } }");
        expect(users.errors).toBeUndefined();
        expect(users.data?.users.edges).toHaveLength(5);
        const search = await gateway.gql(null, '{ searchArticles(query: "license") { score } }');
        expect(search.errors).toBeUndefined();
        expect(search.data?.searchArticles.length).toBeGreaterThan(0);
        expect(search.data?.searchArticles.length).toBeLessThanOrEqual(5);
      });
    });
  });

  describe("with the default limits", () => {
    let gateway: TestGateway;
    let probe: Probe;

    beforeAll(async () => {
      gateway = await TestGateway.start();
      probe = new Probe(gateway);
      await probe.quiet();
    });
    afterAll(() => gateway.stop());

    it("refuses users(first: 101) as BAD_USER_INPUT naming the cap of 100, before the list is read", async () => {
      const { result, statements } = await probe.counted(() => gateway.gql("admin", "{ users(first: 101) { edges { node { id } } } }"));
      expect(result.status).toBe(200);
      const error = refusal(result);
      expect(error.code).toBe("BAD_USER_INPUT");
      expect(error.message).toBe("first must be between 1 and 100; got 101.");
      expect(error.extensions).toMatchObject({ field: "first", requestId: result.headers.get("x-request-id") });
      expect(statements).toBe(probe.signInStatements);
    });

    it("serves users(first: 100)", async () => {
      const data = await gateway.ok<{ users: { edges: unknown[] } }>("admin", "{ users(first: 100) { edges { node { id } } } }");
      expect(data.users.edges.length).toBeGreaterThan(20);
    });

    // graphql-armor's cost rule runs at validation, before variables are known, and multiplies a
    // list's cost only by a literal `first`; the gateway's own cost check (use-cost-limit.ts)
    // counts `first: $n` and a missing `first` (the default page) too.
    const fanOut = (first: string) =>
      `users${first} { edges { node { memberOf { members${first} { edges { node { ... on User { memberOf { id } } } } } } } } }`;

    it("refuses a fan-out of users(first: 100) -> members(first: 100) on cost (literal first)", async () => {
      const response = await gateway.gql("admin", `{ ${fanOut("(first: 100)")} }`);
      expectError(response, 400, "GRAPHQL_VALIDATION_FAILED", /cost limit of 20000 exceeded/i);
    });

    it("refuses the same fan-out when first is a variable ($n = 100)", async () => {
      const response = await gateway.gql("admin", `query($n: Int) { ${fanOut("(first: $n)")} }`, { n: 100 });
      expectError(response, 400, "GRAPHQL_VALIDATION_FAILED", /cost limit of 20000 exceeded/i);
    });

    it("costs a backward page by its last, like first ($n = 100)", async () => {
      const response = await gateway.gql("admin", `query($n: Int) { ${fanOut("(last: $n)")} }`, { n: 100 });
      expectError(response, 400, "GRAPHQL_VALIDATION_FAILED", /cost limit of 20000 exceeded/i);
    });

    it("costs nodes(ids:) as many rows as ids", async () => {
      const ids = Array.from({ length: 100 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`);
      const query = "query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Group { members(first: 100) { edges { node { ... on User { memberOf { id } } } } } } } }";
      expectError(await gateway.gql("admin", query, { ids }), 400, "GRAPHQL_VALIDATION_FAILED", /cost limit of 20000 exceeded/i);
      expect((await gateway.ok<{ nodes: unknown[] }>("admin", query, { ids: ids.slice(0, 2) })).nodes).toEqual([null, null]);
    });

    it("costs a list whose first is left out as the default page of 50, like first: 50", async () => {
      expectError(await gateway.gql("admin", `{ ${fanOut("(first: 50)")} }`), 400, "GRAPHQL_VALIDATION_FAILED", /cost limit/i);
      expectError(await gateway.gql("admin", `{ ${fanOut("")} }`), 400, "GRAPHQL_VALIDATION_FAILED", /cost limit/i);
    });

    it("answers introspection outside production", async () => {
      const data = await gateway.ok<{ __schema: { queryType: { name: string } } }>("admin", "{ __schema { queryType { name } } }");
      expect(data.__schema.queryType.name).toBe("Query");
    });

    it("takes a 1 MB body (the default MAX_BODY_BYTES is 1048576) and refuses one byte more with 413", async () => {
      const fits = paddedBody(1_048_576);
      expect(Buffer.byteLength(fits)).toBe(1_048_576);
      expect((await post(gateway.url, fits, { "content-type": "application/json" })).status).toBe(200);
      const over = await post(gateway.url, `${fits} `, { "content-type": "application/json" });
      expect(over.status).toBe(413);
      expect(over.json.errors[0].message).toBe("The request body is larger than 1048576 bytes (MAX_BODY_BYTES).");
    });
  });

  describe("in production (NODE_ENV=production)", () => {
    let gateway: TestGateway;

    beforeAll(async () => {
      gateway = await TestGateway.start({ NODE_ENV: "production" });
      await gateway.app.services.licensing.processor.stop();
    });
    afterAll(() => gateway.stop());

    /** Renames a table for the duration of `work`: every statement that needs it fails, as with a broken database. */
    async function withoutTable<T>(table: string, work: () => Promise<T>): Promise<T> {
      const db = gateway.app.services.db;
      await db.transaction((tx) => tx.query(`ALTER TABLE ${table} RENAME TO ${table}_gone`));
      try {
        return await work();
      } finally {
        await db.transaction((tx) => tx.query(`ALTER TABLE ${table}_gone RENAME TO ${table}`));
      }
    }

    /** Nothing about the failure reaches the client: no SQL, no table, no driver, no stack. */
    function expectMasked(text: string): void {
      for (const leak of [/select /i, /directory_groups/i, /\busers_gone\b/i, /sqlite/i, /postgres/i, /QueryFailedError/, /no such table/i, /stack/i, /\n\s+at /, /\.ts:\d+/]) {
        expect(text).not.toMatch(leak);
      }
    }

    it("has introspection off by default", async () => {
      for (const query of ["{ __schema { queryType { name } } }", '{ __type(name: "User") { fields { name } } }']) {
        const response = await gateway.gql("admin", query);
        expectError(response, 400, "GRAPHQL_VALIDATION_FAILED", /introspection/i);
      }
      // __typename is not introspection: clients rely on it.
      expect(await gateway.ok("admin", "{ __typename }")).toEqual({ __typename: "Query" });
    });

    it("does not suggest field names", async () => {
      const response = await gateway.gql("admin", "{ me { displayNam } }");
      expectError(response, 400, "GRAPHQL_VALIDATION_FAILED", /Cannot query field "displayNam"/);
      expect(refusal(response).message).not.toMatch(/displayName/);
    });

    it("masks an unexpected failure inside GraphQL: the fixed message, code and request id only", async () => {
      const response = await withoutTable("directory_groups", () => gateway.gql("admin", "{ groups(first: 5) { edges { node { id displayName } } } }"));
      expect(response.status).toBe(200);
      const error = refusal(response);
      expect(error.message).toBe(INTERNAL_MESSAGE);
      expect(error.extensions).toEqual({ code: "INTERNAL_SERVER_ERROR", requestId: response.headers.get("x-request-id") });
      expectMasked(JSON.stringify(response.errors));
    });

    it("masks an unexpected failure outside GraphQL (signing in) as HTTP 500 with code and request id", async () => {
      const token = await gateway.tokenFor("admin");
      const response = await withoutTable("users", () =>
        post(gateway.url, JSON.stringify({ query: "{ me { id } }" }), { "content-type": "application/json", authorization: `Bearer ${token}` }),
      );
      expect(response.status).toBe(500);
      expect(response.json.errors).toEqual([
        { message: "An internal error occurred.", extensions: { code: "INTERNAL_SERVER_ERROR", requestId: response.headers.get("x-request-id") } },
      ]);
      expectMasked(JSON.stringify(response.json));
    });

    it("serves again once the database is whole", async () => {
      const data = await gateway.ok<{ groups: { totalCount: number } }>("admin", "{ groups { totalCount } }");
      expect(data.groups.totalCount).toBe(5);
    });

    // Every kind of refusal: each error has a code and the request id the response header carries.
    const refusals: { request: string; send: (gateway: TestGateway) => Promise<{ status: number; headers: Headers; json: any }> }[] = [
      { request: "unknown field", send: (g) => post(g.url, JSON.stringify({ query: "{ me { password } }" }), json(g, "admin")) },
      { request: "syntax error", send: (g) => post(g.url, JSON.stringify({ query: "{ me { " }), json(g, "admin")) },
      { request: "too many tokens", send: (g) => post(g.url, JSON.stringify({ query: `{ ${"__typename ".repeat(2001)}}` }), json(g, "admin")) },
      { request: "too deep", send: (g) => post(g.url, JSON.stringify({ query: deepQuery(12) }), json(g, "admin")) },
      { request: "introspection", send: (g) => post(g.url, JSON.stringify({ query: "{ __schema { types { name } } }" }), json(g, "admin")) },
      { request: "variable of the wrong type", send: (g) => post(g.url, JSON.stringify({ query: "query($f: Int) { users(first: $f) { totalCount } }", variables: { f: "x" } }), json(g, "admin")) },
      { request: "non-GUID id", send: (g) => post(g.url, JSON.stringify({ query: '{ user(id: "42") { id } }' }), json(g, "admin")) },
      { request: "no permission", send: (g) => post(g.url, JSON.stringify({ query: "{ directoryAudits { totalCount } }" }), json(g, "priya.nair")) },
      { request: "no token", send: (g) => post(g.url, JSON.stringify({ query: "{ users { totalCount } }" }), json(g, null)) },
      { request: "bad token", send: (g) => post(g.url, JSON.stringify({ query: "{ me { id } }" }), { "content-type": "application/json", authorization: "Bearer nope" }) },
      { request: "malformed JSON", send: (g) => post(g.url, "{ not json", json(g, "admin")) },
      { request: "text/plain (CSRF prevention)", send: (g) => post(g.url, JSON.stringify({ query: "{ __typename }" }), { "content-type": "text/plain" }) },
      { request: "query that is not a string", send: (g) => post(g.url, JSON.stringify({ query: 5 }), json(g, "admin")) },
      { request: "empty body", send: (g) => post(g.url, "", json(g, "admin")) },
      { request: "body over MAX_BODY_BYTES", send: (g) => post(g.url, JSON.stringify({ query: `{ __typename }${" ".repeat(1_100_000)}` }), json(g, null)) },
      { request: "batch over MAX_BATCH_SIZE", send: (g) => post(g.url, JSON.stringify(Array(11).fill({ query: "{ __typename }" })), json(g, null)) },
      { request: "unknown path", send: (g) => fetch(g.url.replace(/\/graphql$/, "/nope")).then(async (r) => ({ status: r.status, headers: r.headers, json: await r.json() })) },
    ];

    let tokens: Map<string, string>;
    beforeAll(async () => {
      tokens = new Map();
      for (const upn of ["admin", "priya.nair"]) tokens.set(upn, await gateway.tokenFor(upn));
    });
    function json(_gateway: TestGateway, as: string | null): Record<string, string> {
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (as) headers.authorization = `Bearer ${tokens.get(as)}`;
      return headers;
    }
    function deepQuery(depth: number): string {
      let selection = "id";
      for (let i = 0; i < depth; i++) selection = i % 2 === 0 ? `memberOf { ${selection} }` : `members { edges { node { ... on User { ${selection} } } } }`;
      return `{ me { ${selection} } }`;
    }

    it.each(refusals)("$request: every error has extensions.code and extensions.requestId = x-request-id", async ({ send }) => {
      const response = await send(gateway);
      const requestId = response.headers.get("x-request-id");
      expect(requestId).toMatch(/^[A-Za-z0-9._:-]{8,128}$/);
      const errors = response.json.errors as { message: string; extensions: Record<string, unknown> }[];
      expect(errors.length).toBeGreaterThan(0);
      for (const error of errors) {
        expect(typeof error.message).toBe("string");
        expect(error.extensions.code).toEqual(expect.any(String));
        expect(error.extensions.requestId).toBe(requestId);
      }
      expectMasked(JSON.stringify(response.json));
    });

    it("uses the client's own x-request-id in the errors when it sends a sane one", async () => {
      const response = await post(gateway.url, JSON.stringify({ query: "{ __typename }" }), { "content-type": "text/plain", "x-request-id": "portal.req-7" });
      expect(response.headers.get("x-request-id")).toBe("portal.req-7");
      expect(response.json.errors[0].extensions.requestId).toBe("portal.req-7");
    });
  });
});
