import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import path from "node:path";
import { Client } from "pg";
import { Tokens } from "../../src/auth/tokens";
import { createTestDatabase, postgresOnly, TEST_TOKEN_SECRET, type TestDatabase } from "../support/database";

/**
 * Two built gateway processes (`node dist/src/main.js`) on one PostgreSQL database behave as one
 * service: seats are never over-assigned whichever process takes them, and the licensing queue
 * is shared, each user processed exactly once, by both processes' processors.
 */

const ROOT = path.resolve(__dirname, "..", "..");
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

jest.setTimeout(120_000);

interface Gateway {
  child: ChildProcess;
  url: string;
  origin: string;
  output: string[];
}

/** Starts `node dist/src/main.js` and resolves with its URL once it logs that it listens. */
function startProcess(databaseUrl: string): Promise<Gateway> {
  const child = spawn(process.execPath, ["dist/src/main.js"], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      DATABASE_URL: databaseUrl,
      TOKEN_SECRET: TEST_TOKEN_SECRET,
      PORT: "0",
      HOST: "127.0.0.1",
      LOG_LEVEL: "info",
      ARTICLES_WATCH: "false",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output: string[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error("did not start within 60 s")), 60_000);
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill("SIGKILL");
      reject(new Error(`${error.message}\n${output.join("").slice(-4000)}`));
    };
    let buffered = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      output.push(chunk.toString());
      buffered += chunk.toString();
      let newline: number;
      while ((newline = buffered.indexOf("\n")) >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        try {
          const entry = JSON.parse(line) as { url?: string; msg?: string };
          if (entry.url && entry.msg?.startsWith("helpgate listening")) {
            clearTimeout(timer);
            resolve({ child, url: entry.url, origin: new URL(entry.url).origin, output });
          }
        } catch {
          // not a log line
        }
      }
    });
    child.stderr!.on("data", (chunk: Buffer) => output.push(chunk.toString()));
    child.once("exit", (code, signal) => fail(new Error(`exited early (code ${code}, signal ${signal})`)));
  });
}

async function stopProcess(gateway: Gateway | undefined): Promise<void> {
  if (!gateway || gateway.child.exitCode !== null || gateway.child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => gateway.child.once("exit", () => resolve()));
  gateway.child.kill("SIGTERM");
  const timer = setTimeout(() => gateway.child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}

postgresOnly("runs two gateway processes on one PostgreSQL database")("two gateway processes on one PostgreSQL database", () => {
  let database: TestDatabase;
  let sql: Client;
  let gateways: Gateway[] = [];
  let adminToken: string;

  async function gql<T = any>(gateway: Gateway, query: string, variables: Record<string, unknown> = {}): Promise<{ data: T | null; errors?: any[] }> {
    const response = await fetch(gateway.url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${adminToken}` },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as { data: T | null; errors?: any[] };
  }

  async function ok<T = any>(gateway: Gateway, query: string, variables: Record<string, unknown> = {}): Promise<T> {
    const result = await gql<T>(gateway, query, variables);
    if (result.errors?.length) throw new Error(JSON.stringify(result.errors));
    return result.data as T;
  }

  async function processed(gateway: Gateway): Promise<number> {
    const text = await (await fetch(`${gateway.origin}/metrics`)).text();
    const match = /^helpgate_licensing_users_processed (\d+)/m.exec(text);
    if (!match) throw new Error("no helpgate_licensing_users_processed in /metrics");
    return Number(match[1]);
  }

  /** Users made directly in the database (the API is not what is measured), with a usage location. */
  async function bulkUsers(prefix: string, count: number): Promise<string[]> {
    const result = await sql.query<{ id: string }>(
      `INSERT INTO users (id, user_principal_name, upn_key, display_name, mail, department, job_title, account_enabled, usage_location, created_date_time)
       SELECT gen_random_uuid()::text, u.upn, u.upn, 'Bulk ' || u.n, NULL, 'Bulk', NULL, true, 'US', $3
       FROM (SELECT n, $1 || n || '@contoso.com' AS upn FROM generate_series(1, $2::int) AS n) u
       RETURNING id`,
      [prefix, count, new Date().toISOString()],
    );
    return result.rows.map((row) => row.id);
  }

  async function queueEmpty(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { rows } = await sql.query<{ n: number }>("SELECT ((SELECT COUNT(*) FROM license_work) + (SELECT COUNT(*) FROM license_work_ranges))::int AS n");
      if (rows[0].n === 0) return;
      if (Date.now() > deadline) throw new Error(`${rows[0].n} queue rows still waiting after ${timeoutMs} ms`);
      await sleep(100);
    }
  }

  beforeAll(async () => {
    const build = spawnSync("npm", ["run", "build", "--silent"], { cwd: ROOT, encoding: "utf8", timeout: 170_000 });
    if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stdout}\n${build.stderr}`);
    database = await createTestDatabase();
    // Both at once, on an empty database: one migrates and seeds, the other waits for it.
    gateways = await Promise.all([startProcess(database.url), startProcess(database.url)]);
    sql = new Client({ connectionString: database.url });
    await sql.connect();
    const { rows } = await sql.query<{ id: string }>("SELECT id FROM users WHERE upn_key = 'admin@contoso.com'");
    expect(rows).toHaveLength(1); // seeded once
    adminToken = await new Tokens(TEST_TOKEN_SECRET).sign({ oid: rows[0].id, preferredUsername: "admin@contoso.com" }, 1800);
    await queueEmpty(30_000); // the demo tenant's own group licensing
  }, 240_000);

  afterAll(async () => {
    await Promise.all(gateways.map(stopProcess));
    await sql?.end().catch(() => undefined);
    await database?.drop();
  }, 60_000);

  it("seeds the demo tenant once and accepts one token on both processes", async () => {
    const { rows } = await sql.query<{ n: number }>("SELECT COUNT(*)::int AS n FROM organizations");
    expect(rows[0].n).toBe(1);
    for (const gateway of gateways) {
      expect((await ok(gateway, "{ me { userPrincipalName } }")).me.userPrincipalName).toBe("admin@contoso.com");
    }
  });

  it("gives exactly 50 seats to 200 concurrent assignLicense calls spread over both processes", async () => {
    const sku = (await ok(gateways[0], 'mutation { addSubscription(skuPartNumber: "EXCHANGESTANDARD", enabledUnits: 50) { skuId consumedUnits } }')).addSubscription;
    expect(sku.consumedUnits).toBe(0);
    const users = await bulkUsers("seat", 200);
    const ASSIGN = "mutation($u: ID!, $s: ID!) { assignLicense(userId: $u, addLicenses: [{ skuId: $s }]) { id } }";

    const results = await Promise.all(users.map((userId, i) => gql(gateways[i % 2], ASSIGN, { u: userId, s: sku.skuId })));

    const succeeded = results.filter((result) => !result.errors);
    const refusals = results.flatMap((result) => result.errors ?? []).map((error) => `${error.extensions?.code}/${error.extensions?.licenseError}`);
    expect(succeeded).toHaveLength(50);
    expect(new Set(refusals)).toEqual(new Set(["LICENSE_ASSIGNMENT_FAILED/CountViolation"]));
    // Both processes gave seats.
    expect(new Set(results.flatMap((result, i) => (result.errors ? [] : [i % 2]))).size).toBe(2);
    const after = await ok(gateways[1], "query($s: ID) { subscribedSku(skuId: $s) { consumedUnits prepaidUnits { enabled } } }", { s: sku.skuId });
    expect(after.subscribedSku).toEqual({ consumedUnits: 50, prepaidUnits: { enabled: 50 } });
    const { rows } = await sql.query<{ holders: number; rows: number }>(
      "SELECT COUNT(DISTINCT user_id)::int AS holders, COUNT(*)::int AS rows FROM license_assignments WHERE sku_id = $1 AND state = 'Active'",
      [sku.skuId],
    );
    expect(rows[0]).toEqual({ holders: 50, rows: 50 });
  });

  it("shares the licensing queue: a 5,000-member group is licensed once per member, by both processes", async () => {
    const MEMBERS = 5_000;
    const sku = (await ok(gateways[0], `mutation { addSubscription(skuPartNumber: "POWER_BI_PRO", enabledUnits: ${MEMBERS}) { skuId } }`)).addSubscription;
    const group = (await ok(gateways[0], 'mutation { createGroup(input: { displayName: "Five Thousand", securityEnabled: true }) { id } }')).createGroup;
    const users = await bulkUsers("member", MEMBERS);
    await sql.query("INSERT INTO group_members (group_id, user_id, display_name) SELECT $1, u.id, u.display_name FROM users u WHERE u.id = ANY($2::varchar[])", [group.id, users]);
    const before = await Promise.all(gateways.map(processed));

    // Exactly as many seats as members: a member charged twice would leave another in CountViolation.
    await ok(gateways[1], "mutation($g: ID!, $s: ID!) { assignGroupLicense(groupId: $g, addLicenses: [{ skuId: $s }]) { id } }", { g: group.id, s: sku.skuId });
    await queueEmpty(90_000);

    const byProcess = (await Promise.all(gateways.map(processed))).map((total, i) => total - before[i]);
    expect(byProcess[0] + byProcess[1]).toBe(MEMBERS);
    expect(byProcess[0]).toBeGreaterThan(0);
    expect(byProcess[1]).toBeGreaterThan(0);

    const { rows: perUser } = await sql.query<{ users: number; rows: number; active: number }>(
      `SELECT COUNT(DISTINCT user_id)::int AS users, COUNT(*)::int AS rows, COUNT(*) FILTER (WHERE state = 'Active' AND error IS NULL)::int AS active
       FROM license_assignments WHERE source = $1`,
      [group.id],
    );
    expect(perUser[0]).toEqual({ users: MEMBERS, rows: MEMBERS, active: MEMBERS });
    const seats = await ok(gateways[0], "query($s: ID) { subscribedSku(skuId: $s) { consumedUnits } }", { s: sku.skuId });
    expect(seats.subscribedSku.consumedUnits).toBe(MEMBERS);

    const state = await ok(gateways[1], "query($g: ID!) { group(id: $g) { licenseProcessingState { state } } }", { g: group.id });
    expect(state.group.licenseProcessingState.state).toBe("ProcessingComplete");
    const { rows: audits } = await sql.query<{ activity_display_name: string; target_resources: string }>(
      `SELECT a.activity_display_name, a.target_resources FROM directory_audits a JOIN directory_audit_targets t ON t.audit_seq = a.seq
       WHERE t.target_id = $1 AND a.activity_display_name LIKE '% applying group based license to users' ORDER BY a.seq`,
      [group.id],
    );
    expect(audits.map((row) => row.activity_display_name)).toEqual(["Start applying group based license to users", "Finish applying group based license to users"]);
    const counts = JSON.parse(audits[1].target_resources)[0].modifiedProperties;
    expect(counts).toEqual([
      { displayName: "SucceededCount", oldValue: null, newValue: String(MEMBERS) },
      { displayName: "FailedCount", oldValue: null, newValue: "0" },
    ]);
  });

  it("finishes a killed process's work on the other process, each member licensed once", async () => {
    const MEMBERS = 3_000;
    const sku = (await ok(gateways[0], `mutation { addSubscription(skuPartNumber: "PROJECTPROFESSIONAL", enabledUnits: ${MEMBERS}) { skuId } }`)).addSubscription;
    const group = (await ok(gateways[0], 'mutation { createGroup(input: { displayName: "Survivors", securityEnabled: true }) { id } }')).createGroup;
    const users = await bulkUsers("survivor", MEMBERS);
    await sql.query("INSERT INTO group_members (group_id, user_id, display_name) SELECT $1, u.id, u.display_name FROM users u WHERE u.id = ANY($2::varchar[])", [group.id, users]);
    const [victim, survivor] = gateways;

    await ok(survivor, "mutation($g: ID!, $s: ID!) { assignGroupLicense(groupId: $g, addLicenses: [{ skuId: $s }]) { id } }", { g: group.id, s: sku.skuId });
    // Kill the victim in the middle of the run (no clean shutdown: its open batch is simply cut off).
    const deadline = Date.now() + 30_000;
    while ((await sql.query<{ n: number }>("SELECT COUNT(*)::int AS n FROM license_assignments WHERE source = $1", [group.id])).rows[0].n < 600) {
      if (Date.now() > deadline) throw new Error("the run never got going");
      await sleep(20);
    }
    const exited = new Promise<void>((resolve) => victim.child.once("exit", () => resolve()));
    victim.child.kill("SIGKILL");
    await exited;

    await queueEmpty(90_000);
    const { rows } = await sql.query<{ users: number; rows: number; active: number }>(
      `SELECT COUNT(DISTINCT user_id)::int AS users, COUNT(*)::int AS rows, COUNT(*) FILTER (WHERE state = 'Active' AND error IS NULL)::int AS active
       FROM license_assignments WHERE source = $1`,
      [group.id],
    );
    expect(rows[0]).toEqual({ users: MEMBERS, rows: MEMBERS, active: MEMBERS });
    const seats = await ok(survivor, "query($s: ID) { subscribedSku(skuId: $s) { consumedUnits } }", { s: sku.skuId });
    expect(seats.subscribedSku.consumedUnits).toBe(MEMBERS);
    const state = await ok(survivor, "query($g: ID!) { group(id: $g) { licenseProcessingState { state } } }", { g: group.id });
    expect(state.group.licenseProcessingState.state).toBe("ProcessingComplete");
  });
});
