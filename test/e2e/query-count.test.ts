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

  async function queriesFor(first: number, query = PAGE, variables: Record<string, unknown> = {}): Promise<number> {
    await gateway.tokenFor("grace.kim");
    // A request before the counted one: on SQLite the caller's sign-in read is then remembered
    // (until the next write), so every counted request starts alike, whatever ran before it.
    await gateway.ok("grace.kim", "{ me { id } }");
    const log = gateway.app.services.db.queryLog;
    const before = log.count;
    const data = await gateway.ok("grace.kim", query, { first, ...variables });
    expect(data.users.edges).toHaveLength(first);
    return log.count - before;
  }

  // A page of users reads the relations its client selected on the nodes ahead, in one batch
  // each: only those selected, however they are selected.
  const WITH_LICENSES = `query($first: Int, $withGroups: Boolean!) {
    users(first: $first) { edges { node { id ...licensed memberOf @include(if: $withGroups) { displayName } } } }
  }
  fragment licensed on User { ... on User { licenseAssignmentStates { skuId state } } }`;

  it("reads a relation selected through fragments once per page, and none that @include leaves out", async () => {
    const withGroups = await queriesFor(100, WITH_LICENSES, { withGroups: true });
    const withoutGroups = await queriesFor(100, WITH_LICENSES, { withGroups: false });
    const nodesOnly = await queriesFor(100, "query($first: Int) { users(first: $first) { edges { node { id } } } }");
    // Memberships and their groups are two statements; the assignment rows one.
    expect(withGroups - withoutGroups).toBe(2);
    expect(withoutGroups - nodesOnly).toBe(1);
    expect(await queriesFor(5, WITH_LICENSES, { withGroups: true })).toBe(withGroups);
  });

  it("answers a related field the same whether the page read it ahead or the user was read alone", async () => {
    const FIELDS = "id memberOf { displayName } licenseAssignmentStates { skuId state error } proxyAddresses";
    const data = await gateway.ok("grace.kim", `query { users(first: 100) { edges { node { ${FIELDS} } } } }`);
    const listed = (data.users.edges as { node: { id: string } }[]).map((edge) => edge.node);
    for (const node of [listed[0]!, listed[57]!, listed.at(-1)!]) {
      const alone = await gateway.ok("grace.kim", `query($id: ID!) { user(id: $id) { ${FIELDS} } }`, { id: node.id });
      expect(alone.user).toEqual(node);
    }
  });

  it("costs the same number of SQL queries for 100 users as for 5", async () => {
    const small = await queriesFor(5);
    const large = await queriesFor(100);
    expect(small).toBeGreaterThanOrEqual(4);
    expect(large).toBe(small);
    // Sign-in (the user with their roles: one), the page, and one query per relation (memberships
    // and their groups count two).
    expect(large).toBeLessThanOrEqual(6);
  });
});
