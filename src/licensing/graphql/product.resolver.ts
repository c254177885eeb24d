import { Arg, Args, Ctx, FieldResolver, Int, Query, Resolver, Root } from "type-graphql";
import { afterNameId, nameIdCursor, PageArgs, pageRequest, toPage, type Page } from "../../common/connection";
import type { RequestContext } from "../../context";
import type { GroupRecord } from "../../directory/model";
import { Group } from "../../directory/graphql/types";
import type { LicensedGroupRecord, LicensedUserRecord } from "../services/product-license.service";
import { processingState, subscribedSku } from "./mappers";
import { licensedUser } from "./product.mappers";
import { LicensedGroup, LicensedGroupConnection, LicensedUser, LicensedUserConnection, LicensedUserFilter, LicenseSummary } from "./product.types";
import { LicenseProcessingState, SubscribedSku } from "./types";

/** A product's licensed users and groups and its error counts, and the tenant's license summary. */
@Resolver(() => SubscribedSku)
export class ProductResolver {
  @FieldResolver(() => LicensedUserConnection, { description: "Users with the SKU from any source, in any state, ordered by displayName: how each holds it and how it fares." })
  async licensedUsers(
    @Root() sku: SubscribedSku,
    @Ctx() ctx: RequestContext,
    @Args(() => PageArgs) page: PageArgs,
    @Arg("filter", () => LicensedUserFilter, { nullable: true, description: "Narrows the list to users with a source of the SKU that matches." }) filter?: LicensedUserFilter | null,
  ): Promise<Page<LicensedUser>> {
    const request = pageRequest(page, ctx.limits.maxPageSize);
    const cursor = afterNameId(request.cursor, request.cursorField);
    const products = ctx.services.licensing.products;
    const criteria = { assignedBy: filter?.assignedBy ?? "ANY", state: filter?.state ?? null };
    const rows = await products.licensedUsers(ctx.caller, sku.skuId, criteria, cursor, request.limit + 1, request.backward);
    return toPage(rows, request, cursor !== null, (row: LicensedUserRecord) => nameIdCursor(row.user), () => products.countLicensedUsers(ctx.caller, sku.skuId, criteria)).map(
      (row) => licensedUser(sku.skuId, row),
    );
  }

  @FieldResolver(() => LicensedGroupConnection, { description: "Groups that assign the SKU, ordered by displayName, with their processing state and members in error." })
  async licensedGroups(@Root() sku: SubscribedSku, @Ctx() ctx: RequestContext, @Args(() => PageArgs) page: PageArgs): Promise<Page<LicensedGroup>> {
    const request = pageRequest(page, ctx.limits.maxPageSize);
    const cursor = afterNameId(request.cursor, request.cursorField);
    const products = ctx.services.licensing.products;
    const rows = await products.licensedGroups(ctx.caller, sku.skuId, cursor, request.limit + 1, request.backward);
    return toPage(rows, request, cursor !== null, (row: LicensedGroupRecord) => nameIdCursor(row.group), () => products.countLicensedGroups(ctx.caller, sku.skuId)).map(
      (row) => ({ group: row.group, skuId: sku.skuId, disabledPlans: row.license?.disabledPlans ?? [], membersInErrorCount: row.membersInError }),
    );
  }

  @FieldResolver(() => Int, { description: "Users with a source of the SKU in error (Error or ActiveWithError)." })
  async usersInErrorCount(@Root() sku: SubscribedSku, @Ctx() ctx: RequestContext): Promise<number> {
    return (await ctx.loaders.errorCountsBySku.load("all")).get(sku.skuId)?.users ?? 0;
  }

  @FieldResolver(() => Int, { description: "Groups with at least one member in error on the SKU from that group." })
  async groupsInErrorCount(@Root() sku: SubscribedSku, @Ctx() ctx: RequestContext): Promise<number> {
    return (await ctx.loaders.errorCountsBySku.load("all")).get(sku.skuId)?.groups ?? 0;
  }

  @Query(() => LicenseSummary, { description: "Every product's units and errors, and the tenant's users and groups in error: a dashboard's one query, in a fixed number of SQL statements." })
  async licenseSummary(@Ctx() ctx: RequestContext): Promise<LicenseSummary> {
    return { products: (await ctx.services.licensing.subscriptions.list(ctx.caller)).map(subscribedSku) };
  }
}

/** The tenant's counts cost their statement only when asked for, once for both. */
@Resolver(() => LicenseSummary)
export class LicenseSummaryResolver {
  @FieldResolver(() => Int, { description: "Users with at least one license in error, whatever the product: each counted once." })
  async usersInErrorCount(@Ctx() ctx: RequestContext): Promise<number> {
    return (await ctx.loaders.tenantErrorCounts.load("all")).users;
  }

  @FieldResolver(() => Int, { description: "Groups with at least one member in error on a license from the group: each counted once." })
  async groupsInErrorCount(@Ctx() ctx: RequestContext): Promise<number> {
    return (await ctx.loaders.tenantErrorCounts.load("all")).groups;
  }
}

@Resolver(() => LicensedUser)
export class LicensedUserResolver {
  @FieldResolver(() => [Group], { description: "The groups the user inherits the SKU from (in whatever state), by displayName." })
  async inheritedFrom(@Root() row: LicensedUser, @Ctx() ctx: RequestContext): Promise<GroupRecord[]> {
    const groups = await ctx.loaders.groupsById.loadMany(row.inheritedFromIds);
    return groups.filter((group): group is GroupRecord => group !== null && !(group instanceof Error)).sort((a, b) => a.displayName.localeCompare(b.displayName));
  }
}

@Resolver(() => LicensedGroup)
export class LicensedGroupResolver {
  @FieldResolver(() => LicenseProcessingState, { nullable: true, description: "How the processing of the group's licenses goes; null if it never ran." })
  async licenseProcessingState(@Root() row: LicensedGroup, @Ctx() ctx: RequestContext): Promise<LicenseProcessingState | null> {
    const processing = await ctx.loaders.processing.load(row.group.id);
    return processing && processingState(processing);
  }
}
