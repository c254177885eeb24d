import { applyStates, loadSnapshot } from "../../src/licensing/services/core";
import { AssignmentStore } from "../../src/licensing/stores/assignment.store";
import { SubscriptionStore } from "../../src/licensing/stores/subscription.store";
import { DirectoryFacts } from "../../src/directory/services/directory-facts";
import { TestGateway } from "../support/harness";

const E3 = "6fd2c87f-b296-42f0-b197-1e91e994b900";

describe("seats under concurrent writers", () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await TestGateway.start();
    await gateway.settle();
  });
  afterAll(() => gateway.stop());

  it("refuses to take a seat another writer took after the snapshot, and writes nothing", async () => {
    const db = gateway.app.services.db;
    const subscriptions = new SubscriptionStore(db.manager);
    const before = (await subscriptions.find(E3))!;
    await db.transaction((tx) => new SubscriptionStore(tx).update({ ...before, enabledUnits: before.consumedUnits + 1 }));
    const stale = await loadSnapshot(db.manager);
    expect(stale.subscriptions.get(E3)!.enabledUnits - stale.subscriptions.get(E3)!.consumedUnits).toBe(1);

    // Another writer takes the last seat after the snapshot was read.
    expect(await db.transaction((tx) => new SubscriptionStore(tx).takeSeat(E3))).toBe(true);

    const userId = await gateway.userId("yuki.tanaka");
    const applied = await db.transaction(async (tx) => {
      const user = (await new DirectoryFacts(tx).user(userId))!;
      const state = { skuId: E3, disabledPlans: [], assignedByGroup: null, state: "Active" as const, error: null };
      return applyStates(tx, stale, user, [], [state], new Date());
    });

    expect(applied.seatTakenMeanwhile).toBe(E3);
    const after = (await subscriptions.find(E3))!;
    expect(after.consumedUnits).toBe(after.enabledUnits);
    expect((await new AssignmentStore(db.manager).ofUsers([userId])).get(userId)).toBeUndefined();
  });
});
