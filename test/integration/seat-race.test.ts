import { applyBatch, applyStates, loadSnapshot, reserveSeats, type PlannedUser } from "../../src/licensing/services/core";
import { AssignmentStore } from "../../src/licensing/stores/assignment.store";
import { SubscriptionStore } from "../../src/licensing/stores/subscription.store";
import { DirectoryFacts } from "../../src/directory/services/directory-facts";
import { TestGateway } from "../support/harness";
import { SKU } from "../support/catalog-ids";

const E3 = SKU.E3;

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

  describe("a whole batch at once", () => {
    const state = (skuId: string) => ({ skuId, disabledPlans: [], assignedByGroup: null, state: "Active" as const, error: null });

    async function twoUsersGettingE3AndEms(): Promise<{ plan: (snapshot: Awaited<ReturnType<typeof loadSnapshot>>) => PlannedUser[]; ids: string[] }> {
      const ids = [await gateway.userId("yuki.tanaka"), await gateway.userId("lena.fischer")];
      const users = await new DirectoryFacts(gateway.app.services.db.manager).users(ids);
      const plan = (snapshot: Awaited<ReturnType<typeof loadSnapshot>>) =>
        users.map((user) => {
          const planned = { user, before: [], after: [state(E3), state(SKU.EMS)] };
          reserveSeats(snapshot, planned);
          return planned;
        });
      return { plan, ids };
    }

    async function freeSeats(skuId: string, free: number): Promise<void> {
      const db = gateway.app.services.db;
      const current = (await new SubscriptionStore(db.manager).find(skuId))!;
      await db.transaction((tx) => new SubscriptionStore(tx).update({ ...current, enabledUnits: current.consumedUnits + free }));
    }

    it("undoes the whole batch, rows, seats and the caller's writes alike, when another writer took a seat of a SKU it counted on", async () => {
      const db = gateway.app.services.db;
      await freeSeats(E3, 2);
      await freeSeats(SKU.EMS, 2);
      const { plan, ids } = await twoUsersGettingE3AndEms();
      const stale = await loadSnapshot(db.manager);
      const planned = plan(stale);
      expect(await db.transaction((tx) => new SubscriptionStore(tx).takeSeat(SKU.EMS))).toBe(true);
      const e3Before = (await new SubscriptionStore(db.manager).find(E3))!.consumedUnits;

      // The seats are taken last: by then the rows are written, and so is what the caller adds.
      let rowsWhenCallerWrote = 0;
      const outcome = await db.transaction(async (tx) => {
        const result = await applyBatch(tx, stale, planned, new Map(), new Date(), async () => {
          rowsWhenCallerWrote = (await new AssignmentStore(tx).ofUsers(ids)).size;
          await new SubscriptionStore(tx).releaseSeat(E3);
        });
        return { result, rowsAfter: (await new AssignmentStore(tx).ofUsers(ids)).size };
      });

      expect(rowsWhenCallerWrote).toBe(2);
      expect(outcome.result.seatTakenMeanwhile).toBe(SKU.EMS);
      expect(outcome.rowsAfter).toBe(0);
      // Whatever was taken or given back before EMS ran short is undone with the rows.
      expect((await new SubscriptionStore(db.manager).find(E3))!.consumedUnits).toBe(e3Before);
      expect((await new AssignmentStore(db.manager).ofUsers(ids)).size).toBe(0);
    });

    it("takes each SKU's seats in one step and writes every user's rows", async () => {
      const db = gateway.app.services.db;
      await freeSeats(E3, 2);
      await freeSeats(SKU.EMS, 2);
      const store = new SubscriptionStore(db.manager);
      const [e3, ems] = [(await store.find(E3))!.consumedUnits, (await store.find(SKU.EMS))!.consumedUnits];
      const { plan, ids } = await twoUsersGettingE3AndEms();
      const fresh = await loadSnapshot(db.manager);
      const planned = plan(fresh);

      const outcome = await db.transaction((tx) => applyBatch(tx, fresh, planned, new Map(), new Date()));

      expect(outcome.seatTakenMeanwhile).toBeNull();
      expect(outcome.applied!.map((applied) => applied.licenseChange.length)).toEqual([1, 1]);
      expect([(await store.find(E3))!.consumedUnits, (await store.find(SKU.EMS))!.consumedUnits]).toEqual([e3 + 2, ems + 2]);
      const rows = await new AssignmentStore(db.manager).ofUsers(ids);
      expect(ids.map((id) => rows.get(id)!.map((row) => row.skuId).sort())).toEqual(ids.map(() => [E3, SKU.EMS].sort()));
    });
  });
});
