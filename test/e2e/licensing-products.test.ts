import { refusal, TestGateway } from "../support/harness";
import { GroupLicensingApi, SKU, type TestUser } from "../support/group-licensing-api";

/**
 * The product-centric views (Entra's "Licenses → All products"), read through GraphQL over one
 * tenant: Skype for Business Online (Plan 2), MCOSTANDARD, held by
 *   - Direct: assigned directly;
 *   - Group: inherited from Licensing group A;
 *   - Both: directly and from group A;
 *   - Waiting: a member of group A who joined when no seat was left (CountViolation);
 *   - Second: inherited from group B, which has nobody in error.
 * Everyone's display name starts with "Prodview", so the directory's other users stay out of
 * the lists that compose with startsWith.
 */

const LICENSED_USERS = `query($sku: ID, $first: Int, $after: String, $last: Int, $before: String, $filter: LicensedUserFilter) {
  subscribedSku(skuId: $sku) {
    licensedUsers(first: $first, after: $after, last: $last, before: $before, filter: $filter) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node {
        user { id displayName }
        skuId assignedDirectly state error
        inheritedFrom { id displayName }
        licenseAssignmentStates { assignedByGroup state error }
      } }
    }
  }
}`;
const LICENSED_GROUPS = `query($sku: ID, $first: Int, $after: String) {
  subscribedSku(skuId: $sku) {
    usersInErrorCount groupsInErrorCount
    licensedGroups(first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { group { id } skuId disabledPlans membersInErrorCount licenseProcessingState { state } } }
    }
  }
}`;
const USERS = `query($filter: UserFilter, $first: Int, $after: String) {
  users(filter: $filter, first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { id } } }
}`;
const GROUPS = "query($filter: GroupFilter) { groups(filter: $filter, first: 100) { totalCount edges { node { id } } } }";
const SUMMARY = `query {
  licenseSummary {
    usersInErrorCount groupsInErrorCount
    products { skuId skuPartNumber consumedUnits prepaidUnits { enabled suspended warning lockedOut } usersInErrorCount groupsInErrorCount }
  }
}`;
const SET_UNITS = `mutation($sku: ID!, $units: PrepaidUnitsInput) { updateSubscription(skuId: $sku, prepaidUnits: $units) { skuId } }`;

const SKYPE = SKU.MCOSTANDARD;

let gateway: TestGateway;
let api: GroupLicensingApi;
const people: Record<"direct" | "group" | "both" | "waiting" | "second", TestUser> = {} as never;
let groupA: string;
let groupB: string;

async function person(name: string): Promise<TestUser> {
  const nickname = `prodview.${name.toLowerCase()}`;
  const { createUser } = await gateway.ok("admin", "mutation($input: CreateUserInput!) { createUser(input: $input) { id userPrincipalName } }", {
    input: { userPrincipalName: `${nickname}@contoso.com`, displayName: `Prodview ${name}`, usageLocation: "US" },
  });
  return createUser;
}

beforeAll(async () => {
  gateway = await TestGateway.start();
  await gateway.app.services.licensing.processor.stop();
  await gateway.settle();
  api = new GroupLicensingApi(gateway);
  for (const name of ["Direct", "Group", "Both", "Waiting", "Second"] as const) people[name.toLowerCase() as keyof typeof people] = await person(name);
  // Five seats: four are taken (Direct, Both, Group, Second), one kept back as suspended units.
  await gateway.ok("admin", SET_UNITS, { sku: SKYPE, units: { enabled: 4, suspended: 2, lockedOut: 1 } });
  await api.assignDirect(people.direct, [{ skuId: SKYPE }]);
  await api.assignDirect(people.both, [{ skuId: SKYPE }]);
  groupA = await api.group([people.group, people.both], [{ skuId: SKYPE }]);
  groupB = await api.group([people.second], [{ skuId: SKYPE }]);
  await gateway.settle();
  await api.addMember(groupA, people.waiting);
  await gateway.settle();
});
afterAll(() => gateway.stop());

const ids = (connection: { edges: { node: { id?: string; user?: { id: string }; group?: { id: string } } }[] }) =>
  connection.edges.map(({ node }) => node.id ?? node.user?.id ?? node.group!.id);

async function licensedUsers(variables: Record<string, unknown>) {
  return (await gateway.ok("admin", LICENSED_USERS, { sku: SKYPE, first: 50, ...variables })).subscribedSku.licensedUsers;
}

describe("a product's licensed users", () => {
  it("lists everyone with the SKU from any source, in any state, by displayName", async () => {
    const page = await licensedUsers({});
    expect(ids(page)).toEqual([people.both, people.direct, people.group, people.second, people.waiting].map((u) => u.id));
    expect(page.totalCount).toBe(5);
  });

  it("says how each holds it: directly, inherited from which groups, and the state and error", async () => {
    const nodes = new Map((await licensedUsers({})).edges.map(({ node }: any) => [node.user.id, node]));
    expect(nodes.get(people.both.id)).toMatchObject({
      skuId: SKYPE,
      assignedDirectly: true,
      inheritedFrom: [{ id: groupA }],
      state: "Active",
      error: "None",
      licenseAssignmentStates: [
        { assignedByGroup: null, state: "Active", error: "None" },
        { assignedByGroup: groupA, state: "Active", error: "None" },
      ],
    });
    expect(nodes.get(people.direct.id)).toMatchObject({ assignedDirectly: true, inheritedFrom: [], state: "Active" });
    expect(nodes.get(people.second.id)).toMatchObject({ assignedDirectly: false, inheritedFrom: [{ id: groupB }], state: "Active" });
    expect(nodes.get(people.waiting.id)).toMatchObject({
      assignedDirectly: false,
      inheritedFrom: [{ id: groupA }],
      state: "Error",
      error: "CountViolation",
      licenseAssignmentStates: [{ assignedByGroup: groupA, state: "Error", error: "CountViolation" }],
    });
  });

  it.each([
    ["DIRECT", null, ["both", "direct"]],
    ["GROUP", null, ["both", "group", "second", "waiting"]],
    ["ANY", null, ["both", "direct", "group", "second", "waiting"]],
    ["GROUP", "Error", ["waiting"]],
    ["DIRECT", "Error", []],
    ["ANY", "Active", ["both", "direct", "group", "second"]],
  ] as const)("filtered by assignedBy %s and state %s", async (assignedBy, state, expected) => {
    const page = await licensedUsers({ filter: { assignedBy, ...(state ? { state } : {}) } });
    expect(ids(page)).toEqual(expected.map((name) => people[name].id));
    expect(page.totalCount).toBe(expected.length);
  });

  it("pages forward and backward with cursors", async () => {
    const first = await licensedUsers({ first: 2 });
    expect(ids(first)).toEqual([people.both.id, people.direct.id]);
    expect(first.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    const second = await licensedUsers({ first: 2, after: first.pageInfo.endCursor });
    expect(ids(second)).toEqual([people.group.id, people.second.id]);
    const third = await licensedUsers({ first: 2, after: second.pageInfo.endCursor });
    expect(ids(third)).toEqual([people.waiting.id]);
    expect(third.pageInfo.hasNextPage).toBe(false);

    const back = await licensedUsers({ first: undefined, last: 2, before: third.pageInfo.startCursor });
    expect(ids(back)).toEqual([people.group.id, people.second.id]);
    expect(back.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: true });
  });

  it("refuses a cursor from elsewhere, and a page too large, saying what to pass", async () => {
    const cursor = refusal(await gateway.gql("admin", LICENSED_USERS, { sku: SKYPE, first: 2, after: "bm90LWEtY3Vyc29y" }));
    expect(cursor).toMatchObject({ code: "BAD_USER_INPUT", message: expect.stringContaining("after is not a cursor from this list") });
    const size = refusal(await gateway.gql("admin", LICENSED_USERS, { sku: SKYPE, first: 100000 }));
    expect(size).toMatchObject({ code: "BAD_USER_INPUT", message: expect.stringMatching(/^first must be between 1 and \d+/) });
  });

  it("refuses an unknown assignedBy or state with the values allowed", async () => {
    const response = await gateway.gql("admin", LICENSED_USERS, { sku: SKYPE, filter: { assignedBy: "INHERITED" } });
    expect(response.errors?.[0]?.extensions.code).toBe("BAD_USER_INPUT");
    expect(response.errors?.[0]?.message).toMatch(/INHERITED/);
  });
});

describe("a product's licensed groups and error counts", () => {
  it("lists the groups assigning the SKU with their processing state and members in error", async () => {
    const sku = (await gateway.ok("admin", LICENSED_GROUPS, { sku: SKYPE, first: 50 })).subscribedSku;
    expect(sku.licensedGroups.totalCount).toBe(2);
    expect(sku.licensedGroups.edges.map(({ node }: any) => node)).toEqual([
      { group: { id: groupA }, skuId: SKYPE, disabledPlans: [], membersInErrorCount: 1, licenseProcessingState: { state: "ProcessingComplete" } },
      { group: { id: groupB }, skuId: SKYPE, disabledPlans: [], membersInErrorCount: 0, licenseProcessingState: { state: "ProcessingComplete" } },
    ]);
    expect(sku.usersInErrorCount).toBe(1);
    expect(sku.groupsInErrorCount).toBe(1);
  });

  it("pages the groups", async () => {
    const first = (await gateway.ok("admin", LICENSED_GROUPS, { sku: SKYPE, first: 1 })).subscribedSku.licensedGroups;
    expect(ids(first)).toEqual([groupA]);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const next = (await gateway.ok("admin", LICENSED_GROUPS, { sku: SKYPE, first: 1, after: first.pageInfo.endCursor })).subscribedSku.licensedGroups;
    expect(ids(next)).toEqual([groupB]);
    expect(next.pageInfo.hasNextPage).toBe(false);
  });
});

describe("users and groups filtered by license", () => {
  const users = async (filter: Record<string, unknown>, first = 50, after?: string) =>
    (await gateway.ok("admin", USERS, { filter: { startsWith: "Prodview", ...filter }, first, after })).users;

  it("lists the holders of a SKU, as assignedLicenses/any(x: x/skuId eq …) does: not those still waiting in error", async () => {
    expect(ids(await users({ skuId: SKYPE }))).toEqual([people.both, people.direct, people.group, people.second].map((u) => u.id));
  });

  it("lists the users in error on a SKU, and the holders without an error on it", async () => {
    expect(ids(await users({ skuId: SKYPE, hasLicenseErrors: true }))).toEqual([people.waiting.id]);
    expect(ids(await users({ skuId: SKYPE, hasLicenseErrors: false }))).toEqual([people.both, people.direct, people.group, people.second].map((u) => u.id));
  });

  it("lists users with or without any license error", async () => {
    expect(ids(await users({ hasLicenseErrors: true }))).toEqual([people.waiting.id]);
    expect(ids(await users({ hasLicenseErrors: false }))).toEqual([people.both, people.direct, people.group, people.second].map((u) => u.id));
  });

  it("composes with the other filters and keyset paging", async () => {
    const first = await users({ skuId: SKYPE, usageLocation: "US" }, 3);
    expect(first.totalCount).toBe(4);
    expect(ids(first)).toEqual([people.both, people.direct, people.group].map((u) => u.id));
    const next = await users({ skuId: SKYPE, usageLocation: "US" }, 3, first.pageInfo.endCursor);
    expect(ids(next)).toEqual([people.second.id]);
    expect(next.pageInfo.hasNextPage).toBe(false);
    expect((await users({ skuId: SKYPE, startsWith: "Prodview Wait" })).totalCount).toBe(0);
  });

  it("lists the groups assigning a SKU, composed with hasMembersWithLicenseErrors", async () => {
    const assigning = (await gateway.ok("admin", GROUPS, { filter: { skuId: SKYPE } })).groups;
    expect(ids(assigning)).toEqual([groupA, groupB]);
    const inError = (await gateway.ok("admin", GROUPS, { filter: { skuId: SKYPE, hasMembersWithLicenseErrors: true } })).groups;
    expect(ids(inError)).toEqual([groupA]);
  });

  it.each([
    ["users", USERS],
    ["groups", GROUPS],
  ])("refuses on %s a skuId the tenant does not subscribe to, or that is not a GUID, naming the field", async (_list, query) => {
    const unknown = refusal(await gateway.gql("admin", query, { filter: { skuId: SKU.DEVELOPERPACK_E5 } }));
    expect(unknown).toMatchObject({
      code: "BAD_USER_INPUT",
      message: `filter.skuId '${SKU.DEVELOPERPACK_E5}' is not a product the tenant subscribes to; subscribedSkus lists the skuIds it has.`,
      extensions: { field: "filter.skuId" },
    });
    const malformed = refusal(await gateway.gql("admin", query, { filter: { skuId: "E3" } }));
    expect(malformed).toMatchObject({ code: "BAD_USER_INPUT", message: expect.stringContaining("filter.skuId 'E3' is not a GUID") });
  });
});

describe("the tenant's license summary", () => {
  it("gives each product's units, consumed units, users and groups in error", async () => {
    const { licenseSummary } = await gateway.ok("admin", SUMMARY);
    const skype = licenseSummary.products.find((product: { skuId: string }) => product.skuId === SKYPE);
    expect(skype).toEqual({
      skuId: SKYPE,
      skuPartNumber: "MCOSTANDARD",
      consumedUnits: 4,
      prepaidUnits: { enabled: 4, suspended: 2, warning: 0, lockedOut: 1 },
      usersInErrorCount: 1,
      groupsInErrorCount: 1,
    });
    const { subscribedSkus } = await gateway.ok("admin", "{ subscribedSkus { skuId } }");
    expect(licenseSummary.products.map((product: { skuId: string }) => product.skuId).sort()).toEqual(subscribedSkus.map((sku: { skuId: string }) => sku.skuId).sort());
  });

  it("counts the tenant's users and groups in error once each, as the directory's filtered lists do", async () => {
    const { licenseSummary } = await gateway.ok("admin", SUMMARY);
    const usersInError = (await gateway.ok("admin", USERS, { filter: { hasLicenseErrors: true }, first: 1 })).users.totalCount;
    const groupsInError = (await gateway.ok("admin", GROUPS, { filter: { hasMembersWithLicenseErrors: true } })).groups.totalCount;
    // The demo tenant's own errors (Engineering's E5 seats, Emma's conflicting Exchange plans) and ours.
    expect(usersInError).toBeGreaterThan(1);
    expect(licenseSummary.usersInErrorCount).toBe(usersInError);
    expect(licenseSummary.groupsInErrorCount).toBe(groupsInError);
    const perProduct = licenseSummary.products.reduce((sum: number, product: { usersInErrorCount: number }) => sum + product.usersInErrorCount, 0);
    expect(perProduct).toBeGreaterThanOrEqual(licenseSummary.usersInErrorCount);
  });

  it("is read by any directory reader, and refused without a token", async () => {
    const { licenseSummary } = await gateway.ok("priya.nair", SUMMARY);
    expect(licenseSummary.products.length).toBeGreaterThan(0);
    expect((await gateway.ok("priya.nair", LICENSED_USERS, { sku: SKYPE, first: 1 })).subscribedSku.licensedUsers.totalCount).toBe(5);
    expect(refusal(await gateway.gql(null, SUMMARY)).code).toBe("UNAUTHENTICATED");
  });
});
