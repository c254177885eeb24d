import { refusal, TestGateway } from "../support/harness";

const ASSIGN = "mutation($u: ID!, $r: ID!) { assignDirectoryRole(userId: $u, roleTemplateId: $r) { directoryRoles { displayName } } }";
const REMOVE = "mutation($u: ID!, $r: ID!) { removeDirectoryRole(userId: $u, roleTemplateId: $r) { directoryRoles { displayName } } }";
const ORGANIZATION = "mutation($input: UpdateOrganizationInput!) { updateOrganization(input: $input) { displayName defaultUsageLocation } }";
const USER_ADMINISTRATOR = "fe930be7-5e62-47db-91af-98c3a49a38b1";
const GLOBAL_ADMINISTRATOR = "62e90394-69f5-4237-9190-012177145e10";

let gateway: TestGateway;

beforeAll(async () => {
  gateway = await TestGateway.start();
});
afterAll(() => gateway.stop());

describe("directory roles", () => {
  it("lists the seven built-in roles with Entra's template ids", async () => {
    const data = await gateway.ok("ada.lovelace", "{ directoryRoles { id roleTemplateId displayName } }");
    expect(data.directoryRoles).toHaveLength(7);
    expect(data.directoryRoles).toContainEqual({ id: GLOBAL_ADMINISTRATOR, roleTemplateId: GLOBAL_ADMINISTRATOR, displayName: "Global Administrator" });
    const groupsAdministrator = "fdd7a751-b60b-444a-984c-02652fe8fa1c";
    const directoryWriters = "9360feb5-f418-4baa-8175-e2a00bac4301";
    expect(data.directoryRoles).toContainEqual({ id: groupsAdministrator, roleTemplateId: groupsAdministrator, displayName: "Groups Administrator" });
    expect(data.directoryRoles).toContainEqual({ id: directoryWriters, roleTemplateId: directoryWriters, displayName: "Directory Writers" });
  });

  it("grants a role, after which its holder may do what the role allows", async () => {
    const carlos = await gateway.userId("carlos.mendes");
    const createGroup = 'mutation { createGroup(input: { displayName: "Carlos Team" }) { id } }';
    expect(refusal(await gateway.gql("carlos.mendes", createGroup)).code).toBe("FORBIDDEN");
    const data = await gateway.ok("admin", ASSIGN, { u: carlos, r: USER_ADMINISTRATOR });
    expect(data.assignDirectoryRole.directoryRoles).toEqual([{ displayName: "User Administrator" }]);
    await gateway.ok("carlos.mendes", createGroup);
  });

  it("takes a role away and audits both changes under RoleManagement", async () => {
    const sofia = await gateway.userId("sofia.rossi");
    const createGroup = 'mutation { createGroup(input: { displayName: "Sofia Team" }) { id } }';
    await gateway.ok("admin", ASSIGN, { u: sofia, r: USER_ADMINISTRATOR });
    await gateway.ok("sofia.rossi", createGroup);
    const data = await gateway.ok("admin", REMOVE, { u: sofia, r: USER_ADMINISTRATOR });
    expect(data.removeDirectoryRole.directoryRoles).toEqual([]);
    // Her next request is refused: the role she held is not remembered past the removal.
    expect(refusal(await gateway.gql("sofia.rossi", createGroup)).code).toBe("FORBIDDEN");
    const audits = await gateway.ok(
      "admin",
      `query($id: ID) { directoryAudits(filter: { targetId: $id, category: RoleManagement }) {
        edges { node { activityDisplayName targetResources { modifiedProperties { displayName oldValue newValue } } } } } }`,
      { id: sofia },
    );
    const entries = audits.directoryAudits.edges.map((edge: any) => edge.node);
    expect(entries.map((entry: any) => entry.activityDisplayName)).toEqual(["Remove member from role", "Add member to role"]);
    expect(entries[1].targetResources[0].modifiedProperties).toContainEqual({
      displayName: "Role.DisplayName",
      oldValue: null,
      newValue: '"User Administrator"',
    });
  });

  it("refuses a role the user already holds, one not held, and one that does not exist", async () => {
    const lena = await gateway.userId("lena.fischer");
    expect(refusal(await gateway.gql("admin", ASSIGN, { u: lena, r: USER_ADMINISTRATOR })).code).toBe("CONFLICT");
    expect(refusal(await gateway.gql("admin", REMOVE, { u: lena, r: GLOBAL_ADMINISTRATOR })).code).toBe("NOT_FOUND");
    const unknown = refusal(await gateway.gql("admin", ASSIGN, { u: lena, r: "11111111-2222-4333-8444-555555555555" }));
    expect(unknown.code).toBe("NOT_FOUND");
    expect(unknown.message).toMatch(/known roles: Global Administrator/);
  });
});

describe("the organization", () => {
  it("changes its default usage location, normalised, and audits it", async () => {
    const data = await gateway.ok("admin", ORGANIZATION, { input: { defaultUsageLocation: "de" } });
    expect(data.updateOrganization).toEqual({ displayName: "Contoso", defaultUsageLocation: "DE" });
    const audits = await gateway.ok(
      "admin",
      '{ directoryAudits(first: 1, filter: { activityDisplayName: "Set company information" }) { edges { node { category targetResources { type modifiedProperties { displayName oldValue newValue } } } } } }',
    );
    expect(audits.directoryAudits.edges[0].node).toEqual({
      category: "DirectoryManagement",
      targetResources: [{ type: "Organization", modifiedProperties: [{ displayName: "DefaultUsageLocation", oldValue: '"US"', newValue: '"DE"' }] }],
    });
  });

  it("refuses a default usage location that is no country", async () => {
    const error = refusal(await gateway.gql("admin", ORGANIZATION, { input: { defaultUsageLocation: "EU" } }));
    expect(error).toMatchObject({ code: "BAD_USER_INPUT", extensions: { field: "defaultUsageLocation" } });
  });
});
