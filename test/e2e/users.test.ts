import { refusal, TestGateway } from "../support/harness";

const CREATE = `mutation($input: CreateUserInput!) {
  createUser(input: $input) { id userPrincipalName displayName mail department usageLocation accountEnabled proxyAddresses }
}`;
const UPDATE = `mutation($id: ID!, $input: UpdateUserInput!) {
  updateUser(id: $id, input: $input) { id userPrincipalName mail usageLocation department proxyAddresses }
}`;
const COUNT_BY_PREFIX = "query($p: String) { users(filter: { startsWith: $p }) { totalCount } }";

let gateway: TestGateway;
let serial = 0;

/** A unique nickname per call, so tests never collide on UPNs or proxy addresses. */
function nickname(base = "user"): string {
  serial += 1;
  return `${base}${serial}`;
}

function createUser(input: Record<string, unknown>) {
  return gateway.gql("admin", CREATE, { input: { displayName: "Test User", ...input } });
}

async function newUser(overrides: Record<string, unknown> = {}) {
  const name = nickname();
  const data = await gateway.ok("admin", CREATE, {
    input: { userPrincipalName: `${name}@contoso.com`, displayName: `Test ${name}`, proxyAddresses: [`SMTP:${name}@contoso.com`], ...overrides },
  });
  return data.createUser as { id: string; userPrincipalName: string };
}

beforeAll(async () => {
  gateway = await TestGateway.start();
});
afterAll(() => gateway.stop());

describe("creating users", () => {
  it("stores every field and derives mail from the primary SMTP address", async () => {
    const { createUser: user } = await gateway.ok("admin", CREATE, {
      input: {
        userPrincipalName: "Ruth.Handler@Contoso.com",
        displayName: "Ruth Handler",
        department: "Sales",
        usageLocation: "gb",
        proxyAddresses: ["smtp:ruth@sales.contoso.com", "SMTP:ruth.handler@contoso.com"],
      },
    });
    expect(user).toMatchObject({
      userPrincipalName: "Ruth.Handler@contoso.com",
      mail: "ruth.handler@contoso.com",
      usageLocation: "GB",
      accountEnabled: true,
      proxyAddresses: ["SMTP:ruth.handler@contoso.com", "smtp:ruth@sales.contoso.com"],
    });
  });

  it.each([
    ["a domain the organization has not verified", { userPrincipalName: "x@fabrikam.com" }, "userPrincipalName", /verified domain/],
    ["a usage location that is no country", { userPrincipalName: "x1@contoso.com", usageLocation: "XX" }, "usageLocation", /ISO 3166-1/],
    ["a proxy address without SMTP prefix", { userPrincipalName: "x2@contoso.com", proxyAddresses: ["x2@contoso.com"] }, "proxyAddresses", /SMTP/],
    ["two primary proxy addresses", { userPrincipalName: "x3@contoso.com", proxyAddresses: ["SMTP:a@contoso.com", "SMTP:b@contoso.com"] }, "proxyAddresses", /primary/],
    ["a mail that is no address", { userPrincipalName: "x4@contoso.com", mail: "not an address" }, "mail", /not an email address/],
  ])("refuses %s with BAD_USER_INPUT naming the field", async (_case, input, field, message) => {
    const error = refusal(await createUser(input));
    expect(error).toMatchObject({ code: "BAD_USER_INPUT", extensions: { field } });
    expect(error.message).toMatch(message);
  });

  it("refuses a userPrincipalName already taken in another letter case", async () => {
    const error = refusal(await createUser({ userPrincipalName: "ADA.LOVELACE@contoso.com" }));
    expect(error.code).toBe("CONFLICT");
    expect(error.message).toMatch(/userPrincipalName already exists/);
  });

  it("refuses a proxy address another user holds, whatever its case, and writes nothing", async () => {
    const upn = `${nickname()}@contoso.com`;
    const error = refusal(await createUser({ userPrincipalName: upn, proxyAddresses: [`SMTP:${upn}`, "smtp:ADA.LOVELACE@SALES.contoso.com"] }));
    expect(error).toMatchObject({ code: "CONFLICT", extensions: { field: "proxyAddresses", address: "ada.lovelace@sales.contoso.com" } });
    expect(error.message).toMatch(/ada\.lovelace@contoso\.com/);
    const after = await gateway.ok("admin", COUNT_BY_PREFIX, { p: upn });
    expect(after.users.totalCount).toBe(0);
  });
});

describe("updating users", () => {
  it("changes only the given fields and clears a field set to null", async () => {
    const user = await newUser({ department: "Sales", usageLocation: "US" });
    const { updateUser } = await gateway.ok("admin", UPDATE, { id: user.id, input: { usageLocation: null } });
    expect(updateUser).toMatchObject({ usageLocation: null, department: "Sales" });
  });

  it("replaces proxy addresses and lets a freed address be taken by someone else", async () => {
    const first = await newUser();
    const shared = `shared${serial}@contoso.com`;
    await gateway.ok("admin", UPDATE, { id: first.id, input: { proxyAddresses: [`SMTP:${first.userPrincipalName}`, `smtp:${shared}`] } });
    const second = await newUser();
    const taken = refusal(await gateway.gql("admin", UPDATE, { id: second.id, input: { proxyAddresses: [`SMTP:${shared}`] } }));
    expect(taken.code).toBe("CONFLICT");
    await gateway.ok("admin", UPDATE, { id: first.id, input: { proxyAddresses: [`SMTP:${first.userPrincipalName}`] } });
    const { updateUser } = await gateway.ok("admin", UPDATE, { id: second.id, input: { proxyAddresses: [`SMTP:${shared}`] } });
    expect(updateUser.proxyAddresses).toEqual([`SMTP:${shared}`]);
  });

  it("leaves everything as it was when one field of the update is bad", async () => {
    const user = await newUser({ department: "Sales", usageLocation: "US" });
    const error = refusal(await gateway.gql("admin", UPDATE, { id: user.id, input: { department: "Support", usageLocation: "ZZ" } }));
    expect(error.code).toBe("BAD_USER_INPUT");
    const data = await gateway.ok("admin", "query($id: ID) { user(id: $id) { department usageLocation } }", { id: user.id });
    expect(data.user).toEqual({ department: "Sales", usageLocation: "US" });
  });

  it.each([
    ["an id that is not a GUID", "not-a-guid", "BAD_USER_INPUT"],
    ["an id no user has", "00000000-0000-4000-8000-000000000000", "NOT_FOUND"],
  ])("answers %s (%s) with %s", async (_case, id, code) => {
    expect(refusal(await gateway.gql("admin", UPDATE, { id, input: { department: "x" } })).code).toBe(code);
  });
});

describe("deleting users", () => {
  const DELETE = "mutation($id: ID!) { deleteUser(id: $id) }";

  it("removes the user, its memberships and roles", async () => {
    const user = await newUser();
    await gateway.ok("admin", "mutation($g: ID!, $u: ID!) { addGroupMember(groupId: $g, userId: $u) { id } }", {
      g: await gateway.groupId("Support"),
      u: user.id,
    });
    expect((await gateway.ok("admin", DELETE, { id: user.id })).deleteUser).toBe(user.id);
    const data = await gateway.ok("admin", "query($id: ID) { user(id: $id) { id } }", { id: user.id });
    expect(data.user).toBeNull();
  });

  it("refuses to delete the signed-in account", async () => {
    const error = refusal(await gateway.gql("admin", DELETE, { id: await gateway.userId("admin") }));
    expect(error.code).toBe("CONFLICT");
  });

  it("refuses to remove the last Global Administrator", async () => {
    const admin = await gateway.userId("admin");
    const error = refusal(
      await gateway.gql("admin", "mutation($u: ID!, $r: ID!) { removeDirectoryRole(userId: $u, roleTemplateId: $r) { id } }", {
        u: admin,
        r: "62e90394-69f5-4237-9190-012177145e10",
      }),
    );
    expect(error.code).toBe("CONFLICT");
    expect(error.message).toMatch(/last Global Administrator/);
  });
});

describe("reading users", () => {
  it("finds a user by userPrincipalName in any letter case", async () => {
    const data = await gateway.ok("grace.kim", '{ user(userPrincipalName: "Ada.Lovelace@CONTOSO.com") { displayName memberOf { displayName } } }');
    expect(data.user.displayName).toBe("Ada Lovelace");
    expect(data.user.memberOf.map((g: { displayName: string }) => g.displayName)).toEqual(["All Sales", "Sales US"]);
  });

  it("lists the users who have no usage location", async () => {
    const data = await gateway.ok("admin", "{ users(filter: { hasUsageLocation: false }, first: 100) { edges { node { usageLocation } } } }");
    expect(data.users.edges.length).toBeGreaterThan(0);
    expect(data.users.edges.every((edge: { node: { usageLocation: string | null } }) => edge.node.usageLocation === null)).toBe(true);
  });
});
