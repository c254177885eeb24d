import { refusal, TestGateway } from "../support/harness";

// Relay's Node: node(id:) and nodes(ids:) fetch any object with an id, through the GraphQL API.

const NODE = `query($id: ID!) { node(id: $id) {
  __typename id
  ... on User { userPrincipalName }
  ... on Group { displayName }
  ... on ServicePrincipal { appId }
  ... on SubscribedSku { skuPartNumber }
  ... on DirectoryAudit { activityDisplayName }
} }`;
const NODES = "query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }";
const UNKNOWN = "0b9a7d1e-3c44-4f6a-9d2e-7a1b2c3d4e5f";

let gateway: TestGateway;
let ada: string;
let group: string;
let sku: string;
let audit: string;
let app: string;

beforeAll(async () => {
  gateway = await TestGateway.start();
  ada = await gateway.userId("ada.lovelace");
  const groups = await gateway.ok("admin", "{ groups(first: 1) { edges { node { id } } } }");
  group = groups.groups.edges[0].node.id;
  sku = (await gateway.ok("admin", "{ subscribedSkus { skuId } }")).subscribedSkus[0].skuId;
  await gateway.ok("admin", 'mutation($id: ID!) { updateUser(id: $id, input: { jobTitle: "Account Director" }) { id } }', { id: ada });
  // The entry of that update (the demo tenant's group licensing may audit its own work meanwhile).
  audit = (await gateway.ok("admin", 'query($id: ID!) { directoryAudits(first: 1, filter: { activityDisplayName: "Update user", targetId: $id }) { edges { node { id } } } }', { id: ada }))
    .directoryAudits.edges[0].node.id;
  const created = await gateway.ok("admin", 'mutation { createServicePrincipal(input: { appId: "node-test-app", displayName: "Node Test" }) { id } }');
  app = created.createServicePrincipal.id;
});
afterAll(() => gateway.stop());

describe("node(id:)", () => {
  it("finds each kind of object by its own id, as the type its own query returns", async () => {
    expect((await gateway.ok("admin", NODE, { id: ada })).node).toEqual({ __typename: "User", id: ada, userPrincipalName: "ada.lovelace@contoso.com" });
    expect((await gateway.ok("admin", NODE, { id: group })).node).toMatchObject({ __typename: "Group", id: group });
    expect((await gateway.ok("admin", NODE, { id: app })).node).toEqual({ __typename: "ServicePrincipal", id: app, appId: "node-test-app" });
    expect((await gateway.ok("admin", NODE, { id: sku })).node).toMatchObject({ __typename: "SubscribedSku", id: sku });
    expect((await gateway.ok("admin", NODE, { id: audit })).node).toEqual({ __typename: "DirectoryAudit", id: audit, activityDisplayName: "Update user" });
  });

  it("gives the same object as the type's own query, whatever the id's letter case", async () => {
    const own = (await gateway.ok("admin", "query($id: ID) { user(id: $id) { id displayName jobTitle } }", { id: ada })).user;
    const viaNode = (await gateway.ok("admin", "query($id: ID!) { node(id: $id) { ... on User { id displayName jobTitle } } }", { id: ada.toUpperCase() })).node;
    expect(viaNode).toEqual(own);
  });

  it("is null for an id no object has, and for an id that is not one of helpgate's", async () => {
    expect((await gateway.ok("admin", NODE, { id: UNKNOWN })).node).toBeNull();
    expect((await gateway.ok("admin", NODE, { id: "licensing/count-violation.md" })).node).toBeNull();
  });

  it("asks each type's permission: an audit entry only for a caller who may read the audit log", async () => {
    // Directory Readers read the directory but not the audit log: to them an entry's id names nothing.
    expect((await gateway.ok("priya.nair", NODE, { id: ada })).node).toMatchObject({ __typename: "User", id: ada });
    expect((await gateway.ok("priya.nair", NODE, { id: audit })).node).toBeNull();
    expect((await gateway.ok("grace.kim", NODE, { id: audit })).node).toMatchObject({ __typename: "DirectoryAudit" });
  });

  it("refuses a caller the user query refuses, with the same code", async () => {
    const own = refusal(await gateway.gql(null, "query($id: ID) { user(id: $id) { id } }", { id: ada })).code;
    expect(own).toBe("UNAUTHENTICATED");
    expect(refusal(await gateway.gql(null, NODE, { id: ada })).code).toBe(own);
  });
});

describe("nodes(ids:)", () => {
  it("answers in the order asked, with null in the place of an unknown id", async () => {
    const { nodes } = await gateway.ok("admin", NODES, { ids: [group, UNKNOWN, ada] });
    expect(nodes).toEqual([{ __typename: "Group", id: group }, null, { __typename: "User", id: ada }]);
  });

  it("refuses more ids than a page holds with BAD_USER_INPUT naming the limit", async () => {
    const error = refusal(await gateway.gql("admin", NODES, { ids: Array.from({ length: 101 }, () => UNKNOWN) }));
    expect(error.code).toBe("BAD_USER_INPUT");
    expect(error.message).toMatch(/at most 100 ids/);
    expect(error.extensions.field).toBe("ids");
  });
});
