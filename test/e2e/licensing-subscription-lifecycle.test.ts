import { refusal, TestGateway } from "../support/harness";
import { GroupLicensingApi, type TestUser } from "../support/group-licensing-api";

/**
 * Subscriptions as Graph models them: capabilityStatus follows prepaidUnits, and each status
 * decides what direct (assignLicense) and group-based assignment may still do. Each test buys a
 * product of its own, so the seats it counts are its own.
 */
const UNITS = "capabilityStatus consumedUnits prepaidUnits { enabled warning suspended lockedOut }";
const ADD = `mutation($part: String!, $units: Int!) { addSubscription(skuPartNumber: $part, enabledUnits: $units) { skuId ${UNITS} } }`;
const UPDATE = `mutation($skuId: ID!, $units: PrepaidUnitsInput, $status: CapabilityStatus) {
  updateSubscription(skuId: $skuId, prepaidUnits: $units, capabilityStatus: $status) { ${UNITS} }
}`;
const ONE = `query($skuId: ID) { subscribedSku(skuId: $skuId) { ${UNITS} } }`;
const ASSIGN = `mutation($u: ID!, $add: [AssignedLicenseInput!], $remove: [ID!]) {
  assignLicense(userId: $u, addLicenses: $add, removeLicenses: $remove) { assignedLicenses { skuId } }
}`;
const REPROCESS_GROUP = "mutation($g: ID!) { reprocessGroupLicenses(groupId: $g) { id } }";
const AUDIT = `query($id: ID!) { directoryAudits(first: 1, filter: { targetId: $id, activityDisplayName: "Update subscription" }) {
  edges { node { result targetResources { modifiedProperties { displayName oldValue newValue } } } } } }`;

/** Products with no plan that the default plan rules name, so only seats and status decide. */
const PRODUCTS = [
  "POWER_BI_PRO", "VISIOCLIENT", "PROJECTPREMIUM", "EMSPREMIUM", "AAD_PREMIUM", "AAD_PREMIUM_P2", "ATP_ENTERPRISE", "INTUNE_A",
  "RIGHTSMANAGEMENT", "STREAM", "VISIOONLINE_PLAN1", "WIN10_PRO_ENT_SUB", "MCOEV", "PBI_PREMIUM_PER_USER", "PROJECTPROFESSIONAL",
  "FLOW_FREE", "POWERAPPS_VIRAL", "POWER_BI_STANDARD",
];
const INACTIVE = ["Suspended", "LockedOut", "Deleted"] as const;

type Units = { enabled: number; warning: number; suspended: number; lockedOut: number };
interface Subscription {
  capabilityStatus: string;
  consumedUnits: number;
  prepaidUnits: Units;
}

let gateway: TestGateway;
let api: GroupLicensingApi;
let bought = 0;
const partNumbers = new Map<string, string>();

beforeAll(async () => {
  gateway = await TestGateway.start();
  api = new GroupLicensingApi(gateway);
  await gateway.settle();
});
afterAll(() => gateway.stop());

/** Subscribes the tenant to a product nobody holds yet, with `units` enabled units. */
async function buy(units: number): Promise<string> {
  const part = PRODUCTS[bought++];
  if (!part) throw new Error("test setup: more products needed");
  const { skuId } = (await gateway.ok("admin", ADD, { part, units })).addSubscription;
  partNumbers.set(skuId, part);
  return skuId;
}

async function update(skuId: string, change: { units?: Partial<Units>; status?: string }): Promise<Subscription> {
  return (await gateway.ok("admin", UPDATE, { skuId, ...change })).updateSubscription;
}

async function subscription(skuId: string): Promise<Subscription> {
  return (await gateway.ok("admin", ONE, { skuId })).subscribedSku;
}

const assignDirect = (user: TestUser, skuId: string) => gateway.gql("admin", ASSIGN, { u: user.id, add: [{ skuId }] });

async function heldSkus(user: TestUser): Promise<string[]> {
  return (await api.states(user)).filter((s) => s.state === "Active").map((s) => s.skuId);
}

describe("subscriptions as Graph models them", () => {
  describe("capabilityStatus follows the units", () => {
    it("moves the units through the lifecycle: expiry, suspension, lock-out, deletion, reactivation", async () => {
      const skuId = await buy(10);
      await update(skuId, { units: { warning: 2 } });
      expect(await update(skuId, { status: "Warning" })).toMatchObject({ capabilityStatus: "Warning", prepaidUnits: { enabled: 0, warning: 12, suspended: 0, lockedOut: 0 } });
      expect(await update(skuId, { status: "Suspended" })).toMatchObject({ capabilityStatus: "Suspended", prepaidUnits: { enabled: 0, warning: 0, suspended: 12, lockedOut: 0 } });
      expect(await update(skuId, { status: "Enabled" })).toMatchObject({ capabilityStatus: "Enabled", prepaidUnits: { enabled: 12, warning: 0, suspended: 0, lockedOut: 0 } });
      expect(await update(skuId, { status: "LockedOut" })).toMatchObject({ capabilityStatus: "LockedOut", prepaidUnits: { enabled: 0, warning: 0, suspended: 0, lockedOut: 12 } });
      expect(await update(skuId, { status: "Deleted" })).toMatchObject({ capabilityStatus: "Deleted", prepaidUnits: { enabled: 0, warning: 0, suspended: 0, lockedOut: 0 } });
      expect(await subscription(skuId)).toMatchObject({ capabilityStatus: "Deleted" });
    });

    it("derives the status from units set directly: Enabled while any is enabled, else Warning, Suspended, LockedOut", async () => {
      const skuId = await buy(5);
      expect((await update(skuId, { units: { enabled: 0, warning: 3, suspended: 2 } })).capabilityStatus).toBe("Warning");
      expect((await update(skuId, { units: { warning: 0 } })).capabilityStatus).toBe("Suspended");
      expect((await update(skuId, { units: { suspended: 0, lockedOut: 1 } })).capabilityStatus).toBe("LockedOut");
      expect((await update(skuId, { units: { enabled: 1 } })).capabilityStatus).toBe("Enabled");
    });

    it("brings a Deleted subscription back when it is given enabled units (addSubscription says so)", async () => {
      const skuId = await buy(3);
      await update(skuId, { status: "Deleted" });
      const again = refusal(await gateway.gql("admin", ADD, { part: partNumbers.get(skuId), units: 4 }));
      expect(again.code).toBe("CONFLICT");
      expect(again.message).toMatch(/it is Deleted: give it enabled units .*updateSubscription/);
      expect((await update(skuId, { units: { enabled: 4 } })).capabilityStatus).toBe("Enabled");
    });

    it("audits the units a lifecycle step moved", async () => {
      const skuId = await buy(4);
      await update(skuId, { status: "Suspended" });
      const entry = (await gateway.ok("admin", AUDIT, { id: skuId })).directoryAudits.edges[0].node;
      const changed = Object.fromEntries(entry.targetResources[0].modifiedProperties.map((p: { displayName: string; oldValue: string; newValue: string }) => [p.displayName, [p.oldValue, p.newValue]]));
      expect(entry.result).toBe("success");
      expect(Object.keys(changed).sort()).toEqual(["CapabilityStatus", "EnabledUnits", "SuspendedUnits"]);
      expect(changed.EnabledUnits.map(JSON.parse)).toEqual([4, 0]);
      expect(changed.SuspendedUnits.map(JSON.parse)).toEqual([0, 4]);
    });

    it.each([
      ["reactivating a subscription with no units", 0, { status: "Enabled" }, "capabilityStatus"],
      ["a status the units given contradict (Suspended with enabled units)", 2, { status: "Suspended", units: { enabled: 3 } }, "prepaidUnits"],
    ])("refuses %s with BAD_USER_INPUT and changes nothing", async (_case, units, change, field) => {
      const skuId = await buy(units);
      const before = await subscription(skuId);
      const error = refusal(await gateway.gql("admin", UPDATE, { skuId, ...change }));
      expect(error).toMatchObject({ code: "BAD_USER_INPUT", extensions: { field } });
      expect(error.message).toMatch(/prepaidUnits/);
      expect(await subscription(skuId)).toEqual(before);
    });
  });

  describe("direct assignment", () => {
    it("counts units in their grace period as available: enabled + warning - consumed", async () => {
      const skuId = await buy(1);
      await update(skuId, { units: { warning: 1 } });
      const [a, b, c] = await api.users(3);
      expect((await assignDirect(a, skuId)).errors).toBeUndefined();
      expect((await assignDirect(b, skuId)).errors).toBeUndefined();
      const error = refusal(await assignDirect(c, skuId));
      expect(error).toMatchObject({ code: "LICENSE_ASSIGNMENT_FAILED", extensions: { licenseError: "CountViolation", skuId } });
      expect(error.message).toBe(`Subscription with SKU ${partNumbers.get(skuId)} does not have any available licenses.`);
      expect((await subscription(skuId)).consumedUnits).toBe(2);
    });

    it("assigns from a subscription in Warning (expired, in its grace period)", async () => {
      const skuId = await buy(2);
      expect((await update(skuId, { status: "Warning" })).capabilityStatus).toBe("Warning");
      const user = await api.user();
      expect((await assignDirect(user, skuId)).errors).toBeUndefined();
      expect(await heldSkus(user)).toEqual([skuId]);
    });

    it.each(INACTIVE)("refuses new assignments from a %s subscription with CountViolation, and keeps the licenses already assigned", async (status) => {
      const skuId = await buy(5);
      const [holder, newcomer] = await api.users(2);
      expect((await assignDirect(holder, skuId)).errors).toBeUndefined();
      expect((await update(skuId, { status })).capabilityStatus).toBe(status);

      const error = refusal(await assignDirect(newcomer, skuId));
      expect(error).toMatchObject({ code: "LICENSE_ASSIGNMENT_FAILED", extensions: { licenseError: "CountViolation", skuId } });
      expect(error.message).toMatch(new RegExp(`^Subscription with SKU \\S+ does not have any available licenses\\. It is ${status}: .*Licenses already assigned stay`));
      expect(await heldSkus(newcomer)).toEqual([]);
      expect(await heldSkus(holder)).toEqual([skuId]);
      expect((await subscription(skuId)).consumedUnits).toBe(1);
      // The holder may still change other licenses: their own seat is not a new one.
      expect((await assignDirect(holder, skuId)).errors).toBeUndefined();
    });
  });

  describe("group-based assignment", () => {
    it("records CountViolation on the members beyond enabled + warning units", async () => {
      const skuId = await buy(1);
      await update(skuId, { units: { warning: 1 } });
      const members = await api.users(3);
      await api.group(members, [{ skuId }]);
      await gateway.settle();
      const states = await Promise.all(members.map(async (member) => (await api.states(member)).map((s) => `${s.state}/${s.error}`)));
      expect(states.flat().sort()).toEqual(["Active/None", "Active/None", "Error/CountViolation"]);
      expect((await subscription(skuId)).consumedUnits).toBe(2);
    });

    it("licenses members from a subscription in Warning", async () => {
      const skuId = await buy(2);
      await update(skuId, { status: "Warning" });
      const members = await api.users(2);
      await api.group(members, [{ skuId }]);
      await gateway.settle();
      for (const member of members) expect(await heldSkus(member)).toEqual([skuId]);
    });

    it.each(INACTIVE)(
      "gives a %s subscription's licenses to no new member (CountViolation) and keeps those already given, through reprocessing; reactivation licenses the waiting member",
      async (status) => {
        const skuId = await buy(5);
        const [holder, newcomer] = await api.users(2);
        const groupId = await api.group([holder], [{ skuId }]);
        await gateway.settle();
        expect(await heldSkus(holder)).toEqual([skuId]);

        await update(skuId, { status });
        await api.addMember(groupId, newcomer);
        await gateway.settle();
        expect(await api.state(newcomer, skuId, groupId)).toMatchObject({ state: "Error", error: "CountViolation" });
        await gateway.ok("admin", REPROCESS_GROUP, { g: groupId });
        await gateway.settle();
        expect(await api.state(holder, skuId, groupId)).toMatchObject({ state: "Active", error: "None" });
        expect(await api.state(newcomer, skuId, groupId)).toMatchObject({ state: "Error", error: "CountViolation" });
        expect((await subscription(skuId)).consumedUnits).toBe(1);

        await update(skuId, status === "Deleted" ? { units: { enabled: 5 } } : { status: "Enabled" });
        await gateway.settle();
        expect(await api.state(newcomer, skuId, groupId)).toMatchObject({ state: "Active", error: "None" });
        expect((await subscription(skuId)).consumedUnits).toBe(2);
      },
    );
  });
});
