import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from "type-graphql";
import { isAppPermission, type AppPermission as AppPermissionName } from "../../auth/permissions";
import { afterNameId, nameIdCursor, PageArgs, pageRequest, toPage, type Page } from "../../common/connection";
import type { RequestContext } from "../../context";
import { currentReadScope } from "../../db/read-scope";
import type { ServicePrincipalRecord, UserRecord } from "../model";
import { findRole } from "../roles";
import { roleType } from "./user.resolver";
import {
  AppPermission,
  CallerInfo,
  CallerKind,
  CreateServicePrincipalInput,
  GrantedAppPermission,
  ServicePrincipal,
  ServicePrincipalConnection,
} from "./service-principal.types";

@Resolver(() => ServicePrincipal)
export class ServicePrincipalResolver {
  @Query(() => ServicePrincipalConnection, { description: "Applications registered in the directory, ordered by displayName." })
  async servicePrincipals(
    @Ctx() ctx: RequestContext,
    @Args(() => PageArgs) page: PageArgs,
  ): Promise<Page<ServicePrincipalRecord>> {
    const request = pageRequest(page, ctx.limits.maxPageSize);
    const cursor = afterNameId(request.cursor, request.cursorField);
    const rows = await ctx.services.servicePrincipals.list(ctx.caller, cursor, request.limit + 1, request.backward);
    return toPage(rows, request, cursor !== null, nameIdCursor, () => ctx.services.servicePrincipals.count(ctx.caller));
  }

  @Query(() => ServicePrincipal, { nullable: true, description: "A service principal, by id or by appId." })
  servicePrincipal(
    @Ctx() ctx: RequestContext,
    @Arg("id", () => ID, { description: "The service principal's object id.", nullable: true }) id?: string | null,
    @Arg("appId", () => String, { description: "The application (client) id.", nullable: true }) appId?: string | null,
  ): Promise<ServicePrincipalRecord | null> {
    return ctx.services.servicePrincipals.get(ctx.caller, { id, appId });
  }

  @FieldResolver(() => [GrantedAppPermission], { description: "The application permissions granted to it." })
  async appPermissions(@Root() servicePrincipal: ServicePrincipalRecord, @Ctx() ctx: RequestContext): Promise<GrantedAppPermission[]> {
    const grants = await ctx.loaders.appPermissions.load(servicePrincipal.id);
    return grants.flatMap((grant) =>
      isAppPermission(grant.permission) ? [{ permission: grant.permission, value: grant.permission, grantedDateTime: grant.grantedDateTime }] : [],
    );
  }

  @Mutation(() => ServicePrincipal, { description: "Registers an application so its app-only tokens are accepted (Global Administrator)." })
  createServicePrincipal(
    @Ctx() ctx: RequestContext,
    @Arg("input", () => CreateServicePrincipalInput, { description: "The application to register." }) input: CreateServicePrincipalInput,
  ): Promise<ServicePrincipalRecord> {
    return ctx.services.servicePrincipals.create(ctx, input);
  }

  @Mutation(() => ID, { description: "Deletes the service principal (its tokens are refused from then on) and returns its id." })
  async deleteServicePrincipal(@Ctx() ctx: RequestContext, @Arg("id", () => ID, { description: "The service principal's object id." }) id: string): Promise<string> {
    return (await ctx.services.servicePrincipals.delete(ctx, id)).id;
  }

  @Mutation(() => ServicePrincipal, { description: "Grants an application permission to a service principal (Global Administrator)." })
  grantAppPermission(
    @Ctx() ctx: RequestContext,
    @Arg("servicePrincipalId", () => ID, { description: "The service principal." }) servicePrincipalId: string,
    @Arg("permission", () => AppPermission, { description: "The permission to grant." }) permission: AppPermissionName,
  ): Promise<ServicePrincipalRecord> {
    return ctx.services.servicePrincipals.grant(ctx, servicePrincipalId, permission);
  }

  @Mutation(() => ServicePrincipal, { description: "Takes an application permission back from a service principal (Global Administrator)." })
  revokeAppPermission(
    @Ctx() ctx: RequestContext,
    @Arg("servicePrincipalId", () => ID, { description: "The service principal." }) servicePrincipalId: string,
    @Arg("permission", () => AppPermission, { description: "The permission to take back." }) permission: AppPermissionName,
  ): Promise<ServicePrincipalRecord> {
    return ctx.services.servicePrincipals.revoke(ctx, servicePrincipalId, permission);
  }
}

@Resolver(() => CallerInfo)
export class CallerResolver {
  @Query(() => CallerInfo, { nullable: true, description: "Who is calling (a user or an app) and what they may do; null without a token." })
  async caller(@Ctx() ctx: RequestContext): Promise<CallerInfo | null> {
    const caller = ctx.caller;
    if (caller === null) return null;
    const base = { id: caller.id, displayName: caller.displayName, permissions: [...caller.permissions].sort() };
    if (caller.kind === "app") {
      const servicePrincipal: ServicePrincipalRecord | null = await ctx.services.servicePrincipals.findForSignIn(caller.appId).then((app) => app?.servicePrincipal ?? null);
      return { ...base, kind: CallerKind.APP, user: null, servicePrincipal, directoryRoles: [], appPermissions: [...caller.appPermissions] };
    }
    // Read moments ago, when the request signed in; again only if the request has written since.
    const user: UserRecord | null =
      caller.signedInAs && !currentReadScope()?.writing ? caller.signedInAs : await ctx.services.users.findForSignIn({ oid: caller.id, preferredUsername: null });
    const directoryRoles = [...caller.roleTemplateIds].flatMap((id) => {
      const role = findRole(id);
      return role ? [roleType(role)] : [];
    });
    return { ...base, kind: CallerKind.USER, user, servicePrincipal: null, directoryRoles, appPermissions: [] };
  }
}
