import { randomUUID } from "node:crypto";
import { AuditStore } from "../../src/audit/audit.store";
import type { AuditEntry, TargetResource } from "../../src/audit/model";
import { GROUP_LICENSING_APP } from "../../src/licensing/services/queue";
import { openedTestDatabase } from "../support/database";

/**
 * A batch of group licensing writes its audit entries together (on PostgreSQL with their target
 * rows in the same statement, and a column that is the same in every entry sent once). Whatever
 * the batch's shape, each entry reads back with its own fields and is found by each of its
 * targets, once.
 */
describe("audit entries written as one batch", () => {
  const opened = openedTestDatabase();

  const target = (id: string | null, type = "User"): TargetResource => ({ id, displayName: `name of ${id}`, type, userPrincipalName: null, modifiedProperties: [] });
  const entry = (targets: TargetResource[], overrides: Partial<AuditEntry> = {}): AuditEntry => ({
    activityDisplayName: "Change user license",
    category: "UserManagement",
    operationType: "Update",
    initiatedBy: GROUP_LICENSING_APP,
    targetResources: targets,
    result: "success",
    resultReason: "",
    correlationId: null,
    ...overrides,
  });
  const write = (entries: AuditEntry[], at = new Date()) => opened.db.transaction((tx) => new AuditStore(tx).insertMany(entries, at));
  const byTarget = async (targetId: string) => (await new AuditStore(opened.db.manager).list({ targetId }, null, 50)).map((record) => record.id).sort();

  it("keeps each entry's fields and finds it by each of its targets, once, however the entries differ", async () => {
    const [user1, user2, group] = [randomUUID(), randomUUID(), randomUUID()];
    const entries = [
      entry([target(user1), target(group, "Group")]),
      entry([target(user2)], { result: "failure", resultReason: 'License error: "CountViolation" \\ no seats\tleft', correlationId: "batch-1" }),
      // The same target twice, and one without an id: one target row.
      entry([target(user1), target(user1), target(null, "Organization")], { activityDisplayName: "Update user" }),
    ];
    const records = await write(entries);

    expect(new Set(records.map((record) => record.seq)).size).toBe(3);
    expect([...records.map((record) => record.seq)].sort((a, b) => a - b)).toEqual(records.map((record) => record.seq));
    expect(await byTarget(user1)).toEqual([records[0]!.id, records[2]!.id].sort());
    expect(await byTarget(user2)).toEqual([records[1]!.id]);
    expect(await byTarget(group)).toEqual([records[0]!.id]);
    for (const [i, record] of records.entries()) {
      const stored = await new AuditStore(opened.db.manager).find(record.id);
      expect(stored).toMatchObject({ seq: record.seq, ...entries[i] });
    }
  });

  it("writes a batch of one entry, and a batch whose entries share every column but their id and target", async () => {
    const lone = randomUUID();
    const [single] = await write([entry([target(lone)])]);
    expect(await byTarget(lone)).toEqual([single!.id]);

    const users = Array.from({ length: 250 }, () => randomUUID());
    const records = await write(users.map((id) => entry([target(id)])));
    expect(records).toHaveLength(250);
    for (const [i, id] of users.entries()) expect(await byTarget(id)).toEqual([records[i]!.id]);
  });
});
