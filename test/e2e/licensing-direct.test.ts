import { refusal, TestGateway } from "../support/harness";
import { LicensingApi, licenseFailure, PLAN, planNamesOf, SKU } from "../support/licensing-api";

const UPDATE_USER = "mutation($id: ID!, $input: UpdateUserInput!) { updateUser(id: $id, input: $input) { id } }";
const PLANS_OF = "query($skuId: ID) { subscribedSku(skuId: $skuId) { servicePlans { servicePlanId servicePlanName } } }";
const FAILED = "LICENSE_ASSIGNMENT_FAILED";
/** The SKUs these tests assign; each starts every test with plenty of free seats. */
const ASSIGNED_SKUS = [SKU.E1, SKU.E3, SKU.WORKPLACE_ANALYTICS, SKU.MCOMEETADV, SKU.MCOSTANDARD];
const PLENTY = 200;

let gateway: TestGateway;
let api: LicensingApi;

beforeAll(async () => {
  gateway = await TestGateway.start();
  api = new LicensingApi(gateway, "direct");
  await gateway.settle();
});
afterEach(async () => {
  for (const skuId of ASSIGNED_SKUS) await api.setFreeSeats(skuId, PLENTY);
});
afterAll(() => gateway.stop());

describe("direct license assignment", () => {
  it("needs a usage location of the user's own, and then shows the license in every licensing field", async () => {
    const user = await api.newUser({ usageLocation: null });
    // The tenant has a default usage location (US); direct assignment never falls back to it.
    expect(licenseFailure(await api.assign(user.id, [{ skuId: SKU.E1 }]))).toEqual({
      code: FAILED,
      licenseError: "InvalidUsageLocation",
      skuId: SKU.E1,
      servicePlans: [],
      message: "License assignment cannot be done for user with invalid usage location.",
    });
    await gateway.ok("admin", UPDATE_USER, { id: user.id, input: { usageLocation: "US" } });

    const licensed = await api.assigned(user.id, [{ skuId: SKU.E1 }]);
    const e1Plans = (await gateway.ok("admin", PLANS_OF, { skuId: SKU.E1 })).subscribedSku.servicePlans;
    expect(licensed.assignedLicenses).toEqual([{ skuId: SKU.E1, disabledPlans: [] }]);
    expect(licensed.licenseDetails).toEqual([
      { skuId: SKU.E1, skuPartNumber: "STANDARDPACK", servicePlans: e1Plans.map((plan: object) => ({ ...plan, provisioningStatus: "Success" })) },
    ]);
    expect(licensed.assignedPlans.map((plan) => plan.servicePlanId).sort()).toEqual(e1Plans.map((plan: { servicePlanId: string }) => plan.servicePlanId).sort());
    expect(licensed.assignedPlans).toContainEqual({ servicePlanId: PLAN.EXCHANGE_S_STANDARD, service: "EXCHANGE_S_STANDARD", capabilityStatus: "Enabled" });
    expect(licensed.licenseAssignmentStates).toEqual([
      { skuId: SKU.E1, skuPartNumber: "STANDARDPACK", disabledPlans: [], assignedByGroup: null, state: "Active", error: "None" },
    ]);
    expect(await api.user(user.id)).toEqual(licensed);
  });

  it("refuses a SKU without free seats with CountViolation and takes exactly one seat per new holder", async () => {
    await api.setFreeSeats(SKU.MCOSTANDARD, 1);
    const before = await api.consumed(SKU.MCOSTANDARD);
    const [first, second] = [await api.newUser(), await api.newUser()];

    await api.assigned(first.id, [{ skuId: SKU.MCOSTANDARD }]);
    expect(await api.consumed(SKU.MCOSTANDARD)).toBe(before + 1);
    expect(licenseFailure(await api.assign(second.id, [{ skuId: SKU.MCOSTANDARD }]))).toEqual({
      code: FAILED,
      licenseError: "CountViolation",
      skuId: SKU.MCOSTANDARD,
      servicePlans: [],
      message: "Subscription with SKU MCOSTANDARD does not have any available licenses.",
    });
    expect((await api.user(second.id)).assignedLicenses).toEqual([]);
    // Assigning a SKU the user already holds again (e.g. to change its disabled plans) needs no seat.
    await api.assigned(first.id, [{ skuId: SKU.MCOSTANDARD }]);
    expect(await api.consumed(SKU.MCOSTANDARD)).toBe(before + 1);
  });

  it("lets a user who holds a SKU through All Sales get it directly too, on the same seat", async () => {
    const member = await api.salesMember();
    const allSales = await gateway.groupId("All Sales");
    await api.setFreeSeats(SKU.E3, 0);
    const before = await api.consumed(SKU.E3);

    const licensed = await api.assigned(member.id, [{ skuId: SKU.E3 }]);
    expect(licensed.assignedLicenses).toEqual([{ skuId: SKU.E3, disabledPlans: [] }]);
    expect(licensed.licenseAssignmentStates.map(({ assignedByGroup, state, error }) => ({ assignedByGroup, state, error }))).toEqual(
      expect.arrayContaining([
        { assignedByGroup: allSales, state: "Active", error: "None" },
        { assignedByGroup: null, state: "Active", error: "None" },
      ]),
    );
    expect(licensed.licenseAssignmentStates).toHaveLength(2);
    expect(await api.consumed(SKU.E3)).toBe(before);
  });

  it("refuses conflicting Exchange plans with MutuallyExclusiveViolation, and accepts E3 with Exchange Plan 2 disabled", async () => {
    const user = await api.newUser();
    await api.assigned(user.id, [{ skuId: SKU.E1 }]);

    const failure = licenseFailure(await api.assign(user.id, [{ skuId: SKU.E3 }]));
    expect(failure).toMatchObject({ code: FAILED, licenseError: "MutuallyExclusiveViolation", skuId: SKU.E3 });
    expect(failure.servicePlans).toHaveLength(2);
    expect(failure.servicePlans).toEqual(
      expect.arrayContaining([
        { servicePlanId: PLAN.EXCHANGE_S_STANDARD, servicePlanName: "EXCHANGE_S_STANDARD" },
        { servicePlanId: PLAN.EXCHANGE_S_ENTERPRISE, servicePlanName: "EXCHANGE_S_ENTERPRISE" },
      ]),
    );
    // Graph's own wording names the plans by id; their names are in servicePlans.
    expect(failure.message).toBe(
      `License assignment failed because service plans ${PLAN.EXCHANGE_S_ENTERPRISE}, ${PLAN.EXCHANGE_S_STANDARD} are mutually exclusive.`,
    );

    const licensed = await api.assigned(user.id, [{ skuId: SKU.E3, disabledPlans: [PLAN.EXCHANGE_S_ENTERPRISE] }]);
    expect(licensed.assignedLicenses).toEqual(
      [
        { skuId: SKU.E1, disabledPlans: [] },
        { skuId: SKU.E3, disabledPlans: [PLAN.EXCHANGE_S_ENTERPRISE] },
      ].sort((a, b) => a.skuId.localeCompare(b.skuId)),
    );
    const e3 = licensed.licenseDetails.find((details) => details.skuId === SKU.E3)!;
    expect(e3.servicePlans.find((plan) => plan.servicePlanId === PLAN.EXCHANGE_S_ENTERPRISE)!.provisioningStatus).toBe("Disabled");
  });

  it("refuses Workplace Analytics without an Exchange plan with DependencyViolation naming the plans", async () => {
    const user = await api.newUser();
    const failure = licenseFailure(await api.assign(user.id, [{ skuId: SKU.WORKPLACE_ANALYTICS }]));
    expect(failure).toMatchObject({ code: FAILED, licenseError: "DependencyViolation", skuId: SKU.WORKPLACE_ANALYTICS });
    expect(planNamesOf(failure.servicePlans)).toEqual(["EXCHANGE_S_ENTERPRISE", "EXCHANGE_S_STANDARD", "WORKPLACE_ANALYTICS"]);
    expect((await api.user(user.id)).assignedLicenses).toEqual([]);
  });

  it("refuses to remove E3, or to disable its Exchange plan, while Workplace Analytics depends on it", async () => {
    const user = await api.newUser();
    await api.assigned(user.id, [{ skuId: SKU.E3 }, { skuId: SKU.WORKPLACE_ANALYTICS }]);

    const removal = licenseFailure(await api.assign(user.id, [], [SKU.E3]));
    expect(removal).toMatchObject({ code: FAILED, licenseError: "DependencyViolation", skuId: SKU.E3 });
    expect(planNamesOf(removal.servicePlans)).toContain("WORKPLACE_ANALYTICS");
    const disabling = licenseFailure(await api.assign(user.id, [{ skuId: SKU.E3, disabledPlans: [PLAN.EXCHANGE_S_ENTERPRISE] }]));
    expect(disabling).toMatchObject({ licenseError: "DependencyViolation", skuId: SKU.E3 });
    expect((await api.user(user.id)).assignedLicenses).toEqual(
      [SKU.E3, SKU.WORKPLACE_ANALYTICS].sort().map((skuId) => ({ skuId, disabledPlans: [] })),
    );
  });

  it("refuses Audio Conferencing where it is not offered with ProhibitedInUsageLocationViolation", async () => {
    const inIran = await api.newUser({ usageLocation: "IR" });
    const failure = licenseFailure(await api.assign(inIran.id, [{ skuId: SKU.MCOSTANDARD }, { skuId: SKU.MCOMEETADV }]));
    expect(failure).toEqual({
      code: FAILED,
      licenseError: "ProhibitedInUsageLocationViolation",
      skuId: SKU.MCOMEETADV,
      servicePlans: [{ servicePlanId: PLAN.MCOMEETADV, servicePlanName: "MCOMEETADV" }],
      message: expect.stringMatching(/MCOMEETADV.*IR/),
    });
    const inUs = await api.newUser({ usageLocation: "US" });
    expect((await api.assigned(inUs.id, [{ skuId: SKU.MCOSTANDARD }, { skuId: SKU.MCOMEETADV }])).assignedLicenses).toHaveLength(2);
  });

  it("refuses a mailbox whose address another user holds with UniquenessViolation, then provisions it once freed", async () => {
    const holder = await api.newUser({ userPrincipalName: "pat.holder@contoso.com", proxyAddresses: ["SMTP:pat.holder@contoso.com", "smtp:pat.unique@contoso.com"] });
    const user = await api.newUser({ userPrincipalName: "pat.unique@contoso.com", proxyAddresses: [] });

    const failure = licenseFailure(await api.assign(user.id, [{ skuId: SKU.E1 }]));
    expect(failure).toMatchObject({
      code: FAILED,
      licenseError: "UniquenessViolation",
      skuId: SKU.E1,
      servicePlans: [{ servicePlanId: PLAN.EXCHANGE_S_STANDARD, servicePlanName: "EXCHANGE_S_STANDARD" }],
    });
    expect(failure.message).toMatch(/^Proxy address is already being used.*pat\.unique@contoso\.com/);

    await gateway.ok("admin", UPDATE_USER, { id: holder.id, input: { proxyAddresses: ["SMTP:pat.holder@contoso.com"] } });
    const licensed = await api.assigned(user.id, [{ skuId: SKU.E1 }]);
    const addresses = ["SMTP:pat.unique@contoso.com", "smtp:pat.unique@contoso.onmicrosoft.com"];
    expect(licensed).toMatchObject({ mail: "pat.unique@contoso.com", proxyAddresses: addresses });
    const [entry] = await api.audits({ targetId: user.id, activityDisplayName: "Update user" });
    expect(entry).toMatchObject({ result: "success", initiatedBy: { user: { userPrincipalName: "admin@contoso.com" } } });
    expect(entry.targetResources[0].modifiedProperties).toEqual(
      expect.arrayContaining([
        { displayName: "ProxyAddresses", oldValue: "[]", newValue: JSON.stringify(addresses) },
        { displayName: "Mail", oldValue: null, newValue: '"pat.unique@contoso.com"' },
      ]),
    );
  });

  it("lists the address a group-licensed user's pending mailbox collides on, until it is freed", async () => {
    // The API refuses every real duplicate (createUser and updateUser check uniqueness), so the
    // conflict to find is the one that keeps a group license in UniquenessViolation.
    const CONFLICTS = "{ proxyAddressConflicts { address userIds pendingMailbox } }";
    const holder = await api.newUser({ userPrincipalName: "pat.owner@contoso.com", proxyAddresses: ["SMTP:pat.owner@contoso.com", "smtp:pat.pending@contoso.com"] });
    const member = await api.salesMember({ userPrincipalName: "pat.pending@contoso.com", proxyAddresses: [] });
    expect((await api.user(member.id)).licenseAssignmentStates).toMatchObject([{ skuId: SKU.E3, state: "Error", error: "UniquenessViolation" }]);
    const { proxyAddressConflicts } = await gateway.ok("grace.kim", CONFLICTS);
    expect(proxyAddressConflicts).toContainEqual({ address: "pat.pending@contoso.com", userIds: [member.id, holder.id], pendingMailbox: true });

    await gateway.ok("admin", UPDATE_USER, { id: holder.id, input: { proxyAddresses: ["SMTP:pat.owner@contoso.com"] } });
    await gateway.ok("admin", "mutation($id: ID!) { reprocessUserLicenses(userId: $id) { id } }", { id: member.id });
    await gateway.settle();
    expect((await api.user(member.id)).licenseAssignmentStates).toMatchObject([{ skuId: SKU.E3, state: "Active", error: "None" }]);
    const after = (await gateway.ok("grace.kim", CONFLICTS)).proxyAddressConflicts as { address: string }[];
    expect(after.map((conflict) => conflict.address)).not.toContain("pat.pending@contoso.com");
  });

  it("refuses to remove a SKU the user does not hold with LicenseNotAssigned", async () => {
    const user = await api.newUser();
    const failure = licenseFailure(await api.assign(user.id, [], [SKU.E1]));
    expect(failure).toMatchObject({ code: FAILED, licenseError: "LicenseNotAssigned", skuId: SKU.E1 });
    expect(failure.message).toMatch(/^User does not have a corresponding license/);
  });

  it("refuses to remove directly the E3 a Sales member has from the group with InheritedLicense", async () => {
    const member = await api.salesMember();
    const failure = licenseFailure(await api.assign(member.id, [], [SKU.E3]));
    expect(failure).toMatchObject({ code: FAILED, licenseError: "InheritedLicense", skuId: SKU.E3 });
    expect(failure.message).toMatch(/^User license is inherited from a group membership and it cannot be removed directly from the user/);
    expect((await api.user(member.id)).assignedLicenses).toEqual([{ skuId: SKU.E3, disabledPlans: [] }]);
  });

  it.each([
    ["a catalog product the tenant does not subscribe to (Microsoft 365 E5 Developer)", SKU.DEVELOPERPACK_E5],
    ["a GUID that is no product", "0b4c6d2e-1111-4222-8333-944455556666"],
  ])("refuses %s with InvalidLicense", async (_case, skuId) => {
    const user = await api.newUser();
    expect(licenseFailure(await api.assign(user.id, [{ skuId }]))).toEqual({
      code: FAILED,
      licenseError: "InvalidLicense",
      skuId,
      servicePlans: [],
      message: `License ${skuId} does not correspond to a valid company License.`,
    });
  });

  it.each([
    ["a skuId that is not a GUID", [{ skuId: "ENTERPRISEPACK", disabledPlans: [] }], [], "addLicenses[0].skuId"],
    ["a SKU both added and removed", [{ skuId: SKU.E1, disabledPlans: [] }], [SKU.E1], "removeLicenses"],
  ])("refuses %s with BAD_USER_INPUT", async (_case, add, remove, field) => {
    const user = await api.newUser();
    const error = refusal(await gateway.gql("admin", "mutation($u: ID!, $a: [AssignedLicenseInput!], $r: [ID!]) { assignLicense(userId: $u, addLicenses: $a, removeLicenses: $r) { id } }", { u: user.id, a: add, r: remove }));
    expect(error).toMatchObject({ code: "BAD_USER_INPUT", extensions: { field } });
  });

  it("names the skuId or servicePlanId a part number or a plan's name stands for", async () => {
    const user = await api.newUser();
    const assign = (add: unknown, remove: unknown[] = []) =>
      gateway.gql("admin", "mutation($u: ID!, $a: [AssignedLicenseInput!], $r: [ID!]) { assignLicense(userId: $u, addLicenses: $a, removeLicenses: $r) { id } }", { u: user.id, a: add, r: remove });
    expect(refusal(await assign([{ skuId: "enterprisepack" }]))).toMatchObject({
      code: "BAD_USER_INPUT",
      message: `addLicenses[0].skuId 'enterprisepack' is a product's part number, not its skuId; give the skuId: ${SKU.E3} (Office 365 E3).`,
      extensions: { field: "addLicenses[0].skuId", skuIds: [SKU.E3] },
    });
    expect(refusal(await assign([], ["STANDARDPACK"]))).toMatchObject({ message: expect.stringContaining(`removeLicenses[0] 'STANDARDPACK' is a product's part number, not its skuId; give the skuId: ${SKU.E1}`) });
    const plan = refusal(await assign([{ skuId: SKU.E3, disabledPlans: ["EXCHANGE_S_ENTERPRISE"] }]));
    expect(plan.message).toMatch(/^addLicenses\[0\]\.disabledPlans\[0\] 'EXCHANGE_S_ENTERPRISE' is a service plan's name, not its servicePlanId; give the servicePlanId: [0-9a-f-]{36} \(Exchange Online \(Plan 2\)\)\.$/);
    // Neither is anything the catalog knows: the plain GUID message.
    expect(refusal(await assign([{ skuId: "E3" }])).message).toBe("addLicenses[0].skuId 'E3' is not a GUID; expected the form 00000000-0000-0000-0000-000000000000.");
  });

  it("is all or nothing: when the second SKU fails, the first is not assigned either and no seat is taken", async () => {
    const user = await api.newUser({ proxyAddresses: [] });
    await api.setFreeSeats(SKU.MCOSTANDARD, 0);
    const before = { e1: await api.consumed(SKU.E1), skype: await api.consumed(SKU.MCOSTANDARD) };

    const failure = licenseFailure(await api.assign(user.id, [{ skuId: SKU.E1 }, { skuId: SKU.MCOSTANDARD }]));
    expect(failure).toMatchObject({ licenseError: "CountViolation", skuId: SKU.MCOSTANDARD });
    expect(await api.user(user.id)).toMatchObject({ assignedLicenses: [], licenseAssignmentStates: [], proxyAddresses: [], mail: null });
    expect({ e1: await api.consumed(SKU.E1), skype: await api.consumed(SKU.MCOSTANDARD) }).toEqual(before);
  });
});
