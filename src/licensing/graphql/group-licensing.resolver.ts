import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Resolver, Root } from "type-graphql";
import { decodeCursor, encodeCursor, PageArgs, pageRequest, toPage, type Page } from "../../common/connection";
import type { RequestContext } from "../../context";
import type { GroupRecord, UserRecord } from "../../directory/model";
import { Group, UserConnection } from "../../directory/graphql/types";
import { AssignedLicenseInput } from "./inputs";
import { processingState } from "./mappers";
import { AssignedLicense, LicenseProcessingState } from "./types";

const isIdKey = (value: unknown): value is [string] => Array.isArray(value) && value.length === 1 && typeof value[0] === "string";

/** Licensing on groups: what a group assigns, how its processing goes, who is in error. */
@Resolver(() => Group)
export class GroupLicensingResolver {
  @FieldResolver(() => [AssignedLicense], { description: "The licenses the group gives its members." })
  async assignedLicenses(@Root() group: GroupRecord, @Ctx() ctx: RequestContext): Promise<AssignedLicense[]> {
    return (await ctx.loaders.groupLicenses.load(group.id)).map((license) => ({ skuId: license.skuId, disabledPlans: license.disabledPlans }));
  }

  @FieldResolver(() => LicenseProcessingState, { nullable: true, description: "null for a group that never assigned licenses." })
  async licenseProcessingState(@Root() group: GroupRecord, @Ctx() ctx: RequestContext): Promise<LicenseProcessingState | null> {
    const processing = await ctx.loaders.processing.load(group.id);
    return processing && processingState(processing);
  }

  @FieldResolver(() => Boolean, { description: "true when a member's license from the group is in error." })
  async hasMembersWithLicenseErrors(@Root() group: GroupRecord, @Ctx() ctx: RequestContext): Promise<boolean> {
    return (await ctx.loaders.groupsWithErrors.load("all")).has(group.id);
  }

  @FieldResolver(() => UserConnection, { description: "Users whose license from this group is in error." })
  async membersWithLicenseErrors(
    @Root() group: GroupRecord,
    @Ctx() ctx: RequestContext,
    @Args(() => PageArgs) page: PageArgs,
  ): Promise<Page<UserRecord>> {
    const request = pageRequest(page, ctx.limits.maxPageSize);
    const cursor = decodeCursor(request.cursor, isIdKey, request.cursorField);
    const licensing = ctx.services.licensing.groups;
    const ids = await licensing.erroredUserIds(ctx.caller, group.id, cursor?.[0] ?? null, request.limit + 1, request.backward);
    const users = new Map((await ctx.services.users.byIds(ctx.caller, ids)).map((user) => [user.id, user]));
    const rows = ids.flatMap((id) => users.get(id) ?? []);
    return toPage(rows, request, cursor !== null, (user) => encodeCursor([user.id]), () => licensing.countErroredUsers(ctx.caller, group.id));
  }

  @Mutation(() => Group, {
    description: "Changes the licenses a group assigns. Returns at once with QueuedForProcessing; members are licensed in the background.",
  })
  assignGroupLicense(
    @Ctx() ctx: RequestContext,
    @Arg("groupId", () => ID, { description: "The group." }) groupId: string,
    @Arg("addLicenses", () => [AssignedLicenseInput], { description: "The licenses the group gives, or their new disabled plans.", nullable: true }) addLicenses?: AssignedLicenseInput[] | null,
    @Arg("removeLicenses", () => [ID], { description: "The skuIds the group stops giving.", nullable: true }) removeLicenses?: string[] | null,
  ): Promise<GroupRecord> {
    return ctx.services.licensing.groups.assign(ctx, groupId, { addLicenses, removeLicenses });
  }

  @Mutation(() => Group, { description: "Processes every member's licenses from this group again." })
  reprocessGroupLicenses(@Ctx() ctx: RequestContext, @Arg("groupId", () => ID, { description: "The group." }) groupId: string): Promise<GroupRecord> {
    return ctx.services.licensing.groups.reprocess(ctx, groupId);
  }
}
