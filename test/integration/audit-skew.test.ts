import { Client } from "pg";
import { createTestDatabase, postgresOnly, type TestDatabase } from "../support/database";
import { TestGateway } from "../support/harness";

/**
 * A filtered page of the audit log reads that page, however the entries are spread. After a
 * licensing run writes a great many entries of one kind, PostgreSQL's planner, expecting matches
 * spread evenly, would walk the log newest first and filter out every newer entry of the other
 * kind before the page was full; the page's seqs are chosen from the filter's index instead.
 */
postgresOnly("the planner's choice under skew is PostgreSQL's")("a filtered audit page when newer entries of another kind dominate", () => {
  let db: TestDatabase;
  let gateway: TestGateway;

  beforeAll(async () => {
    db = await createTestDatabase();
    gateway = await TestGateway.start({ DATABASE_URL: db.url, AUDIT_RETENTION_DAYS: "0" });
    const client = new Client({ connectionString: db.url });
    await client.connect();
    try {
      // 30,000 "Update user" entries, then 60,000 newer "Change user license" ones, and the
      // statistics read after, as autovacuum would.
      for (const [activity, count, offset] of [["Update user", 30_000, 0], ["Change user license", 60_000, 30_000]] as const) {
        await client.query(
          "INSERT INTO directory_audits (id, activity_date_time, activity_display_name, category, operation_type, logged_by_service, initiator_id, initiated_by, target_resources, result, result_reason, correlation_id) " +
            "SELECT gen_random_uuid()::text, to_char(TIMESTAMP '2026-11-01' + (n || ' seconds')::interval, 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), $1, 'UserManagement', 'Update', 'Core Directory', NULL, " +
            `'{"app":{"displayName":"Microsoft Azure AD Group-Based Licensing","appId":null}}', '[]', 'success', '', NULL FROM generate_series($2::int, $3::int) AS n`,
          [activity, offset, offset + count - 1],
        );
      }
      await client.query("ANALYZE directory_audits");
    } finally {
      await client.end();
    }
  }, 120_000);

  afterAll(async () => {
    await gateway?.stop();
    await db?.drop();
  });

  it("reads the newest page of the rarer kind through its index, not past every newer entry", async () => {
    const log = gateway.app.services.db.queryLog;
    const statements: { query: string; parameters: readonly unknown[] }[] = [];
    log.onQuery = (query, parameters) => {
      if (/directory_audits/.test(query) && /^\s*SELECT/i.test(query)) statements.push({ query, parameters });
    };
    let page: any;
    try {
      page = await gateway.ok("admin", '{ directoryAudits(first: 50, filter: { activityDisplayName: "Update user" }) { edges { node { activityDisplayName activityDateTime } } } }');
    } finally {
      log.onQuery = null;
    }
    expect(page.directoryAudits.edges).toHaveLength(50);
    expect(page.directoryAudits.edges.every((edge: any) => edge.node.activityDisplayName === "Update user")).toBe(true);
    // The newest of them: the last second of the 30,000.
    expect(page.directoryAudits.edges[0].node.activityDateTime).toBe("2026-11-01T08:19:59.000Z");

    expect(statements).toHaveLength(1);
    const client = new Client({ connectionString: db.url });
    await client.connect();
    try {
      const [{ "QUERY PLAN": [root] }] = (await client.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${statements[0]!.query}`, [...statements[0]!.parameters])).rows;
      let removed = 0;
      const visit = (node: Record<string, any>) => {
        removed += node["Rows Removed by Filter"] ?? 0;
        for (const child of node.Plans ?? []) visit(child);
      };
      visit(root.Plan);
      // Walking the log newest first would pass over all 60,000 newer entries.
      expect(removed).toBeLessThan(1000);
    } finally {
      await client.end();
    }
  });
});
