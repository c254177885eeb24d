import "reflect-metadata";
import { Client } from "pg";
import Sqlite from "better-sqlite3";
import { parseSeedArguments, seedLargeTenant, UsageError } from "../../src/demo/large-tenant/seed-cli";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { TestGateway } from "../support/harness";

/**
 * `npm run seed` writes a large tenant through the bulk paths, bypassing the services: these
 * tests hold it to what the services themselves would have written, on a small size.
 */

const NOW = new Date("2026-11-30T12:00:00.000Z");

/** Runs one SQL query on the test database, whichever engine it is. */
async function sql<T>(db: TestDatabase, query: string): Promise<T[]> {
  if (db.kind === "sqlite") {
    const handle = new Sqlite(db.url, { readonly: true });
    try {
      return handle.prepare(query).all() as T[];
    } finally {
      handle.close();
    }
  }
  const client = new Client({ connectionString: db.url });
  await client.connect();
  try {
    return (await client.query(query)).rows as T[];
  } finally {
    await client.end();
  }
}

const ASSIGNMENTS = "SELECT user_id, sku_id, source, state, error FROM license_assignments ORDER BY user_id, sku_id, source";

describe("npm run seed: a large tenant", () => {
  let db: TestDatabase;
  let gateway: TestGateway;

  beforeAll(async () => {
    db = await createTestDatabase();
    await seedLargeTenant({ users: 3000, groups: 60, databaseUrl: db.url }, () => undefined, NOW);
    gateway = await TestGateway.start({ DATABASE_URL: db.url, AUDIT_RETENTION_DAYS: "0" });
  }, 120_000);

  afterAll(async () => {
    await gateway?.stop();
    await db?.drop();
  });

  it("serves the users, groups and subscriptions it wrote", async () => {
    const data = await gateway.ok("admin", `{
      users(first: 5) { totalCount edges { node { userPrincipalName usageLocation } } }
      groups(first: 100) { totalCount edges { node { displayName groupTypes } } }
      subscribedSkus { skuPartNumber enabledUnits: prepaidUnits { enabled } consumedUnits }
    }`);
    expect(data.users.totalCount).toBe(3001); // and the Global Administrator a new tenant has
    expect(data.groups.totalCount).toBe(60);
    expect(data.groups.edges.filter((edge: any) => edge.node.groupTypes.includes("DynamicMembership"))).toHaveLength(3);
    expect(data.subscribedSkus.map((sku: any) => sku.skuPartNumber).sort()).toEqual(["EMS", "ENTERPRISEPACK", "ENTERPRISEPREMIUM", "STANDARDPACK"]);
  });

  it("counts each product's seats as the Active licenses that hold them", async () => {
    const active = await sql<{ sku_id: string; n: number | string }>(db, "SELECT sku_id, COUNT(DISTINCT user_id) AS n FROM license_assignments WHERE state = 'Active' GROUP BY sku_id");
    const data = await gateway.ok("admin", "{ subscribedSkus { skuId consumedUnits } }");
    const consumed = Object.fromEntries(data.subscribedSkus.map((sku: any) => [sku.skuId, sku.consumedUnits]));
    expect(Object.fromEntries(active.map((row) => [row.sku_id, Number(row.n)]))).toEqual(consumed);
    // The E5 group has more members than seats: some of them wait in CountViolation.
    const [{ n }] = await sql<{ n: number | string }>(db, "SELECT COUNT(*) AS n FROM license_assignments WHERE error = 'CountViolation'");
    expect(Number(n)).toBeGreaterThan(0);
  });

  it("gives dynamic groups exactly the members their rule selects", async () => {
    const groups = await gateway.ok("admin", `{ groups(first: 10, filter: { dynamicMembership: true }) { edges { node { id membershipRule members(first: 1) { totalCount } } } } }`);
    for (const { node } of groups.groups.edges) {
      const department = /"([^"]+)"/.exec(node.membershipRule)![1];
      const users = await gateway.ok("admin", "query($d: String) { users(first: 1, filter: { department: $d }) { totalCount } }", { d: department });
      expect(node.members.totalCount).toBe(users.users.totalCount);
      expect(node.members.totalCount).toBeGreaterThan(100);
    }
  });

  it("is what group-based licensing itself writes: processing the licensed groups again changes nothing", async () => {
    const before = await sql(db, ASSIGNMENTS);
    const failuresBefore = await gateway.ok("admin", `{ directoryAudits(first: 1, filter: { activityDisplayName: "Change user license", result: failure }) { totalCount } }`);
    expect(failuresBefore.directoryAudits.totalCount).toBeGreaterThan(0);
    const licensed = await gateway.ok("admin", `{ groups(first: 100) { edges { node { id displayName licenseProcessingState { state } } } } }`);
    const licensedGroups = licensed.groups.edges.map((edge: any) => edge.node).filter((group: any) => group.displayName.startsWith("Licensing"));
    expect(licensedGroups).toHaveLength(2);
    for (const group of licensedGroups) {
      expect(group.licenseProcessingState.state).toBe("ProcessingComplete");
      await gateway.ok("admin", "mutation($g: ID!) { reprocessGroupLicenses(groupId: $g) { id } }", { g: group.id });
    }
    await gateway.settle();
    expect(await sql(db, ASSIGNMENTS)).toEqual(before);
    // The same failures again are not new failures: nothing more in the audit log for them.
    const failuresAfter = await gateway.ok("admin", `{ directoryAudits(first: 1, filter: { activityDisplayName: "Change user license", result: failure }) { totalCount } }`);
    expect(failuresAfter.directoryAudits.totalCount).toBe(failuresBefore.directoryAudits.totalCount);
    // New entries follow the seeded ones (the sequence was moved past them).
    const newest = await gateway.ok("admin", `{ directoryAudits(first: 1) { edges { node { activityDisplayName } } } }`);
    expect(newest.directoryAudits.edges[0].node.activityDisplayName).toBe("Finish applying group based license to users");
  });

  it("keeps a year of audit entries, each user's creation findable by its target", async () => {
    const [{ id }] = await sql<{ id: string }>(db, "SELECT id FROM users WHERE user_principal_name LIKE '%.1234@contoso.com'");
    const data = await gateway.ok("admin", "query($t: ID!) { directoryAudits(first: 10, filter: { targetId: $t }) { edges { node { activityDisplayName activityDateTime } } } }", { t: id });
    const activities = data.directoryAudits.edges.map((edge: any) => edge.node.activityDisplayName);
    expect(activities).toContain("Add user");
    const oldest = await gateway.ok("admin", `{ directoryAudits(last: 1) { edges { node { activityDateTime } } } }`);
    expect(NOW.getTime() - Date.parse(oldest.directoryAudits.edges[0].node.activityDateTime)).toBeGreaterThan(360 * 24 * 3600 * 1000);
  });

  it("refuses a database that already holds a tenant, changing nothing", async () => {
    const [{ n: before }] = await sql<{ n: number | string }>(db, "SELECT COUNT(*) AS n FROM users");
    await expect(seedLargeTenant({ users: 100, groups: 5, databaseUrl: db.url }, () => undefined, NOW)).rejects.toThrow(/holds 3001 users already/);
    const [{ n: after }] = await sql<{ n: number | string }>(db, "SELECT COUNT(*) AS n FROM users");
    expect(Number(after)).toBe(Number(before));
  });
});

describe("npm run seed --audit-entries: a busy year's audit log", () => {
  let db: TestDatabase;
  let gateway: TestGateway;
  const ENTRIES = 6000;

  beforeAll(async () => {
    db = await createTestDatabase();
    await seedLargeTenant({ users: 1000, groups: 20, auditEntries: ENTRIES, databaseUrl: db.url }, () => undefined, NOW);
    gateway = await TestGateway.start({ DATABASE_URL: db.url, AUDIT_RETENTION_DAYS: "0" });
  }, 120_000);

  afterAll(async () => {
    await gateway?.stop();
    await db?.drop();
  });

  it("holds as many entries as asked, in time order, each with the targets its entry names", async () => {
    const [{ n }] = await sql<{ n: number | string }>(db, "SELECT COUNT(*) AS n FROM directory_audits");
    expect(Number(n)).toBe(ENTRIES);
    // Sequence order is time order, as the gateway writes them.
    const [{ late }] = await sql<{ late: number | string }>(
      db,
      "SELECT COUNT(*) AS late FROM directory_audits a JOIN directory_audits b ON b.seq = a.seq + 1 WHERE b.activity_date_time < a.activity_date_time",
    );
    expect(Number(late)).toBe(0);
    // The targets table holds exactly the ids in each entry's targets.
    const rows = await sql<{ seq: number | string; target_resources: string }>(db, "SELECT seq, target_resources FROM directory_audits ORDER BY seq");
    const targets = await sql<{ audit_seq: number | string; target_id: string }>(db, "SELECT audit_seq, target_id FROM directory_audit_targets ORDER BY audit_seq, target_id");
    const expected = rows.flatMap((row) => (JSON.parse(row.target_resources) as { id: string }[]).map((target) => `${Number(row.seq)} ${target.id}`)).sort();
    expect(targets.map((row) => `${Number(row.audit_seq)} ${row.target_id}`).sort()).toEqual(expected);
  });

  it("answers the audit filters over the busy year's entries", async () => {
    const data = await gateway.ok("admin", `{
      groupChanges: directoryAudits(first: 1, filter: { category: GroupManagement }) { totalCount }
      members: directoryAudits(first: 1, filter: { activityDisplayName: "Add member to group" }) { totalCount edges { node { targetResources { id type } } } }
      failures: directoryAudits(first: 1, filter: { result: failure, activityDisplayName: "Change user license" }) { totalCount edges { node { resultReason } } }
      all: directoryAudits(first: 1) { totalCount }
    }`);
    expect(data.all.totalCount).toBe(ENTRIES);
    expect(data.groupChanges.totalCount).toBeGreaterThan(ENTRIES / 5);
    expect(data.members.edges[0].node.targetResources.map((target: any) => target.type)).toEqual(["Group", "User"]);
    // The group is found by its id among the targets.
    const groupId = data.members.edges[0].node.targetResources[0].id;
    const byGroup = await gateway.ok("admin", "query($t: ID!) { directoryAudits(first: 5, filter: { targetId: $t }) { totalCount } }", { t: groupId });
    expect(byGroup.directoryAudits.totalCount).toBeGreaterThan(0);
    expect(data.failures.edges[0].node.resultReason).toMatch(/\S/);
  });
});

describe("npm run seed: its arguments", () => {
  const parse = (...argv: string[]) => parseSeedArguments(argv, {});

  it("takes counts with separators and a database URL", () => {
    expect(parse("--users", "1_000_000", "--groups", "5,000", "--database-url", "postgres://h/db")).toEqual({ users: 1_000_000, groups: 5000, auditEntries: 0, databaseUrl: "postgres://h/db" });
    expect(parse("--audit-entries", "20,000,000").auditEntries).toBe(20_000_000);
    expect(parseSeedArguments([], { DATABASE_URL: "./data/big.sqlite" }).databaseUrl).toBe("./data/big.sqlite");
  });

  it.each([
    [["--users", "many"], /--users 'many' is not a count; give a whole number from 100 to 5,000,000/],
    [["--users", "50"], /from 100 to 5,000,000/],
    [["--groups", "2"], /--groups '2' is not a count/],
    [["--users", "100", "--groups", "500"], /--groups 500 is more than --users 100/],
    [["--people", "5"], /unknown option '--people'/],
    [["--users"], /--users needs a value/],
    [["--audit-entries", "-1"], /--audit-entries '-1' is not a count; give a whole number from 0 to 100,000,000/],
  ])("refuses %j with a message that says what to fix", (argv, message) => {
    expect(() => parse(...(argv as string[]))).toThrow(UsageError);
    expect(() => parse(...(argv as string[]))).toThrow(message);
  });
});
