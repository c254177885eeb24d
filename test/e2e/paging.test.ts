import { refusal, TestGateway } from "../support/harness";

const PAGE = "totalCount edges { cursor node { id displayName } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor }";

interface Connection {
  totalCount: number;
  edges: { cursor: string; node: { id: string; displayName: string } }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}

/** One of the API's connections, reached by a query taking $first, $after and whatever else `variables` holds. */
interface List {
  name: string;
  query: string;
  variables?: Record<string, unknown>;
  pick: (data: any) => Connection;
}

const usersList = (filter: Record<string, unknown> = {}): List => ({
  name: "users",
  query: `query($first: Int, $after: String, $last: Int, $before: String, $filter: UserFilter) { users(first: $first, after: $after, last: $last, before: $before, filter: $filter) { ${PAGE} } }`,
  variables: { filter },
  pick: (data) => data.users,
});

const groupsList = (filter: Record<string, unknown> = {}): List => ({
  name: "groups",
  query: `query($first: Int, $after: String, $last: Int, $before: String, $filter: GroupFilter) { groups(first: $first, after: $after, last: $last, before: $before, filter: $filter) { ${PAGE} } }`,
  variables: { filter },
  pick: (data) => data.groups,
});

const membersList = (groupId: () => string): List => ({
  name: "group members",
  query: `query($id: ID!, $first: Int, $after: String, $last: Int, $before: String) { group(id: $id) { members(first: $first, after: $after, last: $last, before: $before) { ${PAGE} } } }`,
  get variables() {
    return { id: groupId() };
  },
  pick: (data) => data.group.members,
});

// The audit log, newest first; each entry's activityDisplayName stands in for a displayName.
const auditsList = (): List => ({
  name: "directoryAudits",
  query: `query($first: Int, $after: String, $last: Int, $before: String) { directoryAudits(first: $first, after: $after, last: $last, before: $before) {
    totalCount edges { cursor node { id displayName: activityDisplayName } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`,
  pick: (data) => data.directoryAudits,
});

const servicePrincipalsList = (): List => ({
  name: "servicePrincipals",
  query: `query($first: Int, $after: String, $last: Int, $before: String) { servicePrincipals(first: $first, after: $after, last: $last, before: $before) { ${PAGE} } }`,
  pick: (data) => data.servicePrincipals,
});

const articlesList = (): List => ({
  name: "articles",
  query: `query($first: Int, $after: String, $last: Int, $before: String) { articles(first: $first, after: $after, last: $last, before: $before) {
    totalCount edges { cursor node { id: path displayName: pageTitle } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`,
  pick: (data) => data.articles,
});

const ALL_SALES = ["Ada Lovelace", "Carlos Mendes", "Emma Wilson", "John Smith", "Sofia Rossi"];
const DEMO_GROUPS = ["All Sales", "Engineering", "Marketing", "Sales US", "Support"];
const TWINS = ["Pat Twin", "Pat Twin", "Pat Twin"]; // same displayName: only the id tells them apart
const USER_COUNT = 21 + TWINS.length;
const SUPPORT = ["David Cohen", "Fatima Zahra", ...TWINS, "Priya Nair"];

describe("connections", () => {
  let gateway: TestGateway;
  let allSalesId = "";
  let supportId = "";
  const NEWSLETTER = "Newsletter"; // mail-only, created in beforeAll so securityEnabled: false has something to find

  beforeAll(async () => {
    gateway = await TestGateway.start();
    allSalesId = await gateway.groupId("All Sales");
    const input = { displayName: NEWSLETTER, securityEnabled: false, mailEnabled: true, mailNickname: "newsletter" };
    await gateway.ok("admin", "mutation($input: CreateGroupInput!) { createGroup(input: $input) { id } }", { input });
    supportId = await gateway.groupId("Support");
    for (const [index, displayName] of TWINS.entries()) {
      const twin = { userPrincipalName: `twin${index}@contoso.com`, displayName, department: "Twins", usageLocation: "GB" };
      const { createUser } = await gateway.ok("admin", "mutation($input: CreateUserInput!) { createUser(input: $input) { id } }", { input: twin });
      await gateway.ok("admin", "mutation($g: ID!, $u: ID!) { addGroupMember(groupId: $g, userId: $u) { id } }", { g: supportId, u: createUser.id });
    }
  });
  afterAll(() => gateway.stop());

  const fetchPage = (list: List, first: number | null, after: string | null = null) =>
    gateway.gql("admin", list.query, { ...list.variables, first, after });

  async function page(list: List, first: number | null, after: string | null = null): Promise<Connection> {
    const response = await fetchPage(list, first, after);
    if (response.errors) throw new Error(`unexpected GraphQL errors: ${JSON.stringify(response.errors)}`);
    return list.pick(response.data);
  }

  /** Follows endCursor from the first page to the last, checking each page on the way; returns every displayName seen. */
  async function walk(list: List, first: number): Promise<{ names: string[]; ids: string[]; totalCount: number; pages: number }> {
    const names: string[] = [];
    const ids: string[] = [];
    let after: string | null = null;
    let totalCount: number | null = null;
    for (let pages = 1; pages <= 50; pages++) {
      const connection: Connection = await page(list, first, after);
      expect(connection.edges.length).toBeLessThanOrEqual(first);
      expect(connection.pageInfo.hasPreviousPage).toBe(after !== null);
      expect(connection.pageInfo.startCursor).toBe(connection.edges[0]?.cursor ?? null);
      expect(connection.pageInfo.endCursor).toBe(connection.edges.at(-1)?.cursor ?? null);
      totalCount ??= connection.totalCount;
      expect(connection.totalCount).toBe(totalCount);
      names.push(...connection.edges.map((edge) => edge.node.displayName));
      ids.push(...connection.edges.map((edge) => edge.node.id));
      if (!connection.pageInfo.hasNextPage) return { names, ids, totalCount, pages };
      expect(connection.edges).toHaveLength(first);
      after = connection.pageInfo.endCursor;
    }
    throw new Error(`${list.name}: still a next page after 50 pages`);
  }

  /** Code-unit order, which is how the API sorts displayName. */
  const sorted = (names: string[]) => [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

  async function expectWalk(list: List, first: number, expected: string[]) {
    const result = await walk(list, first);
    expect(result.names).toEqual(expected);
    expect(new Set(result.ids).size).toBe(expected.length);
    expect(result.totalCount).toBe(expected.length);
    expect(result.pages).toBe(Math.max(1, Math.ceil(expected.length / first)));
  }

  describe("members of a group", () => {
    it("walks every member exactly once, two at a time, in displayName order", async () => {
      await expectWalk(membersList(() => allSalesId), 2, ALL_SALES);
    });

    it("walks members who share a displayName one at a time without skipping or repeating any", async () => {
      await expectWalk(membersList(() => supportId), 1, SUPPORT);
    });

    it("gives everything on one page when first is left out", async () => {
      const connection = await page(membersList(() => allSalesId), null);
      expect(connection.edges.map((edge) => edge.node.displayName)).toEqual(ALL_SALES);
      expect(connection.pageInfo.hasNextPage).toBe(false);
    });

    it("ends with an empty page after the last member", async () => {
      const last = await page(membersList(() => allSalesId), 5);
      const beyond = await page(membersList(() => allSalesId), 5, last.pageInfo.endCursor);
      expect(beyond).toMatchObject({ totalCount: 5, edges: [], pageInfo: { hasNextPage: false, endCursor: null } });
    });
  });

  describe("groups", () => {
    it("walks every group exactly once in displayName order", async () => {
      await expectWalk(groupsList(), 2, sorted([...DEMO_GROUPS, NEWSLETTER]));
    });

    it.each<[string, Record<string, unknown>, string[]]>([
      ["startsWith, ignoring letter case", { startsWith: "s" }, ["Sales US", "Support"]],
      ["startsWith, taking % and _ literally", { startsWith: "%" }, []],
      ["securityEnabled: true", { securityEnabled: true }, DEMO_GROUPS],
      ["securityEnabled: false", { securityEnabled: false }, [NEWSLETTER]],
      ["dynamicMembership: true", { dynamicMembership: true }, ["Sales US"]],
      ["dynamicMembership: false", { dynamicMembership: false }, sorted(["All Sales", "Engineering", "Marketing", NEWSLETTER, "Support"])],
      ["startsWith and dynamicMembership together", { startsWith: "S", dynamicMembership: false }, ["Support"]],
    ])("filters by %s, paging and counting within the filter", async (_, filter, expected) => {
      await expectWalk(groupsList(filter), 1, expected);
    });
  });

  describe("users", () => {
    it("walks every user exactly once, five at a time, in displayName order", async () => {
      const { names, ids, totalCount } = await walk(usersList(), 5);
      expect(names).toHaveLength(USER_COUNT);
      expect(new Set(ids).size).toBe(USER_COUNT);
      expect(names).toEqual(sorted(names));
      expect(totalCount).toBe(USER_COUNT);
      expect(names).toEqual((await page(usersList(), 100)).edges.map((edge) => edge.node.displayName));
    });

    it.each<[string, Record<string, unknown>, string[]]>([
      ["startsWith on displayName or userPrincipalName", { startsWith: "A" }, ["Ada Lovelace", "Aisha Bello", "Contoso Administrator"]],
      [
        "department, ignoring letter case",
        { department: "sales" },
        ["Ada Lovelace", "Carlos Mendes", "Emma Wilson", "Former Employee", "John Smith", "Sofia Rossi"],
      ],
      [
        "usageLocation, ignoring letter case",
        { usageLocation: "us" },
        ["Ada Lovelace", "Contoso Administrator", "Emma Wilson", "Former Employee", "Mei Chen", "Omar Haddad"],
      ],
      ["hasUsageLocation: false", { hasUsageLocation: false }, ["David Cohen", "Inés García", "John Smith", "Noah Brown"]],
      ["accountEnabled: false", { accountEnabled: false }, ["Former Employee"]],
      ["department and usageLocation together", { department: "Sales", usageLocation: "US" }, ["Ada Lovelace", "Emma Wilson", "Former Employee"]],
    ])("filters by %s, paging and counting within the filter", async (_, filter, expected) => {
      await expectWalk(usersList(filter), 2, expected);
    });

    it("counts hasUsageLocation: true and false as splitting the whole list", async () => {
      const withLocation = await page(usersList({ hasUsageLocation: true }), 1);
      const without = await page(usersList({ hasUsageLocation: false }), 1);
      expect(withLocation.totalCount + without.totalCount).toBe(USER_COUNT);
      expect(without.totalCount).toBe(4);
    });
  });

  describe("refused page requests", () => {
    const lists: [string, () => List][] = [
      ["users", () => usersList()],
      ["groups", () => groupsList()],
      ["group members", () => membersList(() => allSalesId)],
    ];

    it.each(lists)("%s accepts first: 100, the largest page", async (_, list) => {
      expect((await page(list(), 100)).edges.length).toBeGreaterThan(0);
    });

    it.each(lists.flatMap(([name, list]) => [0, 101, -1].map((first): [string, number, () => List] => [name, first, list])))(
      "%s refuses first: %d with BAD_USER_INPUT",
      async (_, first, list) => {
        const error = refusal(await fetchPage(list(), first));
        expect(error.code).toBe("BAD_USER_INPUT");
        expect(error.message).toContain("first");
        expect(error.message).toContain(String(first));
      },
    );

    it.each(lists)("%s refuses an after that is not one of its cursors with BAD_USER_INPUT", async (_, list) => {
      const auditCursor = (await gateway.ok("admin", "{ directoryAudits(first: 1) { pageInfo { endCursor } } }")).directoryAudits.pageInfo.endCursor;
      for (const after of ["garbage!", Buffer.from("{}").toString("base64url"), auditCursor]) {
        const error = refusal(await fetchPage(list(), 2, after));
        expect(error.code).toBe("BAD_USER_INPUT");
        expect(error.extensions.field).toBe("after");
      }
    });
  });

  describe("backward paging (last, before)", () => {
    beforeAll(async () => {
      for (const name of ["Payroll Sync", "Helpdesk Bot", "Helpdesk Bot"]) {
        const input = { appId: `paging-${name.toLowerCase().replace(" ", "-")}-${Math.random().toString(36).slice(2)}`, displayName: name };
        await gateway.ok("admin", "mutation($input: CreateServicePrincipalInput!) { createServicePrincipal(input: $input) { id } }", { input });
      }
    });

    const fetchBack = (list: List, last: number | null, before: string | null = null) =>
      gateway.gql("admin", list.query, { ...list.variables, last, before });

    async function pageBack(list: List, last: number | null, before: string | null = null): Promise<Connection> {
      const response = await fetchBack(list, last, before);
      if (response.errors) throw new Error(`unexpected GraphQL errors: ${JSON.stringify(response.errors)}`);
      return list.pick(response.data);
    }

    /** Follows startCursor from the last page to the first; returns the ids in the list's own order. */
    async function walkBack(list: List, last: number): Promise<string[]> {
      const pages: string[][] = [];
      let before: string | null = null;
      for (let count = 1; count <= 50; count++) {
        const connection: Connection = await pageBack(list, last, before);
        expect(connection.pageInfo.hasNextPage).toBe(before !== null);
        expect(connection.pageInfo.startCursor).toBe(connection.edges[0]?.cursor ?? null);
        expect(connection.pageInfo.endCursor).toBe(connection.edges.at(-1)?.cursor ?? null);
        pages.unshift(connection.edges.map((edge) => edge.node.id));
        if (!connection.pageInfo.hasPreviousPage) return pages.flat();
        expect(connection.edges).toHaveLength(last);
        before = connection.pageInfo.startCursor;
      }
      throw new Error(`${list.name}: still a previous page after 50 pages`);
    }

    const lists: [string, () => List][] = [
      ["users", () => usersList()],
      ["users with a filter", () => usersList({ department: "sales" })],
      // Read from the two prefix indexes (UserStore.prefixPage): names and UPNs merged, once each.
      ["users startsWith", () => usersList({ startsWith: "a" })],
      ["groups", () => groupsList()],
      ["group members", () => membersList(() => allSalesId)],
      ["group members who share a displayName", () => membersList(() => supportId)],
      ["servicePrincipals", () => servicePrincipalsList()],
      ["directoryAudits", () => auditsList()],
      ["articles", () => articlesList()],
    ];

    it.each(lists)("%s: walking back from the end with last gives the whole list, in the list's order", async (_, list) => {
      const forward = (await page(list(), 100)).edges.map((edge) => edge.node.id);
      expect(forward.length).toBeGreaterThan(2);
      expect(await walkBack(list(), 2)).toEqual(forward);
    });

    it.each(lists)("%s: last alone is the end of the list; before a page's startCursor is the page before it", async (_, list) => {
      const all = (await page(list(), 100)).edges.map((edge) => edge.node.id);
      const end = await pageBack(list(), 2);
      expect(end.edges.map((edge) => edge.node.id)).toEqual(all.slice(-2));
      expect(end.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });

      const first = await page(list(), 2);
      const second = await page(list(), 2, first.pageInfo.endCursor);
      const back = await pageBack(list(), 2, second.pageInfo.startCursor);
      expect(back.edges).toEqual(first.edges);
      expect(back.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    });

    it("gives an empty page before the first item", async () => {
      const first = await page(usersList(), 1);
      const beyond = await pageBack(usersList(), 5, first.pageInfo.startCursor);
      expect(beyond).toMatchObject({ edges: [], pageInfo: { hasPreviousPage: false, hasNextPage: true, startCursor: null } });
    });

    it.each(lists)("%s refuses first with last, and after with before, with BAD_USER_INPUT saying which way to page", async (_, list) => {
      const { endCursor } = (await page(list(), 1)).pageInfo;
      const both = refusal(await gateway.gql("admin", list().query, { ...list().variables, first: 2, last: 2 }));
      expect(both).toMatchObject({ code: "BAD_USER_INPUT", extensions: { field: "last" } });
      expect(both.message).toMatch(/first or last, not both/);
      const mixed = refusal(await gateway.gql("admin", list().query, { ...list().variables, after: endCursor, before: endCursor }));
      expect(mixed).toMatchObject({ code: "BAD_USER_INPUT", extensions: { field: "before" } });
      expect(mixed.message).toMatch(/forward \(first, after\) or backward \(last, before\)/);
    });

    it.each(lists.flatMap(([name, list]) => [0, 101].map((last): [string, number, () => List] => [name, last, list])))(
      "%s refuses last: %d with BAD_USER_INPUT naming last",
      async (_, last, list) => {
        const error = refusal(await fetchBack(list(), last));
        expect(error).toMatchObject({ code: "BAD_USER_INPUT", extensions: { field: "last" } });
        expect(error.message).toContain(String(last));
      },
    );

    it.each(lists)("%s refuses a before that is not one of its cursors with BAD_USER_INPUT naming before", async (_, list) => {
      const error = refusal(await fetchBack(list(), 2, "garbage!"));
      expect(error).toMatchObject({ code: "BAD_USER_INPUT", extensions: { field: "before" } });
    });
  });
});
