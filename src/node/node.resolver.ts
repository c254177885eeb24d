import { Arg, Ctx, ID, Query, Resolver } from "type-graphql";
import { auditType } from "../audit/graphql/audit.resolver";
import { can, demand } from "../auth/permissions";
import type { RequestContext } from "../context";
import { badInput } from "../errors";
import { subscribedSku } from "../licensing/graphql/mappers";
import { asNode, Node } from "./node";

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Finds the object a bare id names. helpgate's ids are GUIDs, unique across the directory,
 * so the types are tried in a fixed order, each through its own service and with its own
 * permission: user, group, service principal, subscribed SKU, then the audit log (only for a
 * caller who may read it; for others an audit entry's id reads as unknown). Anything that is
 * not a GUID, or that no type holds, is null.
 */
async function findNode(ctx: RequestContext, given: string): Promise<object | null> {
  const caller = demand(ctx.caller, "directory.read");
  if (!GUID.test(given)) return null;
  const id = given.toLowerCase();
  const user = await ctx.services.users.get(caller, { id });
  if (user) return asNode("User", user);
  const group = await ctx.services.groups.get(caller, id);
  if (group) return asNode("Group", group);
  const servicePrincipal = await ctx.services.servicePrincipals.get(caller, { id });
  if (servicePrincipal) return asNode("ServicePrincipal", servicePrincipal);
  const subscription = await ctx.services.licensing.subscriptions.get(caller, { skuId: id });
  if (subscription) return asNode("SubscribedSku", subscribedSku(subscription));
  if (can(caller, "audit.read")) {
    const entry = await ctx.services.audit.get(caller, id);
    if (entry) return asNode("DirectoryAudit", auditType(entry));
  }
  return null;
}

@Resolver()
export class NodeResolver {
  @Query(() => Node, {
    nullable: true,
    description:
      "Any object with an id (Relay): a user, group, service principal, subscribed SKU or audit entry; null for an id none has. Needs directory.read, and audit.read for audit entries.",
  })
  node(@Ctx() ctx: RequestContext, @Arg("id", () => ID, { description: "The object's id, as its own query takes it." }) id: string): Promise<object | null> {
    return findNode(ctx, id);
  }

  @Query(() => [Node], {
    nullable: "items",
    description: "Several objects by id, in the order asked; null in the place of an id none has. At most MAX_PAGE_SIZE ids.",
  })
  nodes(@Ctx() ctx: RequestContext, @Arg("ids", () => [ID], { description: "The objects' ids." }) ids: string[]): Promise<(object | null)[]> {
    if (ids.length > ctx.limits.maxPageSize) {
      throw badInput(`nodes takes at most ${ctx.limits.maxPageSize} ids; got ${ids.length}. Ask in several calls.`, { field: "ids" });
    }
    return Promise.all(ids.map((id) => findNode(ctx, id)));
  }
}
