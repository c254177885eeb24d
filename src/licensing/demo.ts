import type { EntityManager } from "typeorm";
import type { GroupRecord, UserRecord } from "../directory/model";
import { loadProducts } from "./catalog";
import { DIRECT } from "./model";
import { AssignmentStore } from "./stores/assignment.store";
import { SubscriptionStore } from "./stores/subscription.store";
import { queueGroup } from "./services/queue";

/** The demo tenant's products, with few enough seats that running out can be shown. */
const SUBSCRIPTIONS: [string, number][] = [
  ["STANDARDPACK", 10],
  ["ENTERPRISEPACK", 10],
  ["ENTERPRISEPREMIUM", 3],
  ["EMS", 8],
  ["WORKPLACE_ANALYTICS", 5],
  ["MCOMEETADV", 5],
  ["MCOSTANDARD", 5],
];

/**
 * Subscriptions, a direct E1 for Emma Wilson, E3 for All Sales (which conflicts with Emma's E1
 * on the Exchange plans) and E5 + EMS for Engineering (five members, three E5 seats). The queue
 * is left full: the processor licenses the groups' members after start, errors included.
 */
export async function seedDemoLicensing(tx: EntityManager, users: Map<string, UserRecord>, groups: Map<string, GroupRecord>, now: Date): Promise<void> {
  const products = loadProducts();
  const skuId = (partNumber: string) => products.byPartNumber.get(partNumber)![0];
  const subscriptions = new SubscriptionStore(tx);
  for (const [partNumber, enabledUnits] of SUBSCRIPTIONS) {
    await subscriptions.insert({
      skuId: skuId(partNumber),
      skuPartNumber: partNumber,
      appliesTo: "User",
      capabilityStatus: "Enabled",
      enabledUnits,
      suspendedUnits: 0,
      warningUnits: 0,
      lockedOutUnits: 0,
      consumedUnits: 0,
      createdDateTime: now,
    });
  }
  const emma = users.get("emma.wilson")!;
  const assignments = new AssignmentStore(tx);
  await assignments.replace(emma.id, [
    { userId: emma.id, skuId: skuId("STANDARDPACK"), source: DIRECT, disabledPlans: [], state: "Active", error: null, lastUpdatedDateTime: now },
  ]);
  await subscriptions.takeSeat(skuId("STANDARDPACK"));
  await licenseGroup(tx, groups.get("All Sales")!, [skuId("ENTERPRISEPACK")], now);
  await licenseGroup(tx, groups.get("Engineering")!, [skuId("ENTERPRISEPREMIUM"), skuId("EMS")], now);
}

async function licenseGroup(tx: EntityManager, group: GroupRecord, skuIds: string[], now: Date): Promise<void> {
  await new AssignmentStore(tx).replaceGroupLicenses(group.id, skuIds.map((skuId) => ({ groupId: group.id, skuId, disabledPlans: [] })));
  await queueGroup(tx, group.id, now);
}
