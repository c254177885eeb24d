import {
  conversionsOnGroupRemoval,
  evaluateUser,
  groupPrerequisiteProblem,
  type AssignmentState,
  type GroupGrant,
  type LicenseRequest,
  type LicenseSubject,
  type Subscription,
} from "../../src/licensing/engine";
import { MESSAGE_GROUP_PREREQUISITE, direct, fromGroup, license, subject, subscriptions, summary, testCatalog } from "../support/licensing-fixtures";

const catalog = testCatalog();

function grant(groupId: string, ...licenses: LicenseRequest[]): GroupGrant {
  return { groupId, licenses };
}

interface Situation {
  current?: AssignmentState[];
  who?: LicenseSubject;
  seats?: Map<string, Subscription>;
}

function evaluate(situation: Situation, ...grants: GroupGrant[]): AssignmentState[] {
  return evaluateUser(catalog, situation.seats ?? subscriptions(), situation.who ?? subject(), situation.current ?? [], grants);
}

/** Evaluates, then evaluates the result again as the next run would see it. */
function evaluateTwice(situation: Situation, ...grants: GroupGrant[]): [string[], string[]] {
  const first = evaluate(situation, ...grants);
  return [summary(first), summary(evaluate({ ...situation, current: first }, ...grants))];
}

describe("group-based assignment (evaluateUser)", () => {
  it("gives a member every license of the group, Active", () => {
    expect(summary(evaluate({}, grant("g-sales", license("E3"), license("EMS", "INTUNE"))))).toEqual([
      "g-sales:E3 Active",
      "g-sales:EMS Active [INTUNE]",
    ]);
  });

  it("keeps direct assignments as they are", () => {
    const current = [direct("WORKPLACE_ANALYTICS"), direct("E1", { disabledPlans: ["SHAREPOINT"] })];
    expect(summary(evaluate({ current }, grant("g-sales", license("EMS"))))).toEqual([
      "direct:E1 Active [SHAREPOINT]",
      "direct:WORKPLACE_ANALYTICS Active",
      "g-sales:EMS Active",
    ]);
  });

  it("records the group's E3 in Error with MutuallyExclusiveViolation next to a direct E1", () => {
    const states = evaluate({ current: [direct("E1")] }, grant("g-sales", license("E3")));
    expect(summary(states)).toEqual(["direct:E1 Active", "g-sales:E3 Error/MutuallyExclusiveViolation"]);
  });

  it("assigns the group's E3 next to a direct E1 when the group disables EXCHANGE_S_ENTERPRISE", () => {
    const states = evaluate({ current: [direct("E1")] }, grant("g-sales", license("E3", "EXCHANGE_S_ENTERPRISE")));
    expect(summary(states)).toEqual(["direct:E1 Active", "g-sales:E3 Active [EXCHANGE_S_ENTERPRISE]"]);
  });

  it("is all or nothing per group: EMS without seats fails with CountViolation and E3 with Other", () => {
    const states = evaluate({ seats: subscriptions({ EMS: 0 }) }, grant("g-sales", license("E3"), license("EMS")));
    expect(summary(states)).toEqual(["g-sales:E3 Error/Other", "g-sales:EMS Error/CountViolation"]);
  });

  it("does not let a failed group hold back another group", () => {
    const seats = subscriptions({ EMS: 0 });
    const states = evaluate({ seats }, grant("g-a", license("E3"), license("EMS")), grant("g-b", license("E3")));
    expect(summary(states)).toEqual(["g-a:E3 Error/Other", "g-a:EMS Error/CountViolation", "g-b:E3 Active"]);
  });

  it("records InvalidUsageLocation when no usage location applies", () => {
    const states = evaluate({ who: subject({ usageLocation: null }) }, grant("g-sales", license("EMS")));
    expect(summary(states)).toEqual(["g-sales:EMS Error/InvalidUsageLocation"]);
  });

  it("accepts a group add-on whose prerequisite the user holds directly", () => {
    const states = evaluate({ current: [direct("E1")] }, grant("g-sales", license("WORKPLACE_ANALYTICS")));
    expect(summary(states)).toEqual(["direct:E1 Active", "g-sales:WORKPLACE_ANALYTICS Active"]);
  });

  describe("seats", () => {
    it("takes the last free seat for a new SKU", () => {
      expect(summary(evaluate({ seats: subscriptions({ E3: 1 }) }, grant("g-a", license("E3"))))).toEqual(["g-a:E3 Active"]);
    });

    it("counts the same SKU from two groups as one seat: both Active with a single free seat", () => {
      const states = evaluate({ seats: subscriptions({ E3: 1 }) }, grant("g-a", license("E3")), grant("g-b", license("E3")));
      expect(summary(states)).toEqual(["g-a:E3 Active", "g-b:E3 Active"]);
    });

    it("costs no seat for a SKU the user already holds directly", () => {
      const states = evaluate({ current: [direct("E3")], seats: subscriptions({ E3: 0 }) }, grant("g-a", license("E3")));
      expect(summary(states)).toEqual(["direct:E3 Active", "g-a:E3 Active"]);
    });

    it("keeps a group's license once held, even after the subscription runs out of seats", () => {
      const states = evaluate({ current: [fromGroup("g-a", "E3")], seats: subscriptions({ E3: 0 }) }, grant("g-a", license("E3")));
      expect(summary(states)).toEqual(["g-a:E3 Active"]);
    });
  });

  describe("priority", () => {
    it("lets the group that already licensed the user win a conflict with a newcomer", () => {
      // Alphabetically the newcomer "g-a" would come first; the holder "g-z" must still keep E1.
      const current = [fromGroup("g-z", "E1")];
      for (const grants of [[grant("g-a", license("E3")), grant("g-z", license("E1"))], [grant("g-z", license("E1")), grant("g-a", license("E3"))]]) {
        expect(summary(evaluate({ current }, ...grants))).toEqual(["g-a:E3 Error/MutuallyExclusiveViolation", "g-z:E1 Active"]);
      }
    });

    it("keeps the holder's licenses when it adds a SKU with one free seat that a newcomer also wants", () => {
      const current = [fromGroup("g-z", "E3")];
      const seats = subscriptions({ EMS: 1 });
      const states = evaluate({ current, seats }, grant("g-a", license("EMS")), grant("g-z", license("E3"), license("EMS")));
      expect(states.filter((s) => s.assignedByGroup === "g-z").map((s) => s.state)).toEqual(["Active", "Active"]);
    });
  });

  describe("idempotence", () => {
    it("gives the same states when evaluating its own result again", () => {
      const situation = { current: [direct("E1")], seats: subscriptions({ EMS: 0, E3: 3 }) };
      const grants = [grant("g-a", license("E3")), grant("g-b", license("EMS"), license("MCOMEETADV")), grant("g-c", license("E3", "EXCHANGE_S_ENTERPRISE"))];
      const [first, second] = evaluateTwice(situation, ...grants);
      expect(first).toEqual([
        "direct:E1 Active",
        "g-a:E3 Error/MutuallyExclusiveViolation",
        "g-b:EMS Error/CountViolation",
        "g-b:MCOMEETADV Error/Other",
        "g-c:E3 Active [EXCHANGE_S_ENTERPRISE]",
      ]);
      expect(second).toEqual(first);
    });

    it("resolves a conflict between two new groups the same way on every run", () => {
      const [first, second] = evaluateTwice({}, grant("g-b", license("E3")), grant("g-a", license("E1")));
      expect(first).toEqual(["g-a:E1 Active", "g-b:E3 Error/MutuallyExclusiveViolation"]);
      expect(second).toEqual(first);
    });
  });

  describe("a group assignment that no longer applies (the user left the group)", () => {
    it("stays, ActiveWithError with DependencyViolation, while a direct add-on depends on it", () => {
      const current = [direct("MCOMEETADV"), fromGroup("g-old", "E1"), fromGroup("g-old", "EMS")];
      expect(summary(evaluate({ current }))).toEqual(["direct:MCOMEETADV Active", "g-old:E1 ActiveWithError/DependencyViolation"]);
    });

    it("disappears when nobody depends on it", () => {
      const current = [direct("EMS"), fromGroup("g-old", "E1")];
      expect(summary(evaluate({ current }))).toEqual(["direct:EMS Active"]);
    });

    it("stays the same on the next run", () => {
      const current = [direct("MCOMEETADV"), fromGroup("g-old", "E1")];
      const [first, second] = evaluateTwice({ current });
      expect(second).toEqual(first);
    });

    it("disappears when another group still gives the plan the direct add-on needs", () => {
      const e3 = license("E3", "EXCHANGE_S_ENTERPRISE");
      const current = [direct("MCOMEETADV"), fromGroup("g-old", "E1"), fromGroup("g-new", "E3", { disabledPlans: e3.disabledPlans.slice() })];
      expect(summary(evaluate({ current }, grant("g-new", e3)))).toEqual(["direct:MCOMEETADV Active", "g-new:E3 Active [EXCHANGE_S_ENTERPRISE]"]);
    });
  });
});

describe("removing licenses from a group (conversionsOnGroupRemoval)", () => {
  it("returns the group's state that a direct add-on depends on", () => {
    const states = [direct("MCOMEETADV"), fromGroup("g-sales", "E1"), fromGroup("g-sales", "EMS")];
    expect(conversionsOnGroupRemoval(catalog, states, "g-sales", ["E1", "EMS"])).toEqual([fromGroup("g-sales", "E1")]);
  });

  it("returns nothing when no direct plan depends on the removed licenses", () => {
    const states = [direct("EMS"), fromGroup("g-sales", "E1")];
    expect(conversionsOnGroupRemoval(catalog, states, "g-sales", ["E1"])).toEqual([]);
  });

  it("returns nothing when a direct license still gives the prerequisite", () => {
    const states = [direct("MCOMEETADV"), direct("E3"), fromGroup("g-sales", "E1")];
    expect(conversionsOnGroupRemoval(catalog, states, "g-sales", ["E1"])).toEqual([]);
  });

  it("returns nothing for licenses of the group that stay, or of another group", () => {
    const states = [direct("MCOMEETADV"), fromGroup("g-sales", "E1"), fromGroup("g-other", "E1")];
    expect(conversionsOnGroupRemoval(catalog, states, "g-sales", ["EMS"])).toEqual([]);
    expect(conversionsOnGroupRemoval(catalog, states, "g-third", ["E1"])).toEqual([]);
  });
});

describe("add-ons on a group (groupPrerequisiteProblem)", () => {
  it("refuses Workplace Analytics alone with Graph's message", () => {
    const problem = groupPrerequisiteProblem(catalog, [license("WORKPLACE_ANALYTICS")]);
    expect(problem).toMatchObject({ error: "DependencyViolation", skuId: "WORKPLACE_ANALYTICS", message: MESSAGE_GROUP_PREREQUISITE });
  });

  it("accepts Workplace Analytics with an E3 whose only enabled plan is EXCHANGE_S_ENTERPRISE", () => {
    const e3ExchangeOnly = license("E3", "MCOSTANDARD", "SHAREPOINT", "OFFICE");
    expect(groupPrerequisiteProblem(catalog, [license("WORKPLACE_ANALYTICS"), e3ExchangeOnly])).toBeNull();
  });

  it("refuses Workplace Analytics with an E3 whose Exchange plan is disabled", () => {
    const problem = groupPrerequisiteProblem(catalog, [license("WORKPLACE_ANALYTICS"), license("E3", "EXCHANGE_S_ENTERPRISE")]);
    expect(problem?.message).toBe(MESSAGE_GROUP_PREREQUISITE);
  });

  it("refuses Audio Conferencing without Skype for Business in the group", () => {
    expect(groupPrerequisiteProblem(catalog, [license("MCOMEETADV"), license("EMS")])?.skuId).toBe("MCOMEETADV");
    expect(groupPrerequisiteProblem(catalog, [license("MCOMEETADV"), license("E1")])).toBeNull();
  });
});
