import { AuditStore } from "../../src/audit/audit.store";
import type { AuditEntry } from "../../src/audit/model";
import { TestGateway } from "../support/harness";

const AUDITS = `query($filter: DirectoryAuditFilter, $first: Int, $after: String) {
  directoryAudits(filter: $filter, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node {
      activityDateTime activityDisplayName category operationType result resultReason correlationId
      initiatedBy { user { id userPrincipalName } app { displayName } }
      targetResources { id type userPrincipalName modifiedProperties { displayName oldValue newValue } }
    } }
  }
}`;

type Audit = {
  activityDisplayName: string;
  category: string;
  result: string;
  resultReason: string;
  correlationId: string | null;
  initiatedBy: { user: { id: string; userPrincipalName: string } | null };
  targetResources: { id: string; modifiedProperties: { displayName: string; oldValue: string | null; newValue: string | null }[] }[];
};

let gateway: TestGateway;

async function audits(filter: Record<string, unknown>, first = 50): Promise<Audit[]> {
  const data = await gateway.ok("admin", AUDITS, { filter, first });
  return data.directoryAudits.edges.map((edge: { node: Audit }) => edge.node);
}

beforeAll(async () => {
  gateway = await TestGateway.start();
});
afterAll(() => gateway.stop());

describe("the directory audit log", () => {
  it("records who changed a user's usage location, from what, to what", async () => {
    const ada = await gateway.userId("ada.lovelace");
    await gateway.ok("omar.haddad", 'mutation($id: ID!) { updateUser(id: $id, input: { usageLocation: "CA" }) { id } }', { id: ada });
    const [entry] = await audits({ targetId: ada, activityDisplayName: "Update user" });
    expect(entry).toMatchObject({
      category: "UserManagement",
      result: "success",
      initiatedBy: { user: { userPrincipalName: "omar.haddad@contoso.com" } },
    });
    expect(entry.targetResources[0].modifiedProperties).toEqual([{ displayName: "UsageLocation", oldValue: '"US"', newValue: '"CA"' }]);
  });

  it("records a refused write as a failure with the reason the caller saw", async () => {
    const noah = await gateway.userId("noah.brown");
    const response = await gateway.gql("admin", 'mutation($id: ID!) { updateUser(id: $id, input: { usageLocation: "QQ" }) { id } }', { id: noah });
    const [entry] = await audits({ targetId: noah, result: "failure" });
    expect(entry.resultReason).toBe(response.errors![0].message);
    expect(entry.activityDisplayName).toBe("Update user");
    expect(entry.targetResources[0].modifiedProperties).toEqual([]);
  });

  it("carries the request id as correlationId", async () => {
    const response = await gateway.post(
      JSON.stringify({ query: 'mutation { updateOrganization(input: { displayName: "Contoso Ltd" }) { displayName } }' }),
      { "content-type": "application/json", authorization: `Bearer ${await gateway.tokenFor("admin")}`, "x-request-id": "req-audit-42" },
    );
    expect(response.headers.get("x-request-id")).toBe("req-audit-42");
    const [entry] = await audits({ activityDisplayName: "Set company information" });
    expect(entry.correlationId).toBe("req-audit-42");
  });

  it("filters by initiator and category, newest first", async () => {
    const lena = await gateway.userId("lena.fischer");
    const group = await gateway.ok("lena.fischer", 'mutation { createGroup(input: { displayName: "Audit Test" }) { id } }');
    await gateway.ok("lena.fischer", 'mutation($id: ID!) { updateGroup(id: $id, input: { description: "changed" }) { id } }', {
      id: group.createGroup.id,
    });
    const entries = await audits({ initiatedById: lena, category: "GroupManagement" });
    expect(entries.map((entry) => entry.activityDisplayName)).toEqual(["Update group", "Add group"]);
    expect(entries.every((entry) => entry.initiatedBy.user?.id === lena)).toBe(true);
  });

  it("filters by a time window", async () => {
    const future = new Date(Date.now() + 60_000).toISOString();
    expect(await audits({ since: future })).toEqual([]);
    const all = await audits({ until: future }, 100);
    expect(all.length).toBeGreaterThan(0);
  });

  it("pages through every entry once", async () => {
    // The log must hold still while it is paged: let the background licensing queue finish first.
    await gateway.settle();
    const seen: string[] = [];
    let after: string | null = null;
    let total = 0;
    do {
      const data: any = await gateway.ok("admin", AUDITS, { first: 2, after });
      total = data.directoryAudits.totalCount;
      seen.push(...data.directoryAudits.edges.map((edge: { node: Audit }) => JSON.stringify(edge.node)));
      after = data.directoryAudits.pageInfo.hasNextPage ? data.directoryAudits.pageInfo.endCursor : null;
    } while (after);
    expect(seen.length).toBe(total);
    expect(new Set(seen).size).toBe(total);
  });

  it("refuses a window that ends before it starts", async () => {
    const response = await gateway.gql("admin", AUDITS, { filter: { since: "2026-02-01T00:00:00Z", until: "2026-01-01T00:00:00Z" } });
    expect(response.errors?.[0].extensions.code).toBe("BAD_USER_INPUT");
  });
});

describe("a time window of the log", () => {
  const WINDOW = { since: "2020-03-01T00:00:00Z", until: "2020-03-01T23:59:59Z" };
  const PAGE = `query($filter: DirectoryAuditFilter, $first: Int, $after: String, $last: Int, $before: String) {
    directoryAudits(filter: $filter, first: $first, after: $after, last: $last, before: $before) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node { activityDateTime correlationId } }
    }
  }`;
  /** The window's entries by correlationId, in the list's order: newest moment first, a moment's entries last recorded first. */
  let expected: string[];

  beforeAll(async () => {
    const admin = { kind: "app" as const, displayName: "Window test", appId: null };
    const entry = (correlationId: string, category: AuditEntry["category"] = "UserManagement"): AuditEntry => ({
      activityDisplayName: "Update user",
      category,
      operationType: "Update",
      initiatedBy: admin,
      targetResources: [],
      result: "success",
      resultReason: "",
      correlationId,
    });
    // Recorded in this order. A batch shares its moment, as group-based licensing records one;
    // the 08:00 entries come last, as from a process whose clock is behind: the window's list
    // goes by time, not by the order of recording.
    const moments: [string, number][] = [
      ["2020-02-29T23:00:00.000Z", 2],
      ["2020-03-01T09:00:00.000Z", 12],
      ["2020-03-01T10:00:00.000Z", 7],
      ["2020-03-01T08:00:00.000Z", 3],
      ["2020-03-02T00:00:00.000Z", 2],
    ];
    const recorded: { at: string; id: string; seq: number }[] = [];
    for (const [at, count] of moments) {
      const entries = Array.from({ length: count }, (_, i) => entry(`window-${at.slice(11, 13)}-${i}`, i % 3 === 0 ? "GroupManagement" : "UserManagement"));
      const records = await gateway.app.services.db.transaction((tx) => new AuditStore(tx).insertMany(entries, new Date(at)));
      for (const record of records) recorded.push({ at, id: record.correlationId!, seq: record.seq });
    }
    expected = recorded
      .filter((record) => record.at >= "2020-03-01T00:00:00.000Z" && record.at <= "2020-03-01T23:59:59.000Z")
      .sort((a, b) => (a.at === b.at ? b.seq - a.seq : a.at < b.at ? 1 : -1))
      .map((record) => record.id);
  });

  async function forward(filter: Record<string, unknown>, first: number): Promise<{ ids: string[]; pages: number }> {
    const ids: string[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const data: any = await gateway.ok("admin", PAGE, { filter, first, after });
      pages++;
      ids.push(...data.directoryAudits.edges.map((edge: any) => edge.node.correlationId));
      after = data.directoryAudits.pageInfo.hasNextPage ? data.directoryAudits.pageInfo.endCursor : null;
    } while (after);
    return { ids, pages };
  }

  it("pages through a window newest moment first, every entry once, across a batch recorded at one moment", async () => {
    const { ids, pages } = await forward(WINDOW, 5);
    expect(expected).toHaveLength(22);
    expect(ids).toEqual(expected);
    expect(pages).toBe(5);
    const data: any = await gateway.ok("admin", PAGE, { filter: WINDOW, first: 1 });
    expect(data.directoryAudits.totalCount).toBe(22);
  });

  it("pages backward from the oldest entry to the newest, giving the same entries", async () => {
    const ids: string[] = [];
    let before: string | null = null;
    let first = true;
    while (first || before) {
      first = false;
      const data: any = await gateway.ok("admin", PAGE, { filter: WINDOW, last: 4, before });
      ids.unshift(...data.directoryAudits.edges.map((edge: any) => edge.node.correlationId));
      before = data.directoryAudits.pageInfo.hasPreviousPage ? data.directoryAudits.pageInfo.startCursor : null;
    }
    expect(ids).toEqual(expected);
  });

  it("keeps the other filters within a window", async () => {
    const { ids } = await forward({ ...WINDOW, category: "GroupManagement" }, 2);
    expect(ids).toEqual(expected.filter((id) => Number(id.split("-")[2]) % 3 === 0));
    expect(ids.length).toBeGreaterThan(4);
  });

  it("ends at the window's end when a cursor lies beyond it, and starts at its start", async () => {
    // A cursor from a wider window, at 2020-03-02, used with the narrower one: the page is the window's first.
    const wide = await gateway.ok("admin", PAGE, { filter: { since: "2020-03-01T00:00:00Z", until: "2020-03-03T00:00:00Z" }, first: 1 });
    const beyond = wide.directoryAudits.pageInfo.endCursor;
    const data: any = await gateway.ok("admin", PAGE, { filter: WINDOW, first: 3, after: beyond });
    expect(data.directoryAudits.edges.map((edge: any) => edge.node.correlationId)).toEqual(expected.slice(0, 3));
  });

  it("refuses a cursor from the log without a window, and one from a window without it, saying which list it came from", async () => {
    const plain = await gateway.ok("admin", PAGE, { first: 1 });
    const windowed = await gateway.ok("admin", PAGE, { filter: WINDOW, first: 1 });
    for (const [filter, after] of [
      [WINDOW, plain.directoryAudits.pageInfo.endCursor],
      [{}, windowed.directoryAudits.pageInfo.endCursor],
    ]) {
      const response = await gateway.gql("admin", PAGE, { filter, first: 1, after });
      expect(response.errors?.[0].extensions.code).toBe("BAD_USER_INPUT");
      expect(response.errors?.[0].message).toMatch(/^after is not a cursor from this list/);
    }
  });
});
