import { randomUUID } from "node:crypto";
import { AuditStore } from "../../src/audit/audit.store";
import type { AuditEntry } from "../../src/audit/model";
import { TestGateway } from "../support/harness";

/**
 * AUDIT_RETENTION_DAYS: the sweep deletes audit entries older than the window. The gateway runs
 * on a clock of the test's own; the year of history a tenant brings along is written with the
 * dates it was recorded on, as the seed does, and everything else through GraphQL.
 */
const DAY_MS = 86_400_000;
const AUDITS = `query($filter: DirectoryAuditFilter, $first: Int) {
  directoryAudits(filter: $filter, first: $first) { totalCount edges { node { activityDisplayName activityDateTime targetResources { id } } } }
}`;
const RENAME = 'mutation($id: ID!, $department: String) { updateUser(id: $id, input: { department: $department }) { id } }';

jest.setTimeout(60_000);

/** `count` entries about `targetId`, recorded at `at`. */
async function history(gateway: TestGateway, targetId: string, count: number, at: Date): Promise<void> {
  const entry: AuditEntry = {
    activityDisplayName: "Update user",
    category: "UserManagement",
    operationType: "Update",
    initiatedBy: { kind: "app", displayName: "Directory sync", appId: null },
    targetResources: [{ id: targetId, displayName: null, type: "User", userPrincipalName: null, modifiedProperties: [] }],
    result: "success",
    resultReason: "",
    correlationId: null,
  };
  for (let written = 0; written < count; written += 500) {
    const batch = Array.from({ length: Math.min(500, count - written) }, () => entry);
    await gateway.app.services.db.transaction((tx) => new AuditStore(tx).insertMany(batch, at));
  }
}

async function auditCount(gateway: TestGateway, filter: Record<string, unknown>): Promise<number> {
  const data = await gateway.ok("admin", AUDITS, { filter, first: 1 });
  return data.directoryAudits.totalCount;
}

/** Target rows left behind by deleted entries would keep growing the index the targetId filter reads. */
async function targetRows(gateway: TestGateway, targetId: string): Promise<number> {
  const [row] = await gateway.app.services.db.writer.query(`SELECT count(*) AS n FROM directory_audit_targets WHERE target_id = '${targetId}'`);
  return Number(row.n);
}

describe("audit retention (AUDIT_RETENTION_DAYS)", () => {
  let gateway: TestGateway | null = null;
  afterEach(async () => {
    await gateway?.stop();
    gateway = null;
  });

  it("deletes the entries older than the window in batches, with their target rows, and keeps the newer ones", async () => {
    const start = Date.now();
    let clock = start;
    gateway = await TestGateway.start({}, { now: () => clock });
    const old = randomUUID();
    const recent = randomUUID();
    // More than two batches of a year-old history, and one entry just inside the window.
    await history(gateway, old, 2_500, new Date(start - 200 * DAY_MS));
    await history(gateway, recent, 1, new Date(start - 29 * DAY_MS));
    const ada = await gateway.userId("ada.lovelace");
    await gateway.ok("admin", RENAME, { id: ada, department: "Research" });

    expect(await gateway.app.auditRetention.sweep()).toBe(2_500);
    expect(await auditCount(gateway, { targetId: old })).toBe(0);
    expect(await targetRows(gateway, old)).toBe(0);
    expect(await auditCount(gateway, { until: new Date(start - 30 * DAY_MS).toISOString() })).toBe(0);
    expect(await auditCount(gateway, { targetId: recent })).toBe(1);
    expect(await auditCount(gateway, { targetId: ada, activityDisplayName: "Update user" })).toBe(1);

    // Two days on, the entry that was 29 days old has left the window; today's stays.
    clock = start + 2 * DAY_MS;
    expect(await gateway.app.auditRetention.sweep()).toBe(1);
    expect(await auditCount(gateway, { targetId: recent })).toBe(0);
    expect(await auditCount(gateway, { targetId: ada, activityDisplayName: "Update user" })).toBe(1);
  });

  it("lets writers through while it sweeps", async () => {
    const start = Date.now();
    gateway = await TestGateway.start({ AUDIT_RETENTION_DAYS: "7" }, { now: () => start });
    const old = randomUUID();
    await history(gateway, old, 3_000, new Date(start - 8 * DAY_MS));
    const ada = await gateway.userId("ada.lovelace");
    const g = gateway;
    const [deleted, ...writes] = await Promise.all([
      g.app.auditRetention.sweep(),
      ...["Sales", "Research", "Support", "Finance", "Marketing"].map((department) => g.gql("admin", RENAME, { id: ada, department })),
    ]);
    expect(deleted).toBe(3_000);
    for (const write of writes) expect(write.errors).toBeUndefined();
    expect(await auditCount(g, { targetId: ada, activityDisplayName: "Update user" })).toBe(5);
    expect(await auditCount(g, { targetId: old })).toBe(0);
  });

  it("keeps every entry with AUDIT_RETENTION_DAYS=0", async () => {
    const start = Date.now();
    gateway = await TestGateway.start({ AUDIT_RETENTION_DAYS: "0" }, { now: () => start + 3650 * DAY_MS });
    const old = randomUUID();
    await history(gateway, old, 10, new Date(start - 400 * DAY_MS));
    expect(await gateway.app.auditRetention.sweep()).toBe(0);
    expect(await auditCount(gateway, { targetId: old })).toBe(10);
  });
});
