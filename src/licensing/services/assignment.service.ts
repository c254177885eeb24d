import { initiatorOf, type AuditedWrites, type Write, type WriteRequest } from "../../audit/audited-writes";
import { demand, type Caller } from "../../auth/permissions";
import type { Database } from "../../db/database";
import type { UserRecord } from "../../directory/model";
import { DirectoryFacts } from "../../directory/services/directory-facts";
import { parseGuid } from "../../directory/validation";
import { licenseAssignmentFailed, notFound } from "../../errors";
import { planDirectChange, problems, type AssignmentState, type Catalog, type LicenseProblem } from "../engine";
import type { AssignmentRecord } from "../model";
import { AssignmentStore } from "../stores/assignment.store";
import { applyStates, loadSnapshot, subjectsFor, toStates } from "./core";
import { parseLicenseChange, type LicenseChangeInput } from "./inputs";
import { licensedGroupsOf, queueUser } from "./queue";

export interface LicensePreview {
  succeeded: boolean;
  problems: LicenseProblem[];
  licenseAssignmentStates: AssignmentState[];
}

/** Direct assignment: synchronous, all or nothing, refused with the service's error at once. */
export class AssignmentService {
  constructor(
    private readonly db: Database,
    private readonly writes: AuditedWrites,
    private readonly now: () => Date = () => new Date(),
  ) {}

  assign(request: WriteRequest, userId: string, input: LicenseChangeInput): Promise<UserRecord> {
    const operation = { activityDisplayName: "Change user license", category: "UserManagement", operationType: "Assign" } as const;
    const target = { id: userId, displayName: null, type: "User", userPrincipalName: null };
    return this.writes.run(request, { ...operation, target }, async (write) => {
      write.demand("licenses.manage");
      const user = await this.loadTarget(write, userId, true);
      const change = parseLicenseChange(input);
      const snapshot = await loadSnapshot(write.tx);
      const before = (await new AssignmentStore(write.tx).ofUsers([user.id])).get(user.id) ?? [];
      const subject = (await subjectsFor(write.tx, [user], snapshot, false)).get(user.id)!;
      const outcome = planDirectChange(snapshot.catalog, snapshot.subscriptions, subject, toStates(before), change);
      if (outcome.problems.length > 0) throw failure(snapshot.catalog, outcome.problems[0]);
      const applied = await applyStates(write.tx, snapshot, user, before, outcome.states, this.now());
      if (applied.seatTakenMeanwhile) throw failure(snapshot.catalog, problems.noSeats(snapshot.catalog, applied.seatTakenMeanwhile));
      write.modifiedProperties.push(...applied.licenseChange);
      if (applied.mailboxChange.length > 0) write.also(mailboxEntry(write, user, applied.mailboxChange));
      // Group assignments may now fit, or no longer fit, beside the direct ones.
      await queueUser(write.tx, user.id, this.now());
      // Only a new mailbox changes the user itself (its mail).
      return applied.mailboxChange.length > 0 ? (await new DirectoryFacts(write.tx).user(user.id))! : user;
    });
  }

  /** The dry run: what assignLicense would do, every problem it would meet, and nothing written. */
  async preview(caller: Caller | null, userId: string, input: LicenseChangeInput): Promise<LicensePreview> {
    demand(caller, "directory.read");
    const manager = this.db.manager;
    const user = await new DirectoryFacts(manager).user(parseGuid(userId, "userId"));
    if (!user) throw notFound("User", userId);
    const change = parseLicenseChange(input);
    const snapshot = await loadSnapshot(manager);
    const before = (await new AssignmentStore(manager).ofUsers([user.id])).get(user.id) ?? [];
    const subject = (await subjectsFor(manager, [user], snapshot, false)).get(user.id)!;
    const outcome = planDirectChange(snapshot.catalog, snapshot.subscriptions, subject, toStates(before), change);
    const succeeded = outcome.problems.length === 0;
    return { succeeded, problems: outcome.problems, licenseAssignmentStates: succeeded ? outcome.states : toStates(before) };
  }

  /** Queues the user's group-based licenses for processing again, e.g. after fixing a cause. */
  reprocess(request: WriteRequest, userId: string): Promise<UserRecord> {
    const operation = { activityDisplayName: "Trigger user license recalculation", category: "UserManagement", operationType: "Update" } as const;
    const target = { id: userId, displayName: null, type: "User", userPrincipalName: null };
    return this.writes.run(request, { ...operation, target }, async (write) => {
      write.demand("licenses.manage");
      const user = await this.loadTarget(write, userId);
      await queueUser(write.tx, user.id, this.now());
      return user;
    });
  }

  /**
   * Addresses more than one user holds, and those a user's mailbox would collide on (the cause
   * of their UniquenessViolation): what an administrator looks for with Exchange's cmdlets.
   */
  async proxyAddressConflicts(caller: Caller | null): Promise<{ address: string; userIds: string[]; pendingMailbox: boolean }[]> {
    demand(caller, "directory.read");
    const manager = this.db.manager;
    const facts = new DirectoryFacts(manager);
    const conflicts = (await facts.duplicateProxyAddresses()).map((d) => ({ address: d.addressKey, userIds: d.userIds, pendingMailbox: false }));
    const waiting = await facts.users(await new AssignmentStore(manager).userIdsWithError("UniquenessViolation"));
    const subjects = await subjectsFor(manager, waiting, await loadSnapshot(manager), true);
    const clashing = [...subjects.values()].flatMap((subject) => subject.conflictingProxyAddresses);
    const holders = await facts.holdersOf(clashing);
    for (const user of waiting) {
      for (const address of subjects.get(user.id)!.conflictingProxyAddresses) {
        if (conflicts.some((c) => c.address === address)) continue;
        conflicts.push({ address, userIds: [user.id, ...(holders.get(address) ?? []).filter((id) => id !== user.id)], pendingMailbox: true });
      }
    }
    return conflicts.sort((a, b) => a.address.localeCompare(b.address));
  }

  /** Assignment rows per user, for the loader. */
  assignmentsOf(userIds: readonly string[]): Promise<Map<string, AssignmentRecord[]>> {
    return new AssignmentStore(this.db.manager).ofUsers(userIds);
  }

  /** Licensed groups the user belongs to or holds licenses from. */
  licensedGroupsOf(userId: string): Promise<string[]> {
    return licensedGroupsOf(this.db.manager, userId);
  }

  /** The target user; with `lock`, held until the write ends, so nobody else recomputes their licenses meanwhile. */
  private async loadTarget(write: Write, userId: string, lock = false): Promise<UserRecord> {
    const id = parseGuid(userId, "userId");
    if (lock) await new DirectoryFacts(write.tx).lockUsers([id]);
    const user = await new DirectoryFacts(write.tx).user(id);
    if (!user) throw notFound("User", userId);
    Object.assign(write.target, { id: user.id, displayName: user.displayName, userPrincipalName: user.userPrincipalName });
    return user;
  }
}

export function failure(catalog: Catalog, problem: LicenseProblem) {
  return licenseAssignmentFailed({
    error: problem.error,
    skuId: problem.skuId,
    message: problem.message,
    servicePlans: problem.servicePlanIds.map((id) => ({ servicePlanId: id, servicePlanName: catalog.plans.get(id)?.servicePlanName ?? id })),
  });
}

function mailboxEntry(write: Write, user: UserRecord, changes: Write["modifiedProperties"]) {
  return {
    activityDisplayName: "Update user",
    category: "UserManagement" as const,
    operationType: "Update" as const,
    initiatedBy: initiatorOf(write.caller),
    targetResources: [{ id: user.id, displayName: user.displayName, type: "User", userPrincipalName: user.userPrincipalName, modifiedProperties: changes }],
    result: "success" as const,
    resultReason: "Mailbox addresses recalculated for a newly assigned mailbox plan.",
  };
}
