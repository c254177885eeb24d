import type { GraphQLResolveInfo } from "graphql";
import { Arg, Args, Ctx, FieldResolver, ID, Info, Mutation, Query, Resolver, Root } from "type-graphql";
import { afterNameId, nameIdCursor, PageArgs, pageRequest, toPage, type Page } from "../../common/connection";
import { readAhead, settled } from "../../common/read-ahead";
import type { RequestContext } from "../../context";
import { demand } from "../../auth/permissions";
import type { GroupRecord, UserRecord } from "../model";
import { findRole, type DirectoryRoleDefinition } from "../roles";
import { CreateUserInput, UpdateUserInput, UserFilter } from "./inputs";
import { DirectoryRole, Group, User, UserConnection } from "./types";

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
    const rows = await ctx.services.users.list(ctx.caller, filter ?? {}, cursor, request.limit + 1, request.backward);
    const result = toPage(rows, request, cursor !== null, nameIdCursor, () => ctx.services.users.count(ctx.caller, filter ?? {}));
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
