import fc from "fast-check";
import { batchEvaluator, evaluateUser, heldSkus, type AssignmentState, type GroupGrant, type Subscription } from "../../src/licensing/engine";
import { direct, fromGroup, license, subject, subscriptions, summary, testCatalog } from "../support/licensing-fixtures";

const catalog = testCatalog();

/** Groups a batch's users may be in: overlapping products, a conflict, a prerequisite. */
const GROUPS: GroupGrant[] = [
  { groupId: "g-e3", licenses: [license("E3"), license("EMS")] },
  { groupId: "g-e1", licenses: [license("E1")] },
  { groupId: "g-e3-no-exchange", licenses: [license("E3", "EXCHANGE_S_ENTERPRISE")] },
  { groupId: "g-meetings", licenses: [license("MCOMEETADV")] },
];

const CURRENT: AssignmentState[][] = [[], [direct("E1")], [fromGroup("g-e3", "E3"), fromGroup("g-e3", "EMS")], [direct("MCOMEETADV")]];

const user = fc.record({
  groups: fc.subarray(GROUPS.map((_, i) => i)),
  current: fc.integer({ min: 0, max: CURRENT.length - 1 }),
  usageLocation: fc.constantFrom("US", "CU", null),
  clash: fc.boolean(),
});

function copy(seats: Map<string, Subscription>): Map<string, Subscription> {
  return new Map([...seats].map(([sku, subscription]) => [sku, { ...subscription }]));
}

/** What the processor does between users: the seats a user's new states take are gone for the next. */
function reserve(seats: Map<string, Subscription>, before: readonly AssignmentState[], after: readonly AssignmentState[]): void {
  const [held, willHold] = [heldSkus(before), heldSkus(after)];
  for (const sku of willHold) if (!held.has(sku)) seats.get(sku)!.consumedUnits += 1;
  for (const sku of held) if (!willHold.has(sku)) seats.get(sku)!.consumedUnits -= 1;
}

describe("batchEvaluator", () => {
  it("answers every user of a batch exactly as evaluateUser does, while seats run out and come back", () => {
    fc.assert(
      fc.property(fc.array(user, { minLength: 1, maxLength: 40 }), fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 4 }), (users, e3Free, emsFree) => {
        const start = subscriptions({ E3: e3Free, EMS: emsFree, E1: 3, MCOMEETADV: 1 });
        const [plain, memo] = [copy(start), copy(start)];
        const evaluate = batchEvaluator(catalog);
        for (const u of users) {
          const who = subject({ usageLocation: u.usageLocation, conflictingProxyAddresses: u.clash ? ["taken@contoso.com"] : [] });
          const grants = u.groups.map((i) => GROUPS[i]!);
          const current = CURRENT[u.current]!;
          const expected = evaluateUser(catalog, plain, who, current, grants);
          const actual = evaluate(memo, who, current, grants);
          expect(summary(actual)).toEqual(summary(expected));
          reserve(plain, current, expected);
          reserve(memo, current, actual);
        }
      }),
      { numRuns: 300 },
    );
  });
});
