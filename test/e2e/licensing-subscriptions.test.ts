import { refusal, TestGateway } from "../support/harness";
import { LicensingApi, licenseFailure, PLAN, SKU } from "../support/licensing-api";

const SUBSCRIPTION_FIELDS = "skuId skuPartNumber displayName appliesTo capabilityStatus consumedUnits prepaidUnits { enabled suspended warning lockedOut }";
const LIST = `{ subscribedSkus { ${SUBSCRIPTION_FIELDS} servicePlans { servicePlanId servicePlanName } } }`;
const ONE = `query($skuId: ID, $part: String) { subscribedSku(skuId: $skuId, skuPartNumber: $part) { ${SUBSCRIPTION_FIELDS} } }`;
const ADD = `mutation($skuId: ID, $part: String, $units: Int!) {
  addSubscription(skuId: $skuId, skuPartNumber: $part, enabledUnits: $units) { ${SUBSCRIPTION_FIELDS} }
}`;
const UPDATE = `mutation($skuId: ID!, $units: PrepaidUnitsInput, $status: CapabilityStatus) {
  updateSubscription(skuId: $skuId, prepaidUnits: $units, capabilityStatus: $status) { ${SUBSCRIPTION_FIELDS} }
}`;
const PLAN_INFO = "servicePlanId servicePlanName displayName";
const RULES = `{ planRules {
  mutuallyExclusive { planA { ${PLAN_INFO} } planB { ${PLAN_INFO} } note }
  dependencies { plan { servicePlanName } requiresAnyOf { servicePlanName } }
  locationRestrictions { plan { servicePlanName } countries }
  mailboxPlans { servicePlanName }
} }`;
const SET_RULES = "mutation($rules: PlanRulesInput!) { setPlanRules(rules: $rules) { mutuallyExclusive { planA { servicePlanName } } } }";

/** The default rules as setPlanRules takes them, with the Exchange conflict or without it. */
function defaultRules(withExchangeConflict: boolean) {
  return {
    mutuallyExclusive: withExchangeConflict ? [{ planA: "EXCHANGE_S_STANDARD", planB: "EXCHANGE_S_ENTERPRISE" }] : [],
    dependencies: [
      { plan: "WORKPLACE_ANALYTICS", requiresAnyOf: ["EXCHANGE_S_STANDARD", "EXCHANGE_S_ENTERPRISE"] },
      { plan: "MCOMEETADV", requiresAnyOf: ["MCOSTANDARD"] },
    ],
    locationRestrictions: [{ plan: "MCOMEETADV", countries: ["CU", "IR", "KP", "SY"] }],
    mailboxPlans: ["EXCHANGE_S_STANDARD", "EXCHANGE_S_ENTERPRISE", "EXCHANGE_S_DESKLESS", "EXCHANGE_S_ESSENTIALS"],
  };
}

/** A GUID that is no product of the catalog. */
const NO_PRODUCT = "0b4c6d2e-1111-4222-8333-944455556666";

let gateway: TestGateway;
let api: LicensingApi;

beforeAll(async () => {
  gateway = await TestGateway.start();
  api = new LicensingApi(gateway, "subs");
  await gateway.settle();
});
afterAll(() => gateway.stop());

describe("subscriptions and plan rules", () => {
  describe("reading subscriptions", () => {
    it("lists the demo tenant's products with their seats and named service plans", async () => {
      const { subscribedSkus } = await gateway.ok("grace.kim", LIST);
      const seats = Object.fromEntries(subscribedSkus.map((s: any) => [s.skuPartNumber, [s.prepaidUnits.enabled, s.consumedUnits]]));
      // E1: Emma Wilson's direct license. E3: All Sales but Emma (her E1 conflicts). E5 + EMS: three of
      // the five Engineering members, as many as there are E5 seats.
      expect(seats).toEqual({
        STANDARDPACK: [10, 1],
        ENTERPRISEPACK: [10, 4],
        ENTERPRISEPREMIUM: [3, 3],
        EMS: [8, 3],
        WORKPLACE_ANALYTICS: [5, 0],
        MCOMEETADV: [5, 0],
        MCOSTANDARD: [5, 0],
      });
      const e3 = subscribedSkus.find((s: any) => s.skuId === SKU.E3);
      expect(e3).toMatchObject({ displayName: "Office 365 E3", appliesTo: "User", capabilityStatus: "Enabled" });
      expect(e3.servicePlans).toContainEqual({ servicePlanId: PLAN.EXCHANGE_S_ENTERPRISE, servicePlanName: "EXCHANGE_S_ENTERPRISE" });
      expect(subscribedSkus.find((s: any) => s.skuId === SKU.MCOMEETADV).servicePlans).toEqual([{ servicePlanId: PLAN.MCOMEETADV, servicePlanName: "MCOMEETADV" }]);
    });

    it("finds one subscription by skuPartNumber or skuId, and null for a product the tenant does not have", async () => {
      const byPart = (await gateway.ok("grace.kim", ONE, { part: "ENTERPRISEPACK" })).subscribedSku;
      expect(byPart).toMatchObject({ skuId: SKU.E3, skuPartNumber: "ENTERPRISEPACK", displayName: "Office 365 E3" });
      expect((await gateway.ok("grace.kim", ONE, { skuId: SKU.E3 })).subscribedSku).toEqual(byPart);
      expect((await gateway.ok("grace.kim", ONE, { part: "DEVELOPERPACK_E5" })).subscribedSku).toBeNull();
    });
  });

  describe("addSubscription", () => {
    it("subscribes to a catalog product by skuPartNumber", async () => {
      const { addSubscription } = await gateway.ok("admin", ADD, { part: "SPE_E5", units: 25 });
      expect(addSubscription).toEqual({
        skuId: SKU.SPE_E5,
        skuPartNumber: "SPE_E5",
        displayName: "Microsoft 365 E5",
        appliesTo: "User",
        capabilityStatus: "Enabled",
        consumedUnits: 0,
        prepaidUnits: { enabled: 25, suspended: 0, warning: 0, lockedOut: 0 },
      });
      expect((await gateway.ok("grace.kim", LIST)).subscribedSkus.map((s: any) => s.skuId)).toContain(SKU.SPE_E5);
    });

    it("subscribes by skuId, after which the product can be assigned", async () => {
      const user = await api.newUser();
      expect(licenseFailure(await api.assign(user.id, [{ skuId: SKU.DEVELOPERPACK_E5 }])).licenseError).toBe("InvalidLicense");
      const { addSubscription } = await gateway.ok("admin", ADD, { skuId: SKU.DEVELOPERPACK_E5, units: 1 });
      expect(addSubscription).toMatchObject({ skuPartNumber: "DEVELOPERPACK_E5", prepaidUnits: { enabled: 1 }, consumedUnits: 0 });
      await api.assigned(user.id, [{ skuId: SKU.DEVELOPERPACK_E5 }]);
      expect(await api.consumed(SKU.DEVELOPERPACK_E5)).toBe(1);
    });

    it.each([
      ["an unknown skuPartNumber", "NOT_FOUND", { part: "NOT_A_PRODUCT" }],
      ["an unknown skuId", "NOT_FOUND", { skuId: NO_PRODUCT }],
      ["a skuPartNumber that names two products (MCOPSTN5)", "BAD_USER_INPUT", { part: "MCOPSTN5" }],
      ["a product already subscribed", "CONFLICT", { part: "ENTERPRISEPACK" }],
    ])("refuses %s with %s and adds nothing", async (_case, code, key) => {
      const before = (await gateway.ok("admin", LIST)).subscribedSkus;
      expect(refusal(await gateway.gql("admin", ADD, { ...key, units: 5 })).code).toBe(code);
      expect((await gateway.ok("admin", LIST)).subscribedSkus).toEqual(before);
    });

    it("asks for the skuId when a part number is ambiguous, naming the candidates", async () => {
      const error = refusal(await gateway.gql("admin", ADD, { part: "MCOPSTN5", units: 5 }));
      expect(error.extensions.field).toBe("skuPartNumber");
      expect(error.message).toMatch(/54a152dc-90de-4996-93d2-bc47e670fc06/);
      expect(error.message).toMatch(/d43177b5-475b-4880-92d4-d54c27b5efbd/);
    });

    it.each(["lena.fischer", "omar.haddad"])("is for Global Administrators only: %s gets FORBIDDEN", async (caller) => {
      expect(refusal(await gateway.gql(caller, ADD, { part: "EMSPREMIUM", units: 5 })).code).toBe("FORBIDDEN");
      expect((await gateway.ok("admin", ONE, { part: "EMSPREMIUM" })).subscribedSku).toBeNull();
    });
  });

  describe("updateSubscription", () => {
    it("changes the given units and keeps the others", async () => {
      const { updateSubscription } = await gateway.ok("admin", UPDATE, { skuId: SKU.WORKPLACE_ANALYTICS, units: { enabled: 7, warning: 2 } });
      expect(updateSubscription).toMatchObject({ capabilityStatus: "Enabled", consumedUnits: 0, prepaidUnits: { enabled: 7, suspended: 0, warning: 2, lockedOut: 0 } });
      expect((await gateway.ok("admin", ONE, { skuId: SKU.WORKPLACE_ANALYTICS })).subscribedSku).toEqual(updateSubscription);
    });

    it.each([
      ["a capabilityStatus that is not one (Sleeping)", "BAD_USER_INPUT", { status: "Sleeping" }],
      ["negative units", "BAD_USER_INPUT", { units: { enabled: -1 } }],
    ])("refuses %s with %s and changes nothing", async (_case, code, change) => {
      const before = (await gateway.ok("admin", ONE, { skuId: SKU.EMS })).subscribedSku;
      expect(refusal(await gateway.gql("admin", UPDATE, { skuId: SKU.EMS, ...change })).code).toBe(code);
      expect((await gateway.ok("admin", ONE, { skuId: SKU.EMS })).subscribedSku).toEqual(before);
    });

    it("refuses a subscription the tenant does not have with NOT_FOUND, and any caller but a Global Administrator", async () => {
      expect(refusal(await gateway.gql("admin", UPDATE, { skuId: NO_PRODUCT, units: { enabled: 1 } })).code).toBe("NOT_FOUND");
      expect(refusal(await gateway.gql("omar.haddad", UPDATE, { skuId: SKU.MCOSTANDARD, units: { enabled: 100 } })).code).toBe("FORBIDDEN");
      expect((await gateway.ok("admin", ONE, { skuId: SKU.MCOSTANDARD })).subscribedSku.prepaidUnits.enabled).toBe(5);
    });

    it("refuses new assignments from a Suspended subscription, and allows them again once Enabled", async () => {
      const user = await api.newUser();
      await gateway.ok("admin", UPDATE, { skuId: SKU.MCOSTANDARD, status: "Suspended" });
      const failure = licenseFailure(await api.assign(user.id, [{ skuId: SKU.MCOSTANDARD }]));
      expect(failure).toMatchObject({ code: "LICENSE_ASSIGNMENT_FAILED", licenseError: "CountViolation", skuId: SKU.MCOSTANDARD });
      expect(failure.message).toMatch(/Suspended/);

      await gateway.ok("admin", UPDATE, { skuId: SKU.MCOSTANDARD, status: "Enabled" });
      expect((await api.assigned(user.id, [{ skuId: SKU.MCOSTANDARD }])).assignedLicenses).toEqual([{ skuId: SKU.MCOSTANDARD, disabledPlans: [] }]);
    });
  });

  describe("plan rules", () => {
    it("shows the default rules with plan names", async () => {
      const { planRules } = await gateway.ok("grace.kim", RULES);
      expect(planRules.mutuallyExclusive).toEqual([
        {
          planA: { servicePlanId: PLAN.EXCHANGE_S_STANDARD, servicePlanName: "EXCHANGE_S_STANDARD", displayName: "Exchange Online (Plan 1)" },
          planB: { servicePlanId: PLAN.EXCHANGE_S_ENTERPRISE, servicePlanName: "EXCHANGE_S_ENTERPRISE", displayName: "Exchange Online (Plan 2)" },
          note: expect.stringMatching(/2023/),
        },
      ]);
      expect(planRules.dependencies).toEqual([
        { plan: { servicePlanName: "WORKPLACE_ANALYTICS" }, requiresAnyOf: [{ servicePlanName: "EXCHANGE_S_STANDARD" }, { servicePlanName: "EXCHANGE_S_ENTERPRISE" }] },
        { plan: { servicePlanName: "MCOMEETADV" }, requiresAnyOf: [{ servicePlanName: "MCOSTANDARD" }] },
      ]);
      expect(planRules.locationRestrictions).toEqual([{ plan: { servicePlanName: "MCOMEETADV" }, countries: ["CU", "IR", "KP", "SY"] }]);
      expect(planRules.mailboxPlans.map((plan: { servicePlanName: string }) => plan.servicePlanName)).toEqual(
        expect.arrayContaining(["EXCHANGE_S_STANDARD", "EXCHANGE_S_ENTERPRISE"]),
      );
    });

    it("refuses a rule naming an unknown plan with BAD_USER_INPUT and keeps the rules as they were", async () => {
      const before = (await gateway.ok("admin", RULES)).planRules;
      const rules = { ...defaultRules(true), mutuallyExclusive: [{ planA: "EXCHANGE_S_STANDARD", planB: "NO_SUCH_PLAN" }] };
      const error = refusal(await gateway.gql("admin", SET_RULES, { rules }));
      expect(error).toMatchObject({ code: "BAD_USER_INPUT", extensions: { field: "mutuallyExclusive[0].planB" } });
      expect((await gateway.ok("admin", RULES)).planRules).toEqual(before);
    });

    it.each(["lena.fischer", "omar.haddad"])("is for Global Administrators only: %s gets FORBIDDEN", async (caller) => {
      const before = (await gateway.ok("admin", RULES)).planRules;
      expect(refusal(await gateway.gql(caller, SET_RULES, { rules: defaultRules(false) })).code).toBe("FORBIDDEN");
      expect((await gateway.ok("admin", RULES)).planRules).toEqual(before);
    });

    it("applies new rules at once: without the Exchange conflict E1 and E3 go together, directly and by group", async () => {
      const [before, after] = [await api.newUser(), await api.newUser()];
      await api.assigned(before.id, [{ skuId: SKU.E1 }]);
      expect(licenseFailure(await api.assign(before.id, [{ skuId: SKU.E3 }])).licenseError).toBe("MutuallyExclusiveViolation");

      await gateway.ok("admin", SET_RULES, { rules: defaultRules(false) });
      try {
        expect((await gateway.ok("admin", RULES)).planRules.mutuallyExclusive).toEqual([]);
        await api.assigned(after.id, [{ skuId: SKU.E1 }]);
        expect((await api.assigned(after.id, [{ skuId: SKU.E3 }])).assignedLicenses.map((l) => l.skuId).sort()).toEqual([SKU.E1, SKU.E3].sort());
        // Group-licensed users are reprocessed: Emma Wilson's E3 from All Sales no longer conflicts with her E1.
        await gateway.settle();
        const emma = await api.user(await gateway.userId("emma.wilson"));
        expect(emma.licenseAssignmentStates).toContainEqual(expect.objectContaining({ skuId: SKU.E3, state: "Active", error: "None" }));
      } finally {
        await gateway.ok("admin", SET_RULES, { rules: defaultRules(true) });
      }
    });
  });
});
