import { GroupLicensingApi, groupLicensingSuite, PLAN, SKU } from "../support/group-licensing-api";
import { refusal, type TestGateway } from "../support/harness";

const GROUPS_WITH_ERRORS = "query($has: Boolean) { groups(filter: { hasMembersWithLicenseErrors: $has }, first: 100) { edges { node { id } } } }";
const REPROCESS_GROUP = "mutation($id: ID!) { reprocessGroupLicenses(groupId: $id) { id } }";
const UPDATE_USER = "mutation($id: ID!, $input: UpdateUserInput!) { updateUser(id: $id, input: $input) { id } }";
const USER = "query($id: ID) { user(id: $id) { usageLocation assignedLicenses { skuId } } }";

let gateway: TestGateway;
let api: GroupLicensingApi;

groupLicensingSuite((started, made) => {
  gateway = started;
  api = made;
});

const updateUser = (id: string, input: Record<string, unknown>) => gateway.ok("admin", UPDATE_USER, { id, input });

async function groupIdsWithErrors(has: boolean): Promise<string[]> {
  const { groups } = await gateway.ok("admin", GROUPS_WITH_ERRORS, { has });
  return groups.edges.map((edge: { node: { id: string } }) => edge.node.id);
}

describe("group-based licensing", () => {
  it("answers assignGroupLicense at once with QueuedForProcessing and licenses the members in the background", async () => {
    const [ada, bob] = await api.users(2);
    const group = await api.group([ada, bob]);
    const assigned = await api.assign(group, [{ skuId: SKU.E3 }]);
    expect(assigned.licenseProcessingState).toEqual({ state: "QueuedForProcessing" });
    expect(await api.states(ada)).toEqual([]);

    await gateway.settle();
    expect((await api.readGroup(group)).licenseProcessingState).toBe("ProcessingComplete");
    for (const member of [ada, bob]) {
      expect(await api.states(member)).toEqual([expect.objectContaining({ skuId: SKU.E3, assignedByGroup: group, state: "Active", error: "None" })]);
    }
  });

  it("shows a group with no members ProcessingComplete once it assigns a license, since there is nobody to process", async () => {
    const group = await api.group([]);
    await api.assign(group, [{ skuId: SKU.E3 }]);
    await gateway.settle();
    expect((await api.readGroup(group)).licenseProcessingState).toBe("ProcessingComplete");
  });

  it("audits the run as the group-based licensing app, with the succeeded and failed counts at the finish", async () => {
    await api.leaveFreeSeats(SKU.E3, 2);
    const group = await api.group(await api.users(3), [{ skuId: SKU.E3 }]);
    await gateway.settle();

    const [start] = await api.audits(group, "Start applying group based license to users");
    const [finish] = await api.audits(group, "Finish applying group based license to users");
    for (const entry of [start, finish]) {
      expect(entry.initiatedBy.user).toBeNull();
      expect(entry.initiatedBy.app?.displayName).toMatch(/group-based licensing/i);
    }
    expect(finish.targetResources[0].modifiedProperties).toEqual([
      { displayName: "SucceededCount", oldValue: null, newValue: "2" },
      { displayName: "FailedCount", oldValue: null, newValue: "1" },
    ]);
    expect(finish.resultReason).toBe("Users successfully assigned licenses: 2, Users for whom license assignment failed: 1.");
  });

  it("audits a member's failure once, as 'Change user license' by the licensing service with the error and its message, however often it is retried", async () => {
    await api.leaveFreeSeats(SKU.E3, 0);
    const [late] = await api.users(1);
    const group = await api.group([late], [{ skuId: SKU.E3 }]);
    await gateway.settle();
    await gateway.ok("admin", REPROCESS_GROUP, { id: group });
    await gateway.settle();

    const failures = (await api.audits(late.id, "Change user license")).filter((entry) => entry.result === "failure");
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({
      resultReason: "Subscription with SKU ENTERPRISEPACK does not have any available licenses.",
      initiatedBy: { user: null, app: { displayName: expect.stringMatching(/group-based licensing/i) } },
    });
    expect(failures[0]!.targetResources[0]!.modifiedProperties).toEqual([
      { displayName: "SkuId", oldValue: null, newValue: SKU.E3 },
      { displayName: "AssignedByGroup", oldValue: null, newValue: group },
      { displayName: "LicenseError", oldValue: null, newValue: "CountViolation" },
    ]);
  });

  it("pages membersWithLicenseErrors both ways: back from the end with last/before gives the forward order", async () => {
    await api.leaveFreeSeats(SKU.E3, 0);
    const members = await api.users(3);
    const group = await api.group(members, [{ skuId: SKU.E3 }]);
    await gateway.settle();
    const PAGE = `query($id: ID!, $first: Int, $after: String, $last: Int, $before: String) { group(id: $id) {
      membersWithLicenseErrors(first: $first, after: $after, last: $last, before: $before) {
        edges { node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } } }`;
    const read = async (variables: Record<string, unknown>) => (await gateway.ok("admin", PAGE, { id: group, ...variables })).group.membersWithLicenseErrors;
    const ids = (connection: { edges: { node: { id: string } }[] }) => connection.edges.map((edge) => edge.node.id);

    const forward = ids(await read({ first: 10 }));
    expect(forward).toHaveLength(3);
    const end = await read({ last: 2 });
    expect(ids(end)).toEqual(forward.slice(1));
    expect(end.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    const start = await read({ last: 2, before: end.pageInfo.startCursor });
    expect(ids(start)).toEqual(forward.slice(0, 1));
    expect(start.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
  });

  it("records CountViolation on the member who arrives when the seats are used up, and flags the group", async () => {
    await api.leaveFreeSeats(SKU.E3, 1);
    const [first, late] = await api.users(2);
    const group = await api.group([first], [{ skuId: SKU.E3 }]);
    await gateway.settle();
    await api.addMember(group, late);
    await gateway.settle();

    expect(await api.summary(first, { [group]: "group" })).toEqual(["group ENTERPRISEPACK Active"]);
    expect(await api.summary(late, { [group]: "group" })).toEqual(["group ENTERPRISEPACK Error/CountViolation"]);
    const seats = await api.seats(SKU.E3);
    expect(seats.consumed).toBe(seats.enabled);
    expect(await api.readGroup(group)).toMatchObject({ hasMembersWithLicenseErrors: true, membersWithLicenseErrors: [late.id], errorCount: 1 });
    expect(await groupIdsWithErrors(true)).toContain(group);
    expect(await groupIdsWithErrors(false)).not.toContain(group);
  });

  it("licenses a member waiting for a seat once a direct license is removed and the group is reprocessed", async () => {
    await api.leaveFreeSeats(SKU.E3, 1);
    const [holder, member] = await api.users(2);
    await api.assignDirect(holder, [{ skuId: SKU.E3 }]);
    const group = await api.group([member], [{ skuId: SKU.E3 }]);
    await gateway.settle();
    expect(await api.summary(member, { [group]: "group" })).toEqual(["group ENTERPRISEPACK Error/CountViolation"]);

    await api.assignDirect(holder, [], [SKU.E3]);
    await gateway.ok("admin", REPROCESS_GROUP, { id: group });
    await gateway.settle();
    expect(await api.summary(member, { [group]: "group" })).toEqual(["group ENTERPRISEPACK Active"]);
    expect(await api.readGroup(group)).toMatchObject({ hasMembersWithLicenseErrors: false, membersWithLicenseErrors: [], errorCount: 0 });
    expect(await groupIdsWithErrors(true)).not.toContain(group);
  });

  it("retries members waiting for a seat by itself when the subscription gets more units", async () => {
    await api.leaveFreeSeats(SKU.E3, 0);
    const member = await api.user();
    const group = await api.group([member], [{ skuId: SKU.E3 }]);
    await gateway.settle();
    expect(await api.summary(member, { [group]: "group" })).toEqual(["group ENTERPRISEPACK Error/CountViolation"]);

    await api.setEnabledUnits(SKU.E3, (await api.seats(SKU.E3)).enabled + 1);
    await gateway.settle();
    expect(await api.summary(member, { [group]: "group" })).toEqual(["group ENTERPRISEPACK Active"]);
  });

  it("records MutuallyExclusiveViolation for E3 from a group beside a direct E1, and licenses E3 without Exchange Online (Plan 2)", async () => {
    const member = await api.user();
    await api.assignDirect(member, [{ skuId: SKU.E1 }]);
    const [e3Before] = await api.consumed(SKU.E3);
    const group = await api.group([member], [{ skuId: SKU.E3 }]);
    await gateway.settle();
    expect(await api.summary(member, { [group]: "group" })).toEqual(["direct STANDARDPACK Active", "group ENTERPRISEPACK Error/MutuallyExclusiveViolation"]);
    expect(await api.consumed(SKU.E3)).toEqual([e3Before]);

    // Changing the group's licenses queues its members again; no reprocess is needed.
    await api.assign(group, [{ skuId: SKU.E3, disabledPlans: [PLAN.EXCHANGE_S_ENTERPRISE] }]);
    await gateway.settle();
    expect(await api.state(member, SKU.E3, group)).toMatchObject({ state: "Active", error: "None", disabledPlans: [PLAN.EXCHANGE_S_ENTERPRISE] });
    expect(await api.consumed(SKU.E3)).toEqual([e3Before + 1]);
  });

  it("assigns none of a group's products to a member when one has no seat: EMS CountViolation, E3 Other, no seat taken", async () => {
    await api.leaveFreeSeats(SKU.EMS, 0);
    const before = await api.consumed(SKU.E3, SKU.EMS);
    const member = await api.user();
    const group = await api.group([member], [{ skuId: SKU.E3 }, { skuId: SKU.EMS }]);
    await gateway.settle();

    expect(await api.summary(member, { [group]: "group" })).toEqual(["group EMS Error/CountViolation", "group ENTERPRISEPACK Error/Other"]);
    expect(await api.consumed(SKU.E3, SKU.EMS)).toEqual(before);
  });

  it("refuses at once a group that would assign Workplace Analytics without an Exchange Online plan", async () => {
    const group = await api.group([await api.user()]);
    const response = await gateway.gql("admin", "mutation($g: ID!, $add: [AssignedLicenseInput!]) { assignGroupLicense(groupId: $g, addLicenses: $add) { id } }", {
      g: group,
      add: [{ skuId: SKU.WORKPLACE_ANALYTICS }],
    });
    expect(refusal(response)).toMatchObject({
      code: "LICENSE_ASSIGNMENT_FAILED",
      message:
        "License operation failed. Make sure that the group has necessary services before adding or removing a dependent service. " +
        "The service Microsoft Workplace Analytics requires Exchange Online (Plan 1) or Exchange Online (Plan 2) to be enabled as well.",
    });
    expect(await api.readGroup(group)).toMatchObject({ assignedLicenses: [], licenseProcessingState: null });
  });

  it("charges one E3 and one Workplace Analytics seat per member, however many groups give the member E3", async () => {
    const exchangeOnly = await api.only(SKU.E3, PLAN.EXCHANGE_S_ENTERPRISE);
    const before = await api.consumed(SKU.E3, SKU.WORKPLACE_ANALYTICS);
    const [ada, bob] = await api.users(2);
    const analytics = await api.group([ada, bob], [exchangeOnly, { skuId: SKU.WORKPLACE_ANALYTICS }]);
    const office = await api.group([bob], [{ skuId: SKU.E3 }]);
    await gateway.settle();

    const sources = { [analytics]: "analytics", [office]: "office" };
    expect(await api.summary(ada, sources)).toEqual(["analytics ENTERPRISEPACK Active", "analytics WORKPLACE_ANALYTICS Active"]);
    expect(await api.summary(bob, sources)).toEqual(["analytics ENTERPRISEPACK Active", "analytics WORKPLACE_ANALYTICS Active", "office ENTERPRISEPACK Active"]);
    expect(await api.consumed(SKU.E3, SKU.WORKPLACE_ANALYTICS)).toEqual([before[0] + 2, before[1] + 2]);
  });

  it("charges one seat to a user whom two groups give the same SKU at once, both sources Active", async () => {
    const [before] = await api.consumed(SKU.E3);
    const member = await api.user();
    const first = await api.group([member], [{ skuId: SKU.E3 }]);
    const second = await api.group([member], [{ skuId: SKU.E3 }]);
    await gateway.settle();

    expect(await api.summary(member, { [first]: "first", [second]: "second" })).toEqual(["first ENTERPRISEPACK Active", "second ENTERPRISEPACK Active"]);
    expect((await gateway.ok("admin", USER, { id: member.id })).user.assignedLicenses).toEqual([{ skuId: SKU.E3 }]);
    expect(await api.consumed(SKU.E3)).toEqual([before + 1]);
  });

  it("uses the tenant's default usage location for a member who has none, and leaves the member's own value empty", async () => {
    const member = await api.user({ usageLocation: null });
    const group = await api.group([member], [{ skuId: SKU.E3 }]);
    await gateway.settle();

    expect(await api.summary(member, { [group]: "group" })).toEqual(["group ENTERPRISEPACK Active"]);
    expect((await gateway.ok("admin", USER, { id: member.id })).user.usageLocation).toBeNull();
  });

  it("records ProhibitedInUsageLocationViolation for Audio Conferencing in Iran, and licenses the member once their usage location changes", async () => {
    const member = await api.user({ usageLocation: "IR" });
    const group = await api.group([member], [{ skuId: SKU.MCOSTANDARD }, { skuId: SKU.MCOMEETADV }]);
    await gateway.settle();
    expect(await api.summary(member, { [group]: "group" })).toEqual([
      "group MCOMEETADV Error/ProhibitedInUsageLocationViolation",
      "group MCOSTANDARD Error/Other",
    ]);

    // The change of usage location queues the member by itself.
    await updateUser(member.id, { usageLocation: "US" });
    await gateway.settle();
    expect(await api.summary(member, { [group]: "group" })).toEqual(["group MCOMEETADV Active", "group MCOSTANDARD Active"]);
  });
});
