import { demand, type Caller } from "../../auth/permissions";
import type { Database } from "../../db/database";
import { matchesRule, parseStoredMembershipRule } from "../../directory/membership-rule";
import type { GroupRecord, UserRecord } from "../../directory/model";
import { DirectoryFacts } from "../../directory/services/directory-facts";
import { parseGuid } from "../../directory/validation";
import { notFound } from "../../errors";
import { explainUser, problemInWords, type GroupGrant, type LicenseError } from "../engine";
import { DIRECT } from "../model";
import { AssignmentStore } from "../stores/assignment.store";
import { loadSnapshot, subjectsFor, toStates, type Snapshot } from "./core";

export type LicenseDiagnosisCode = LicenseError | "DynamicMembershipPaused";

/** One reason a user lacks a license, in words a person (or a chatbot) can pass on. */
export interface LicenseDiagnosis {
  /** A licensing error code, or DynamicMembershipPaused. */
  code: LicenseDiagnosisCode;
  message: string;
  skuId: string | null;
  groupId: string | null;
}

/**
 * Answers "why can't this user get a license?" from the live directory: the errors recorded on
 * the user, why each happens now, a missing usage location, mailbox addresses someone else
 * holds, and paused dynamic groups the user would otherwise be in.
 */
export class DiagnosisService {
  constructor(private readonly db: Database) {}

  async diagnose(caller: Caller | null, userId: string): Promise<{ user: UserRecord; problems: LicenseDiagnosis[] }> {
    demand(caller, "directory.read");
    const manager = this.db.manager;
    const facts = new DirectoryFacts(manager);
    const user = await facts.user(parseGuid(userId, "userId"));
    if (!user) throw notFound("User", userId);
    const snapshot = await loadSnapshot(manager);
    const problems = [
      ...(await this.stateProblems(user, snapshot)),
      ...(await this.directProblems(user, snapshot)),
      ...(await this.pausedGroups(user, facts)),
    ];
    const seen = new Set<string>();
    return { user, problems: problems.filter((p) => !seen.has(`${p.code}/${p.skuId}/${p.groupId}`) && seen.add(`${p.code}/${p.skuId}/${p.groupId}`)) };
  }

  private async stateProblems(user: UserRecord, snapshot: Snapshot): Promise<LicenseDiagnosis[]> {
    const manager = this.db.manager;
    const facts = new DirectoryFacts(manager);
    const records = (await new AssignmentStore(manager).ofUsers([user.id])).get(user.id) ?? [];
    const memberOf = (await facts.groupIdsOf([user.id])).get(user.id) ?? [];
    const licenses = await new AssignmentStore(manager).groupLicenses(memberOf);
    const grants: GroupGrant[] = [...licenses].map(([groupId, list]) => ({ groupId, licenses: list }));
    const subject = (await subjectsFor(manager, [user], snapshot, true)).get(user.id)!;
    const explained = explainUser(snapshot.catalog, snapshot.subscriptions, subject, toStates(records), grants).problems;
    const groupNames = await this.groupNames([...new Set(records.map((r) => r.source).filter((s) => s !== DIRECT))]);
    return records
      .filter((record) => record.error !== null)
      .map((record) => {
        const why = explained.find((p) => p.groupId === record.source && p.skuId === record.skuId);
        const sku = snapshot.catalog.skus.get(record.skuId)?.skuPartNumber ?? record.skuId;
        const from = record.source === DIRECT ? "assigned directly" : `from group '${groupNames.get(record.source) ?? record.source}'`;
        const reason = why ? problemInWords(snapshot.catalog, why) : record.error === "Other" ? "another product of the same group could not be assigned, and a group's products are assigned all together or not at all." : "the cause may already be fixed: reprocess the user's licenses to find out.";
        return { code: record.error!, message: `${sku} ${from} is in ${record.state} (${record.error}): ${reason}`, skuId: record.skuId, groupId: record.source === DIRECT ? null : record.source };
      });
  }

  private async directProblems(user: UserRecord, snapshot: Snapshot): Promise<LicenseDiagnosis[]> {
    const found: LicenseDiagnosis[] = [];
    if (!user.usageLocation) {
      const fallback = snapshot.organization.defaultUsageLocation;
      found.push({
        code: "InvalidUsageLocation",
        message: `${user.displayName} has no usage location, so licenses cannot be assigned to them directly; group-based licensing uses the organization's default${fallback ? ` (${fallback})` : ", and none is set"}.`,
        skuId: null,
        groupId: null,
      });
    }
    const subject = (await subjectsFor(this.db.manager, [user], snapshot, false)).get(user.id)!;
    if (subject.conflictingProxyAddresses.length > 0) {
      const holders = await new DirectoryFacts(this.db.manager).holdersOf(subject.conflictingProxyAddresses);
      const others = await new DirectoryFacts(this.db.manager).users([...new Set([...holders.values()].flat())].filter((id) => id !== user.id));
      found.push({
        code: "UniquenessViolation",
        message: `Proxy address ${subject.conflictingProxyAddresses.join(", ")} is already used by ${others.map((o) => o.userPrincipalName).join(", ")}, so ${user.displayName} cannot get a mailbox plan until it is removed there.`,
        skuId: null,
        groupId: null,
      });
    }
    return found;
  }

  private async pausedGroups(user: UserRecord, facts: DirectoryFacts): Promise<LicenseDiagnosis[]> {
    const memberOf = new Set((await facts.groupIdsOf([user.id])).get(user.id) ?? []);
    const paused = (await facts.dynamicGroups()).filter((group: GroupRecord) => group.membershipRuleProcessingState === "Paused" && group.membershipRule);
    return paused
      .filter((group) => {
        const rule = parseStoredMembershipRule(group.membershipRule!);
        return !memberOf.has(group.id) && rule !== null && matchesRule(rule, user);
      })
      .map((group) => ({
        code: "DynamicMembershipPaused",
        message: `${user.displayName} matches the rule of dynamic group '${group.displayName}', but its membership processing is Paused, so they are not a member and get none of its licenses.`,
        skuId: null,
        groupId: group.id,
      }));
  }

  private async groupNames(ids: string[]): Promise<Map<string, string>> {
    const facts = new DirectoryFacts(this.db.manager);
    const groups = await Promise.all(ids.map((id) => facts.group(id)));
    return new Map(groups.flatMap((group) => (group ? [[group.id, group.displayName] as [string, string]] : [])));
  }
}
