import "reflect-metadata";
import { Client } from "pg";
import Sqlite from "better-sqlite3";
import { seedLargeTenant } from "../../src/demo/large-tenant/seed-cli";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { TestGateway } from "../support/harness";

/**
 * Every directory list with each of its filters, first page and a page further on, must be
 * answered through an index: at a million users a full scan of users, memberships, assignments or
 * the audit log is seconds, not milliseconds. The statements are the ones the gateway really
 * sends for each GraphQL list; their plans come from the engine (EXPLAIN QUERY PLAN on SQLite;
 * EXPLAIN with sequential scans priced out on PostgreSQL, so the plan shows whether an index
 * *can* serve the query whatever the small test tenant's statistics say).
 */

// Groups are not among them: a tenant has thousands, not millions (a scan of 5,000 is a
// millisecond), and on a small test tenant SQLite rightly prefers reading them all.
const BIG_TABLES = ["users", "group_members", "license_assignments", "directory_audits", "directory_audit_targets"];

/** Indexes with a WHERE clause (see migration ProductViews). */
const PARTIAL_INDEXES = ["IX_license_assignments_errors"];

interface Captured {
  query: string;
  parameters: readonly unknown[];
}

/** The scans of big tables in a statement's plan that read the table or an index with no condition on it. */
async function unboundedScans(db: TestDatabase, statement: Captured): Promise<string[]> {
  if (db.kind === "sqlite") {
    const handle = new Sqlite(db.url, { readonly: true });
    try {
      const parameters = statement.parameters.map((value) => (typeof value === "boolean" ? Number(value) : value));
      const lines = (handle.prepare(`EXPLAIN QUERY PLAN ${statement.query}`).all(...parameters) as { detail: string }[]).map((row) => row.detail);
      // SQLite names a table by its alias: resolve them from the statement.
      const aliases = new Map<string, string>();
      for (const match of statement.query.matchAll(/"?(\w+)"?\s+(?:AS\s+)?"?(\w+)"?/gi)) if (BIG_TABLES.includes(match[1]!)) aliases.set(match[2]!, match[1]!);
      // "SCAN t" or "SCAN t USING INDEX i" reads all of it; "SEARCH t USING INDEX i (c=?)" a range.
      return lines.filter((line) => {
        // A partial index holds only the rows it is about (the assignments in error): reading it
        // whole is reading what the filter asks for, not the table.
        if (PARTIAL_INDEXES.some((index) => line.includes(`INDEX ${index}`))) return false;
        const scan = /^SCAN (\w+)/.exec(line.trim());
        return scan !== null && BIG_TABLES.includes(aliases.get(scan[1]!) ?? scan[1]!);
      });
    } finally {
      handle.close();
    }
  }
  const client = new Client({ connectionString: db.url });
  await client.connect();
  try {
    await client.query("SET enable_seqscan = off");
    const [{ "QUERY PLAN": [root] }] = (await client.query(`EXPLAIN (FORMAT JSON) ${statement.query}`, [...statement.parameters])).rows;
    const found: string[] = [];
    // Only sequential scans count here: at the test tenant's size PostgreSQL may rightly walk an
    // index in the list's order rather than take a range, which SQLite (whose plans do not hang
    // on row counts) is held to above; the million benchmark measures the rest.
    const visit = (node: Record<string, any>) => {
      if (BIG_TABLES.includes(node["Relation Name"]) && node["Node Type"] === "Seq Scan") found.push(`Seq Scan on ${node["Relation Name"]}`);
      for (const child of node.Plans ?? []) visit(child);
    };
    visit(root.Plan);
    return found;
  } finally {
    await client.end();
  }
}

describe("directory lists at a million users: every filter is served by an index", () => {
  let db: TestDatabase;
  let gateway: TestGateway;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    db = await createTestDatabase();
    await seedLargeTenant({ users: 2000, groups: 40, databaseUrl: db.url }, () => undefined, new Date("2026-11-30T12:00:00Z"));
    gateway = await TestGateway.start({ DATABASE_URL: db.url, AUDIT_RETENTION_DAYS: "0" });
    const groups = await gateway.ok("admin", "{ groups(first: 100) { edges { node { id displayName members(first: 1) { totalCount } } } } }");
    const nodes = groups.groups.edges.map((edge: any) => edge.node);
    const bySize = nodes.sort((a: any, b: any) => b.members.totalCount - a.members.totalCount);
    ids.biggest = bySize[0].id;
    // A group small enough that a page is read from its memberships, but with a second page.
    ids.small = bySize.filter((node: any) => node.members.totalCount > 20 && node.members.totalCount < 100).pop().id;
    ids.e5 = nodes.find((node: any) => node.displayName.includes("E5")).id;
    ids.user = (await gateway.ok("admin", "{ users(first: 1, filter: { startsWith: \"zoe\" }) { edges { node { id } } } }")).users.edges[0].node.id;
    ids.admin = await gateway.userId("admin");
  }, 120_000);

  afterAll(async () => {
    await gateway?.stop();
    await db?.drop();
  });

  /** The lists whose first page may walk an index of their order, with the table they walk (SQLite names it by alias). */
  const WALKS = new Map([["users", "SCAN u"], ["directoryAudits", "SCAN a"], ["members", "SCAN u"]]);
  const lists: [string, string][] = [
    ["users", "users(first: 20, after: $after) { edges { cursor } }"],
    ["users startsWith", 'users(first: 20, after: $after, filter: { startsWith: "zoe s" }) { edges { cursor } }'],
    ["users startsWith (userPrincipalName)", 'users(first: 20, after: $after, filter: { startsWith: "ada.abe" }) { edges { cursor } }'],
    ["users department", 'users(first: 20, after: $after, filter: { department: "sales" }) { edges { cursor } }'],
    ["users usageLocation", 'users(first: 20, after: $after, filter: { usageLocation: "DE" }) { edges { cursor } }'],
    ["users hasUsageLocation false", "users(first: 20, after: $after, filter: { hasUsageLocation: false }) { edges { cursor } }"],
    ["users accountEnabled false", "users(first: 20, after: $after, filter: { accountEnabled: false }) { edges { cursor } }"],
    // Licenses: E3 (ENTERPRISEPACK), which the seeded tenant gives through a group.
    ["users skuId", 'users(first: 20, after: $after, filter: { skuId: "6fd2c87f-b296-42f0-b197-1e91e994b900" }) { edges { cursor } }'],
    ["users hasLicenseErrors", "users(first: 20, after: $after, filter: { hasLicenseErrors: true }) { edges { cursor } }"],
    ["licensedUsers", 'subscribedSku(skuId: "6fd2c87f-b296-42f0-b197-1e91e994b900") { licensedUsers(first: 20, after: $after) { edges { cursor } } }'],
    ["licensedUsers assignedBy DIRECT", 'subscribedSku(skuId: "6fd2c87f-b296-42f0-b197-1e91e994b900") { licensedUsers(first: 20, after: $after, filter: { assignedBy: DIRECT }) { edges { cursor } } }'],
    ["groups", "groups(first: 5, after: $after) { edges { cursor } }"],
    ["groups skuId", 'groups(first: 1, after: $after, filter: { skuId: "6fd2c87f-b296-42f0-b197-1e91e994b900" }) { edges { cursor } }'],
    ["groups startsWith", 'groups(first: 5, after: $after, filter: { startsWith: "sales" }) { edges { cursor } }'],
    ["groups dynamicMembership", "groups(first: 1, after: $after, filter: { dynamicMembership: true }) { edges { cursor } }"],
    ["groups hasMembersWithLicenseErrors", "groups(first: 1, after: $after, filter: { hasMembersWithLicenseErrors: true }) { edges { cursor } }"],
    ["members", "group(id: $biggest) { members(first: 20, after: $after) { edges { cursor } } }"],
    ["members (a small group)", "group(id: $small) { members(first: 20, after: $after) { edges { cursor } } }"],
    ["transitiveMembers", "group(id: $biggest) { transitiveMembers(first: 20, after: $after) { edges { cursor } } }"],
    ["membersWithLicenseErrors", "group(id: $e5) { membersWithLicenseErrors(first: 5, after: $after) { edges { cursor } } }"],
    ["memberOf", "user(id: $user) { memberOf { id } }"],
    ["directoryAudits", "directoryAudits(first: 20, after: $after) { edges { cursor } }"],
    ["directoryAudits category", "directoryAudits(first: 20, after: $after, filter: { category: LicenseManagement }) { edges { cursor } }"],
    ["directoryAudits activity", 'directoryAudits(first: 20, after: $after, filter: { activityDisplayName: "Update user" }) { edges { cursor } }'],
    ["directoryAudits result", "directoryAudits(first: 20, after: $after, filter: { result: failure }) { edges { cursor } }"],
    ["directoryAudits targetId", "directoryAudits(first: 20, after: $after, filter: { targetId: $user }) { edges { cursor } }"],
    ["directoryAudits initiatedById", "directoryAudits(first: 20, after: $after, filter: { initiatedById: $admin }) { edges { cursor } }"],
    ["directoryAudits since", 'directoryAudits(first: 20, after: $after, filter: { since: "2026-06-01T00:00:00Z", until: "2026-06-02T00:00:00Z" }) { edges { cursor } }'],
  ];

  it.each(lists)("%s: first page and the next, without a full scan", async (name, selection) => {
    const walk = WALKS.get(name);
    // Only the variables the selection uses may be declared.
    const used = ["biggest", "small", "e5", "user", "admin"].filter((name) => selection.includes(`$${name}`));
    const declared = [...(selection.includes("$after") ? ["$after: String"] : []), ...used.map((name) => `$${name}: ID!`)];
    const query = `query${declared.length > 0 ? `(${declared.join(", ")})` : ""} { list: ${selection} }`;
    const variables = Object.fromEntries(used.map((name) => [name, ids[name]]));
    const requests: Captured[][] = [];
    const log = gateway.app.services.db.queryLog;
    const capture = async (after: string | null) => {
      const captured: Captured[] = [];
      requests.push(captured);
      log.onQuery = (statement, parameters) => {
        if (/^\s*SELECT/i.test(statement) && !/COUNT\(/i.test(statement)) captured.push({ query: statement, parameters });
      };
      try {
        return await gateway.ok("admin", query, after ? { ...variables, after } : variables);
      } finally {
        log.onQuery = null;
      }
    };
    const first = await capture(null);
    const list: any = first.list ?? {};
    const edges = list.edges ?? (Object.values(list) as any[]).find((value) => Array.isArray(value?.edges))?.edges ?? [];
    if (edges.length > 0) await capture(edges[edges.length - 1].cursor);
    expect(requests.flat().length).toBeGreaterThan(0);
    for (const [page, statements] of requests.entries()) {
      for (const statement of statements) {
        // A list's first page may walk the index of its order from the start, stopping when the
        // page is full: a whole list's, or a large group's members read in name order. Any
        // page after it starts from its cursor.
        const scans = (await unboundedScans(db, statement)).filter((scan) => !(page === 0 && walk !== undefined && scan.includes(walk)));
        expect({ statement: statement.query, scans }).toEqual({ statement: statement.query, scans: [] });
      }
    }
  });
});
