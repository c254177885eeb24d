import { TestGateway } from "../support/harness";
import { ASSIGN, SKU } from "../support/licensing-api";

const SEATS = "query($skuId: ID) { subscribedSku(skuId: $skuId) { consumedUnits } }";
const CREATE_USER = 'mutation($upn: String!) { createUser(input: { displayName: "Twin", userPrincipalName: $upn }) { id } }';
const RENAME = 'mutation { updateOrganization(input: { displayName: "Contoso" }) { displayName } }';

// On PostgreSQL transactions run side by side (SQLite runs them one at a time); the outcome
// must be the same as if they had run one after another.
describe("concurrent writes", () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await TestGateway.start();
    await gateway.settle();
  });
  afterAll(() => gateway.stop());

  it("charge one seat when the same license is assigned to the same user ten times at once", async () => {
    const consumed = async () => (await gateway.ok("admin", SEATS, { skuId: SKU.E1 })).subscribedSku.consumedUnits as number;
    const before = await consumed();
    const userId = await gateway.userId("yuki.tanaka");
    const results = await Promise.all(Array.from({ length: 10 }, () => gateway.gql("admin", ASSIGN, { userId, add: [{ skuId: SKU.E1 }] })));
    expect(results.map((result) => result.errors)).toEqual(Array(10).fill(undefined));
    expect(await consumed()).toBe(before + 1);
    const user = await gateway.ok("admin", "query($id: ID) { user(id: $id) { assignedLicenses { skuId } } }", { id: userId });
    expect(user.user.assignedLicenses).toEqual([{ skuId: SKU.E1 }]);
  });

  it("create one user and refuse the rest as duplicates when ten create the same sign-in name at once", async () => {
    const results = await Promise.all(Array.from({ length: 10 }, () => gateway.gql("admin", CREATE_USER, { upn: "twin@contoso.com" })));
    expect(results.filter((result) => !result.errors)).toHaveLength(1);
    expect(results.flatMap((result) => result.errors ?? []).map((error) => error.extensions.code)).toEqual(Array(9).fill("CONFLICT"));
  });
});

describe("the audit log", () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await TestGateway.start();
  });
  afterAll(() => gateway.stop());

  it("keeps a request id of 128 characters, the longest accepted, as the correlationId", async () => {
    const requestId = "r".repeat(128);
    const response = await gateway.post(JSON.stringify({ query: RENAME }), {
      "content-type": "application/json",
      authorization: `Bearer ${await gateway.tokenFor("admin")}`,
      "x-request-id": requestId,
    });
    expect(response.errors).toBeUndefined();
    const audits = await gateway.ok("admin", '{ directoryAudits(first: 1, filter: { activityDisplayName: "Set company information" }) { edges { node { correlationId } } } }');
    expect(audits.directoryAudits.edges[0].node.correlationId).toBe(requestId);
  });
});
