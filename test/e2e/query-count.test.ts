import { randomUUID } from "node:crypto";
import { GroupStore } from "../../src/directory/stores/group.store";
import { UserStore } from "../../src/directory/stores/user.store";
import { TestGateway } from "../support/harness";

const PAGE = `query($first: Int) {
  users(first: $first) {
    edges { node { id proxyAddresses memberOf { displayName } directoryRoles { displayName } } }
  }
}`;

describe("relations are batched per request", () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await TestGateway.start();
    // Only the requests are counted: the background licensing processor's polls must not land in between.
    await gateway.settle();
    await gateway.app.services.licensing.processor.stop();
    const groupId = await gateway.groupId("Support");
    // Enough users that a page of 100 is full; made directly, since the API is not what is measured.
    await gateway.app.services.db.transaction(async (tx) => {
      const store = new UserStore(tx);
      for (let i = 0; i < 110; i++) {
        const id = randomUUID();
        const upn = `bulk${i}@contoso.com`;
        await store.insert({
          id, userPrincipalName: upn, upnKey: upn, displayName: `Bulk ${i}`, mail: upn, department: null,
          jobTitle: null, accountEnabled: true, usageLocation: "US", createdDateTime: new Date(),
        });
        await store.replaceProxyAddresses(id, [{ userId: id, address: `SMTP:${upn}`, addressKey: upn, isPrimary: true, position: 0 }]);
        await new GroupStore(tx).addMembers(groupId, [id]);
      }
    });
  });
  afterAll(() => gateway.stop());

  async function queriesFor(first: number): Promise<number> {
    await gateway.tokenFor("grace.kim");
    const log = gateway.app.services.db.queryLog;
    const before = log.count;
    const data = await gateway.ok("grace.kim", PAGE, { first });
    expect(data.users.edges).toHaveLength(first);
    return log.count - before;
  }

  it("costs the same number of SQL queries for 100 users as for 5", async () => {
    const small = await queriesFor(5);
    const large = await queriesFor(100);
    expect(small).toBeGreaterThanOrEqual(4);
    expect(large).toBe(small);
    // Sign-in (user, roles), the page, and one query per relation (memberships and their groups count two).
    expect(large).toBeLessThanOrEqual(8);
  });
});
