import { GroupLicensingApi, groupLicensingSuite, SKU } from "../support/group-licensing-api";
import { refusal, type TestGateway } from "../support/harness";

const UPDATE_USER = "mutation($id: ID!, $input: UpdateUserInput!) { updateUser(id: $id, input: $input) { id } }";
const REPROCESS_USER = "mutation($id: ID!) { reprocessUserLicenses(userId: $id) { id } }";
const DELETE_GROUP = "mutation($id: ID!) { deleteGroup(id: $id) }";
const CONFLICTS = "{ proxyAddressConflicts { address pendingMailbox userIds } }";
const PROXIES = "query($id: ID) { user(id: $id) { mail proxyAddresses } }";

let gateway: TestGateway;
let api: GroupLicensingApi;

groupLicensingSuite((started, made) => {
  gateway = started;
  api = made;
});

const updateUser = (id: string, input: Record<string, unknown>) => gateway.ok("admin", UPDATE_USER, { id, input });

describe("group-based licensing as the directory changes", () => {
  it("releases the seat of a member who leaves the group and licenses one who joins, with no reprocess", async () => {
    const [leaving, joining] = await api.users(2);
    const group = await api.group([leaving], [{ skuId: SKU.E3 }]);
    await gateway.settle();
    const [licensed] = await api.consumed(SKU.E3);

    await api.removeMember(group, leaving);
    await gateway.settle();
    expect(await api.states(leaving)).toEqual([]);
    expect(await api.consumed(SKU.E3)).toEqual([licensed - 1]);

    await api.addMember(group, joining);
    await gateway.settle();
    expect(await api.summary(joining, { [group]: "group" })).toEqual(["group ENTERPRISEPACK Active"]);
    expect(await api.consumed(SKU.E3)).toEqual([licensed]);
  });

  it("keeps the seat of a member who leaves one of two groups giving the same SKU", async () => {
    const member = await api.user();
    const first = await api.group([member], [{ skuId: SKU.E3 }]);
    const second = await api.group([member], [{ skuId: SKU.E3 }]);
    await gateway.settle();
    const [licensed] = await api.consumed(SKU.E3);

    await api.removeMember(first, member);
    await gateway.settle();
    expect(await api.summary(member, { [second]: "second" })).toEqual(["second ENTERPRISEPACK Active"]);
    expect(await api.consumed(SKU.E3)).toEqual([licensed]);
  });

  it("forgets the error of a member who leaves the group, and stops flagging the group", async () => {
    await api.leaveFreeSeats(SKU.E3, 0);
    const member = await api.user();
    const group = await api.group([member], [{ skuId: SKU.E3 }]);
    await gateway.settle();
    expect((await api.readGroup(group)).hasMembersWithLicenseErrors).toBe(true);

    await api.removeMember(group, member);
    await gateway.settle();
    expect(await api.states(member)).toEqual([]);
    expect(await api.readGroup(group)).toMatchObject({ hasMembersWithLicenseErrors: false, membersWithLicenseErrors: [], errorCount: 0 });
  });

  it("releases every member's seat when the group's license is removed", async () => {
    const [before] = await api.consumed(SKU.E3);
    const members = await api.users(2);
    const group = await api.group(members, [{ skuId: SKU.E3 }]);
    await gateway.settle();
    expect(await api.consumed(SKU.E3)).toEqual([before + 2]);

    const changed = await api.assign(group, [], [SKU.E3]);
    expect(changed).toMatchObject({ assignedLicenses: [], licenseProcessingState: { state: "QueuedForProcessing" } });
    await gateway.settle();
    for (const member of members) expect(await api.states(member)).toEqual([]);
    expect(await api.consumed(SKU.E3)).toEqual([before]);
  });

  it("licenses a user whose department starts to match a dynamic group's rule, and releases the seat when it stops", async () => {
    const department = `Licensed dept ${Date.now()}`;
    const group = await api.group([], [{ skuId: SKU.E3 }], { membershipRule: `(user.department -eq "${department}")` });
    const user = await api.user({ department: "Elsewhere" });
    await gateway.settle();
    const [before] = await api.consumed(SKU.E3);
    expect(await api.states(user)).toEqual([]);

    await updateUser(user.id, { department });
    await gateway.settle();
    expect(await api.summary(user, { [group]: "dynamic" })).toEqual(["dynamic ENTERPRISEPACK Active"]);
    expect(await api.consumed(SKU.E3)).toEqual([before + 1]);

    await updateUser(user.id, { department: "Elsewhere" });
    await gateway.settle();
    expect(await api.states(user)).toEqual([]);
    expect(await api.consumed(SKU.E3)).toEqual([before]);
  });

  it("records UniquenessViolation when a member's new mailbox would take another user's secondary address, until it is freed", async () => {
    const member = await api.user();
    const other = await api.user();
    const address = member.userPrincipalName.toLowerCase();
    await updateUser(other.id, { proxyAddresses: [`SMTP:${other.userPrincipalName}`, `smtp:${address}`] });
    const group = await api.group([member], [{ skuId: SKU.E3 }]);
    await gateway.settle();

    expect(await api.summary(member, { [group]: "group" })).toEqual(["group ENTERPRISEPACK Error/UniquenessViolation"]);
    const conflict = (await gateway.ok("admin", CONFLICTS)).proxyAddressConflicts.find((c: { address: string }) => c.address === address);
    expect(conflict).toMatchObject({ pendingMailbox: true });
    expect([...conflict.userIds].sort()).toEqual([member.id, other.id].sort());

    // Fixing the other user's addresses, then reprocessing the member (as the seeds advise).
    await updateUser(other.id, { proxyAddresses: [`SMTP:${other.userPrincipalName}`] });
    await gateway.ok("admin", REPROCESS_USER, { id: member.id });
    await gateway.settle();
    expect(await api.summary(member, { [group]: "group" })).toEqual(["group ENTERPRISEPACK Active"]);
    expect((await gateway.ok("admin", PROXIES, { id: member.id })).user).toMatchObject({ mail: member.userPrincipalName, proxyAddresses: expect.arrayContaining([`SMTP:${member.userPrincipalName}`]) });
    const after = (await gateway.ok("admin", CONFLICTS)).proxyAddressConflicts.map((c: { address: string }) => c.address);
    expect(after).not.toContain(address);
  });

  it("converts a member's Skype license to direct when the group stops giving it and their direct Audio Conferencing needs it", async () => {
    const member = await api.user();
    const group = await api.group([member], [{ skuId: SKU.MCOSTANDARD }]);
    await gateway.settle();
    await api.assignDirect(member, [{ skuId: SKU.MCOMEETADV }]);
    const before = await api.consumed(SKU.MCOSTANDARD, SKU.MCOMEETADV);

    await api.assign(group, [], [SKU.MCOSTANDARD]);
    await gateway.settle();
    expect(await api.summary(member, { [group]: "group" })).toEqual(["direct MCOMEETADV Active", "direct MCOSTANDARD Active"]);
    expect(await api.consumed(SKU.MCOSTANDARD, SKU.MCOMEETADV)).toEqual(before);

    const converted = (await api.audits(member.id, "Change user license")).filter((entry) => /converted/i.test(entry.resultReason));
    expect(converted).toHaveLength(1);
    expect(converted[0].result).toBe("success");
    expect(converted[0].targetResources.find((target) => target.id === member.id)?.modifiedProperties).toEqual([
      { displayName: "AssignedByGroup", oldValue: JSON.stringify(group), newValue: null },
    ]);
  });

  it("converts nothing when another group still gives the plan the member's direct Audio Conferencing needs", async () => {
    const member = await api.user();
    const skype = await api.group([member], [{ skuId: SKU.MCOSTANDARD }]);
    const office = await api.group([member], [{ skuId: SKU.E3 }]); // E3 includes Skype for Business Online too
    await gateway.settle();
    await api.assignDirect(member, [{ skuId: SKU.MCOMEETADV }]);
    const [skypeSeats] = await api.consumed(SKU.MCOSTANDARD);

    await api.assign(skype, [], [SKU.MCOSTANDARD]);
    await gateway.settle();
    expect(await api.summary(member, { [office]: "office" })).toEqual(["direct MCOMEETADV Active", "office ENTERPRISEPACK Active"]);
    expect(await api.consumed(SKU.MCOSTANDARD)).toEqual([skypeSeats - 1]);
  });

  it("converts only the members whose add-on needs the removed license, among members who hold add-ons in other ways", async () => {
    const [needing, plain, viaGroup, viaOffice] = await api.users(4);
    const skype = await api.group([needing, plain, viaGroup, viaOffice], [{ skuId: SKU.MCOSTANDARD }]);
    const meetings = await api.group([viaGroup], [{ skuId: SKU.MCOSTANDARD }, { skuId: SKU.MCOMEETADV }]);
    const office = await api.group([viaOffice], [{ skuId: SKU.E3 }]);
    await gateway.settle();
    await api.assignDirect(needing, [{ skuId: SKU.MCOMEETADV }]);
    await api.assignDirect(viaOffice, [{ skuId: SKU.MCOMEETADV }]);

    await api.assign(skype, [], [SKU.MCOSTANDARD]);
    await gateway.settle();
    expect(await api.summary(needing, { [skype]: "skype" })).toEqual(["direct MCOMEETADV Active", "direct MCOSTANDARD Active"]);
    expect(await api.states(plain)).toEqual([]);
    expect(await api.summary(viaGroup, { [meetings]: "meetings" })).toEqual(["meetings MCOMEETADV Active", "meetings MCOSTANDARD Active"]);
    expect(await api.summary(viaOffice, { [office]: "office" })).toEqual(["direct MCOMEETADV Active", "office ENTERPRISEPACK Active"]);
    const conversions = async (member: { id: string }) =>
      (await api.audits(member.id, "Change user license")).filter((entry) => /converted/i.test(entry.resultReason)).length;
    expect([await conversions(needing), await conversions(plain), await conversions(viaGroup), await conversions(viaOffice)]).toEqual([1, 0, 0, 0]);
  });

  it("refuses to delete a group that still assigns licenses, and deletes it once they are removed, releasing the seats", async () => {
    const [before] = await api.consumed(SKU.E3);
    const member = await api.user();
    const group = await api.group([member], [{ skuId: SKU.E3 }]);
    await gateway.settle();

    expect(refusal(await gateway.gql("admin", DELETE_GROUP, { id: group })).code).toBe("CONFLICT");
    await api.assign(group, [], [SKU.E3]);
    expect((await gateway.ok("admin", DELETE_GROUP, { id: group })).deleteGroup).toBe(group);
    await gateway.settle();
    expect(await api.states(member)).toEqual([]);
    expect(await api.consumed(SKU.E3)).toEqual([before]);
  });
});
