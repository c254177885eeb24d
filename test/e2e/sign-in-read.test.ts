import { TestGateway } from "../support/harness";

// Every signed-in request reads its caller: the user the token names and the directory roles
// they hold, in one statement, each request anew (a role taken away counts from the next
// request). `me` and `caller` answer from that read.

const DIRECTORY_WRITERS = "9360feb5-f418-4baa-8175-e2a00bac4301";
const GROUPS_ADMINISTRATOR = "fdd7a751-b60b-444a-984c-02652fe8fa1c";
const WHO = "{ me { id displayName jobTitle } caller { id displayName permissions directoryRoles { id } user { id displayName } } }";

describe("the signed-in caller", () => {
  let gateway: TestGateway;
  let userId: string;

  beforeAll(async () => {
    gateway = await TestGateway.start();
    // Only the requests are counted: the background licensing processor's polls must not land in between.
    await gateway.settle();
    await gateway.app.services.licensing.processor.stop();
    const created = await gateway.ok<{ createUser: { id: string } }>(
      "admin",
      'mutation { createUser(input: { userPrincipalName: "signin.reader@contoso.com", displayName: "Sign-in Reader", usageLocation: "US" }) { id } }',
    );
    userId = created.createUser.id;
  });
  afterAll(() => gateway.stop());

  const role = (verb: "assign" | "remove", roleTemplateId: string) =>
    gateway.ok("admin", `mutation($u: ID!, $r: ID!) { ${verb}DirectoryRole(userId: $u, roleTemplateId: $r) { id } }`, { u: userId, r: roleTemplateId });

  async function statementsFor(query: string): Promise<{ count: number; data: Record<string, any> }> {
    await gateway.tokenFor("signin.reader");
    const log = gateway.app.services.db.queryLog;
    const before = log.count;
    const data = await gateway.ok("signin.reader", query);
    return { count: log.count - before, data };
  }

  it("is read with its roles in one statement, which me and caller answer from", async () => {
    await role("assign", DIRECTORY_WRITERS);
    await role("assign", GROUPS_ADMINISTRATOR);
    const { count, data } = await statementsFor(WHO);
    expect(count).toBe(1);
    expect(data.me).toEqual({ id: userId, displayName: "Sign-in Reader", jobTitle: null });
    expect(data.caller.user).toEqual({ id: userId, displayName: "Sign-in Reader" });
    expect(data.caller.directoryRoles.map((r: { id: string }) => r.id).sort()).toEqual([DIRECTORY_WRITERS, GROUPS_ADMINISTRATOR].sort());
    expect(data.caller.permissions).toEqual(expect.arrayContaining(["users.manage", "groups.manage", "groupLicenses.manage"]));
  });

  it("is read anew on each request: a role taken away, or a new name, counts from the next one", async () => {
    await role("remove", DIRECTORY_WRITERS);
    await role("remove", GROUPS_ADMINISTRATOR);
    await gateway.ok("admin", 'mutation($id: ID!) { updateUser(id: $id, input: { displayName: "Renamed Reader", jobTitle: "Analyst" }) { id } }', { id: userId });
    const { data } = await statementsFor(WHO);
    expect(data.me).toEqual({ id: userId, displayName: "Renamed Reader", jobTitle: "Analyst" });
    expect(data.caller.displayName).toBe("Renamed Reader");
    expect(data.caller.directoryRoles).toEqual([]);
    expect(data.caller.permissions).toEqual(["directory.read"]);
    const refused = await gateway.gql("signin.reader", 'mutation { createGroup(input: { displayName: "Not Allowed", mailNickname: "notallowed" }) { id } }');
    expect(refused.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
  });

  it("is refused once the account is disabled", async () => {
    await gateway.ok("admin", "mutation($id: ID!) { updateUser(id: $id, input: { accountEnabled: false }) { id } }", { id: userId });
    const response = await gateway.gql("signin.reader", WHO);
    expect(response.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    expect(response.errors?.[0]?.message).toMatch(/disabled/);
  });
});
