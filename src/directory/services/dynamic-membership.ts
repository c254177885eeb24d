import type { Write } from "../../audit/audited-writes";
import { changed, type AuditEntry, type ModifiedProperty, type TargetResource } from "../../audit/model";
import { matchesRule, parseMembershipRule, parseStoredMembershipRule, type MembershipRule } from "../membership-rule";
import { isDynamic, type GroupRecord, type UserRecord } from "../model";
import { GroupStore } from "../stores/group.store";
import { UserStore } from "../stores/user.store";

/** The background identity Entra names in the audit log for rule-driven membership changes. */
export const DYNAMIC_MEMBERSHIP_APP = { kind: "app", displayName: "Dynamic group membership processor", appId: null } as const;

/**
 * Keeps dynamic groups' members equal to the users their rule matches. Runs inside the write
 * that changed a user or a rule, so membership never lags behind the data it follows.
 * A group whose processing is Paused keeps the members it has.
 */
export class DynamicMembership {
  /** After a user was created or changed: every active dynamic group re-tests that one user. */
  async syncUser(write: Write, user: UserRecord): Promise<void> {
    const groups = new GroupStore(write.tx);
    for (const group of await groups.dynamicGroups()) {
      if (group.membershipRuleProcessingState !== "On" || !group.membershipRule) continue;
      const rule = parseStoredMembershipRule(group.membershipRule);
      if (rule === null) continue;
      const belongs = matchesRule(rule, user);
      const isMember = await groups.isMember(group.id, user.id);
      if (belongs && !isMember) await this.apply(write, group, [user], []);
      if (!belongs && isMember) await this.apply(write, group, [], [user]);
    }
  }

  /** After a group's rule or processing state changed: the rule is tested against every user. */
  async syncGroup(write: Write, group: GroupRecord): Promise<void> {
    if (!isDynamic(group) || group.membershipRuleProcessingState !== "On" || !group.membershipRule) return;
    const rule: MembershipRule = parseMembershipRule(group.membershipRule);
    const current = await new GroupStore(write.tx).memberIds(group.id);
    const users = await new UserStore(write.tx).all();
    const matching = new Set(users.filter((user) => matchesRule(rule, user)).map((user) => user.id));
    const joining = users.filter((user) => matching.has(user.id) && !current.has(user.id));
    const leaving = users.filter((user) => current.has(user.id) && !matching.has(user.id));
    await this.apply(write, group, joining, leaving);
  }

  private async apply(write: Write, group: GroupRecord, joining: UserRecord[], leaving: UserRecord[]): Promise<void> {
    const groups = new GroupStore(write.tx);
    await groups.addMembers(group.id, joining.map((user) => user.id));
    await groups.removeMembers(group.id, leaving.map((user) => user.id));
    for (const user of joining) write.also(membershipEntry("Add member to group", "Add", group, user));
    for (const user of leaving) write.also(membershipEntry("Remove member from group", "Delete", group, user));
    const changed = [...joining, ...leaving].map((user) => user.id);
    if (changed.length > 0) await write.publish({ kind: "membersChanged", groupId: group.id, userIds: changed });
  }
}

function membershipEntry(
  activityDisplayName: "Add member to group" | "Remove member from group",
  operationType: "Add" | "Delete",
  group: GroupRecord,
  user: UserRecord,
): Omit<AuditEntry, "correlationId"> {
  const member = memberChange(activityDisplayName === "Add member to group", user);
  return {
    activityDisplayName,
    category: "GroupManagement",
    operationType,
    initiatedBy: DYNAMIC_MEMBERSHIP_APP,
    targetResources: [
      { id: group.id, displayName: group.displayName, type: "Group", userPrincipalName: null, modifiedProperties: [member] },
      memberTarget(user),
    ],
    result: "success",
    resultReason: "",
  };
}

/** How a membership change reads in the audit log, whoever made it. */
export function memberChange(adding: boolean, user: UserRecord): ModifiedProperty {
  return changed("Member", adding ? null : user.userPrincipalName, adding ? user.userPrincipalName : null);
}

export function memberTarget(user: UserRecord): TargetResource {
  return { id: user.id, displayName: user.displayName, type: "User", userPrincipalName: user.userPrincipalName, modifiedProperties: [] };
}
