import { TestGateway } from "../support/harness";

/**
 * Engineering (demo tenant) gives E5 and EMS to five members with three E5 seats: two members
 * end in error on both products (CountViolation, and Other for EMS), so each has two rows in
 * error. A page of the group's members in error must still count each of them once.
 */
describe("a group's members in license error, a page at a time", () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await TestGateway.start();
    await gateway.settle();
  });

  afterAll(async () => {
    await gateway?.stop();
  });

  const PAGE = `query($g: ID!, $after: String) {
    group(id: $g) { membersWithLicenseErrors(first: 1, after: $after) { totalCount edges { node { id } } pageInfo { hasNextPage endCursor } } }
  }`;

  it("gives each member in error once, though in error on two of the group's products", async () => {
    const g = await gateway.groupId("Engineering");
    const first = (await gateway.ok("admin", PAGE, { g })).group.membersWithLicenseErrors;
    expect(first.totalCount).toBe(2);
    expect(first.edges).toHaveLength(1);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const second = (await gateway.ok("admin", PAGE, { g, after: first.pageInfo.endCursor })).group.membersWithLicenseErrors;
    expect(second.edges).toHaveLength(1);
    expect(second.edges[0].node.id).not.toBe(first.edges[0].node.id);
    expect(second.pageInfo.hasNextPage).toBe(false);
  });
});
