import { randomUUID } from "node:crypto";
import type { AuditedWrites, Write, WriteRequest } from "../../audit/audited-writes";
import { modifiedProperties } from "../../audit/diff";
import { demand, type Caller } from "../../auth/permissions";
import type { Database } from "../../db/database";
import { badInput, conflict, notFound } from "../../errors";
import { parseMembershipRule } from "../membership-rule";
import { DYNAMIC_MEMBERSHIP, isDynamic, UNIFIED, type GroupRecord, type MembershipRuleProcessingState, type UserRecord } from "../model";
import { GroupStore, type GroupFilter } from "../stores/group.store";
import { parseDisplayName, parseGuid, parseOptionalText } from "../validation";
import { memberChange, memberTarget, type DynamicMembership } from "./dynamic-membership";
import type { UserService } from "./user.service";

export interface GroupInput {
  displayName?: string | null;
  description?: string | null;
  securityEnabled?: boolean | null;
  mailEnabled?: boolean | null;
  mailNickname?: string | null;
  groupTypes?: string[] | null;
  membershipRule?: string | null;
  membershipRuleProcessingState?: string | null;
}

type After = { displayName: string; id: string } | null;

const AUDITED_FIELDS = [
  "displayName",
  "description",
  "securityEnabled",
  "mailEnabled",
  "mailNickname",
  "groupTypes",
  "membershipRule",
  "membershipRuleProcessingState",
] as const;
const GROUP_TYPES = [DYNAMIC_MEMBERSHIP, UNIFIED];

export class GroupService {
  constructor(
    private readonly db: Database,
    private readonly writes: AuditedWrites,
    private readonly users: UserService,
    private readonly dynamic: DynamicMembership,
  ) {}

  async get(caller: Caller | null, id: string): Promise<GroupRecord | null> {
    demand(caller, "directory.read");
    return new GroupStore(this.db.manager).findById(parseGuid(id, "id"));
  }

  list(caller: Caller | null, filter: GroupFilter, after: After, limit: number, backward = false): Promise<GroupRecord[]> {
    demand(caller, "directory.read");
    return new GroupStore(this.db.manager).list(filter, after, limit, backward);
  }

  count(caller: Caller | null, filter: GroupFilter): Promise<number> {
    demand(caller, "directory.read");
    return new GroupStore(this.db.manager).count(filter);
  }

  members(caller: Caller | null, groupId: string, after: After, limit: number, backward = false): Promise<UserRecord[]> {
    demand(caller, "directory.read");
    return new GroupStore(this.db.manager).members(groupId, after, limit, backward);
  }

  countMembers(caller: Caller | null, groupId: string): Promise<number> {
    demand(caller, "directory.read");
    return new GroupStore(this.db.manager).countMembers(groupId);
  }

  /** Groups per user, for the memberOf loader (the caller's right to read was checked by the parent field). */
  groupsOf(userIds: readonly string[]): Promise<Map<string, GroupRecord[]>> {
    return new GroupStore(this.db.manager).groupsOf(userIds);
  }

  create(request: WriteRequest, input: GroupInput): Promise<GroupRecord> {
    const operation = { activityDisplayName: "Add group", category: "GroupManagement", operationType: "Add" } as const;
    const target = { id: null, displayName: input.displayName ?? null, type: "Group", userPrincipalName: null };
    return this.writes.run(request, { ...operation, target }, async (write) => {
      write.demand("groups.manage");
      if (!input.displayName) throw badInput("displayName is required.", { field: "displayName" });
      const blank: GroupRecord = {
        id: randomUUID(),
        displayName: "",
        description: null,
        securityEnabled: true,
        mailEnabled: false,
        mailNickname: null,
        groupTypes: [],
        membershipRule: null,
        membershipRuleProcessingState: null,
        createdDateTime: new Date(),
      };
      const group = applyInput(blank, input);
      await new GroupStore(write.tx).insert(group);
      Object.assign(write.target, { id: group.id, displayName: group.displayName });
      write.modifiedProperties.push(...modifiedProperties({}, group, AUDITED_FIELDS));
      await this.dynamic.syncGroup(write, group);
      return group;
    });
  }

  update(request: WriteRequest, id: string, input: GroupInput): Promise<GroupRecord> {
    const operation = { activityDisplayName: "Update group", category: "GroupManagement", operationType: "Update" } as const;
    return this.writes.run(request, { ...operation, target: groupTarget(id) }, async (write) => {
      write.demand("groups.manage");
      const before = await this.load(write, id);
      const after = applyInput(before, input);
      await new GroupStore(write.tx).update(after);
      write.modifiedProperties.push(...modifiedProperties(before, after, AUDITED_FIELDS));
      const ruleChanged = after.membershipRule !== before.membershipRule;
      const resumed = after.membershipRuleProcessingState === "On" && before.membershipRuleProcessingState !== "On";
      if (ruleChanged || resumed) await this.dynamic.syncGroup(write, after);
      return after;
    });
  }

  delete(request: WriteRequest, id: string): Promise<GroupRecord> {
    const operation = { activityDisplayName: "Delete group", category: "GroupManagement", operationType: "Delete" } as const;
    return this.writes.run(request, { ...operation, target: groupTarget(id) }, async (write) => {
      write.demand("groups.delete");
      const group = await this.load(write, id);
      await write.publish({ kind: "groupDeleting", groupId: group.id });
      await new GroupStore(write.tx).delete(group.id);
      return group;
    });
  }

  addMember(request: WriteRequest, groupId: string, userId: string): Promise<GroupRecord> {
    return this.changeMember(request, "Add member to group", groupId, userId);
  }

  removeMember(request: WriteRequest, groupId: string, userId: string): Promise<GroupRecord> {
    return this.changeMember(request, "Remove member from group", groupId, userId);
  }

  private changeMember(
    request: WriteRequest,
    activity: "Add member to group" | "Remove member from group",
    groupId: string,
    userId: string,
  ): Promise<GroupRecord> {
    const adding = activity === "Add member to group";
    const operation = { activityDisplayName: activity, category: "GroupManagement", operationType: adding ? "Add" : "Delete" } as const;
    return this.writes.run(request, { ...operation, target: groupTarget(groupId) }, async (write) => {
      write.demand("groups.manage");
      const group = await this.load(write, groupId);
      if (isDynamic(group)) {
        throw conflict(
          `Group '${group.displayName}' has dynamic membership: its members follow its membershipRule and cannot be added or removed by hand.`,
        );
      }
      const user = await this.users.load(write, parseGuid(userId, "userId"));
      write.otherTargets.push(memberTarget(user));
      const store = new GroupStore(write.tx);
      const isMember = await store.isMember(group.id, user.id);
      if (adding && isMember) throw conflict(`${user.userPrincipalName} is already a member of '${group.displayName}'.`);
      if (!adding && !isMember) throw notFound(`Member of group '${group.displayName}'`, user.userPrincipalName);
      await (adding ? store.addMembers(group.id, [user.id]) : store.removeMembers(group.id, [user.id]));
      await write.publish({ kind: "membersChanged", groupId: group.id, userIds: [user.id] });
      write.modifiedProperties.push(memberChange(adding, user));
      return group;
    });
  }

  private async load(write: Write, id: string): Promise<GroupRecord> {
    const group = await new GroupStore(write.tx).findById(parseGuid(id, "id"));
    if (!group) throw notFound("Group", id);
    Object.assign(write.target, { id: group.id, displayName: group.displayName });
    return group;
  }
}

function groupTarget(id: string) {
  return { id, displayName: null, type: "Group", userPrincipalName: null };
}

/** Applies the given fields to a group and checks that the result is a group Entra would accept. */
function applyInput(before: GroupRecord, input: GroupInput): GroupRecord {
  const group: GroupRecord = { ...before };
  if (input.displayName != null) group.displayName = parseDisplayName(input.displayName);
  if (input.description !== undefined) group.description = parseOptionalText(input.description?.replace(/\r?\n/g, " "), "description", 1024);
  if (input.securityEnabled != null) group.securityEnabled = input.securityEnabled;
  if (input.mailEnabled != null) group.mailEnabled = input.mailEnabled;
  if (input.mailNickname !== undefined) group.mailNickname = parseMailNickname(input.mailNickname);
  if (input.membershipRule !== undefined) group.membershipRule = input.membershipRule?.trim() || null;
  group.groupTypes = parseGroupTypes(input.groupTypes ?? null, group);
  if (group.membershipRule) parseMembershipRule(group.membershipRule);
  group.membershipRuleProcessingState = parseProcessingState(input.membershipRuleProcessingState, group);
  if (!group.securityEnabled && !group.mailEnabled) {
    throw badInput("A group must be security-enabled, mail-enabled, or both: set securityEnabled or mailEnabled to true.", { field: "securityEnabled" });
  }
  if (group.mailEnabled && !group.mailNickname) {
    throw badInput("A mail-enabled group needs a mailNickname (e.g. 'sales-team').", { field: "mailNickname" });
  }
  return group;
}

function parseGroupTypes(given: string[] | null, group: GroupRecord): string[] {
  const types = given ?? group.groupTypes.filter((type) => type !== DYNAMIC_MEMBERSHIP);
  const unknown = types.find((type) => !GROUP_TYPES.includes(type));
  if (unknown) throw badInput(`groupTypes '${unknown}' is not known; use ${GROUP_TYPES.join(" or ")}.`, { field: "groupTypes" });
  const saysDynamic = types.includes(DYNAMIC_MEMBERSHIP);
  if (given !== null && saysDynamic && !group.membershipRule) {
    throw badInput("A group with groupTypes DynamicMembership needs a membershipRule.", { field: "membershipRule" });
  }
  if (given !== null && !saysDynamic && group.membershipRule) {
    throw badInput("A membershipRule needs groupTypes to include DynamicMembership (or leave groupTypes out).", { field: "groupTypes" });
  }
  const rest = [...new Set(types.filter((type) => type !== DYNAMIC_MEMBERSHIP))];
  return group.membershipRule ? [...rest, DYNAMIC_MEMBERSHIP] : rest;
}

function parseProcessingState(given: string | null | undefined, group: GroupRecord): MembershipRuleProcessingState | null {
  if (!isDynamic(group)) {
    if (given) throw badInput("membershipRuleProcessingState applies to dynamic groups only.", { field: "membershipRuleProcessingState" });
    return null;
  }
  if (given == null) return group.membershipRuleProcessingState ?? "On";
  if (given === "On" || given === "Paused") return given;
  throw badInput(`membershipRuleProcessingState '${given}' is not valid; use On or Paused.`, { field: "membershipRuleProcessingState" });
}

function parseMailNickname(value: string | null | undefined): string | null {
  const nickname = value?.trim() || null;
  if (nickname !== null && !/^[A-Za-z0-9._-]{1,64}$/.test(nickname)) {
    throw badInput(`mailNickname '${nickname}' may hold only letters, digits, '.', '_' and '-' (at most 64).`, { field: "mailNickname" });
  }
  return nickname;
}
