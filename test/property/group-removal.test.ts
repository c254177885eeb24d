import fc from "fast-check";
import { conversionsOnGroupRemoval, skusDependingOn, type AssignmentState } from "../../src/licensing/engine";
import { direct, fromGroup, testCatalog } from "../support/licensing-fixtures";

const catalog = testCatalog();
const SKUS = [...catalog.skus.keys()];
const PLANS = [...catalog.plans.keys()];
const GROUP = "g-sales";

const state: fc.Arbitrary<AssignmentState> = fc
  .record({
    sku: fc.constantFrom(...SKUS),
    source: fc.constantFrom(null, GROUP, GROUP, "g-other"),
    state: fc.constantFrom("Active", "Active", "ActiveWithError", "Error", "ActiveWithError"),
    disabled: fc.subarray(PLANS, { maxLength: 2 }),
  })
  .map(({ sku, source, state: name, disabled }) => {
    const options = { disabledPlans: disabled, state: name as AssignmentState["state"], error: name === "Active" ? null : ("CountViolation" as const) };
    return source === null ? direct(sku, options) : fromGroup(source, sku, options);
  });

describe("which holders can need a conversion when a group stops giving SKUs", () => {
  it("names the SKUs with a plan that needs a plan of the removed SKUs", () => {
    // E1 and E3 hold Skype (MCOSTANDARD), which Audio Conferencing needs, and an Exchange plan,
    // which Workplace Analytics needs; EMS holds neither, and an add-on is nobody's prerequisite.
    expect(skusDependingOn(catalog, ["E3"]).sort()).toEqual(["MCOMEETADV", "WORKPLACE_ANALYTICS"]);
    expect(skusDependingOn(catalog, ["E1", "EMS"]).sort()).toEqual(["MCOMEETADV", "WORKPLACE_ANALYTICS"]);
    expect(skusDependingOn(catalog, ["EMS"])).toEqual([]);
    expect(skusDependingOn(catalog, ["MCOMEETADV", "WORKPLACE_ANALYTICS"])).toEqual([]);
  });

  // The group service reads and locks only the holders that have another row of one of these
  // SKUs (AssignmentStore.holdersAlsoHolding): everyone it leaves out must need no conversion.
  it("a user with no other row of such a SKU never needs one", () => {
    let conversions = 0;
    fc.assert(
      fc.property(fc.array(state, { maxLength: 6 }), fc.subarray(SKUS, { minLength: 1 }), (states, removed) => {
        const dependent = new Set(skusDependingOn(catalog, removed));
        const candidate = states.some((s) => dependent.has(s.skuId) && !(s.assignedByGroup === GROUP && removed.includes(s.skuId)));
        const converted = conversionsOnGroupRemoval(catalog, states, GROUP, removed);
        if (!candidate) expect(converted).toEqual([]);
        if (converted.length > 0) conversions += 1;
      }),
      { numRuns: 2000 },
    );
    // The cases that matter came up: users who did need a conversion.
    expect(conversions).toBeGreaterThan(20);
  });
});
