import { INSUFFICIENT_PRIVILEGES } from "../../src/errors";
import { GLOBAL_ADMINISTRATOR } from "../../src/directory/roles";
import { refusal, TestGateway, type GraphQLResponse } from "../support/harness";

// Which role may run which mutation is specified in permissions-matrix.test.ts; these are the
// rules around it: reading the audit log, Global Administrators as targets, refusals audited.

/** Callers by demo nickname; null is a request without a token. */
type Caller = "admin" | "lena.fischer" | "omar.haddad" | "grace.kim" | "priya.nair" | "ada.lovelace" | null;
const ROLE_OF: Record<string, string> = {
  admin: "Global Administrator",
  "lena.fischer": "User Administrator",
  "omar.haddad": "License Administrator",
  "grace.kim": "Global Reader",
  "priya.nair": "Directory Readers",
  "ada.lovelace": "no role",
};

type Vars = Record<string, unknown>;

let gateway: TestGateway;
let serial = 0;
const unique = (prefix: string) => `${prefix}${++serial}`;

async function newUser(extra: Vars = {}): Promise<string> {
  const nickname = unique("perm.user");
  const data = await gateway.ok<{ createUser: { id: string } }>(
    "admin",
    "mutation($input: CreateUserInput!) { createUser(input: $input) { id } }",
    { input: { userPrincipalName: `${nickname}@contoso.com`, displayName: `Perm User ${serial}`, usageLocation: "DE", ...extra } },
  );
  return data.createUser.id;
}

async function assignRole(userId: string, roleTemplateId: string): Promise<void> {
  await gateway.ok("admin", "mutation($u: ID!, $r: ID!) { assignDirectoryRole(userId: $u, roleTemplateId: $r) { id } }", {
    u: userId,
    r: roleTemplateId,
  });
}

const read = (query: string) => (vars: Vars) => gateway.ok("admin", query, vars);
const userState = read("query($id: ID!) { user(id: $id) { displayName jobTitle usageLocation accountEnabled directoryRoles { id } } }");
/** The newest failure entry in the audit log initiated by `caller`. */
async function lastFailureBy(caller: string) {
  const data = await gateway.ok<{ directoryAudits: { edges: { node: Record<string, any> }[] } }>(
    "admin",
    `query($id: ID!) { directoryAudits(first: 1, filter: { initiatedById: $id, result: failure }) {
       edges { node { result resultReason correlationId activityDisplayName initiatedBy { user { id userPrincipalName } app { displayName } } } } } }`,
    { id: await gateway.userId(caller) },
  );
  return data.directoryAudits.edges[0]?.node ?? null;
}

/** Checks a refused write: one error with `code`, no data, and (for a signed-in caller) a failure audit entry. */
async function expectRefusedAndAudited(response: GraphQLResponse, caller: string, code: string, message: string): Promise<void> {
  expect(response.data).toBeNull();
  expect(refusal(response)).toMatchObject({ code, message });
  const entry = await lastFailureBy(caller);
  expect(entry).toMatchObject({
    result: "failure",
    resultReason: message,
    correlationId: response.headers.get("x-request-id"),
    initiatedBy: { user: { id: await gateway.userId(caller), userPrincipalName: `${caller}@contoso.com` }, app: null },
  });
}

beforeAll(async () => {
  gateway = await TestGateway.start();
});
afterAll(() => gateway.stop());

describe("role permissions", () => {
  describe("reading the audit log", () => {
    const AUDIT = "{ directoryAudits(first: 1) { totalCount } }";
    const READERS: Caller[] = ["admin", "lena.fischer", "omar.haddad", "grace.kim"];

    it.each(READERS.map((caller) => ({ caller, role: ROLE_OF[caller!] })))("is allowed to $caller ($role)", async ({ caller }) => {
      const data = await gateway.ok<{ directoryAudits: { totalCount: number } }>(caller, AUDIT);
      expect(data.directoryAudits.totalCount).toBeGreaterThanOrEqual(0);
    });

    it.each(["priya.nair", "ada.lovelace"].map((caller) => ({ caller, role: ROLE_OF[caller] })))(
      "is FORBIDDEN to $caller ($role)",
      async ({ caller }) => {
        const response = await gateway.gql(caller, AUDIT);
        expect(response.data).toBeNull();
        expect(refusal(response)).toMatchObject({ code: "FORBIDDEN", message: INSUFFICIENT_PRIVILEGES });
      },
    );

    it("is UNAUTHENTICATED without a token", async () => {
      expect(refusal(await gateway.gql(null, AUDIT)).code).toBe("UNAUTHENTICATED");
    });
  });

  describe("a User Administrator and a Global Administrator target", () => {
    let adminId: string;
    beforeAll(async () => {
      adminId = await gateway.userId("admin");
    });

    it("refuses to update the demo Global Administrator, audits it, and changes nothing", async () => {
      const before = await userState({ id: adminId });
      const response = await gateway.gql("lena.fischer", 'mutation($id: ID!) { updateUser(id: $id, input: { jobTitle: "Intern" }) { id } }', {
        id: adminId,
      });
      await expectRefusedAndAudited(response, "lena.fischer", "FORBIDDEN", INSUFFICIENT_PRIVILEGES);
      expect(await userState({ id: adminId })).toEqual(before);
    });

    it("refuses to disable a freshly made Global Administrator", async () => {
      const id = await newUser();
      await assignRole(id, GLOBAL_ADMINISTRATOR);
      const before = await userState({ id });
      const response = await gateway.gql("lena.fischer", "mutation($id: ID!) { updateUser(id: $id, input: { accountEnabled: false }) { id } }", { id });
      await expectRefusedAndAudited(response, "lena.fischer", "FORBIDDEN", INSUFFICIENT_PRIVILEGES);
      expect(await userState({ id })).toEqual(before);
    });

    it("refuses to delete a Global Administrator, audits it, and the user still exists", async () => {
      const id = await newUser();
      await assignRole(id, GLOBAL_ADMINISTRATOR);
      const response = await gateway.gql("lena.fischer", "mutation($id: ID!) { deleteUser(id: $id) }", { id });
      await expectRefusedAndAudited(response, "lena.fischer", "FORBIDDEN", INSUFFICIENT_PRIVILEGES);
      expect(await userState({ id })).toMatchObject({ user: { accountEnabled: true, directoryRoles: [{ id: GLOBAL_ADMINISTRATOR }] } });
    });

    it("still lets the User Administrator update and delete an ordinary user", async () => {
      const id = await newUser();
      await gateway.ok("lena.fischer", 'mutation($id: ID!) { updateUser(id: $id, input: { department: "Ops" }) { id } }', { id });
      await gateway.ok("lena.fischer", "mutation($id: ID!) { deleteUser(id: $id) }", { id });
      expect(await userState({ id })).toEqual({ user: null });
    });

    it("lets a Global Administrator update another Global Administrator", async () => {
      const id = await newUser();
      await assignRole(id, GLOBAL_ADMINISTRATOR);
      await gateway.ok("admin", 'mutation($id: ID!) { updateUser(id: $id, input: { jobTitle: "Co-admin" }) { id } }', { id });
      expect(await userState({ id })).toMatchObject({ user: { jobTitle: "Co-admin" } });
    });
  });

  describe("refused writes", () => {
    it("name the target on their failure audit entry", async () => {
      const id = await newUser();
      const response = await gateway.gql("grace.kim", "mutation($id: ID!) { deleteUser(id: $id) }", { id });
      expect(refusal(response).code).toBe("FORBIDDEN");
      const data = await gateway.ok<{ directoryAudits: { edges: { node: Record<string, any> }[] } }>(
        "admin",
        `query($id: ID!) { directoryAudits(first: 5, filter: { targetId: $id, result: failure }) {
           edges { node { activityDisplayName category resultReason initiatedBy { user { userPrincipalName } } targetResources { id type } } } } }`,
        { id },
      );
      expect(data.directoryAudits.edges.map((edge) => edge.node)).toEqual([
        {
          activityDisplayName: "Delete user",
          category: "UserManagement",
          resultReason: INSUFFICIENT_PRIVILEGES,
          initiatedBy: { user: { userPrincipalName: "grace.kim@contoso.com" } },
          targetResources: [{ id, type: "User" }],
        },
      ]);
    });
  });
});
