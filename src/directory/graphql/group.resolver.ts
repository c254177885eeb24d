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
  @Query(() => Group, { nullable: true })
  group(@Ctx() ctx: RequestContext, @Arg("id", () => ID) id: string): Promise<GroupRecord | null> {
    return ctx.services.groups.get(ctx.caller, id);
  }

  @Query(() => GroupConnection, { description: "Groups ordered by displayName." })
  async groups(
    @Ctx() ctx: RequestContext,
    @Arg("filter", () => GroupFilter, { nullable: true }) filter?: GroupFilter | null,
    @Arg("first", () => Int, { nullable: true }) first?: number | null,
    @Arg("after", () => String, { nullable: true }) after?: string | null,
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
    @Arg("first", () => Int, { nullable: true }) first?: number | null,
    @Arg("after", () => String, { nullable: true }) after?: string | null,
  ): Promise<Page<UserRecord>> {
    const limit = pageSize(first, ctx.limits.maxPageSize);
    const cursor = afterNameId(after);
    const rows = await ctx.services.groups.members(ctx.caller, group.id, cursor, limit + 1);
    return toPage(rows, limit, cursor !== null, nameIdCursor, () => ctx.services.groups.countMembers(ctx.caller, group.id));
  }

  @Mutation(() => Group)
  createGroup(@Ctx() ctx: RequestContext, @Arg("input", () => CreateGroupInput) input: CreateGroupInput): Promise<GroupRecord> {
    return ctx.services.groups.create(ctx, input);
  }

  @Mutation(() => Group)
  updateGroup(
    @Ctx() ctx: RequestContext,
    @Arg("id", () => ID) id: string,
    @Arg("input", () => UpdateGroupInput) input: UpdateGroupInput,
  ): Promise<GroupRecord> {
    return ctx.services.groups.update(ctx, id, input);
  }

  @Mutation(() => ID, { description: "Deletes the group and returns its id." })
  async deleteGroup(@Ctx() ctx: RequestContext, @Arg("id", () => ID) id: string): Promise<string> {
    return (await ctx.services.groups.delete(ctx, id)).id;
  }

  @Mutation(() => Group)
  addGroupMember(
    @Ctx() ctx: RequestContext,
    @Arg("groupId", () => ID) groupId: string,
    @Arg("userId", () => ID) userId: string,
  ): Promise<GroupRecord> {
    return ctx.services.groups.addMember(ctx, groupId, userId);
  }

  @Mutation(() => Group)
  removeGroupMember(
    @Ctx() ctx: RequestContext,
    @Arg("groupId", () => ID) groupId: string,
    @Arg("userId", () => ID) userId: string,
  ): Promise<GroupRecord> {
    return ctx.services.groups.removeMember(ctx, groupId, userId);
  }
}
