import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from "type-graphql";
import { afterNameId, nameIdCursor, pageSize, toPage, type Page } from "../../common/connection";
import type { RequestContext } from "../../context";
import type { GroupRecord, UserRecord } from "../model";
import type { GroupFilter as StoreGroupFilter } from "../stores/group.store";
import { CreateGroupInput, GroupFilter, UpdateGroupInput } from "./inputs";
import { Group, GroupConnection, UserConnection } from "./types";

/** License errors live in the licensing module: it names the groups, the directory lists them. */
async function storeFilter(ctx: RequestContext, filter: GroupFilter): Promise<StoreGroupFilter> {
  const { hasMembersWithLicenseErrors, ...rest } = filter;
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
    @Arg("filter", () => GroupFilter, { description: "Narrows the list; all given conditions must hold.", nullable: true }) filter?: GroupFilter | null,
    @Arg("first", () => Int, { description: "How many items to return from the start of the list (or after `after`): 1 to MAX_PAGE_SIZE, 50 by default.", nullable: true }) first?: number | null,
    @Arg("after", () => String, { description: "Returns the items after this cursor: a pageInfo.endCursor or edge cursor this list returned.", nullable: true }) after?: string | null,
  ): Promise<Page<GroupRecord>> {
    const limit = pageSize(first, ctx.limits.maxPageSize);
    const cursor = afterNameId(after);
    const criteria = await storeFilter(ctx, filter ?? {});
    const rows = await ctx.services.groups.list(ctx.caller, criteria, cursor, limit + 1);
    return toPage(rows, limit, cursor !== null, nameIdCursor, () => ctx.services.groups.count(ctx.caller, criteria));
  }

  @FieldResolver(() => UserConnection, { description: "Direct members, ordered by displayName." })
  async members(
    @Root() group: GroupRecord,
    @Ctx() ctx: RequestContext,
    @Arg("first", () => Int, { description: "How many items to return from the start of the list (or after `after`): 1 to MAX_PAGE_SIZE, 50 by default.", nullable: true }) first?: number | null,
    @Arg("after", () => String, { description: "Returns the items after this cursor: a pageInfo.endCursor or edge cursor this list returned.", nullable: true }) after?: string | null,
  ): Promise<Page<UserRecord>> {
    const limit = pageSize(first, ctx.limits.maxPageSize);
    const cursor = afterNameId(after);
    const rows = await ctx.services.groups.members(ctx.caller, group.id, cursor, limit + 1);
    return toPage(rows, limit, cursor !== null, nameIdCursor, () => ctx.services.groups.countMembers(ctx.caller, group.id));
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

  @Mutation(() => Group, { description: "Adds a user to an assigned-membership group, and returns the group." })
  addGroupMember(
    @Ctx() ctx: RequestContext,
    @Arg("groupId", () => ID, { description: "The group." }) groupId: string,
    @Arg("userId", () => ID, { description: "The user to add." }) userId: string,
  ): Promise<GroupRecord> {
    return ctx.services.groups.addMember(ctx, groupId, userId);
  }

  @Mutation(() => Group, { description: "Removes a user from an assigned-membership group, and returns the group." })
  removeGroupMember(
    @Ctx() ctx: RequestContext,
    @Arg("groupId", () => ID, { description: "The group." }) groupId: string,
    @Arg("userId", () => ID, { description: "The user to remove." }) userId: string,
  ): Promise<GroupRecord> {
    return ctx.services.groups.removeMember(ctx, groupId, userId);
  }
}
