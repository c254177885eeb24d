import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from "type-graphql";
import { afterNameId, nameIdCursor, PageArgs, pageRequest, toPage, type Page } from "../../common/connection";
import type { RequestContext } from "../../context";
import type { DirectoryObjectRecord, GroupRecord } from "../model";
import type { MemberKey } from "../stores/group-nesting.store";
import type { GroupFilter as StoreGroupFilter } from "../stores/group.store";
import { CreateGroupInput, GroupFilter, UpdateGroupInput } from "./inputs";
import { DirectoryObjectConnection } from "./directory-object";
import { Group, GroupConnection } from "./types";

/** License errors live in the licensing module: it names the groups, the directory lists them. */
async function storeFilter(ctx: RequestContext, filter: GroupFilter): Promise<StoreGroupFilter> {
  const { hasMembersWithLicenseErrors, skuId, ...own } = filter;
  const rest = { ...own, ...(await ctx.services.licensing.products.groupRestrictions(ctx.caller, { skuId })) };
  if (hasMembersWithLicenseErrors == null) return rest;
  const ids = await ctx.services.licensing.groups.groupsWithErrors(ctx.caller);
  return hasMembersWithLicenseErrors ? { ...rest, idIn: ids } : { ...rest, idNotIn: ids };
}

@Resolver(() => Group)
export class GroupResolver {
  @Query(() => Group, { description: "A group by id; null when there is none.", nullable: true })
  group(@Ctx() ctx: RequestContext, @Arg("id", () => ID, { description: "The group's object id." }) id: string): Promise<GroupRecord | null> {
    return ctx.services.groups.get(ctx.caller, id);
  }

  @Query(() => GroupConnection, { description: "Groups ordered by displayName." })
  async groups(
    @Ctx() ctx: RequestContext,
    @Args(() => PageArgs) page: PageArgs,
    @Arg("filter", () => GroupFilter, { description: "Narrows the list; all given conditions must hold.", nullable: true }) filter?: GroupFilter | null,
  ): Promise<Page<GroupRecord>> {
    const request = pageRequest(page, ctx.limits.maxPageSize);
    const cursor = afterNameId(request.cursor, request.cursorField);
    const criteria = await storeFilter(ctx, filter ?? {});
    const rows = await ctx.services.groups.list(ctx.caller, criteria, cursor, request.limit + 1, request.backward);
    return toPage(rows, request, cursor !== null, nameIdCursor, () => ctx.services.groups.count(ctx.caller, criteria));
  }

  @FieldResolver(() => DirectoryObjectConnection, {
    description: "Direct members, users and groups, ordered by displayName. Read a member's own fields with `... on User { … }` or `... on Group { … }`.",
  })
  async members(@Root() group: GroupRecord, @Ctx() ctx: RequestContext, @Args(() => PageArgs) page: PageArgs): Promise<Page<DirectoryObjectRecord>> {
    const request = pageRequest(page, ctx.limits.maxPageSize);
    const cursor = afterNameId(request.cursor, request.cursorField);
    const rows = await ctx.services.groups.members(ctx.caller, group.id, cursor, request.limit + 1, request.backward);
    return toPage(rows, request, cursor !== null, nameIdCursor, () => ctx.services.groups.countMembers(ctx.caller, group.id));
  }

  @FieldResolver(() => DirectoryObjectConnection, {
    description:
      "Every user and group under this group: its members, the members of the groups it holds, and so on down, each once, ordered by displayName. Group-based licensing reaches only the direct user members (see members).",
  })
  async transitiveMembers(@Root() group: GroupRecord, @Ctx() ctx: RequestContext, @Args(() => PageArgs) page: PageArgs): Promise<Page<DirectoryObjectRecord>> {
    const request = pageRequest(page, ctx.limits.maxPageSize);
    const cursor = afterNameId(request.cursor, request.cursorField);
    const rows = await ctx.services.groups.transitiveMembers(ctx.caller, group.id, cursor, request.limit + 1, request.backward);
    return toPage(rows, request, cursor !== null, nameIdCursor, () => ctx.services.groups.countTransitiveMembers(ctx.caller, group.id));
  }

  @FieldResolver(() => [Group], { description: "Groups this group is a direct member of, ordered by displayName." })
  memberOf(@Root() group: GroupRecord, @Ctx() ctx: RequestContext): Promise<GroupRecord[]> {
    return ctx.loaders.groupMemberOf.load(group.id);
  }

  @FieldResolver(() => GroupConnection, { description: "Every group this group belongs to, directly or through the groups that hold it, ordered by displayName." })
  async transitiveMemberOf(@Root() group: GroupRecord, @Ctx() ctx: RequestContext, @Args(() => PageArgs) page: PageArgs): Promise<Page<GroupRecord>> {
    return transitiveMemberOf(ctx, { kind: "Group", id: group.id }, page);
  }

  @Mutation(() => Group, { description: "Creates a group (needs groups.manage)." })
  createGroup(@Ctx() ctx: RequestContext, @Arg("input", () => CreateGroupInput, { description: "The new group's properties." }) input: CreateGroupInput): Promise<GroupRecord> {
    return ctx.services.groups.create(ctx, input);
  }

  @Mutation(() => Group, { description: "Changes a group's properties; those left out stay." })
  updateGroup(
    @Ctx() ctx: RequestContext,
    @Arg("id", () => ID, { description: "The group's object id." }) id: string,
    @Arg("input", () => UpdateGroupInput, { description: "The properties to change." }) input: UpdateGroupInput,
  ): Promise<GroupRecord> {
    return ctx.services.groups.update(ctx, id, input);
  }

  @Mutation(() => ID, { description: "Deletes the group and returns its id." })
  async deleteGroup(@Ctx() ctx: RequestContext, @Arg("id", () => ID, { description: "The group's object id." }) id: string): Promise<string> {
    return (await ctx.services.groups.delete(ctx, id)).id;
  }

  @Mutation(() => Group, {
    description:
      "Adds a user or a group to an assigned-membership group, and returns the group. A group may hold groups when it is a security group; a group can't contain itself, directly or through others (CONFLICT, extensions.reason CircularMembership).",
  })
  addGroupMember(
    @Ctx() ctx: RequestContext,
    @Arg("groupId", () => ID, { description: "The group." }) groupId: string,
    @Arg("memberId", () => ID, { nullable: true, description: "The user or group to add, by its id." }) memberId?: string | null,
    @Arg("userId", () => ID, { nullable: true, description: "The user to add.", deprecationReason: "Use memberId, which takes a user's or a group's id." })
    userId?: string | null,
  ): Promise<GroupRecord> {
    return ctx.services.groups.addMember(ctx, groupId, { memberId, userId });
  }

  @Mutation(() => Group, { description: "Removes a user or a group from an assigned-membership group, and returns the group." })
  removeGroupMember(
    @Ctx() ctx: RequestContext,
    @Arg("groupId", () => ID, { description: "The group." }) groupId: string,
    @Arg("memberId", () => ID, { nullable: true, description: "The user or group to remove, by its id." }) memberId?: string | null,
    @Arg("userId", () => ID, { nullable: true, description: "The user to remove.", deprecationReason: "Use memberId, which takes a user's or a group's id." })
    userId?: string | null,
  ): Promise<GroupRecord> {
    return ctx.services.groups.removeMember(ctx, groupId, { memberId, userId });
  }
}

/** A page of the groups a user or a group belongs to at any depth (User.transitiveMemberOf, Group.transitiveMemberOf). */
export async function transitiveMemberOf(ctx: RequestContext, member: MemberKey, page: PageArgs): Promise<Page<GroupRecord>> {
  const request = pageRequest(page, ctx.limits.maxPageSize);
  const cursor = afterNameId(request.cursor, request.cursorField);
  const rows = await ctx.services.groups.transitiveMemberOf(ctx.caller, member, cursor, request.limit + 1, request.backward);
  return toPage(rows, request, cursor !== null, nameIdCursor, () => ctx.services.groups.countTransitiveMemberOf(ctx.caller, member));
}
