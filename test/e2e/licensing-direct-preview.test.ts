import { INSUFFICIENT_PRIVILEGES } from "../../src/errors";
import { refusal, TestGateway } from "../support/harness";
import { LicensingApi, licenseFailure, PLAN, planNamesOf, SKU } from "../support/licensing-api";

// More of "direct license assignment" (licensing-direct.test.ts): the dry run, who may assign and
// what the audit log keeps, and many callers racing for the last seats.

const PREVIEW = `query($userId: ID!, $add: [AssignedLicenseInput!], $remove: [ID!]) {
  previewLicenseAssignment(userId: $userId, addLicenses: $add, removeLicenses: $remove) {
    succeeded
    problems { error skuId message servicePlans { servicePlanId servicePlanName } }
    licenseAssignmentStates { skuId skuPartNumber disabledPlans assignedByGroup state error }
  }
}`;
const ASSIGNED_SKUS = [SKU.E1, SKU.E3, SKU.MCOMEETADV];
const PLENTY = 200;

let gateway: TestGateway;
let api: LicensingApi;

beforeAll(async () => {
  gateway = await TestGateway.start();
  api = new LicensingApi(gateway, "preview");
  await gateway.settle();
});
afterEach(async () => {
  for (const skuId of ASSIGNED_SKUS) await api.setFreeSeats(skuId, PLENTY);
});
afterAll(() => gateway.stop());

describe("direct license assignment: previewLicenseAssignment", () => {
  it("answers every problem in the order the service checks them, and changes nothing", async () => {
    await api.newUser({ userPrincipalName: "pat.mailbox@contoso.com", proxyAddresses: ["SMTP:pat.mailbox@contoso.com", "smtp:pat.preview@contoso.com"] });
    const user = await api.newUser({ userPrincipalName: "pat.preview@contoso.com", proxyAddresses: [], usageLocation: "IR" });
    await api.setFreeSeats(SKU.E3, 0);
    const consumedBefore = [await api.consumed(SKU.E1), await api.consumed(SKU.E3), await api.consumed(SKU.MCOMEETADV)];
    const noProduct = "0b4c6d2e-1111-4222-8333-944455556666";
    const add = [
      { skuId: noProduct, disabledPlans: [] },
      { skuId: SKU.E1, disabledPlans: [PLAN.MCOSTANDARD] },
      { skuId: SKU.E3, disabledPlans: [PLAN.MCOSTANDARD] },
      { skuId: SKU.MCOMEETADV, disabledPlans: [] },
    ];

    const { previewLicenseAssignment: preview } = await gateway.ok("admin", PREVIEW, { userId: user.id, add });
    expect(preview.succeeded).toBe(false);
    type Problem = { error: string; skuId: string; servicePlans: { servicePlanName: string }[] };
    expect(preview.problems.map((p: Problem) => [p.error, p.skuId, planNamesOf(p.servicePlans)])).toEqual([
      ["InvalidLicense", noProduct, []],
      ["CountViolation", SKU.E3, []],
      ["MutuallyExclusiveViolation", SKU.E1, ["EXCHANGE_S_ENTERPRISE", "EXCHANGE_S_STANDARD"]],
      ["MutuallyExclusiveViolation", SKU.E3, ["EXCHANGE_S_ENTERPRISE", "EXCHANGE_S_STANDARD"]],
      ["DependencyViolation", SKU.MCOMEETADV, ["MCOMEETADV", "MCOSTANDARD"]],
      ["ProhibitedInUsageLocationViolation", SKU.MCOMEETADV, ["MCOMEETADV"]],
      ["UniquenessViolation", SKU.E1, ["EXCHANGE_S_STANDARD"]],
      ["UniquenessViolation", SKU.E3, ["EXCHANGE_S_ENTERPRISE"]],
    ]);
    expect(preview.licenseAssignmentStates).toEqual([]);

    // assignLicense refuses the same change with the first of those problems.
    const failure = licenseFailure(await api.assign(user.id, add));
    expect([failure.licenseError, failure.skuId, failure.message]).toEqual([preview.problems[0].error, noProduct, preview.problems[0].message]);
    expect(await api.user(user.id)).toMatchObject({ assignedLicenses: [], licenseAssignmentStates: [], proxyAddresses: [], mail: null });
    expect([await api.consumed(SKU.E1), await api.consumed(SKU.E3), await api.consumed(SKU.MCOMEETADV)]).toEqual(consumedBefore);
  });

  it("shows a Global Reader the states a clean change would give, from every source, without applying it", async () => {
    const member = await api.salesMember();
    const allSales = await gateway.groupId("All Sales");
    const consumedBefore = await api.consumed(SKU.E1);
    const add = [{ skuId: SKU.E1, disabledPlans: [PLAN.EXCHANGE_S_STANDARD] }];

    const { previewLicenseAssignment: preview } = await gateway.ok("grace.kim", PREVIEW, { userId: member.id, add });
    expect(preview.succeeded).toBe(true);
    expect(preview.problems).toEqual([]);
    expect(preview.licenseAssignmentStates).toHaveLength(2);
    expect(preview.licenseAssignmentStates).toEqual(
      expect.arrayContaining([
        { skuId: SKU.E3, skuPartNumber: "ENTERPRISEPACK", disabledPlans: [], assignedByGroup: allSales, state: "Active", error: "None" },
        { skuId: SKU.E1, skuPartNumber: "STANDARDPACK", disabledPlans: [PLAN.EXCHANGE_S_STANDARD], assignedByGroup: null, state: "Active", error: "None" },
      ]),
    );
    expect((await api.user(member.id)).assignedLicenses).toEqual([{ skuId: SKU.E3, disabledPlans: [] }]);
    expect(await api.consumed(SKU.E1)).toBe(consumedBefore);
  });
});

describe("direct license assignment: who may assign, and the audit log", () => {
  it("lets a License Administrator assign, and audits the change with the old and new assignedLicenses", async () => {
    const user = await api.newUser();
    await api.assigned(user.id, [{ skuId: SKU.E1 }], [], "omar.haddad");

    const entries = await api.audits({ targetId: user.id, activityDisplayName: "Change user license" });
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ result: "success", initiatedBy: { user: { userPrincipalName: "omar.haddad@contoso.com" } } });
    expect(entries[0].targetResources[0]).toMatchObject({
      id: user.id,
      modifiedProperties: [{ displayName: "AssignedLicense", oldValue: "[]", newValue: JSON.stringify([{ skuId: SKU.E1, disabledPlans: [] }]) }],
    });
  });

  it("refuses a Global Reader with FORBIDDEN and assigns nothing", async () => {
    const user = await api.newUser();
    const error = refusal(await api.assign(user.id, [{ skuId: SKU.E1 }], [], "grace.kim"));
    expect(error).toMatchObject({ code: "FORBIDDEN", message: INSUFFICIENT_PRIVILEGES });
    expect((await api.user(user.id)).assignedLicenses).toEqual([]);
  });

  it("audits a refused assignment as a failure with the reason the caller saw", async () => {
    const user = await api.newUser({ usageLocation: null });
    const failure = licenseFailure(await api.assign(user.id, [{ skuId: SKU.E1 }], [], "omar.haddad"));

    const entries = await api.audits({ targetId: user.id, activityDisplayName: "Change user license" });
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ result: "failure", resultReason: failure.message, initiatedBy: { user: { userPrincipalName: "omar.haddad@contoso.com" } } });
    expect(entries[0].targetResources[0].modifiedProperties).toEqual([]);
  });
});

describe("direct license assignment: racing for seats", () => {
  it("gives 10 free seats to exactly 10 of 50 concurrent assignments and refuses the other 40 with CountViolation", async () => {
    const users = [];
    for (let i = 0; i < 50; i += 1) users.push(await api.newUser());
    await api.setFreeSeats(SKU.E1, 10);

    const responses = await Promise.all(users.map((user) => api.assign(user.id, [{ skuId: SKU.E1 }])));
    const refused = responses.filter((response) => response.errors);
    expect(responses.length - refused.length).toBe(10);
    expect(refused.map((response) => licenseFailure(response).licenseError)).toEqual(Array(40).fill("CountViolation"));

    const { subscribedSku } = await gateway.ok("admin", "query($s: ID) { subscribedSku(skuId: $s) { consumedUnits prepaidUnits { enabled } } }", { s: SKU.E1 });
    expect(subscribedSku.consumedUnits).toBe(subscribedSku.prepaidUnits.enabled);
    const holders = [];
    for (const user of users) if ((await api.user(user.id)).assignedLicenses.length > 0) holders.push(user.id);
    expect(holders).toHaveLength(10);
  });
});
