import type { GraphQLResolveInfo } from "graphql";
import { Arg, Args, Ctx, FieldResolver, ID, Info, Mutation, Query, Resolver, Root } from "type-graphql";
import { afterNameId, nameIdCursor, PageArgs, pageRequest, toPage, type Page } from "../../common/connection";
import { readAhead, settled } from "../../common/read-ahead";
import type { RequestContext } from "../../context";
import { demand } from "../../auth/permissions";
import { currentReadScope } from "../../db/read-scope";
import type { GroupRecord, UserRecord } from "../model";
import type { UserFilter as StoreUserFilter } from "../stores/user.store";
import { findRole, type DirectoryRoleDefinition } from "../roles";
import { CreateUserInput, UpdateUserInput, UserFilter } from "./inputs";
import { transitiveMemberOf } from "./group.resolver";
import { DirectoryRole, Group, GroupConnection, User, UserConnection } from "./types";

/** Licenses live in the licensing module: it narrows the list by license, the directory lists. */
async function storeFilter(ctx: RequestContext, filter: UserFilter): Promise<StoreUserFilter> {
  const { skuId, hasLicenseErrors, ...own } = filter;
  if (skuId == null && hasLicenseErrors == null) return own;
  return { ...own, ...(await ctx.services.licensing.products.userRestrictions(ctx.caller, { skuId, hasLicenseErrors })) };
}

@Resolver(() => User)
export class UserResolver {
  @Query(() => User, { nullable: true, description: "A user, by id or by userPrincipalName." })
  user(
    @Ctx() ctx: RequestContext,
    @Arg("id", () => ID, { description: "The user's object id.", nullable: true }) id?: string | null,
    @Arg("userPrincipalName", () => String, { description: "The user's sign-in name, e.g. ada@contoso.com (any letter case).", nullable: true }) userPrincipalName?: string | null,
  ): Promise<UserRecord | null> {
    return ctx.services.users.get(ctx.caller, { id, userPrincipalName });
  }

  @Query(() => User, { nullable: true, description: "The signed-in user; null for an app acting on its own (see caller)." })
  async me(@Ctx() ctx: RequestContext): Promise<UserRecord | null> {
    if (ctx.caller?.kind === "app") return null;
    const caller = demand(ctx.caller, "directory.read");
    // Read moments ago, when the request signed in; again only if the request has written since.
    if (caller.kind === "user" && caller.signedInAs && !currentReadScope()?.writing) return caller.signedInAs;
    return ctx.services.users.get(caller, { id: caller.id });
  }

  @Query(() => UserConnection, { description: "Users ordered by displayName." })
  async users(
    @Ctx() ctx: RequestContext,
    @Args(() => PageArgs) page: PageArgs,
    @Arg("filter", () => UserFilter, { description: "Narrows the list; all given conditions must hold.", nullable: true }) filter?: UserFilter | null,
    @Info() info?: GraphQLResolveInfo,
  ): Promise<Page<UserRecord>> {
    const request = pageRequest(page, ctx.limits.maxPageSize);
    const cursor = afterNameId(request.cursor, request.cursorField);
    const criteria = await storeFilter(ctx, filter ?? {});
    const rows = await ctx.services.users.list(ctx.caller, criteria, cursor, request.limit + 1, request.backward);
    const result = toPage(rows, request, cursor !== null, nameIdCursor, () => ctx.services.users.count(ctx.caller, criteria));
    if (info) await readAhead(ctx, info, ["edges", "node"], result.edges.map((edge) => edge.node.id), USER_RELATIONS);
    return result;
  }

  @FieldResolver(() => [String], { description: "Mail addresses: SMTP:primary@domain and smtp:secondary@domain." })
  proxyAddresses(@Root() user: UserRecord, @Ctx() ctx: RequestContext): string[] | Promise<string[]> {
    return settled<string[]>(ctx, "proxyAddresses", user.id) ?? ctx.loaders.proxyAddresses.load(user.id);
  }

  @FieldResolver(() => [Group], { description: "Groups the user is a direct member of." })
  memberOf(@Root() user: UserRecord, @Ctx() ctx: RequestContext): GroupRecord[] | Promise<GroupRecord[]> {
    return settled<GroupRecord[]>(ctx, "memberOf", user.id) ?? ctx.loaders.memberOf.load(user.id);
  }

  @FieldResolver(() => GroupConnection, { description: "Every group the user belongs to, directly or through nested groups, ordered by displayName. Licenses come only from the groups in memberOf." })
  transitiveMemberOf(@Root() user: UserRecord, @Ctx() ctx: RequestContext, @Args(() => PageArgs) page: PageArgs): Promise<Page<GroupRecord>> {
    return transitiveMemberOf(ctx, { kind: "User", id: user.id }, page);
  }

  @FieldResolver(() => [DirectoryRole], { description: "The directory roles assigned to the user." })
  async directoryRoles(@Root() user: UserRecord, @Ctx() ctx: RequestContext): Promise<DirectoryRole[]> {
    const ids = await ctx.loaders.directoryRoles.load(user.id);
    return ids.flatMap((id) => {
      const role = findRole(id);
      return role ? [roleType(role)] : [];
    });
  }

  @Mutation(() => User, { description: "Creates a user (needs users.manage)." })
  createUser(@Ctx() ctx: RequestContext, @Arg("input", () => CreateUserInput, { description: "The new user's properties." }) input: CreateUserInput): Promise<UserRecord> {
    return ctx.services.users.create(ctx, input);
  }

  @Mutation(() => User, { description: "Changes a user's properties; those left out stay." })
  updateUser(
    @Ctx() ctx: RequestContext,
    @Arg("id", () => ID, { description: "The user's object id." }) id: string,
    @Arg("input", () => UpdateUserInput, { description: "The properties to change." }) input: UpdateUserInput,
  ): Promise<UserRecord> {
    return ctx.services.users.update(ctx, id, input);
  }

  @Mutation(() => ID, { description: "Deletes the user and returns its id." })
  async deleteUser(@Ctx() ctx: RequestContext, @Arg("id", () => ID, { description: "The user's object id." }) id: string): Promise<string> {
    return (await ctx.services.users.delete(ctx, id)).id;
  }

  @Mutation(() => User, { description: "Gives a user a directory role (needs roles.manage)." })
  assignDirectoryRole(
    @Ctx() ctx: RequestContext,
    @Arg("userId", () => ID, { description: "The user." }) userId: string,
    @Arg("roleTemplateId", () => ID, { description: "The role, by its template id (see directoryRoles)." }) roleTemplateId: string,
  ): Promise<UserRecord> {
    return ctx.services.roles.assign(ctx, userId, roleTemplateId);
  }

  @Mutation(() => User, { description: "Takes a directory role from a user." })
  removeDirectoryRole(
    @Ctx() ctx: RequestContext,
    @Arg("userId", () => ID, { description: "The user." }) userId: string,
    @Arg("roleTemplateId", () => ID, { description: "The role, by its template id." }) roleTemplateId: string,
  ): Promise<UserRecord> {
    return ctx.services.roles.remove(ctx, userId, roleTemplateId);
  }
}

/**
 * The relations of a user that a page of users reads ahead when the client selects them, with
 * the loader each field resolver uses (here and in licensing's UserLicensingResolver).
 */
const USER_RELATIONS = {
  proxyAddresses: "proxyAddresses",
  memberOf: "memberOf",
  licenseAssignmentStates: "assignments",
  assignedLicenses: "assignments",
  assignedPlans: "assignments",
  licenseDetails: "assignments",
} as const;

export function roleType(role: DirectoryRoleDefinition): DirectoryRole {
  return { id: role.roleTemplateId, ...role };
}
