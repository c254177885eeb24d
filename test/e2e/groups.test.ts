import { randomUUID } from "node:crypto";
import { refusal, TestGateway, type GraphQLResponse } from "../support/harness";

const GROUP = "id displayName description securityEnabled mailEnabled mailNickname groupTypes membershipRule membershipRuleProcessingState";
const CREATE = `mutation($input: CreateGroupInput!) { createGroup(input: $input) { ${GROUP} } }`;
const UPDATE = `mutation($id: ID!, $input: UpdateGroupInput!) { updateGroup(id: $id, input: $input) { ${GROUP} } }`;
const DELETE = "mutation($id: ID!) { deleteGroup(id: $id) }";
const ADD = "mutation($g: ID!, $u: ID!) { addGroupMember(groupId: $g, userId: $u) { id } }";
const REMOVE = "mutation($g: ID!, $u: ID!) { removeGroupMember(groupId: $g, userId: $u) { id } }";
const READ = `query($id: ID!) { group(id: $id) { ${GROUP} members(first: 100) { totalCount edges { node { ... on User { userPrincipalName } } } } } }`;
const AUDITS = `query($id: ID!) { directoryAudits(filter: { targetId: $id }, first: 100) { edges { node {
  activityDisplayName category result
  initiatedBy { user { userPrincipalName } app { displayName } }
  targetResources { id type modifiedProperties { displayName oldValue newValue } } } } } }`;

type Group = Record<string, any> & { id: string; displayName: string };

describe("groups", () => {
  let gateway: TestGateway;
  let counter = 0;
  const uniqueName = (prefix = "Test group") => `${prefix} ${++counter}`;

  beforeAll(async () => {
    gateway = await TestGateway.start();
  });
  afterAll(() => gateway.stop());

  const tryCreate = (input: Record<string, unknown>) => gateway.gql("admin", CREATE, { input });
  const tryUpdate = (id: string, input: Record<string, unknown>) => gateway.gql("admin", UPDATE, { id, input });
  const tryAdd = (groupId: string, userId: string) => gateway.gql("admin", ADD, { g: groupId, u: userId });
  const tryRemove = (groupId: string, userId: string) => gateway.gql("admin", REMOVE, { g: groupId, u: userId });

  async function createGroup(input: Record<string, unknown> = {}): Promise<Group> {
    return (await gateway.ok("admin", CREATE, { input: { displayName: uniqueName(), ...input } })).createGroup;
  }

  async function readGroup(id: string): Promise<(Group & { members: string[] }) | null> {
    const { group } = await gateway.ok("admin", READ, { id });
    if (!group) return null;
    const { members, ...fields } = group;
    expect(members.totalCount).toBe(members.edges.length);
    return { ...fields, members: members.edges.map((edge: any) => edge.node.userPrincipalName) };
  }

  async function memberOf(nickname: string): Promise<string[]> {
    const data = await gateway.ok("admin", "query($id: ID) { user(id: $id) { memberOf { id } } }", { id: await gateway.userId(nickname) });
    return data.user.memberOf.map((group: { id: string }) => group.id);
  }

  async function groupCount(): Promise<number> {
    return (await gateway.ok("admin", "{ groups { totalCount } }")).groups.totalCount;
  }

  /** A group holding the given demo users, by nickname. */
  async function groupWith(...nicknames: string[]): Promise<Group> {
    const group = await createGroup();
    for (const nickname of nicknames) await gateway.ok("admin", ADD, { g: group.id, u: await gateway.userId(nickname) });
    return group;
  }

  async function auditOf(targetId: string, activity: string) {
    const { directoryAudits } = await gateway.ok("admin", AUDITS, { id: targetId });
    const entries = directoryAudits.edges.map((edge: any) => edge.node).filter((e: any) => e.activityDisplayName === activity);
    expect(entries).toHaveLength(1);
    return entries[0];
  }

  function expectBadInput(response: GraphQLResponse, field: string) {
    const error = refusal(response);
    expect(error.code).toBe("BAD_USER_INPUT");
    expect(error.message).toContain(field);
    expect(error.extensions.field).toBe(field);
  }

  describe("createGroup", () => {
    it("creates an assigned security group with Entra's defaults when only displayName is given", async () => {
      const displayName = uniqueName();
      const created = await createGroup({ displayName });
      expect(created).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        displayName,
        description: null,
        securityEnabled: true,
        mailEnabled: false,
        mailNickname: null,
        groupTypes: [],
        membershipRule: null,
        membershipRuleProcessingState: null,
      });
      expect(await readGroup(created.id)).toEqual({ ...created, members: [] });
    });

    it("creates a mail-enabled Microsoft 365 group", async () => {
      const created = await createGroup({ securityEnabled: false, mailEnabled: true, mailNickname: "project-x", groupTypes: ["Unified"] });
      expect(created).toMatchObject({ securityEnabled: false, mailEnabled: true, mailNickname: "project-x", groupTypes: ["Unified"] });
    });

    it("refuses an input that leaves out displayName, naming the field", async () => {
      const error = refusal(await tryCreate({ description: "no name" }));
      expect(error.code).toBe("BAD_USER_INPUT");
      expect(error.message).toContain("displayName");
    });

    it.each<[string, Record<string, unknown>, string]>([
      ["an empty displayName", { displayName: "" }, "displayName"],
      ["a blank displayName", { displayName: "   " }, "displayName"],
      ["an unknown groupTypes value", { groupTypes: ["Distribution"] }, "groupTypes"],
      ["mailEnabled without a mailNickname", { mailEnabled: true }, "mailNickname"],
      ["a mailNickname with a space", { mailEnabled: true, mailNickname: "sales team" }, "mailNickname"],
      ["a group neither security- nor mail-enabled", { securityEnabled: false, mailEnabled: false }, "securityEnabled"],
      ["DynamicMembership in groupTypes without a membershipRule", { groupTypes: ["DynamicMembership"] }, "membershipRule"],
      ["membershipRuleProcessingState on an assigned group", { membershipRuleProcessingState: "On" }, "membershipRuleProcessingState"],
    ])("refuses %s with BAD_USER_INPUT naming the field, and creates nothing", async (_, input, field) => {
      const before = await groupCount();
      expectBadInput(await tryCreate({ displayName: uniqueName(), ...input }), field);
      expect(await groupCount()).toBe(before);
    });

    it("refuses a membershipRuleProcessingState other than On or Paused (an enum) with BAD_USER_INPUT naming the field, and creates nothing", async () => {
      const before = await groupCount();
      const error = refusal(await tryCreate({ displayName: uniqueName(), membershipRule: 'user.department -eq "Sales"', membershipRuleProcessingState: "Off" }));
      expect(error.code).toBe("BAD_USER_INPUT");
      expect(error.message).toContain("membershipRuleProcessingState");
      expect(error.message).toContain("MembershipRuleProcessingState");
      expect(await groupCount()).toBe(before);
    });
  });

  describe("updateGroup", () => {
    it("changes the given fields and leaves the others as they were", async () => {
      const group = await createGroup({ description: "before" });
      const displayName = uniqueName("Renamed");
      const { updateGroup } = await gateway.ok("admin", UPDATE, { id: group.id, input: { displayName, mailEnabled: true, mailNickname: "renamed" } });
      const expected = { ...group, displayName, mailEnabled: true, mailNickname: "renamed" };
      expect(updateGroup).toEqual(expected);
      expect(await readGroup(group.id)).toEqual({ ...expected, members: [] });
    });

    it("clears the description when it is set to null", async () => {
      const group = await createGroup({ description: "temporary" });
      expect((await gateway.ok("admin", UPDATE, { id: group.id, input: { description: null } })).updateGroup.description).toBeNull();
    });

    it.each<[string, Record<string, unknown>, Record<string, unknown>, string]>([
      ["mailEnabled without a mailNickname", {}, { mailEnabled: true }, "mailNickname"],
      ["a bad mailNickname", { mailEnabled: true, mailNickname: "ok" }, { mailNickname: "not@ok" }, "mailNickname"],
      ["turning off both security and mail", {}, { securityEnabled: false }, "securityEnabled"],
      ["an unknown groupTypes value", {}, { groupTypes: ["Security"] }, "groupTypes"],
      ["DynamicMembership without a membershipRule", {}, { groupTypes: ["DynamicMembership"] }, "membershipRule"],
      ["membershipRuleProcessingState on an assigned group", {}, { membershipRuleProcessingState: "Paused" }, "membershipRuleProcessingState"],
    ])("refuses %s with BAD_USER_INPUT and changes nothing", async (_, createInput, input, field) => {
      const group = await createGroup({ description: "unchanged", ...createInput });
      const before = await readGroup(group.id);
      expectBadInput(await tryUpdate(group.id, { displayName: uniqueName("Should not stick"), ...input }), field);
      expect(await readGroup(group.id)).toEqual(before);
    });

    it("refuses a membershipRuleProcessingState other than On or Paused (an enum, so letter case counts) with BAD_USER_INPUT and changes nothing", async () => {
      const group = await createGroup({ description: "unchanged", membershipRule: 'user.department -eq "Nobody"' });
      const before = await readGroup(group.id);
      const error = refusal(await tryUpdate(group.id, { displayName: uniqueName("Should not stick"), membershipRuleProcessingState: "off" }));
      expect(error.code).toBe("BAD_USER_INPUT");
      expect(error.message).toContain("membershipRuleProcessingState");
      expect(await readGroup(group.id)).toEqual(before);
    });
  });

  describe("group ids", () => {
    const mutations: [string, (id: string) => Promise<GraphQLResponse>][] = [
      ["updateGroup", (id) => tryUpdate(id, { description: "x" })],
      ["deleteGroup", (id) => gateway.gql("admin", DELETE, { id })],
      ["addGroupMember", async (id) => tryAdd(id, await gateway.userId("ada.lovelace"))],
      ["removeGroupMember", async (id) => tryRemove(id, await gateway.userId("ada.lovelace"))],
    ];

    it.each(mutations)("%s refuses an id that is not a GUID with BAD_USER_INPUT", async (_, mutate) => {
      const error = refusal(await mutate("all-sales"));
      expect(error.code).toBe("BAD_USER_INPUT");
      expect(error.message).toContain("'all-sales' is not a GUID");
    });

    it.each(mutations)("%s refuses an unknown id with NOT_FOUND", async (_, mutate) => {
      const id = randomUUID();
      const error = refusal(await mutate(id));
      expect(error.code).toBe("NOT_FOUND");
      expect(error.message).toContain(id);
    });
    it("accepts a group id in upper case and audits each change under the group's own id", async () => {
      const group = await createGroup();
      const [upper, ada] = [group.id.toUpperCase(), await gateway.userId("ada.lovelace")];
      await gateway.ok("admin", UPDATE, { id: upper, input: { description: "x" } });
      await gateway.ok("admin", ADD, { g: upper, u: ada });
      await gateway.ok("admin", REMOVE, { g: upper, u: ada });
      expect((await gateway.ok("admin", DELETE, { id: upper })).deleteGroup).toBe(group.id);
      for (const activity of ["Update group", "Add member to group", "Remove member from group", "Delete group"]) {
        expect((await auditOf(group.id, activity)).result).toBe("success");
      }
    });
  });

  describe("deleteGroup", () => {
    it("deletes the group, returns its id, and takes it off its members' memberOf", async () => {
      const group = await groupWith("ada.lovelace");
      expect(await memberOf("ada.lovelace")).toContain(group.id);
      expect((await gateway.ok("admin", DELETE, { id: group.id })).deleteGroup).toBe(group.id);
      expect(await readGroup(group.id)).toBeNull();
      expect(await memberOf("ada.lovelace")).not.toContain(group.id);
      expect(refusal(await gateway.gql("admin", DELETE, { id: group.id })).code).toBe("NOT_FOUND");
    });
  });

  describe("members", () => {
    it("adds a member so that the group's members and the user's memberOf agree", async () => {
      const group = await groupWith("mei.chen");
      await gateway.ok("admin", ADD, { g: group.id, u: await gateway.userId("tom.jensen") });
      expect((await readGroup(group.id))!.members).toEqual(["mei.chen@contoso.com", "tom.jensen@contoso.com"]);
      expect(await memberOf("tom.jensen")).toContain(group.id);
    });

    it("removes a member from both sides", async () => {
      const group = await groupWith("mei.chen", "tom.jensen");
      await gateway.ok("admin", REMOVE, { g: group.id, u: await gateway.userId("mei.chen") });
      expect((await readGroup(group.id))!.members).toEqual(["tom.jensen@contoso.com"]);
      expect(await memberOf("mei.chen")).not.toContain(group.id);
      expect(await memberOf("tom.jensen")).toContain(group.id);
    });

    it("refuses to add a user who is already a member with CONFLICT", async () => {
      const group = await groupWith("mei.chen");
      const error = refusal(await tryAdd(group.id, await gateway.userId("mei.chen")));
      expect(error.code).toBe("CONFLICT");
      expect(error.message).toContain("mei.chen@contoso.com is already a member");
      expect((await readGroup(group.id))!.members).toEqual(["mei.chen@contoso.com"]);
    });

    it("refuses to remove a user who is not a member with NOT_FOUND", async () => {
      const group = await groupWith("mei.chen");
      const error = refusal(await tryRemove(group.id, await gateway.userId("tom.jensen")));
      expect(error.code).toBe("NOT_FOUND");
      expect(error.message).toContain("tom.jensen@contoso.com");
      expect((await readGroup(group.id))!.members).toEqual(["mei.chen@contoso.com"]);
    });

    it.each([
      ["adding", tryAdd],
      ["removing", tryRemove],
    ])("refuses %s an unknown user with NOT_FOUND", async (_, mutate) => {
      const group = await groupWith("mei.chen");
      const error = refusal(await mutate(group.id, randomUUID()));
      expect(error.code).toBe("NOT_FOUND");
      expect(error.message).toMatch(/^User '/);
      expect((await readGroup(group.id))!.members).toEqual(["mei.chen@contoso.com"]);
    });

    it.each([
      ["adding", "john.smith", tryAdd],
      ["removing", "ada.lovelace", tryRemove],
    ])("refuses %s members of a dynamic group by hand with CONFLICT, because membership follows the rule", async (_, nickname, mutate) => {
      const group = await createGroup({ membershipRule: '(user.department -eq "Sales") -and (user.usageLocation -eq "US")' });
      const before = await readGroup(group.id);
      const error = refusal(await mutate(group.id, await gateway.userId(nickname)));
      expect(error.code).toBe("CONFLICT");
      expect(error.message).toMatch(/dynamic membership/);
      expect(error.message).toMatch(/follow its membershipRule/);
      expect(await readGroup(group.id)).toEqual(before);
    });
  });

  describe("audit", () => {
    /** A modified property of the entry's first target, with its JSON text values decoded. */
    function property(entry: any, name: string) {
      const found = entry.targetResources[0].modifiedProperties.find((p: any) => p.displayName === name);
      expect(found).toBeDefined();
      const decode = (text: string | null) => (text === null ? null : JSON.parse(text));
      return { old: decode(found.oldValue), new: decode(found.newValue) };
    }

    function expectAdminSuccess(entry: any, targetId: string) {
      expect(entry).toMatchObject({
        category: "GroupManagement",
        result: "success",
        initiatedBy: { user: { userPrincipalName: "admin@contoso.com" }, app: null },
      });
      expect(entry.targetResources[0]).toMatchObject({ id: targetId, type: "Group" });
    }

    it("records Add group with the new values of the group's fields", async () => {
      const displayName = uniqueName();
      const group = await createGroup({ displayName, mailEnabled: true, mailNickname: "audited" });
      const entry = await auditOf(group.id, "Add group");
      expectAdminSuccess(entry, group.id);
      expect(property(entry, "DisplayName")).toEqual({ old: null, new: displayName });
      expect(property(entry, "MailNickname")).toEqual({ old: null, new: "audited" });
      expect(property(entry, "MailEnabled")).toEqual({ old: null, new: true });
    });

    it("records Update group with old and new values of the changed fields only", async () => {
      const group = await createGroup({ description: "old text" });
      await gateway.ok("admin", UPDATE, { id: group.id, input: { description: "new text", securityEnabled: true } });
      const entry = await auditOf(group.id, "Update group");
      expectAdminSuccess(entry, group.id);
      expect(entry.targetResources[0].modifiedProperties).toEqual([
        { displayName: "Description", oldValue: '"old text"', newValue: '"new text"' },
      ]);
    });

    it("records Delete group", async () => {
      const group = await createGroup();
      await gateway.ok("admin", DELETE, { id: group.id });
      expectAdminSuccess(await auditOf(group.id, "Delete group"), group.id);
    });

    it.each([
      ["Add member to group", [], ADD, null, "grace.kim@contoso.com"],
      ["Remove member from group", ["grace.kim"], REMOVE, "grace.kim@contoso.com", null],
    ])("records %s, naming the group and the user", async (activity, initial, mutation, before, after) => {
      const group = await groupWith(...initial);
      const userId = await gateway.userId("grace.kim");
      await gateway.ok("admin", mutation, { g: group.id, u: userId });
      const entry = await auditOf(group.id, activity);
      expectAdminSuccess(entry, group.id);
      expect(property(entry, "Member")).toEqual({ old: before, new: after });
      expect(entry.targetResources).toContainEqual(expect.objectContaining({ id: userId, type: "User" }));
    });
  });
});
