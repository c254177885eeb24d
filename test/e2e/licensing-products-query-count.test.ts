import { TestGateway } from "../support/harness";
import { GroupLicensingApi, SKU } from "../support/group-licensing-api";

const LICENSED = `query($sku: ID, $first: Int) {
  subscribedSku(skuId: $sku) {
    usersInErrorCount groupsInErrorCount
    licensedUsers(first: $first) {
      totalCount
      edges { cursor node {
        user { id displayName proxyAddresses memberOf { displayName } }
        assignedDirectly state error
        inheritedFrom { id displayName }
        licenseAssignmentStates { assignedByGroup state error }
      } }
    }
    licensedGroups(first: $first) {
      totalCount
      edges { node { group { displayName } membersInErrorCount licenseProcessingState { state processedCount } } }
    }
  }
}`;
const SUMMARY = `query {
  licenseSummary {
    usersInErrorCount groupsInErrorCount
    products { skuPartNumber consumedUnits prepaidUnits { enabled suspended warning lockedOut } usersInErrorCount groupsInErrorCount }
  }
}`;
const ADD_SUBSCRIPTION = "mutation($part: String) { addSubscription(skuPartNumber: $part, enabledUnits: 10) { skuId } }";

describe("the product views cost a fixed number of SQL statements", () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await TestGateway.start();
    // Only the requests are counted: the background processor's polls must not land in between.
    await gateway.app.services.licensing.processor.stop();
    await gateway.settle();
    // 110 members licensed with E1 by one group, two of them left waiting for a seat.
    const api = new GroupLicensingApi(gateway);
    const group = await api.group([]);
    await api.bulkMembers(group, 110);
    await api.leaveFreeSeats(SKU.E1, 108);
    await api.assign(group, [{ skuId: SKU.E1 }]);
    await gateway.settle();
    // Two more groups assigning it, so that a page of groups has more than one; their three members wait too.
    await api.group(await api.users(2), [{ skuId: SKU.E1 }]);
    await api.group(await api.users(1), [{ skuId: SKU.E1 }]);
    await gateway.settle();
  });
  afterAll(() => gateway.stop());

  async function statements(query: string, variables: Record<string, unknown> = {}): Promise<{ count: number; data: Record<string, any> }> {
    await gateway.tokenFor("grace.kim");
    // A request before the counted one: on SQLite the caller's sign-in read is then remembered
    // (until the next write), so every counted request starts alike, whatever ran before it.
    await gateway.ok("grace.kim", "{ me { id } }");
    const log = gateway.app.services.db.queryLog;
    const before = log.count;
    const data = await gateway.ok("grace.kim", query, variables);
    return { count: log.count - before, data };
  }

  it("reads a product's users and groups, with every relation, in as many statements for 100 users as for 5", async () => {
    const small = await statements(LICENSED, { sku: SKU.E1, first: 5 });
    const large = await statements(LICENSED, { sku: SKU.E1, first: 100 });
    expect(small.data.subscribedSku.licensedUsers.edges).toHaveLength(5);
    expect(large.data.subscribedSku.licensedUsers.edges).toHaveLength(100);
    expect(large.data.subscribedSku.usersInErrorCount).toBe(5);
    expect(large.data.subscribedSku.licensedGroups.edges.length).toBeGreaterThanOrEqual(3);
    expect(large.count).toBe(small.count);
    // Sign-in (1; on SQLite remembered from the request before), the SKU, the page of users
    // (after the directory's size and the product's users, counted up to the walk threshold,
    // choose its plan: 3), their sources of the SKU, proxy addresses, memberships and their
    // groups (2), the groups inherited from, the users' count, the error counts, the page of
    // groups, their licenses, their members in error, their processing and the groups' count.
    expect(large.count).toBeLessThanOrEqual(17);
  });

  it("sums up the tenant in as many statements for nine products as for seven", async () => {
    const before = await statements(SUMMARY);
    await gateway.ok("admin", ADD_SUBSCRIPTION, { part: "POWER_BI_PRO" });
    await gateway.ok("admin", ADD_SUBSCRIPTION, { part: "VISIOCLIENT" });
    const after = await statements(SUMMARY);
    expect(after.data.licenseSummary.products).toHaveLength(before.data.licenseSummary.products.length + 2);
    expect(after.count).toBe(before.count);
    // Sign-in (2; on SQLite remembered, as above), the subscriptions, the error counts by SKU, the tenant's error counts.
    expect(after.count).toBeLessThanOrEqual(5);
  });
});
