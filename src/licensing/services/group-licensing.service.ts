import type { EntityManager } from "typeorm";
import { initiatorOf, type AuditedWrites, type Write, type WriteRequest } from "../../audit/audited-writes";
import { changed } from "../../audit/model";
import { demand, type Caller } from "../../auth/permissions";
import type { Database } from "../../db/database";
import type { DirectoryEvent } from "../../directory/events";
import type { GroupRecord } from "../../directory/model";
import { DirectoryFacts } from "../../directory/services/directory-facts";
import { parseGuid } from "../../directory/validation";
import { badInput, conflict, notFound } from "../../errors";
import { conversionsOnGroupRemoval, groupPrerequisiteProblem, problems, skusDependingOn, type LicenseRequest } from "../engine";
import { DIRECT, type GroupLicenseRecord, type GroupProcessingRecord } from "../model";
import { AssignmentStore } from "../stores/assignment.store";
import { SubscriptionStore } from "../stores/subscription.store";
import { WorkStore } from "../stores/work.store";
import { failure } from "./assignment.service";
import { loadSnapshot, toStates, type Snapshot } from "./core";
import { parseLicenseChange, type LicenseChangeInput } from "./inputs";
import type { LicenseProgress, ProcessingUpdate } from "./license-progress";
import { queueForGroup, queueGroup, queueUser } from "./queue";

/** Group-based licensing: what groups assign, and the work that follows a change. */
export class GroupLicensingService {
  constructor(
    private readonly db: Database,
    private readonly writes: AuditedWrites,
    private readonly progress: LicenseProgress,
    private readonly now: () => Date = () => new Date(),
  ) {
    writes.listen((write, event) => this.onDirectoryEvent(write, event));
  }

  assign(request: WriteRequest, groupId: string, input: LicenseChangeInput): Promise<GroupRecord> {
    const operation = { activityDisplayName: "Set group license", category: "GroupManagement", operationType: "Assign" } as const;
    const target = { id: groupId, displayName: null, type: "Group", userPrincipalName: null };
    const assigned = this.writes.run(request, { ...operation, target }, async (write) => {
      write.demand("groupLicenses.manage");
      const group = await this.loadTarget(write, groupId);
      if (!group.securityEnabled) {
        throw badInput(`Group '${group.displayName}' is not security-enabled; only security groups can assign licenses.`, { field: "groupId" });
      }
      const change = parseLicenseChange(input);
      const snapshot = await loadSnapshot(write.tx);
      const store = new AssignmentStore(write.tx);
      const current = (await store.groupLicenses([group.id])).get(group.id) ?? [];
      const next = resultingLicenses(snapshot, current, change.addLicenses, change.removeLicenses);
      const prerequisite = groupPrerequisiteProblem(snapshot.catalog, next);
      if (prerequisite) throw failure(snapshot.catalog, prerequisite);
      await this.convertDependents(write, snapshot, group, change.removeLicenses);
      await store.replaceGroupLicenses(group.id, next.map((license) => ({ groupId: group.id, ...license })));
      write.modifiedProperties.push(changed("AssignedLicense", current.map(summary), next.map(summary)));
      const queued = await queueGroup(write.tx, group.id, this.now());
      // Nobody to license: the processor will never visit the group, so its run is complete now.
      const work = new WorkStore(write.tx);
      if (!queued && !(await work.hasPending(group.id))) await work.setState(group.id, "ProcessingComplete", this.now(), true);
      return group;
    });
    return this.announced(assigned);
  }

  reprocess(request: WriteRequest, groupId: string): Promise<GroupRecord> {
    const operation = { activityDisplayName: "Trigger group license recalculation", category: "GroupManagement", operationType: "Update" } as const;
    const target = { id: groupId, displayName: null, type: "Group", userPrincipalName: null };
    const reprocessed = this.writes.run(request, { ...operation, target }, async (write) => {
      write.demand("groupLicenses.manage");
      const group = await this.loadTarget(write, groupId);
      const licensed = (await new AssignmentStore(write.tx).groupLicenses([group.id])).has(group.id);
      if (!licensed && !(await new AssignmentStore(write.tx).hasHolders(group.id))) {
        throw badInput(`Group '${group.displayName}' assigns no licenses, so there is nothing to reprocess.`, { field: "groupId" });
      }
      await queueGroup(write.tx, group.id, this.now());
      return group;
    });
    return this.announced(reprocessed);
  }

  /**
   * The group's processing state now and as it changes, until ProcessingComplete: what the
   * groupLicenseProcessing subscription streams. Readable by whoever may read the directory.
   */
  async watchProcessing(caller: Caller | null, groupId: string): Promise<AsyncIterableIterator<ProcessingUpdate>> {
    demand(caller, "directory.read");
    const group = await new DirectoryFacts(this.db.manager).group(parseGuid(groupId, "groupId"));
    if (!group) throw notFound("Group", groupId);
    if (!(await this.processing([group.id])).has(group.id)) {
      throw badInput(`Group '${group.displayName}' has never assigned licenses, so it has no processing to follow; subscribe after assignGroupLicense.`, {
        field: "groupId",
      });
    }
    return this.progress.watch(group.id, async () => (await this.processing([group.id])).get(group.id) ?? null);
  }

  /** Once the write committed, watchers of the group hear that its processing state changed. */
  private async announced(written: Promise<GroupRecord>): Promise<GroupRecord> {
    const group = await written;
    await this.progress.changed([group.id]);
    return group;
  }

  // Reads, batched by the loaders.

  groupLicenses(groupIds: readonly string[]): Promise<Map<string, GroupLicenseRecord[]>> {
    return new AssignmentStore(this.db.manager).groupLicenses(groupIds);
  }

  processing(groupIds: readonly string[]): Promise<Map<string, GroupProcessingRecord>> {
    return new WorkStore(this.db.manager).processing(groupIds);
  }

  erroredUserIds(caller: Caller | null, groupId: string, afterUserId: string | null, limit: number, backward = false): Promise<string[]> {
    demand(caller, "directory.read");
    return new AssignmentStore(this.db.manager).erroredUserIds(groupId, afterUserId, limit, backward);
  }

  countErroredUsers(caller: Caller | null, groupId: string): Promise<number> {
    demand(caller, "directory.read");
    return new AssignmentStore(this.db.manager).countErroredUsers(groupId);
  }

  groupsWithErrors(caller: Caller | null): Promise<string[]> {
    demand(caller, "directory.read");
    return this.errorGroupIds();
  }

  /** For the loader, under a field whose parent the caller could already read. */
  errorGroupIds(): Promise<string[]> {
    return new AssignmentStore(this.db.manager).groupsWithErrors();
  }

  /**
   * Members whose direct licenses depend on a plan this group stops giving keep the license,
   * now assigned directly (audited), instead of losing what their add-on needs.
   */
  private async convertDependents(write: Write, snapshot: Snapshot, group: GroupRecord, removedSkuIds: string[]): Promise<void> {
    if (removedSkuIds.length === 0) return;
    const store = new AssignmentStore(write.tx);
    // Only a holder who also has a license with a plan needing a plan of the removed licenses
    // can need a conversion: the others (all of a 200,000-member group but a few, or all of
    // them) are neither locked nor read.
    const holders = await store.holdersAlsoHolding(group.id, removedSkuIds, skusDependingOn(snapshot.catalog, removedSkuIds));
    if (holders.length === 0) return;
    await new DirectoryFacts(write.tx).lockUsers(holders);
    const rows = await store.ofUsers(holders);
    const users = new Map((await new DirectoryFacts(write.tx).users(holders)).map((user) => [user.id, user]));
    for (const [userId, records] of rows) {
      const converted = conversionsOnGroupRemoval(snapshot.catalog, toStates(records), group.id, removedSkuIds);
      if (converted.length === 0) continue;
      const skus = new Set(converted.map((state) => state.skuId));
      const next = records
        .filter((record) => !(record.source === DIRECT && skus.has(record.skuId)))
        .map((record) => (record.source === group.id && skus.has(record.skuId) ? { ...record, source: DIRECT, lastUpdatedDateTime: this.now() } : record));
      await store.replace(userId, next);
      const user = users.get(userId)!;
      write.also({
        activityDisplayName: "Change user license",
        category: "UserManagement",
        operationType: "Update",
        initiatedBy: initiatorOf(write.caller),
        targetResources: [
          { id: user.id, displayName: user.displayName, type: "User", userPrincipalName: user.userPrincipalName, modifiedProperties: [changed("AssignedByGroup", group.id, null)] },
          { id: group.id, displayName: group.displayName, type: "Group", userPrincipalName: null, modifiedProperties: [] },
        ],
        result: "success",
        resultReason: `Converted from inherited to direct: ${[...skus].map((sku) => snapshot.catalog.skus.get(sku)?.skuPartNumber ?? sku).join(", ")} is needed by a directly assigned add-on.`,
      });
    }
  }

  private async onDirectoryEvent(write: Write, event: DirectoryEvent): Promise<void> {
    const now = this.now();
    const tx = write.tx;
    switch (event.kind) {
      case "membersChanged": {
        // A licensed group's joiners and leavers are recomputed. A group that no longer gives
        // licenses may still have a run taking them away: whoever leaves it holding one is
        // queued too, since the run's ranges reach members only.
        const store = new AssignmentStore(tx);
        const licensed = (await store.groupLicenses([event.groupId])).size > 0;
        await queueForGroup(tx, event.groupId, licensed ? event.userIds : await store.holdersAmong(event.groupId, event.userIds), now);
        return;
      }
      case "userChanged":
        if (event.fields.some((field) => field === "UsageLocation" || field === "ProxyAddresses")) await queueUser(tx, event.userId, now);
        return;
      case "userDeleting":
        return releaseSeatsOf(tx, event.userId);
      case "groupDeleting":
        return refuseLicensedGroupDeletion(tx, event.groupId, now);
      case "organizationChanged":
        if (event.fields.includes("DefaultUsageLocation")) await queueUsersWithoutLocation(tx, now);
        return;
    }
  }

  private async loadTarget(write: Write, groupId: string): Promise<GroupRecord> {
    const group = await new DirectoryFacts(write.tx).group(parseGuid(groupId, "groupId"));
    if (!group) throw notFound("Group", groupId);
    Object.assign(write.target, { id: group.id, displayName: group.displayName });
    return group;
  }
}

function summary(license: { skuId: string; disabledPlans: string[] | readonly string[] }) {
  return { skuId: license.skuId, disabledPlans: [...license.disabledPlans] };
}

/** The group's licenses after the change; each SKU checked against the tenant's subscriptions. */
function resultingLicenses(snapshot: Snapshot, current: GroupLicenseRecord[], add: LicenseRequest[], remove: string[]): { skuId: string; disabledPlans: string[] }[] {
  for (const skuId of remove) {
    if (!current.some((license) => license.skuId === skuId)) {
      throw failure(snapshot.catalog, { error: "LicenseNotAssigned", skuId, servicePlanIds: [], message: `The group does not assign ${snapshot.catalog.skus.get(skuId)?.skuPartNumber ?? skuId}.` });
    }
  }
  for (const license of add) {
    const sku = snapshot.catalog.skus.get(license.skuId);
    if (!sku || !snapshot.subscriptions.has(license.skuId)) {
      throw failure(snapshot.catalog, problems.invalidLicense(license.skuId));
    }
    const foreign = license.disabledPlans.find((plan) => !sku.servicePlanIds.includes(plan));
    if (foreign) {
      throw failure(snapshot.catalog, problems.unknownDisabledPlan(snapshot.catalog, license.skuId, foreign));
    }
  }
  const touched = new Set([...remove, ...add.map((license) => license.skuId)]);
  return [
    ...current.filter((license) => !touched.has(license.skuId)).map(summary),
    ...add.map((license) => ({ skuId: license.skuId, disabledPlans: [...license.disabledPlans] })),
  ].sort((a, b) => a.skuId.localeCompare(b.skuId));
}

async function releaseSeatsOf(tx: EntityManager, userId: string): Promise<void> {
  await new DirectoryFacts(tx).lockUsers([userId]);
  const records = (await new AssignmentStore(tx).ofUsers([userId])).get(userId) ?? [];
  const held = new Set(records.filter((record) => record.state === "Active" || record.state === "ActiveWithError").map((record) => record.skuId));
  for (const skuId of held) await new SubscriptionStore(tx).releaseSeat(skuId);
}

async function refuseLicensedGroupDeletion(tx: EntityManager, groupId: string, now: Date): Promise<void> {
  const store = new AssignmentStore(tx);
  const licenses = (await store.groupLicenses([groupId])).get(groupId) ?? [];
  if (licenses.length === 0) {
    // Its licenses were removed, but the run taking them away may not have reached everyone:
    // with the members gone its ranges reach nobody, so those still holding one get rows of their own.
    await new WorkStore(tx).enqueue(groupId, await store.userIdsWithSource([groupId]), now);
    return;
  }
  const snapshot = await loadSnapshot(tx);
  const names = licenses.map((license) => snapshot.catalog.skus.get(license.skuId)?.skuPartNumber ?? license.skuId).join(", ");
  throw conflict(`The group still assigns licenses (${names}); remove them with assignGroupLicense before deleting the group.`, { licenses: licenses.map((l) => l.skuId) });
}

async function queueUsersWithoutLocation(tx: EntityManager, now: Date): Promise<void> {
  const store = new AssignmentStore(tx);
  const facts = new DirectoryFacts(tx);
  for (const groupId of await store.licensedGroupIds()) {
    const members = await facts.users(await facts.memberIds(groupId));
    await queueForGroup(tx, groupId, members.filter((user) => user.usageLocation === null).map((user) => user.id), now);
  }
}

