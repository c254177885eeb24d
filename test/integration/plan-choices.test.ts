import "reflect-metadata";
import { seedLargeTenant } from "../../src/demo/large-tenant/seed-cli";
import { createTestDatabase, onPostgres, type TestDatabase } from "../support/database";
import { TestGateway } from "../support/harness";

// A list that picks its plan by counting (a group's transitive members, a product's users) counts
// once on SQLite's reader and keeps the choice until something is written; PostgreSQL counts each
// time.
describe("plan choices are counted once, until the next write", () => {
  const E3 = "6fd2c87f-b296-42f0-b197-1e91e994b900";
  let db: TestDatabase;
  let gateway: TestGateway;
  let groupId: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    await seedLargeTenant({ users: 400, groups: 10, databaseUrl: db.url }, () => undefined, new Date("2026-11-30T12:00:00Z"));
    gateway = await TestGateway.start({ DATABASE_URL: db.url, AUDIT_RETENTION_DAYS: "0" });
    const groups = await gateway.ok("admin", "{ groups(first: 50) { edges { node { id members(first: 1) { totalCount } } } } }");
    groupId = groups.groups.edges.map((edge: any) => edge.node).sort((a: any, b: any) => b.members.totalCount - a.members.totalCount)[0].id;
    // A group inside it: a group that holds none lists its members without choosing a plan.
    const { createGroup } = await gateway.ok("admin", 'mutation { createGroup(input: { displayName: "Inner team", securityEnabled: true }) { id } }');
    await gateway.ok("admin", "mutation($g: ID!, $m: ID!) { addGroupMember(groupId: $g, memberId: $m) { id } }", { g: groupId, m: createGroup.id });
  }, 120_000);

  afterAll(async () => {
    await gateway?.stop();
    await db?.drop();
  });

  /** The statements one request made, and what it answered. */
  async function statementsOf(query: string, variables: Record<string, unknown>): Promise<{ statements: string[]; data: any }> {
    const log = gateway.app.services.db.queryLog;
    const statements: string[] = [];
    log.onQuery = (statement) => statements.push(statement);
    try {
      return { data: await gateway.ok("admin", query, variables), statements };
    } finally {
      log.onQuery = null;
    }
  }

  /** The statements that count a set up to the walk threshold: of the group's memberships (at any depth), or of the product's holders. */
  const counts = (statements: string[], of: "memberships" | "holders") =>
    statements.filter((statement) => (of === "memberships" ? /SELECT COUNT\(\*\) AS n FROM \(SELECT 1 AS one FROM group_members\b/ : /^SELECT COUNT\(\*\) AS n FROM \(SELECT pl_h\./).test(statement)).length;

  it("a group's transitive members: counted for the first page, not for the same page again, counted again after a member is added", async () => {
    const query = "query($id: ID!) { group(id: $id) { transitiveMembers(first: 20) { edges { node { id } } } } }";
    const first = await statementsOf(query, { id: groupId });
    const again = await statementsOf(query, { id: groupId });
    expect(counts(first.statements, "memberships")).toBe(1);
    expect(counts(again.statements, "memberships")).toBe(onPostgres ? 1 : 0);
    expect(again.data).toEqual(first.data);

    // A new user named to sort first: the page after the write must show them, and be counted anew.
    const { createUser } = await gateway.ok("admin", "mutation($input: CreateUserInput!) { createUser(input: $input) { id } }", {
      input: { displayName: "Aaron Aardvark", userPrincipalName: "aaron.aardvark@contoso.com" },
    });
    await gateway.ok("admin", "mutation($g: ID!, $m: ID!) { addGroupMember(groupId: $g, memberId: $m) { id } }", { g: groupId, m: createUser.id });
    const after = await statementsOf(query, { id: groupId });
    expect(counts(after.statements, "memberships")).toBe(1);
    expect(after.data.group.transitiveMembers.edges[0].node.id).toBe(createUser.id);
  });

  it("a product's users: counted once, then kept", async () => {
    const query = `query { users(first: 20, filter: { skuId: "${E3}" }) { edges { node { id } } } }`;
    const first = await statementsOf(query, {});
    const again = await statementsOf(query, {});
    if (onPostgres) {
      // PostgreSQL plans the condition by its own statistics: nothing is counted.
      expect(counts(first.statements, "holders")).toBe(0);
    } else {
      expect(counts(first.statements, "holders")).toBe(1);
      expect(counts(again.statements, "holders")).toBe(0);
    }
    expect(again.data).toEqual(first.data);
  });
});
