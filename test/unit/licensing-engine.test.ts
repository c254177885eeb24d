import { planDirectChange, type AssignmentState, type DirectChange, type LicenseSubject, type Subscription } from "../../src/licensing/engine";
import { PROHIBITED_COUNTRY, direct, fromGroup, license, subject, subscriptions, summary, testCatalog } from "../support/licensing-fixtures";

const catalog = testCatalog();

interface Situation {
  current?: AssignmentState[];
  who?: LicenseSubject;
  seats?: Map<string, Subscription>;
}

function change(situation: Situation, add: DirectChange["addLicenses"], remove: string[] = []) {
  return planDirectChange(catalog, situation.seats ?? subscriptions(), situation.who ?? subject(), situation.current ?? [], {
    addLicenses: add,
    removeLicenses: remove,
  });
}

function errors(situation: Situation, add: DirectChange["addLicenses"], remove: string[] = []): string[] {
  return change(situation, add, remove).problems.map((p) => `${p.error} ${p.skuId}`);
}

describe("direct assignment", () => {
  describe("the license must be a valid company license", () => {
    it("refuses a SKU the catalog does not know with InvalidLicense and Graph's message", () => {
      const [problem] = change({}, [license("NOPE")]).problems;
      expect(problem).toMatchObject({ error: "InvalidLicense", skuId: "NOPE" });
      expect(problem.message).toBe("License NOPE does not correspond to a valid company License.");
    });

    it("refuses a SKU of the catalog the tenant does not subscribe to with InvalidLicense", () => {
      expect(errors({}, [license("E5")])).toEqual(["InvalidLicense E5"]);
    });

    it("refuses a Company-level SKU with InvalidLicense", () => {
      expect(errors({}, [license("DIRSYNC")])).toEqual(["InvalidLicense DIRSYNC"]);
    });

    it("refuses disabledPlans that are not plans of the SKU, naming the plan", () => {
      const [problem] = change({}, [license("E1", "INTUNE")]).problems;
      expect(problem).toMatchObject({ error: "InvalidLicense", skuId: "E1", servicePlanIds: ["INTUNE"] });
    });
  });

  describe("the user needs a usage location", () => {
    it("refuses with InvalidUsageLocation when the user has none", () => {
      const [problem] = change({ who: subject({ usageLocation: null }) }, [license("EMS")]).problems;
      expect(problem.error).toBe("InvalidUsageLocation");
      expect(problem.message).toBe("License assignment cannot be done for user with invalid usage location.");
    });

    it("accepts the same license once the user has a usage location", () => {
      expect(errors({}, [license("EMS")])).toEqual([]);
    });
  });

  describe("seats", () => {
    it("refuses a SKU with CountViolation when its subscription has no free seat", () => {
      const [problem] = change({ seats: subscriptions({ EMS: 0 }) }, [license("EMS")]).problems;
      expect(problem).toMatchObject({ error: "CountViolation", skuId: "EMS" });
      expect(problem.message).toBe("Subscription with SKU EMS does not have any available licenses.");
    });

    it("counts consumed units against enabled units: the last free seat can be taken", () => {
      expect(errors({ seats: subscriptions({ EMS: 1 }) }, [license("EMS")])).toEqual([]);
    });

    it("costs no new seat when the user already holds the SKU through a group", () => {
      const situation = { seats: subscriptions({ E3: 0 }), current: [fromGroup("g-sales", "E3")] };
      expect(errors(situation, [license("E3")])).toEqual([]);
    });

    it("does need a seat when the group's assignment of that SKU is in error (not held)", () => {
      const current = [fromGroup("g-sales", "E3", { state: "Error", error: "CountViolation" })];
      expect(errors({ seats: subscriptions({ E3: 0 }), current }, [license("E3")])).toEqual(["CountViolation E3"]);
    });

    it("needs one seat per new SKU and refuses the SKU whose subscription is out of seats", () => {
      expect(errors({ seats: subscriptions({ E1: 1, EMS: 1 }) }, [license("E1"), license("EMS")])).toEqual([]);
      expect(errors({ seats: subscriptions({ E1: 1, EMS: 0 }) }, [license("E1"), license("EMS")])).toEqual(["CountViolation EMS"]);
    });

    it("refuses with CountViolation a SKU whose subscription is Suspended, in Graph's words and saying why", () => {
      const seats = subscriptions({ EMS: { enabled: 0, consumed: 0, status: "Suspended" } });
      const [problem] = change({ seats }, [license("EMS")]).problems;
      expect(problem.error).toBe("CountViolation");
      expect(problem.message).toMatch(/^Subscription with SKU EMS does not have any available licenses\. It is Suspended: /);
    });

    it("counts units in their grace period (Warning) as available", () => {
      expect(errors({ seats: subscriptions({ EMS: { enabled: 0, warning: 1, consumed: 0 } }) }, [license("EMS")])).toEqual([]);
      expect(errors({ seats: subscriptions({ EMS: { enabled: 3, warning: 2, consumed: 4 } }) }, [license("EMS")])).toEqual([]);
      expect(errors({ seats: subscriptions({ EMS: { enabled: 3, warning: 2, consumed: 5 } }) }, [license("EMS")])).toEqual(["CountViolation EMS"]);
    });
  });

  describe("mutually exclusive plans", () => {
    it("refuses E3 next to E1 with MutuallyExclusiveViolation naming both Exchange plans", () => {
      const [problem] = change({ current: [direct("E1")] }, [license("E3")]).problems;
      expect(problem).toMatchObject({ error: "MutuallyExclusiveViolation", skuId: "E3" });
      expect([...problem.servicePlanIds].sort()).toEqual(["EXCHANGE_S_ENTERPRISE", "EXCHANGE_S_STANDARD"]);
      expect(problem.message).toBe("License assignment failed because service plans EXCHANGE_S_ENTERPRISE, EXCHANGE_S_STANDARD are mutually exclusive.");
    });

    it("sees the conflict with a plan that comes from a group", () => {
      expect(errors({ current: [fromGroup("g-sales", "E1")] }, [license("E3")])).toEqual(["MutuallyExclusiveViolation E3"]);
    });

    it("accepts E3 next to E1 when the conflicting plan is disabled", () => {
      expect(errors({ current: [direct("E1")] }, [license("E3", "EXCHANGE_S_ENTERPRISE")])).toEqual([]);
    });
  });

  describe("prerequisites", () => {
    it("refuses Workplace Analytics without any Exchange plan with DependencyViolation naming them", () => {
      const [problem] = change({ current: [direct("EMS")] }, [license("WORKPLACE_ANALYTICS")]).problems;
      expect(problem).toMatchObject({ error: "DependencyViolation", skuId: "WORKPLACE_ANALYTICS" });
      expect(problem.servicePlanIds).toEqual(["WORKPLACE_ANALYTICS", "EXCHANGE_S_STANDARD", "EXCHANGE_S_ENTERPRISE"]);
      expect(problem.message).toBe(
        "License assignment failed because service plan WORKPLACE_ANALYTICS depends on the service plan(s) EXCHANGE_S_STANDARD, EXCHANGE_S_ENTERPRISE.",
      );
    });

    it("accepts Workplace Analytics when E3 gives Exchange", () => {
      expect(errors({ current: [direct("E3")] }, [license("WORKPLACE_ANALYTICS")])).toEqual([]);
    });

    it("refuses removing the E3 that gives the Exchange Workplace Analytics needs", () => {
      const current = [direct("E3"), direct("WORKPLACE_ANALYTICS")];
      const [problem] = change({ current }, [], ["E3"]).problems;
      expect(problem).toMatchObject({ error: "DependencyViolation", skuId: "E3" });
      expect(problem.servicePlanIds).toContain("WORKPLACE_ANALYTICS");
    });

    it("refuses disabling the Exchange plan Workplace Analytics needs", () => {
      const current = [direct("E3"), direct("WORKPLACE_ANALYTICS")];
      expect(errors({ current }, [license("E3", "EXCHANGE_S_ENTERPRISE")])).toEqual(["DependencyViolation E3"]);
    });

    it("allows removing E3 when E1 still gives an Exchange plan", () => {
      const current = [direct("E3", { disabledPlans: ["EXCHANGE_S_ENTERPRISE"] }), direct("E1"), direct("WORKPLACE_ANALYTICS")];
      expect(errors({ current }, [], ["E3"])).toEqual([]);
    });

    it("blames the SKU whose plan is disabled, even when the same change also removes another SKU", () => {
      const current = [direct("E3"), direct("EMS"), direct("WORKPLACE_ANALYTICS")];
      const found = change({ current }, [license("E3", "EXCHANGE_S_ENTERPRISE")], ["EMS"]).problems;
      expect(found.map((p) => `${p.error} ${p.skuId}`)).toEqual(["DependencyViolation E3"]);
    });
  });

  describe("location restrictions", () => {
    it(`refuses E3 in ${PROHIBITED_COUNTRY} with ProhibitedInUsageLocationViolation naming OFFICE`, () => {
      const [problem] = change({ who: subject({ usageLocation: PROHIBITED_COUNTRY }) }, [license("E3")]).problems;
      expect(problem).toMatchObject({ error: "ProhibitedInUsageLocationViolation", skuId: "E3", servicePlanIds: ["OFFICE"] });
    });

    it("accepts E3 there with OFFICE disabled, and elsewhere with it enabled", () => {
      expect(errors({ who: subject({ usageLocation: PROHIBITED_COUNTRY }) }, [license("E3", "OFFICE")])).toEqual([]);
      expect(errors({ who: subject({ usageLocation: "US" }) }, [license("E3")])).toEqual([]);
    });
  });

  describe("proxy address uniqueness", () => {
    const taken = subject({ conflictingProxyAddresses: ["smtp:ada@contoso.com"] });

    it("refuses a SKU with a mailbox plan with UniquenessViolation naming the mailbox plan", () => {
      const [problem] = change({ who: taken }, [license("E1")]).problems;
      expect(problem).toMatchObject({ error: "UniquenessViolation", skuId: "E1", servicePlanIds: ["EXCHANGE_S_STANDARD"] });
      expect(problem.message).toContain("Proxy address is already being used");
    });

    it("does not check SKUs without a mailbox plan, nor one whose mailbox plan is disabled", () => {
      expect(errors({ who: taken }, [license("EMS"), license("E1", "EXCHANGE_S_STANDARD")])).toEqual([]);
    });
  });

  describe("removing licenses", () => {
    it("refuses removing a SKU the user does not hold with LicenseNotAssigned", () => {
      const [problem] = change({ current: [direct("E1")] }, [], ["EMS"]).problems;
      expect(problem.error).toBe("LicenseNotAssigned");
      expect(problem.message).toContain("User does not have a corresponding license");
    });

    it("refuses removing a license that comes only from a group with InheritedLicense", () => {
      const [problem] = change({ current: [fromGroup("g-sales", "EMS")] }, [], ["EMS"]).problems;
      expect(problem.error).toBe("InheritedLicense");
      expect(problem.message).toContain("inherited from a group membership and it cannot be removed directly");
    });

    it("removes the direct source and keeps the group's when the user holds the SKU both ways", () => {
      const outcome = change({ current: [direct("EMS"), fromGroup("g-sales", "EMS")] }, [], ["EMS"]);
      expect(outcome.problems).toEqual([]);
      expect(summary(outcome.states)).toEqual(["g-sales:EMS Active"]);
    });
  });

  describe("dry run", () => {
    it("reports every problem of the change, in the service's order of checks", () => {
      const who = subject({ usageLocation: PROHIBITED_COUNTRY, conflictingProxyAddresses: ["smtp:ada@contoso.com"] });
      const current = [direct("E1", { disabledPlans: ["MCOSTANDARD"] })];
      const add = [license("NOPE"), license("E3", "MCOSTANDARD"), license("MCOMEETADV")];
      expect(errors({ who, current, seats: subscriptions({ E3: 0 }) }, add)).toEqual([
        "InvalidLicense NOPE",
        "CountViolation E3",
        "MutuallyExclusiveViolation E3",
        "DependencyViolation MCOMEETADV",
        "ProhibitedInUsageLocationViolation E3",
        "UniquenessViolation E3",
      ]);
    });

    it("checks the usage location before seats", () => {
      const who = subject({ usageLocation: null });
      expect(errors({ who, seats: subscriptions({ EMS: 0 }) }, [license("EMS")])).toEqual(["InvalidUsageLocation EMS", "CountViolation EMS"]);
    });

    it("reports removal problems together with the problems of the additions", () => {
      expect(errors({ seats: subscriptions({ EMS: 0 }) }, [license("EMS")], ["E1"])).toEqual(["LicenseNotAssigned E1", "CountViolation EMS"]);
    });
  });

  describe("a clean change", () => {
    it("returns the user's states after the change, from every source", () => {
      const outcome = change({ current: [fromGroup("g-sales", "E3")] }, [license("EMS", "INTUNE")]);
      expect(outcome.problems).toEqual([]);
      expect(summary(outcome.states)).toEqual(["direct:EMS Active [INTUNE]", "g-sales:E3 Active"]);
    });

    it("replaces the disabledPlans of a SKU the user already holds directly, without a new seat", () => {
      const current = [direct("E3", { disabledPlans: ["OFFICE"] })];
      const outcome = change({ current, seats: subscriptions({ E3: 0 }) }, [license("E3", "SHAREPOINT")]);
      expect(outcome.problems).toEqual([]);
      expect(summary(outcome.states)).toEqual(["direct:E3 Active [SHAREPOINT]"]);
    });

    it("removes a direct license", () => {
      const outcome = change({ current: [direct("E1"), direct("EMS")] }, [], ["EMS"]);
      expect(outcome.problems).toEqual([]);
      expect(summary(outcome.states)).toEqual(["direct:E1 Active"]);
    });
  });
});
