import { SubscriptionEntity } from "../../src/licensing/entities";
import type { SubscriptionRecord } from "../../src/licensing/model";
import { SubscriptionStore } from "../../src/licensing/stores/subscription.store";
import { openedTestDatabase } from "../support/database";

const SUBSCRIPTIONS: SubscriptionRecord[] = [
  {
    skuId: "c42b9cae-ea4f-4ab7-9717-81576235ccac",
    skuPartNumber: "SPE_E5",
    appliesTo: "User",
    capabilityStatus: "Warning",
    enabledUnits: 0,
    suspendedUnits: 0,
    warningUnits: 25,
    lockedOutUnits: 0,
    consumedUnits: 7,
    createdDateTime: new Date("2026-03-04T05:06:07.089Z"),
  },
  {
    skuId: "06ebc4ee-1bb5-47dd-8120-11324bc54e06",
    skuPartNumber: "ENTERPRISEPREMIUM",
    appliesTo: "Company",
    capabilityStatus: "Enabled",
    enabledUnits: 2_000_000,
    suspendedUnits: 3,
    warningUnits: 0,
    lockedOutUnits: 1,
    consumedUnits: 1_999_999,
    createdDateTime: new Date("2025-12-31T23:59:59.999Z"),
  },
];

describe("the subscription store's reads", () => {
  const opened = openedTestDatabase();

  beforeAll(async () => {
    await opened.db.transaction(async (tx) => {
      for (const subscription of SUBSCRIPTIONS) await new SubscriptionStore(tx).insert(subscription);
    });
  });

  it("reads a subscription by id as the entity maps its columns, outside a transaction and in one", async () => {
    for (const expected of SUBSCRIPTIONS) {
      const read = await new SubscriptionStore(opened.db.manager).find(expected.skuId);
      expect(read).toEqual(expected);
      expect(read).toEqual(await opened.db.manager.findOneBy(SubscriptionEntity, { skuId: expected.skuId }));
      expect(await opened.db.transaction((tx) => new SubscriptionStore(tx).find(expected.skuId))).toEqual(expected);
    }
    expect(await new SubscriptionStore(opened.db.manager).find("00000000-0000-0000-0000-000000000000")).toBeNull();
  });

  it("lists every subscription by skuPartNumber, as the entity maps them", async () => {
    const all = await new SubscriptionStore(opened.db.manager).all();
    const mine = all.filter((subscription) => SUBSCRIPTIONS.some((expected) => expected.skuId === subscription.skuId));
    expect(mine).toEqual([SUBSCRIPTIONS[1], SUBSCRIPTIONS[0]]);
    expect(all).toEqual(await opened.db.manager.find(SubscriptionEntity, { order: { skuPartNumber: "ASC" } }));
  });
});
