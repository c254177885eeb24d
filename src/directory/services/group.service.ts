import { randomUUID } from "node:crypto";
import type { AuditedWrites, Write, WriteRequest } from "../../audit/audited-writes";
import { modifiedProperties } from "../../audit/diff";
import { demand, type Caller } from "../../auth/permissions";
import type { Database } from "../../db/database";
import { badInput, conflict, notFound } from "../../errors";
import { parseMembershipRule } from "../membership-rule";
import { DYNAMIC_MEMBERSHIP, isDynamic, UNIFIED, type DirectoryObjectRecord, type GroupRecord, type MembershipRuleProcessingState, type UserRecord } from "../model";
import { GroupNestingStore, type MemberKey } from "../stores/group-nesting.store";
import { GroupStore, type GroupFilter } from "../stores/group.store";
import { UserStore } from "../stores/user.store";
import { parseDisplayName, parseGuid, parseOptionalText } from "../validation";
import { memberChange, memberTarget, type DynamicMembership } from "./dynamic-membership";
import { NestedGroups } from "./nested-groups";
import type { UserService } from "./user.service";

/** Who joins or leaves a group: `memberId` (a user's or a group's id) or, as before, `userId`. */
export interface MemberArgument {
  memberId?: string | null;
  userId?: string | null;
}

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
  private readonly nested = new NestedGroups();

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

  /** Groups by id, in no particular order (those that exist), for loaders (the caller's right to read was checked by the parent field). */
  byIds(ids: readonly string[]): Promise<GroupRecord[]> {
    return new GroupStore(this.db.manager).findByIds(ids);
  }

  list(caller: Caller | null, filter: GroupFilter, after: After, limit: number, backward = false): Promise<GroupRecord[]> {
    demand(caller, "directory.read");
    return new GroupStore(this.db.manager).list(filter, after, limit, backward);
  }

  count(caller: Caller | null, filter: GroupFilter): Promise<number> {
    demand(caller, "directory.read");
    return new GroupStore(this.db.manager).count(filter);
  }

  /** Direct members, users and groups, ordered by (displayName, id). */
  members(caller: Caller | null, groupId: string, after: After, limit: number, backward = false): Promise<DirectoryObjectRecord[]> {
    demand(caller, "directory.read");
    return new GroupNestingStore(this.db.manager).members(groupId, after, limit, backward);
  }

  countMembers(caller: Caller | null, groupId: string): Promise<number> {
    demand(caller, "directory.read");
    return new GroupNestingStore(this.db.manager).countMembers(groupId);
  }

  /** Users and groups under the group at any depth, each once. */
  transitiveMembers(caller: Caller | null, groupId: string, after: After, limit: number, backward = false): Promise<DirectoryObjectRecord[]> {
    demand(caller, "directory.read");
    return new GroupNestingStore(this.db.manager).transitiveMembers(groupId, after, limit, backward);
  }

  countTransitiveMembers(caller: Caller | null, groupId: string): Promise<number> {
    demand(caller, "directory.read");
    return new GroupNestingStore(this.db.manager).countTransitiveMembers(groupId);
  }

  /** The groups a user or a group belongs to, directly or through nested groups. */
  transitiveMemberOf(caller: Caller | null, member: MemberKey, after: After, limit: number, backward = false): Promise<GroupRecord[]> {
    demand(caller, "directory.read");
    return new GroupNestingStore(this.db.manager).transitiveMemberOf(member, after, limit, backward);
  }

  countTransitiveMemberOf(caller: Caller | null, member: MemberKey): Promise<number> {
    demand(caller, "directory.read");
    return new GroupNestingStore(this.db.manager).countTransitiveMemberOf(member);
  }

  /** The groups each group is a direct member of, for the group memberOf loader (read right checked by the parent field). */
  parentsOf(groupIds: readonly string[]): Promise<Map<string, GroupRecord[]>> {
    return new GroupNestingStore(this.db.manager).parentsOf(groupIds);
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
      await this.nested.ensureTypeChangeKeepsNesting(write, before, after);
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

  addMember(request: WriteRequest, groupId: string, member: MemberArgument): Promise<GroupRecord> {
    return this.changeMember(request, "Add member to group", groupId, member);
  }

  removeMember(request: WriteRequest, groupId: string, member: MemberArgument): Promise<GroupRecord> {
    return this.changeMember(request, "Remove member from group", groupId, member);
  }

  private changeMember(
    request: WriteRequest,
    activity: "Add member to group" | "Remove member from group",
    groupId: string,
    given: MemberArgument,
  ): Promise<GroupRecord> {
    const adding = activity === "Add member to group";
    const operation = { activityDisplayName: activity, category: "GroupManagement", operationType: adding ? "Add" : "Delete" } as const;
    return this.writes.run(request, { ...operation, target: groupTarget(groupId) }, async (write) => {
      write.demand("groups.manage");
      const member = await this.findMember(write, given);
      // A group's nesting is read and changed under one lock, so that no two writers make a cycle.
      if (member.kind === "Group") await this.nested.lock(write);
      const group = await this.load(write, groupId);
      if (member.kind === "Group") {
        const nested = await this.load(write, member.group.id, false);
        await (adding ? this.nested.add(write, group, nested) : this.nested.remove(write, group, nested));
        return group;
      }
      if (isDynamic(group)) {
        throw conflict(
          `Group '${group.displayName}' has dynamic membership: its members follow its membershipRule and cannot be added or removed by hand.`,
        );
      }
      const user = member.user;
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

  /** The user or group a member argument names: `memberId` may be either (ids are unique across the directory), `userId` a user only. */
  private async findMember(write: Write, given: MemberArgument): Promise<{ kind: "User"; user: UserRecord } | { kind: "Group"; group: GroupRecord }> {
    if (given.memberId != null && given.userId != null) {
      throw badInput("Give memberId or userId, not both: memberId takes a user's or a group's id.", { field: "userId" });
    }
    if (given.userId != null) return { kind: "User", user: await this.users.load(write, parseGuid(given.userId, "userId")) };
    if (given.memberId == null) throw badInput("memberId is required: the id of the user or group to add or remove.", { field: "memberId" });
    const id = parseGuid(given.memberId, "memberId");
    const user = await new UserStore(write.tx).findById(id);
    if (user) return { kind: "User", user };
    const group = await new GroupStore(write.tx).findById(id);
    if (group) return { kind: "Group", group };
    throw notFound("User or group", given.memberId);
  }

  /** The group, read in the write's transaction; as the entry's target unless `asTarget` is false. */
  private async load(write: Write, id: string, asTarget = true): Promise<GroupRecord> {
    const group = await new GroupStore(write.tx).findById(parseGuid(id, "id"));
    if (!group) throw notFound("Group", id);
    if (asTarget) Object.assign(write.target, { id: group.id, displayName: group.displayName });
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
