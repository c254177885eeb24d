import type { AuditedWrites, WriteRequest } from "../../audit/audited-writes";
import { modifiedProperties } from "../../audit/diff";
import { changed } from "../../audit/model";
import { demand, type Caller } from "../../auth/permissions";
import type { Database } from "../../db/database";
import { badInput, conflict, HelpgateError, notFound } from "../../errors";
import { loadProducts, resolvePlanRules, type PlanRulesDocument } from "../catalog";
import { capabilityStatusOf, unitsAfterLifecycle, type CapabilityStatus, type PrepaidUnits } from "../engine";
import type { SubscriptionRecord } from "../model";
import { AssignmentStore } from "../stores/assignment.store";
import { PlanRulesStore } from "../stores/plan-rules.store";
import { SubscriptionStore } from "../stores/subscription.store";
import { loadPlanRules } from "./core";
import { queueForGroup, queueGroup } from "./queue";

export interface PrepaidUnitsChange {
  enabled?: number | null;
  suspended?: number | null;
  warning?: number | null;
  lockedOut?: number | null;
}

const STATUSES: CapabilityStatus[] = ["Enabled", "Warning", "Suspended", "Deleted", "LockedOut"];
const MAX_UNITS = 10_000_000;

/** The tenant's subscriptions (subscribedSkus) and the plan rules: a Global Administrator's business. */
export class SubscriptionService {
  constructor(
    private readonly db: Database,
    private readonly writes: AuditedWrites,
    private readonly now: () => Date = () => new Date(),
  ) {}

  list(caller: Caller | null): Promise<SubscriptionRecord[]> {
    demand(caller, "directory.read");
    return new SubscriptionStore(this.db.manager).all();
  }

  async get(caller: Caller | null, key: { skuId?: string | null; skuPartNumber?: string | null }): Promise<SubscriptionRecord | null> {
    demand(caller, "directory.read");
    const skuId = key.skuId ? key.skuId.trim().toLowerCase() : key.skuPartNumber ? resolveSku(null, key.skuPartNumber) : null;
    if (!skuId) throw badInput("Name the subscription by skuId or skuPartNumber.", { field: "skuId" });
    return new SubscriptionStore(this.db.manager).find(skuId);
  }

  add(request: WriteRequest, key: { skuId?: string | null; skuPartNumber?: string | null }, enabledUnits: number): Promise<SubscriptionRecord> {
    const operation = { activityDisplayName: "Add subscription", category: "DirectoryManagement", operationType: "Add" } as const;
    const target = { id: key.skuId ?? null, displayName: key.skuPartNumber ?? null, type: "Subscription", userPrincipalName: null };
    return this.writes.run(request, { ...operation, target }, async (write) => {
      write.demand("subscriptions.manage");
      const sku = loadProducts().skus.get(resolveSku(key.skuId, key.skuPartNumber))!;
      Object.assign(write.target, { id: sku.skuId, displayName: sku.skuPartNumber });
      const store = new SubscriptionStore(write.tx);
      const existing = await store.find(sku.skuId);
      if (existing) {
        const deleted = existing.capabilityStatus === "Deleted" ? " (it is Deleted: give it enabled units to subscribe again)" : "";
        throw conflict(`The tenant already subscribes to ${sku.skuPartNumber}${deleted}; change its units with updateSubscription.`);
      }
      const subscription: SubscriptionRecord = {
        skuId: sku.skuId,
        skuPartNumber: sku.skuPartNumber,
        appliesTo: sku.appliesTo,
        capabilityStatus: "Enabled",
        enabledUnits: units(enabledUnits, "enabledUnits"),
        suspendedUnits: 0,
        warningUnits: 0,
        lockedOutUnits: 0,
        consumedUnits: 0,
        createdDateTime: this.now(),
      };
      await store.insert(subscription);
      write.modifiedProperties.push(changed("EnabledUnits", null, subscription.enabledUnits));
      return subscription;
    });
  }

  update(request: WriteRequest, skuId: string, prepaidUnits: PrepaidUnitsChange | null, capabilityStatus: string | null): Promise<SubscriptionRecord> {
    const operation = { activityDisplayName: "Update subscription", category: "DirectoryManagement", operationType: "Update" } as const;
    const target = { id: skuId, displayName: null, type: "Subscription", userPrincipalName: null };
    return this.writes.run(request, { ...operation, target }, async (write) => {
      write.demand("subscriptions.manage");
      const store = new SubscriptionStore(write.tx);
      const before = await store.find(skuId.trim().toLowerCase());
      if (!before) throw notFound("Subscription", skuId);
      Object.assign(write.target, { id: before.skuId, displayName: before.skuPartNumber });
      const after = withUnits(before, prepaidUnits, capabilityStatus === null ? null : status(capabilityStatus));
      await store.update(after);
      write.modifiedProperties.push(
        ...modifiedProperties(before, after, ["enabledUnits", "suspendedUnits", "warningUnits", "lockedOutUnits", "capabilityStatus"]),
      );
      // Users waiting for a seat of this SKU get another try (those of a subscription that gives
      // no new licenses only meet the same error again, recorded once).
      for (const { userId, source } of await new AssignmentStore(write.tx).waitingForSeats(after.skuId)) {
        await queueForGroup(write.tx, source, [userId], this.now());
      }
      return after;
    });
  }

  async planRules(caller: Caller | null): Promise<PlanRulesDocument> {
    demand(caller, "directory.read");
    return loadPlanRules(this.db.manager);
  }

  setPlanRules(request: WriteRequest, document: PlanRulesDocument): Promise<PlanRulesDocument> {
    const operation = { activityDisplayName: "Set plan rules", category: "DirectoryManagement", operationType: "Update" } as const;
    const target = { id: null, displayName: "Plan rules", type: "PlanRules", userPrincipalName: null };
    return this.writes.run(request, { ...operation, target }, async (write) => {
      write.demand("subscriptions.manage");
      resolvePlanRules(document);
      const before = await loadPlanRules(write.tx);
      await new PlanRulesStore(write.tx).set(JSON.stringify(document), this.now());
      write.modifiedProperties.push(changed("PlanRules", before, document));
      // New rules may fix or break any group-based assignment: everyone licensed by a group is recomputed.
      for (const groupId of await new AssignmentStore(write.tx).licensedGroupIds()) {
        await queueGroup(write.tx, groupId, this.now());
      }
      return document;
    });
  }
}

/** A catalog SKU by id or part number; part numbers that name several products need the id. */
export function resolveSku(skuId: string | null | undefined, skuPartNumber: string | null | undefined): string {
  const products = loadProducts();
  if (skuId) {
    const id = skuId.trim().toLowerCase();
    if (!products.skus.has(id)) throw notFound("Product (SKU)", skuId);
    return id;
  }
  if (!skuPartNumber) throw badInput("Name the product by skuId or skuPartNumber.", { field: "skuId" });
  const ids = products.byPartNumber.get(skuPartNumber.trim().toUpperCase()) ?? [];
  if (ids.length === 1) return ids[0];
  if (ids.length > 1) throw badInput(`skuPartNumber ${skuPartNumber} names several products (${ids.join(", ")}); give the skuId.`, { field: "skuPartNumber" });
  throw new HelpgateError("NOT_FOUND", `No product with skuPartNumber '${skuPartNumber}' in the catalog (e.g. ENTERPRISEPACK for Office 365 E3).`, { resource: "Product (SKU)" });
}

/**
 * The subscription after an update: a new capabilityStatus moves the units as the commerce side
 * does (unitsAfterLifecycle), then the units given are set, and the status follows the units.
 * A status the units cannot have, or that the units given contradict, is refused.
 */
function withUnits(before: SubscriptionRecord, change: PrepaidUnitsChange | null, lifecycle: CapabilityStatus | null): SubscriptionRecord {
  let next: PrepaidUnits = { enabled: before.enabledUnits, warning: before.warningUnits, suspended: before.suspendedUnits, lockedOut: before.lockedOutUnits };
  if (lifecycle !== null) {
    const moved = unitsAfterLifecycle(next, lifecycle);
    if (!moved) {
      throw badInput(
        `${before.skuPartNumber} has no units that could become ${lifecycle}; set them with prepaidUnits (e.g. prepaidUnits: { enabled: 10 }) instead.`,
        { field: "capabilityStatus" },
      );
    }
    next = moved;
  }
  next = {
    enabled: change?.enabled != null ? units(change.enabled, "prepaidUnits.enabled") : next.enabled,
    warning: change?.warning != null ? units(change.warning, "prepaidUnits.warning") : next.warning,
    suspended: change?.suspended != null ? units(change.suspended, "prepaidUnits.suspended") : next.suspended,
    lockedOut: change?.lockedOut != null ? units(change.lockedOut, "prepaidUnits.lockedOut") : next.lockedOut,
  };
  const deleted = lifecycle === "Deleted" || (lifecycle === null && before.capabilityStatus === "Deleted");
  const capabilityStatus = capabilityStatusOf(next, deleted);
  if (lifecycle !== null && capabilityStatus !== lifecycle) {
    throw badInput(
      `capabilityStatus follows the units: with prepaidUnits ${JSON.stringify(next)} ${before.skuPartNumber} would be ${capabilityStatus}, not ${lifecycle}. ` +
        "Give capabilityStatus alone to move the units, or prepaidUnits alone to set them.",
      { field: "prepaidUnits" },
    );
  }
  return {
    ...before,
    capabilityStatus,
    enabledUnits: next.enabled,
    warningUnits: next.warning,
    suspendedUnits: next.suspended,
    lockedOutUnits: next.lockedOut,
  };
}

function units(value: number, field: string): number {
  if (!Number.isInteger(value) || value < 0 || value > MAX_UNITS) throw badInput(`${field} must be a whole number from 0 to ${MAX_UNITS}.`, { field });
  return value;
}

function status(value: string): CapabilityStatus {
  if ((STATUSES as string[]).includes(value)) return value as CapabilityStatus;
  throw badInput(`capabilityStatus '${value}' is not valid; use ${STATUSES.join(", ")}.`, { field: "capabilityStatus" });
}
