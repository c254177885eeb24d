import { acceptsNewAssignments, availableUnits, capabilityStatusOf, unitsAfterLifecycle, type PrepaidUnits } from "../../src/licensing/engine";

const units = (given: Partial<PrepaidUnits>): PrepaidUnits => ({ enabled: 0, warning: 0, suspended: 0, lockedOut: 0, ...given });

describe("subscriptions as Graph models them", () => {
  describe("capabilityStatus follows the units", () => {
    it.each([
      ["any enabled unit", { enabled: 1, warning: 5, suspended: 5, lockedOut: 5 }, "Enabled"],
      ["units in their grace period and none enabled", { warning: 2, suspended: 5 }, "Warning"],
      ["suspended units and none usable", { suspended: 3, lockedOut: 1 }, "Suspended"],
      ["locked-out units only", { lockedOut: 4 }, "LockedOut"],
    ])("is the status of %s", (_case, given, status) => {
      expect(capabilityStatusOf(units(given))).toBe(status);
    });

    it("is Deleted for a deleted subscription, which has no unit left, and Enabled with nothing to assign otherwise", () => {
      expect(capabilityStatusOf(units({}), true)).toBe("Deleted");
      expect(capabilityStatusOf(units({}))).toBe("Enabled");
      expect(capabilityStatusOf(units({ enabled: 3 }), true)).toBe("Enabled");
    });

    it("lets only Enabled and Warning subscriptions give new licenses", () => {
      expect(["Enabled", "Warning", "Suspended", "LockedOut", "Deleted"].filter((s) => acceptsNewAssignments(s as never))).toEqual(["Enabled", "Warning"]);
    });
  });

  describe("available units", () => {
    const subscription = (enabledUnits: number, warningUnits: number, consumedUnits: number) => ({
      skuId: "EMS",
      capabilityStatus: capabilityStatusOf(units({ enabled: enabledUnits, warning: warningUnits })),
      enabledUnits,
      warningUnits,
      consumedUnits,
    });

    it("are enabled + warning - consumed", () => {
      expect(availableUnits(subscription(5, 3, 6))).toBe(2);
      expect(availableUnits(subscription(0, 3, 1))).toBe(2);
    });

    it("are none when more are consumed than enabled and warning units give (units taken back)", () => {
      expect(availableUnits(subscription(2, 0, 5))).toBe(0);
    });

    it("are none for a subscription that gives no new licenses, whatever its counts say", () => {
      expect(availableUnits({ ...subscription(5, 0, 0), capabilityStatus: "Suspended" })).toBe(0);
    });
  });

  describe("moving through the lifecycle", () => {
    const bought = units({ enabled: 10, warning: 2, suspended: 1, lockedOut: 1 });

    it("expiring puts the usable units in their grace period", () => {
      expect(unitsAfterLifecycle(bought, "Warning")).toEqual(units({ warning: 12, suspended: 1, lockedOut: 1 }));
    });

    it("suspending takes every usable unit out of use", () => {
      expect(unitsAfterLifecycle(bought, "Suspended")).toEqual(units({ suspended: 13, lockedOut: 1 }));
    });

    it("locking out and deleting take every unit", () => {
      expect(unitsAfterLifecycle(bought, "LockedOut")).toEqual(units({ lockedOut: 14 }));
      expect(unitsAfterLifecycle(bought, "Deleted")).toEqual(units({}));
    });

    it("reactivating enables every unit again", () => {
      expect(unitsAfterLifecycle(units({ suspended: 4, lockedOut: 1 }), "Enabled")).toEqual(units({ enabled: 5 }));
    });

    it("lands on the status asked for", () => {
      for (const status of ["Enabled", "Warning", "Suspended", "LockedOut", "Deleted"] as const) {
        expect(capabilityStatusOf(unitsAfterLifecycle(bought, status)!, status === "Deleted")).toBe(status);
      }
    });

    it("cannot reactivate, expire or suspend a subscription with no units left", () => {
      expect(unitsAfterLifecycle(units({}), "Enabled")).toBeNull();
      expect(unitsAfterLifecycle(units({ lockedOut: 3 }), "Warning")).toBeNull();
      expect(unitsAfterLifecycle(units({ lockedOut: 3 }), "Suspended")).toBeNull();
    });
  });
});
