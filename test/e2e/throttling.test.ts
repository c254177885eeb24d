import { type GraphQLResponse, refusal, TestGateway } from "../support/harness";

/**
 * Fair share, as Microsoft Graph throttles: each caller (a signed-in user, or an anonymous
 * client address) has a budget of resource units per 10 s for everything it asks, and one per
 * 150 s for the writes it attempts. A caller who has spent one is answered HTTP 429 with
 * Retry-After and `THROTTLED`, nothing runs, and other callers are not affected. Budgets tiny
 * here (6 read units, 2 writes) and the throttle's clock in the test's hands.
 */

const READ_UNITS = 6;
const WRITE_UNITS = 2;
const ME = "{ me { id } }";
/** A page of 100 users costs 301 (use-cost-limit.ts): 1 unit on arrival and 3 more once costed. */
const HUNDRED_USERS = "{ users(first: 100) { edges { node { id } } } }";

/** The throttle's clock, moved by hand. */
const clock = { ms: 1_000_000, now: () => clock.ms };

async function metric(gateway: TestGateway, budget: "read" | "write"): Promise<number> {
  const text = await (await fetch(gateway.url.replace(/\/graphql$/, "/metrics"))).text();
  const match = new RegExp(`^helpgate_throttled_requests_total\\{budget="${budget}"\\} (\\d+)$`, "m").exec(text);
  return match ? Number(match[1]) : 0;
}

/** A 429 with Retry-After, THROTTLED naming the budget's variable, no data, and the wait in both places. */
function expectThrottled(response: GraphQLResponse, variable: string): number {
  expect(response.status).toBe(429);
  expect(response.data).toBeNull();
  const error = refusal(response);
  expect(error.code).toBe("THROTTLED");
  expect(error.message).toContain(`(${variable})`);
  expect(error.extensions.requestId).toBe(response.headers.get("x-request-id"));
  const retryAfter = response.headers.get("retry-after");
  expect(retryAfter).toMatch(/^[1-9]\d*$/);
  expect(error.extensions.retryAfterSeconds).toBe(Number(retryAfter));
  expect(error.message).toContain(`Retry after ${retryAfter} s.`);
  return Number(retryAfter);
}

jest.setTimeout(30_000);

describe("throttling", () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await TestGateway.start(
      { THROTTLE_READ_UNITS_PER_10S: String(READ_UNITS), THROTTLE_WRITE_UNITS_PER_150S: String(WRITE_UNITS) },
      { now: clock.now },
    );
    // The licensing processor polls the database; stopped, the statements counted are the requests' own.
    await gateway.app.services.licensing.processor.stop();
  });
  afterAll(() => gateway.stop());

  async function statementsOf(send: () => Promise<unknown>): Promise<number> {
    const log = gateway.app.services.db.queryLog;
    const before = log.count;
    await send();
    return log.count - before;
  }

  it("refuses a signed-in caller who has spent the read budget with 429, Retry-After and THROTTLED", async () => {
    const before = await metric(gateway, "read");
    for (let i = 0; i < READ_UNITS; i++) expect((await gateway.gql("priya.nair", ME)).status).toBe(200);
    const response = await gateway.gql("priya.nair", ME);
    const retryAfter = expectThrottled(response, "THROTTLE_READ_UNITS_PER_10S");
    // One unit comes back every 10/6 s.
    expect(retryAfter).toBe(2);
    // Refused on arrival, before parsing: even a document that does not parse gets the 429.
    expectThrottled(await gateway.gql("priya.nair", "{ me { "), "THROTTLE_READ_UNITS_PER_10S");
    expect(await metric(gateway, "read")).toBe(before + 2);
  });

  it("does not slow down another caller", async () => {
    expect(await gateway.ok("grace.kim", ME)).toEqual({ me: { id: await gateway.userId("grace.kim") } });
  });

  it("serves the caller again once Retry-After has passed", async () => {
    const retryAfter = expectThrottled(await gateway.gql("priya.nair", ME), "THROTTLE_READ_UNITS_PER_10S");
    clock.ms += retryAfter * 1000;
    expect((await gateway.gql("priya.nair", ME)).status).toBe(200);
    clock.ms += 10_000;
    for (let i = 0; i < READ_UNITS; i++) expect((await gateway.gql("priya.nair", ME)).status).toBe(200);
  });

  it("charges costlier queries more: a second page of 100 users is refused once costed, before it runs", async () => {
    // 6 units: the first page takes 4 and `{ __typename }` 1; the second page arrives (1) and then
    // finds nothing left where it needs 3, which come back in 5 s.
    expect((await gateway.gql("lena.fischer", HUNDRED_USERS)).status).toBe(200);
    const signIn = await statementsOf(() => gateway.gql("lena.fischer", "{ __typename }"));
    let response: GraphQLResponse | undefined;
    const statements = await statementsOf(async () => (response = await gateway.gql("lena.fischer", HUNDRED_USERS)));
    expect(expectThrottled(response!, "THROTTLE_READ_UNITS_PER_10S")).toBe(5);
    // Signing in, and not one statement more: the page is never read.
    expect(statements).toBe(signIn);
  });

  it("refuses a batch as a whole when its operations need more than is left", async () => {
    const batch = (n: number) => JSON.stringify(Array.from({ length: n }, () => ({ query: "{ __typename }" })));
    const headers = { "content-type": "application/json", authorization: `Bearer ${await gateway.tokenFor("omar.haddad")}` };
    expect((await gateway.post(batch(4), headers)).status).toBe(200);
    expectThrottled(await gateway.post(batch(4), headers), "THROTTLE_READ_UNITS_PER_10S");
    expect((await gateway.post(batch(2), headers)).status).toBe(200);
  });

  describe("anonymous callers", () => {
    const anonymous = (headers: Record<string, string> = {}) =>
      gateway.post(JSON.stringify({ query: "{ __typename }" }), { "content-type": "application/json", ...headers });

    it("share one budget per client address, and X-Forwarded-For does not buy a new one (TRUST_PROXY is off)", async () => {
      clock.ms += 10_000;
      for (let i = 0; i < READ_UNITS; i++) expect((await anonymous()).status).toBe(200);
      expectThrottled(await anonymous(), "THROTTLE_READ_UNITS_PER_10S");
      for (const forwarded of ["203.0.113.9", "198.51.100.1, 203.0.113.10"]) {
        expectThrottled(await anonymous({ "x-forwarded-for": forwarded }), "THROTTLE_READ_UNITS_PER_10S");
      }
      // A signed-in caller on the same address has a budget of their own.
      expect((await gateway.gql("admin", ME)).status).toBe(200);
    });
  });

  describe("writes", () => {
    async function auditEntries(): Promise<number> {
      const [row] = await gateway.app.services.db.manager.query("SELECT COUNT(*) AS n FROM directory_audits");
      return Number(row.n);
    }

    it("count refused writes too: a member cannot write refusal audit entries without end", async () => {
      clock.ms += 150_000;
      const target = await gateway.userId("admin");
      const deleteAdmin = { query: "mutation($id: ID!) { deleteUser(id: $id) }", variables: { id: target } };
      const headers = { "content-type": "application/json", authorization: `Bearer ${await gateway.tokenFor("david.cohen")}` };
      const writesBefore = await metric(gateway, "write");
      const audits = await auditEntries();

      // A batch of two attempts, each refused (a member may not delete users) and audited: the whole write budget.
      const batch = await fetch(gateway.url, { method: "POST", headers, body: JSON.stringify(Array(WRITE_UNITS).fill(deleteAdmin)) });
      expect(batch.status).toBe(200);
      const results = (await batch.json()) as { errors: { extensions: { code: string } }[] }[];
      expect(results.map((result) => result.errors[0].extensions.code)).toEqual(Array(WRITE_UNITS).fill("FORBIDDEN"));
      expect(await auditEntries()).toBe(audits + WRITE_UNITS);

      const response = await gateway.gql("david.cohen", deleteAdmin.query, deleteAdmin.variables);
      // One write unit comes back every 150/2 s.
      expect(expectThrottled(response, "THROTTLE_WRITE_UNITS_PER_150S")).toBe(75);
      expect(await auditEntries()).toBe(audits + WRITE_UNITS);
      expect(await metric(gateway, "write")).toBe(writesBefore + 1);

      // Reads are a budget of their own.
      expect((await gateway.gql("david.cohen", ME)).status).toBe(200);
      clock.ms += 75_000;
      expect((await gateway.gql("david.cohen", deleteAdmin.query, deleteAdmin.variables)).errors?.[0].extensions.code).toBe("FORBIDDEN");
    });
  });
});
