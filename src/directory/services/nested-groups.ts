import type { Write } from "../../audit/audited-writes";
import { changed, type ModifiedProperty, type TargetResource } from "../../audit/model";
import { conflict, notFound } from "../../errors";
import { isDynamic, UNIFIED, type GroupRecord } from "../model";
import { GroupNestingStore } from "../stores/group-nesting.store";

/** What `extensions.reason` says when a change would make a group contain itself. */
export const CIRCULAR_MEMBERSHIP = "CircularMembership";

/**
 * Groups as members of groups, as Entra allows them: a security group with assigned membership
 * may hold other groups (security or dynamic); a Microsoft 365 group neither holds groups nor
 * joins one; a dynamic group's members follow its rule, so it holds no group either; and no
 * group may contain itself, directly or through the groups it holds. Nesting changes no license:
 * group-based licensing reaches a group's direct user members only, so no membership event is
 * published for a group joining or leaving.
 */
export class NestedGroups {
  /** Adds `member` to `group`, or says why Entra would refuse it. Call lock() before loading either group. */
  async add(write: Write, group: GroupRecord, member: GroupRecord): Promise<void> {
    const store = new GroupNestingStore(write.tx);
    const refusal = whyCannotHoldGroups(group) ?? whyCannotJoinGroups(member);
    if (refusal) throw conflict(refusal);
    if (member.id === group.id) {
      throw conflict(`A group cannot be a member of itself: '${group.displayName}' cannot be added to '${group.displayName}'.`, { reason: CIRCULAR_MEMBERSHIP });
    }
    if (await store.isMember(group.id, member.id)) throw conflict(`Group '${member.displayName}' is already a member of '${group.displayName}'.`);
    if (await store.contains(member.id, group.id)) {
      throw conflict(
        `Group '${member.displayName}' cannot be added to '${group.displayName}': '${group.displayName}' is already a member of '${member.displayName}' ` +
          `(directly or through nested groups), and a group cannot contain itself. Remove one of the memberships that link them first.`,
        { reason: CIRCULAR_MEMBERSHIP },
      );
    }
    await store.add(group.id, member.id);
    this.audit(write, true, member);
  }

  async remove(write: Write, group: GroupRecord, member: GroupRecord): Promise<void> {
    const store = new GroupNestingStore(write.tx);
    if (!(await store.isMember(group.id, member.id))) throw notFound(`Member of group '${group.displayName}'`, member.displayName);
    await store.remove(group.id, member.id);
    this.audit(write, false, member);
  }

  /** Takes the nesting lock (PostgreSQL): every check that reads nesting before changing it runs after this. */
  lock(write: Write): Promise<void> {
    return new GroupNestingStore(write.tx).lock();
  }

  /**
   * Before a group's type changes: a group holding groups can't become dynamic or a Microsoft
   * 365 group, and a group inside another can't become a Microsoft 365 group.
   */
  async ensureTypeChangeKeepsNesting(write: Write, before: GroupRecord, after: GroupRecord): Promise<void> {
    const losesHolding = whyCannotHoldGroups(after) !== null && whyCannotHoldGroups(before) === null;
    const losesJoining = whyCannotJoinGroups(after) !== null && whyCannotJoinGroups(before) === null;
    if (!losesHolding && !losesJoining) return;
    await this.lock(write);
    const { memberGroups, memberOf } = await new GroupNestingStore(write.tx).nesting(after.id);
    if (losesHolding && memberGroups > 0) {
      throw conflict(`${whyCannotHoldGroups(after)} It holds ${memberGroups} group(s) now: remove them with removeGroupMember first.`);
    }
    if (losesJoining && memberOf > 0) {
      throw conflict(`${whyCannotJoinGroups(after)} It is a member of ${memberOf} group(s) now: remove it from them with removeGroupMember first.`);
    }
  }

  private audit(write: Write, adding: boolean, member: GroupRecord): void {
    write.otherTargets.push(groupMemberTarget(member));
    write.modifiedProperties.push(groupMemberChange(adding, member));
  }
}

/** Why this group may not hold groups, or null when it may. */
function whyCannotHoldGroups(group: GroupRecord): string | null {
  if (isDynamic(group)) {
    return `Group '${group.displayName}' has dynamic membership: its members are the users its membershipRule matches, so it cannot contain groups.`;
  }
  if (group.groupTypes.includes(UNIFIED)) return `Group '${group.displayName}' is a Microsoft 365 group (groupTypes Unified): it holds users only, never groups.`;
  if (!group.securityEnabled) return `Group '${group.displayName}' is not a security group (securityEnabled false): only security groups can contain groups.`;
  return null;
}

/** Why this group may not be a member of another, or null when it may. */
function whyCannotJoinGroups(group: GroupRecord): string | null {
  if (group.groupTypes.includes(UNIFIED)) return `Group '${group.displayName}' is a Microsoft 365 group (groupTypes Unified): it cannot be a member of another group.`;
  return null;
}

/** How a group joining or leaving reads in the audit log: as a user's change does, with the group's name. */
function groupMemberChange(adding: boolean, member: GroupRecord): ModifiedProperty {
  return changed("Member", adding ? null : member.displayName, adding ? member.displayName : null);
}

function groupMemberTarget(member: GroupRecord): TargetResource {
  return { id: member.id, displayName: member.displayName, type: "Group", userPrincipalName: null, modifiedProperties: [] };
}
