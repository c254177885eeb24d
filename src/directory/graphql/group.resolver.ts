import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from "type-graphql";
import { afterNameId, nameIdCursor, PageArgs, pageRequest, toPage, type Page } from "../../common/connection";
import type { RequestContext } from "../../context";
import type { GroupRecord, UserRecord } from "../model";
import type { GroupFilter as StoreGroupFilter } from "../stores/group.store";
import { CreateGroupInput, GroupFilter, UpdateGroupInput } from "./inputs";
import { Group, GroupConnection, UserConnection } from "./types";

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

  @FieldResolver(() => UserConnection, { description: "Direct members, ordered by displayName." })
  async members(
    @Root() group: GroupRecord,
    @Ctx() ctx: RequestContext,
    @Args(() => PageArgs) page: PageArgs,
  ): Promise<Page<UserRecord>> {
    const request = pageRequest(page, ctx.limits.maxPageSize);
    const cursor = afterNameId(request.cursor, request.cursorField);
    const rows = await ctx.services.groups.members(ctx.caller, group.id, cursor, request.limit + 1, request.backward);
    return toPage(rows, request, cursor !== null, nameIdCursor, () => ctx.services.groups.countMembers(ctx.caller, group.id));
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
