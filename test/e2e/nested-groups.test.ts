import { randomUUID } from "node:crypto";
import { GroupLicensingApi, groupLicensingSuite, SKU, type TestUser } from "../support/group-licensing-api";
import { refusal, type TestGateway } from "../support/harness";
import { membersWalkThreshold } from "../../src/directory/stores/group-nesting.store";

const CREATE = "mutation($input: CreateGroupInput!) { createGroup(input: $input) { id displayName } }";
const UPDATE = "mutation($id: ID!, $input: UpdateGroupInput!) { updateGroup(id: $id, input: $input) { id groupTypes } }";
const DELETE = "mutation($id: ID!) { deleteGroup(id: $id) }";
const ADD = "mutation($g: ID!, $m: ID, $u: ID) { addGroupMember(groupId: $g, memberId: $m, userId: $u) { id } }";
const REMOVE = "mutation($g: ID!, $m: ID, $u: ID) { removeGroupMember(groupId: $g, memberId: $m, userId: $u) { id } }";
const OBJECT = "__typename id displayName ... on User { userPrincipalName } ... on Group { groupTypes }";
const PAGE = `totalCount edges { cursor node { ${OBJECT} } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor }`;
const MEMBERS = `query($id: ID!) { group(id: $id) { members(first: 100) { ${PAGE} } memberOf { id } } }`;
const MEMBERS_PAGE = `query($id: ID!, $first: Int, $after: String, $last: Int, $before: String) { group(id: $id) {
  members(first: $first, after: $after, last: $last, before: $before) { ${PAGE} } } }`;
const TRANSITIVE = `query($id: ID!, $first: Int, $after: String, $last: Int, $before: String) { group(id: $id) {
  transitiveMembers(first: $first, after: $after, last: $last, before: $before) { ${PAGE} } } }`;
const GROUP_ABOVE = "query($id: ID!) { group(id: $id) { memberOf { id } transitiveMemberOf(first: 100) { totalCount edges { node { id } } } } }";
const USER_ABOVE = "query($id: ID!) { user(id: $id) { memberOf { id } transitiveMemberOf(first: 100) { totalCount edges { node { id } } } } }";
const AUDITS = `query($id: ID!, $activity: String) { directoryAudits(filter: { targetId: $id, activityDisplayName: $activity }, first: 100) { edges { node {
  activityDisplayName category result resultReason
  initiatedBy { user { userPrincipalName } }
  targetResources { id displayName type modifiedProperties { displayName oldValue newValue } } } } } }`;

interface Listed {
  __typename: "User" | "Group";
  id: string;
  displayName: string;
}

let gateway: TestGateway;
let api: GroupLicensingApi;

groupLicensingSuite((started, made) => {
  gateway = started;
  api = made;
});

let serial = 0;

/** A new group (a security group with assigned membership unless `input` says otherwise) holding these users and groups. */
async function group(members: (TestUser | string)[] = [], input: Record<string, unknown> = {}): Promise<string> {
  const { createGroup } = await gateway.ok("admin", CREATE, { input: { displayName: `Nested ${String(++serial).padStart(3, "0")}`, ...input } });
  for (const member of members) await add(createGroup.id, typeof member === "string" ? member : member.id);
  return createGroup.id;
}

const tryAdd = (groupId: string, memberId: string) => gateway.gql("admin", ADD, { g: groupId, m: memberId });
const tryRemove = (groupId: string, memberId: string) => gateway.gql("admin", REMOVE, { g: groupId, m: memberId });
const add = (groupId: string, memberId: string) => gateway.ok("admin", ADD, { g: groupId, m: memberId });
const remove = (groupId: string, memberId: string) => gateway.ok("admin", REMOVE, { g: groupId, m: memberId });

async function members(groupId: string): Promise<{ ids: string[]; listed: Listed[]; totalCount: number; memberOf: string[] }> {
  const { group: found } = await gateway.ok("admin", MEMBERS, { id: groupId });
  const listed: Listed[] = found.members.edges.map((edge: { node: Listed }) => edge.node);
  return { ids: listed.map((node) => node.id), listed, totalCount: found.members.totalCount, memberOf: found.memberOf.map((g: { id: string }) => g.id) };
}

async function transitive(groupId: string, page: Record<string, unknown> = { first: 100 }) {
  return (await gateway.ok("admin", TRANSITIVE, { id: groupId, ...page })).group.transitiveMembers;
}

async function transitiveIds(groupId: string): Promise<string[]> {
  return (await transitive(groupId)).edges.map((edge: { node: Listed }) => edge.node.id);
}

async function above(query: string, id: string): Promise<{ memberOf: string[]; transitive: string[]; totalCount: number }> {
  const data = await gateway.ok("admin", query, { id });
  const object = data.group ?? data.user;
  return {
    memberOf: object.memberOf.map((g: { id: string }) => g.id),
    transitive: object.transitiveMemberOf.edges.map((edge: { node: { id: string } }) => edge.node.id),
    totalCount: object.transitiveMemberOf.totalCount,
  };
}

const sorted = (ids: string[]) => [...ids].sort();

type Edge = { cursor: string; node: Listed };

/** Byte order, as the test databases' collations (BINARY, C) sort these ASCII names. */
const byNameThenId = (a: Listed, b: Listed) => (a.displayName < b.displayName ? -1 : a.displayName > b.displayName ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * A list paged forward by 3 and backward by 3 to its ends, each full page checked, with the
 * total count and the other way's page flag on every page.
 */
async function pagedBothWays(page: (variables: Record<string, unknown>) => Promise<any>, totalCount: number): Promise<{ forward: Edge[]; backward: Edge[] }> {
  const forward: Edge[] = [];
  let after: string | null = null;
  for (;;) {
    const got: any = await page({ first: 3, after });
    expect(got.totalCount).toBe(totalCount);
    expect(got.pageInfo.hasPreviousPage).toBe(after !== null);
    forward.push(...got.edges);
    if (!got.pageInfo.hasNextPage) break;
    expect(got.edges).toHaveLength(3);
    after = got.pageInfo.endCursor;
  }
  const backward: Edge[] = [];
  let before: string | null = null;
  for (;;) {
    const got: any = await page({ last: 3, before });
    expect(got.totalCount).toBe(totalCount);
    expect(got.pageInfo.hasNextPage).toBe(before !== null);
    backward.unshift(...got.edges);
    if (!got.pageInfo.hasPreviousPage) break;
    expect(got.edges).toHaveLength(3);
    before = got.pageInfo.startCursor;
  }
  return { forward, backward };
}

describe("nested groups", () => {
  describe("adding and removing a group", () => {
    it("adds a security group to a security group: members lists users and groups together by displayName, each as its own type", async () => {
      const [ada] = await api.users(1, { displayName: "Zz nested member" });
      const child = await group([], { displayName: "Aa nested child" });
      const parent = await group([ada!, child]);
      const listed = await members(parent);
      expect(listed.totalCount).toBe(2);
      expect(listed.listed).toEqual([
        { __typename: "Group", id: child, displayName: "Aa nested child", groupTypes: [] },
        { __typename: "User", id: ada!.id, displayName: "Zz nested member", userPrincipalName: ada!.userPrincipalName },
      ]);
      expect((await members(child)).memberOf).toEqual([parent]);
    });

    it("removes a group member from both sides and leaves the users in place", async () => {
      const [ada] = await api.users(1);
      const child = await group();
      const parent = await group([ada!, child]);
      await remove(parent, child);
      expect((await members(parent)).ids).toEqual([ada!.id]);
      expect((await members(child)).memberOf).toEqual([]);
    });

    it("refuses a group that is already a member with CONFLICT, and changes nothing", async () => {
      const child = await group();
      const parent = await group([child]);
      const error = refusal(await tryAdd(parent, child));
      expect(error.code).toBe("CONFLICT");
      expect(error.message).toMatch(/^Group 'Nested \d+' is already a member of 'Nested \d+'\.$/);
      expect((await members(parent)).ids).toEqual([child]);
    });

    it("refuses to remove a group that is not a member with NOT_FOUND naming it", async () => {
      const [parent, other] = [await group(), await group()];
      const error = refusal(await tryRemove(parent, other));
      expect(error.code).toBe("NOT_FOUND");
      expect(error.message).toMatch(/^Member of group 'Nested \d+' 'Nested \d+' does not exist/);
    });

    it("refuses a memberId that names no user and no group with NOT_FOUND", async () => {
      const parent = await group();
      const id = randomUUID();
      const error = refusal(await tryAdd(parent, id));
      expect(error.code).toBe("NOT_FOUND");
      expect(error.message).toBe(`User or group '${id}' does not exist in this directory.`);
    });

    it.each([
      ["memberId and userId together", (g: string, u: string) => ({ g, m: u, u }), "userId", /not both/],
      ["neither memberId nor userId", (g: string) => ({ g }), "memberId", /memberId is required/],
      ["a memberId that is not a GUID", (g: string) => ({ g, m: "all-sales" }), "memberId", /'all-sales' is not a GUID/],
    ])("refuses %s with BAD_USER_INPUT naming the field", async (_, variables, field, message) => {
      const [ada] = await api.users(1);
      const parent = await group();
      const error = refusal(await gateway.gql("admin", ADD, variables(parent, ada!.id)));
      expect(error).toMatchObject({ code: "BAD_USER_INPUT", extensions: { field } });
      expect(error.message).toMatch(message);
    });

    it("takes a user by memberId as by userId", async () => {
      const [ada, bob] = await api.users(2);
      const parent = await group([ada!]);
      await gateway.ok("admin", ADD, { g: parent, u: bob!.id });
      expect(sorted((await members(parent)).ids)).toEqual(sorted([ada!.id, bob!.id]));
      await gateway.ok("admin", REMOVE, { g: parent, m: bob!.id });
      expect((await members(parent)).ids).toEqual([ada!.id]);
    });

    it("takes a deleted group off every list that held it", async () => {
      const child = await group();
      const parent = await group([child]);
      const grandchild = await group();
      await add(child, grandchild);
      await gateway.ok("admin", DELETE, { id: child });
      expect((await members(parent)).totalCount).toBe(0);
      expect(await transitiveIds(parent)).toEqual([]);
      expect((await above(GROUP_ABOVE, grandchild)).transitive).toEqual([]);
    });
  });

  describe("cycles", () => {
    it("refuses a group as a member of itself with CONFLICT and reason CircularMembership", async () => {
      const lone = await group();
      const error = refusal(await tryAdd(lone, lone));
      expect(error).toMatchObject({ code: "CONFLICT", extensions: { reason: "CircularMembership" } });
      expect(error.message).toMatch(/^A group cannot be a member of itself/);
      expect((await members(lone)).totalCount).toBe(0);
    });

    it("refuses to close a loop of two groups", async () => {
      const child = await group();
      const parent = await group([child]);
      const error = refusal(await tryAdd(child, parent));
      expect(error).toMatchObject({ code: "CONFLICT", extensions: { reason: "CircularMembership" } });
      expect((await members(child)).totalCount).toBe(0);
    });

    it("refuses a group that already holds the target further down, naming both and what to do", async () => {
      const bottom = await group([], { displayName: "Cycle bottom" });
      const middle = await group([bottom]);
      const top = await group([middle], { displayName: "Cycle top" });
      const error = refusal(await tryAdd(bottom, top));
      expect(error).toMatchObject({ code: "CONFLICT", extensions: { reason: "CircularMembership" } });
      expect(error.message).toBe(
        "Group 'Cycle top' cannot be added to 'Cycle bottom': 'Cycle bottom' is already a member of 'Cycle top' (directly or through nested groups), " +
          "and a group cannot contain itself. Remove one of the memberships that link them first.",
      );
      expect((await members(bottom)).totalCount).toBe(0);
    });

    it("lets exactly one of two opposite additions made at the same moment through", async () => {
      const [left, right] = [await group(), await group()];
      const [one, other] = await Promise.all([tryAdd(left, right), tryAdd(right, left)]);
      const outcomes = [one, other].map((response) => (response.errors ? refusal(response).extensions.reason : "added"));
      expect(outcomes.sort()).toEqual(["CircularMembership", "added"]);
      expect((await members(left)).totalCount + (await members(right)).totalCount).toBe(1);
    });
  });

  describe("which groups may hold groups", () => {
    const DYNAMIC = { membershipRule: 'user.department -eq "Nested nobody"' };

    it("refuses a group in a dynamic group with CONFLICT: its members follow its rule", async () => {
      const dynamic = await group([], DYNAMIC);
      const error = refusal(await tryAdd(dynamic, await group()));
      expect(error.code).toBe("CONFLICT");
      expect(error.message).toMatch(/has dynamic membership: its members are the users its membershipRule matches, so it cannot contain groups\.$/);
    });

    it("lets a dynamic group be a member of an assigned group", async () => {
      const dynamic = await group([], DYNAMIC);
      const parent = await group([dynamic]);
      expect((await members(parent)).ids).toEqual([dynamic]);
    });

    it.each([
      ["holding a group", (m365: string, other: string) => tryAdd(m365, other), /is a Microsoft 365 group \(groupTypes Unified\): it holds users only/],
      ["joining a group", (m365: string, other: string) => tryAdd(other, m365), /is a Microsoft 365 group \(groupTypes Unified\): it cannot be a member of another group/],
    ])("refuses a Microsoft 365 group %s with CONFLICT, as Graph does", async (_, attempt, message) => {
      const m365 = await group([], { groupTypes: ["Unified"], mailEnabled: true, securityEnabled: false, mailNickname: `nested-${serial}` });
      const error = refusal(await attempt(m365, await group()));
      expect(error.code).toBe("CONFLICT");
      expect(error.message).toMatch(message);
    });

    it("refuses to make a group that holds groups dynamic until they are removed", async () => {
      const child = await group();
      const parent = await group([child]);
      const error = refusal(await gateway.gql("admin", UPDATE, { id: parent, input: DYNAMIC }));
      expect(error.code).toBe("CONFLICT");
      expect(error.message).toMatch(/cannot contain groups\. It holds 1 group\(s\) now: remove them with removeGroupMember first\.$/);
      await remove(parent, child);
      expect((await gateway.ok("admin", UPDATE, { id: parent, input: DYNAMIC })).updateGroup.groupTypes).toEqual(["DynamicMembership"]);
    });
  });

  describe("transitiveMembers and transitiveMemberOf", () => {
    /** top ⊃ {ada, middle ⊃ {bob, bottom ⊃ {bob, cy}}}: bob is under top twice. */
    async function tree() {
      const [ada, bob, cy] = await api.users(3);
      const bottom = await group([bob!, cy!]);
      const middle = await group([bob!, bottom]);
      const top = await group([ada!, middle]);
      return { ada: ada!, bob: bob!, cy: cy!, bottom, middle, top };
    }

    it("lists every user and group under a group at any depth, each once, ordered by displayName", async () => {
      const t = await tree();
      const list = await transitive(t.top);
      const nodes: Listed[] = list.edges.map((edge: { node: Listed }) => edge.node);
      expect(sorted(nodes.map((node) => node.id))).toEqual(sorted([t.ada.id, t.bob.id, t.cy.id, t.middle, t.bottom]));
      expect(list.totalCount).toBe(5);
      const names = nodes.map((node) => node.displayName);
      expect(names).toEqual([...names].sort());
      expect(sorted(await transitiveIds(t.middle))).toEqual(sorted([t.bob.id, t.cy.id, t.bottom]));
      expect((await members(t.top)).totalCount).toBe(2);
    });

    it("a group that holds no groups: its transitive members are its members, read without walking the nesting", async () => {
      const t = await tree();
      const statements: string[] = [];
      const log = gateway.app.services.db.queryLog;
      log.onQuery = (statement) => statements.push(statement);
      let list: any;
      try {
        list = await transitive(t.bottom, { first: 1 });
      } finally {
        log.onQuery = null;
      }
      expect(statements.filter((statement) => /\bRECURSIVE\b/i.test(statement))).toEqual([]);
      const direct = (await gateway.ok("admin", MEMBERS_PAGE, { id: t.bottom, first: 1 })).group.members;
      expect(list).toEqual(direct);
      // Its cursor pages on as members' does.
      const next = await transitive(t.bottom, { first: 1, after: list.pageInfo.endCursor });
      expect(next).toEqual((await gateway.ok("admin", MEMBERS_PAGE, { id: t.bottom, first: 1, after: direct.pageInfo.endCursor })).group.members);
      expect(sorted([...list.edges, ...next.edges].map((edge: { node: Listed }) => edge.node.id))).toEqual(sorted([t.bob.id, t.cy.id]));
    });

    it("pages forward and backward through transitiveMembers with the same items as one page", async () => {
      const t = await tree();
      const whole = (await transitive(t.top)).edges.map((edge: { node: Listed }) => edge.node.id);
      const forward: string[] = [];
      let after: string | null = null;
      do {
        const page: any = await transitive(t.top, { first: 2, after });
        forward.push(...page.edges.map((edge: { node: Listed }) => edge.node.id));
        expect(page.totalCount).toBe(5);
        after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
      } while (after);
      expect(forward).toEqual(whole);
      const last = await transitive(t.top, { last: 2 });
      expect(last.edges.map((edge: { node: Listed }) => edge.node.id)).toEqual(whole.slice(-2));
      expect(last.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: false });
    });

    it("lists the groups a user or a group belongs to at any depth, beside memberOf's direct ones", async () => {
      const t = await tree();
      const bob = await above(USER_ABOVE, t.bob.id);
      expect(sorted(bob.memberOf)).toEqual(sorted([t.middle, t.bottom]));
      expect(sorted(bob.transitive)).toEqual(sorted([t.top, t.middle, t.bottom]));
      expect(bob.totalCount).toBe(3);
      expect(await above(GROUP_ABOVE, t.bottom)).toEqual({ memberOf: [t.middle], transitive: expect.arrayContaining([t.middle, t.top]), totalCount: 2 });
      expect(await above(GROUP_ABOVE, t.top)).toEqual({ memberOf: [], transitive: [], totalCount: 0 });
    });
  });

  describe("paging a group's members", () => {
    const page = async (groupId: string, variables: Record<string, unknown>) => (await gateway.ok("admin", MEMBERS_PAGE, { id: groupId, ...variables })).group.members;

    it("pages a group larger than the size threshold both ways: users and groups interleaved by (displayName, id), each once, the same cursors either way", async () => {
      // 60 users under 20 names (three share each, so their ids decide), and groups named
      // between them, one the same as three users'.
      const users: TestUser[] = [];
      const expected: Listed[] = [];
      for (let i = 0; i < 60; i++) {
        const displayName = `Walk ${String(i % 20).padStart(2, "0")}`;
        const user = await api.user({ displayName });
        users.push(user);
        expected.push({ __typename: "User", id: user.id, displayName });
      }
      const groups: string[] = [];
      for (const displayName of ["Walk", "Walk 05", "Walk 12x", "Walk 99"]) {
        const id = await group([], { displayName });
        groups.push(id);
        expected.push({ __typename: "Group", id, displayName });
      }
      const big = await group([...users, ...groups]);
      expected.sort(byNameThenId);
      // A page of 3 is read as 4: the group must be past the size from which its users' page is
      // read along the users' name index rather than from its memberships.
      const { users: directory } = await gateway.ok("admin", "{ users(first: 1) { totalCount } }");
      expect(users.length).toBeGreaterThanOrEqual(membersWalkThreshold(4, directory.totalCount));

      const { forward, backward } = await pagedBothWays((variables) => page(big, variables), 64);
      expect(forward.map((edge) => ({ __typename: edge.node.__typename, id: edge.node.id, displayName: edge.node.displayName }))).toEqual(expected);
      expect(backward).toEqual(forward);

      // From any member's cursor, either way, the list goes on where it should.
      const middle = forward[31]!;
      expect((await page(big, { first: 5, after: middle.cursor })).edges).toEqual(forward.slice(32, 37));
      expect((await page(big, { last: 5, before: middle.cursor })).edges).toEqual(forward.slice(26, 31));
    });
  });

  describe("paging a large group's transitive members", () => {
    const page = async (groupId: string, variables: Record<string, unknown>) => (await gateway.ok("admin", TRANSITIVE, { id: groupId, ...variables })).group.transitiveMembers;

    it("pages every user and group under it both ways, each once, reading users along the name index past the size threshold", async () => {
      // Three levels: 30 users in the top group, 25 in the middle one (5 of them in the top
      // group too), 20 in the lowest (5 of them in the middle one too), an empty group below
      // that; names shared three ways, so ids decide, and groups named among the users.
      const names = new Map<string, string>();
      const user = async (i: number) => {
        const displayName = `Deep ${String(i % 24).padStart(2, "0")}`;
        const made = await api.user({ displayName });
        names.set(made.id, displayName);
        return made;
      };
      const top: TestUser[] = [];
      for (let i = 0; i < 30; i++) top.push(await user(i));
      const middle: TestUser[] = top.slice(0, 5);
      for (let i = 30; i < 50; i++) middle.push(await user(i));
      const lowest: TestUser[] = middle.slice(5, 10);
      for (let i = 50; i < 65; i++) lowest.push(await user(i));
      const empty = await group([], { displayName: "Deep 07" });
      const low = await group([...lowest, empty], { displayName: "Deep" });
      const mid = await group([...middle, low], { displayName: "Deep 99" });
      const big = await group([...top, mid]);
      const everyone = [...new Map([...top, ...middle, ...lowest].map((u) => [u.id, u])).values()];
      const expected: Listed[] = [
        ...everyone.map((u): Listed => ({ __typename: "User", id: u.id, displayName: names.get(u.id)! })),
        ...[[empty, "Deep 07"], [low, "Deep"], [mid, "Deep 99"]].map(([id, displayName]): Listed => ({ __typename: "Group", id: id!, displayName: displayName! })),
      ].sort(byNameThenId);
      expect(expected).toHaveLength(65 + 3);
      // A page of 3 is read as 4: the memberships under the group (30 + 25 + 20) must be past
      // the size from which its users are read along the users' name index.
      const { users: directory } = await gateway.ok("admin", "{ users(first: 1) { totalCount } }");
      expect(75).toBeGreaterThanOrEqual(membersWalkThreshold(4, directory.totalCount));
      const log = gateway.app.services.db.queryLog;
      let walked = 0;
      log.onQuery = (statement) => {
        if (statement.includes("m.user_id = u.id AND (m.group_id =")) walked++;
      };

      let paged: { forward: Edge[]; backward: Edge[] };
      try {
        paged = await pagedBothWays((variables) => page(big, variables), 68);
      } finally {
        log.onQuery = null;
      }
      const { forward, backward } = paged;
      expect(walked).toBeGreaterThan(0);
      expect(forward.map((edge) => ({ __typename: edge.node.__typename, id: edge.node.id, displayName: edge.node.displayName }))).toEqual(expected);
      expect(backward).toEqual(forward);
      const at = forward[40]!;
      expect((await page(big, { first: 5, after: at.cursor })).edges).toEqual(forward.slice(41, 46));
      expect((await page(big, { last: 5, before: at.cursor })).edges).toEqual(forward.slice(35, 40));
    });
  });

  describe("SQL statements per page", () => {
    const LISTS = `query($id: ID!, $first: Int) { group(id: $id) {
      members(first: $first) { totalCount edges { node { id ... on Group { memberOf { id } } } } }
      transitiveMembers(first: $first) { totalCount edges { node { id ... on Group { memberOf { id } } } } }
      transitiveMemberOf(first: $first) { totalCount edges { node { id } } } } }`;

    async function statementsFor(groupId: string, first: number): Promise<number> {
      await gateway.tokenFor("admin");
      // A request before the counted one: on SQLite the caller's sign-in read is then remembered
      // (until the next write), so both counted requests start alike.
      await gateway.ok("admin", "{ me { id } }");
      const log = gateway.app.services.db.queryLog;
      const before = log.count;
      const { group: found } = await gateway.ok("admin", LISTS, { id: groupId, first });
      expect(found.transitiveMembers.edges).toHaveLength(Math.min(first, found.transitiveMembers.totalCount));
      return log.count - before;
    }

    it("reads a page of 30 members, transitive members and their memberOf in as many statements as a page of 7", async () => {
      // Users named to sort after the groups ("Nested 0NN"): a page of 7 then holds both kinds, as one of 30 does.
      const users = await api.users(12, { displayName: "Nested user" });
      const children: string[] = [];
      for (let i = 0; i < 6; i++) children.push(await group(users.slice(i * 2, i * 2 + 2)));
      const top = await group([...users.slice(0, 6), ...children]);
      await group([top]);
      const small = await statementsFor(top, 7);
      const large = await statementsFor(top, 30);
      expect(large).toBe(small);
    });
  });

  describe("group-based licensing", () => {
    it("licenses the parent's direct user members only: a member of a nested group gets nothing from the parent", async () => {
      const [direct, nestedOnly] = await api.users(2);
      const nested = await group([nestedOnly!]);
      const parent = await group([direct!, nested]);
      const [before] = await api.consumed(SKU.E3);
      await api.assign(parent, [{ skuId: SKU.E3 }]);
      await gateway.settle();
      expect(await api.summary(direct!, { [parent]: "parent" })).toEqual(["parent ENTERPRISEPACK Active"]);
      expect(await api.states(nestedOnly!)).toEqual([]);
      expect(await api.consumed(SKU.E3)).toEqual([before! + 1]);
    });

    it("changes nobody's licenses when a group joins or leaves a licensed group", async () => {
      const [direct, nestedOnly] = await api.users(2);
      const parent = await group([direct!]);
      await api.assign(parent, [{ skuId: SKU.E3 }]);
      await gateway.settle();
      const nested = await group([nestedOnly!]);
      await add(parent, nested);
      await gateway.settle();
      expect(await api.states(nestedOnly!)).toEqual([]);
      await remove(parent, nested);
      await gateway.settle();
      expect(await api.summary(direct!, { [parent]: "parent" })).toEqual(["parent ENTERPRISEPACK Active"]);
    });
  });

  describe("audit", () => {
    async function entries(targetId: string, activity: string) {
      const { directoryAudits } = await gateway.ok("admin", AUDITS, { id: targetId, activity });
      return directoryAudits.edges.map((edge: { node: any }) => edge.node);
    }

    it.each([
      ["Add member to group", false, null, "Audited child"],
      ["Remove member from group", true, "Audited child", null],
    ])("records %s, naming the group and the member group", async (activity, initiallyMember, oldValue, newValue) => {
      const child = await group([], { displayName: "Audited child" });
      const parent = await group(initiallyMember ? [child] : []);
      await (initiallyMember ? remove(parent, child) : add(parent, child));
      const [entry] = await entries(parent, activity);
      expect(entry).toMatchObject({ category: "GroupManagement", result: "success", initiatedBy: { user: { userPrincipalName: "admin@contoso.com" } } });
      expect(entry.targetResources).toEqual([
        { id: parent, displayName: expect.any(String), type: "Group", modifiedProperties: [{ displayName: "Member", oldValue: oldValue && JSON.stringify(oldValue), newValue: newValue && JSON.stringify(newValue) }] },
        { id: child, displayName: "Audited child", type: "Group", modifiedProperties: [] },
      ]);
      // The member group's own log finds the change too.
      expect(await entries(child, activity)).toHaveLength(1);
    });

    it("records a refused cycle as a failure with the message the caller saw", async () => {
      const child = await group();
      const parent = await group([child]);
      const { message } = refusal(await tryAdd(child, parent));
      const [entry] = await entries(child, "Add member to group");
      expect(entry).toMatchObject({ result: "failure", resultReason: message });
    });
  });
});
