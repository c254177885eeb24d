import { randomUUID } from "node:crypto";
import { isPostgres } from "../../src/db/dialect";
import { UserEntity } from "../../src/directory/entities";
import { GroupStore } from "../../src/directory/stores/group.store";
import { TestGateway } from "../support/harness";

/** The cuts a whole group's licensing work is queued at: runs of members in the database's key order. */
describe("a group's members in runs of a given size", () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await TestGateway.start();
  });
  afterAll(() => gateway.stop());

  /** A group with `count` members (new users), and its member ids as the database orders them. */
  async function groupOf(count: number): Promise<{ groupId: string; ordered: string[] }> {
    const groupId = (await gateway.ok("admin", `mutation { createGroup(input: { displayName: "Runs ${randomUUID()}", securityEnabled: true }) { id } }`)).createGroup.id;
    const { db } = gateway.app.services;
    await db.transaction(async (tx) => {
      const ids = Array.from({ length: count }, () => randomUUID());
      const users = ids.map((id) => {
        const upn = `${id}@contoso.com`;
        return { id, userPrincipalName: upn, upnKey: upn, displayName: id, mail: null, department: null, jobTitle: null, accountEnabled: true, usageLocation: "US", createdDateTime: new Date() };
      });
      for (let i = 0; i < users.length; i += 200) await tx.insert(UserEntity, users.slice(i, i + 200));
      await new GroupStore(tx).addMembers(groupId, ids);
    });
    const placeholder = isPostgres(db.manager) ? "$1" : "?";
    const rows: { user_id: string }[] = await db.manager.query(`SELECT user_id FROM group_members WHERE group_id = ${placeholder} ORDER BY user_id`, [groupId]);
    return { groupId, ordered: rows.map((row) => row.user_id) };
  }

  it.each([0, 1, 4, 5, 6, 10, 11, 23])("cuts %i members into runs of 5 that cover each member once, in order", async (count) => {
    const { groupId, ordered } = await groupOf(count);
    const runs = await new GroupStore(gateway.app.services.db.manager).memberRuns(groupId, 5);
    const expected = [];
    for (let i = 0; i < ordered.length; i += 5) {
      const run = ordered.slice(i, i + 5);
      expected.push({ firstUserId: run[0], lastUserId: run[run.length - 1], members: run.length });
    }
    expect(runs).toEqual(expected);
  });
});
