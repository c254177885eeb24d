import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import { rolesGranting, type Caller, type Permission } from "../../auth/permissions";
import { findRole } from "../../directory/roles";
import { roleRequired, unauthenticated } from "../../errors";
import { loadProducts } from "../../licensing/catalog";
import { skuIdOf } from "../assistant.service";
import type { McpContext } from "./context";
import { answer, guarded } from "./results";
import { groupOut, groupShape, userOut, userShape } from "./shapes";

const USER_ARG = z.string().max(320).describe("The user's userPrincipalName (e.g. emma.wilson@contoso.com) or object id; a display name (Emma Wilson) is taken when exactly one user has it.");
const SKU_LIST = z.array(z.string().max(64)).max(20).default([]).describe("SKU ids or part numbers (e.g. ENTERPRISEPACK).");
const licenseShape = z.object({ skuId: z.string(), skuPartNumber: z.string(), source: z.string().describe("direct, or the id of the group it comes from."), state: z.string(), error: z.string().nullable() });


/**
 * The tools that change licensing, offered only with MCP_WRITE_TOOLS=true. Each calls the same
 * service as its GraphQL mutation, so it is checked, refused and audited the same way.
 */
export function registerWriteTools(server: McpServer, ctx: McpContext): void {
  const { assistant, licensing } = ctx.services;
  const request = { caller: ctx.caller, requestId: ctx.requestId };

  server.registerTool(
    "reprocess_user_licenses",
    {
      title: "Reprocess a user's licenses",
      description: "Queues the user's group-based licenses for processing again, e.g. after fixing a cause. Needs License Administrator, User Administrator, Directory Writers or Global Administrator.",
      inputSchema: { user: USER_ARG },
      outputSchema: { user: userShape, queued: z.boolean() },
      annotations: { destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    guarded(async ({ user }) => {
      demandRole(ctx.caller, "licenses.manage", "reprocess_user_licenses");
      const found = await assistant.findUser(ctx.caller, user);
      await licensing.assignments.reprocess(request, found.id);
      return answer(`Queued **${found.displayName}**'s group-based licenses for processing again; diagnose them again in a moment to see the outcome.`, {
        user: userOut(found),
        queued: true,
      });
    }, ctx.onInternal),
  );

  server.registerTool(
    "reprocess_group_licenses",
    {
      title: "Reprocess a group's licenses",
      description: "Queues every member of the group for license processing again. Needs License Administrator, User Administrator, Groups Administrator, Directory Writers or Global Administrator.",
      inputSchema: { groupId: z.string().max(64).describe("The group's object id.") },
      outputSchema: { group: groupShape, queued: z.boolean() },
      annotations: { destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    guarded(async ({ groupId }) => {
      demandRole(ctx.caller, "groupLicenses.manage", "reprocess_group_licenses");
      const group = await licensing.groups.reprocess(request, groupId.trim());
      return answer(`Queued the members of **${group.displayName}** for license processing again.`, { group: groupOut(group), queued: true });
    }, ctx.onInternal),
  );

  server.registerTool(
    "assign_license",
    {
      title: "Assign or remove licenses",
      description:
        "Adds and removes directly assigned licenses of a user, all or nothing, as assignLicense does; refused with the licensing error when a rule forbids it " +
        "(run preview_license_assignment first). Removing a license takes the user's service away. Needs License Administrator, User Administrator, Directory Writers or Global Administrator.",
      inputSchema: { user: USER_ARG, addLicenses: SKU_LIST, removeLicenses: SKU_LIST },
      outputSchema: { user: userShape, added: z.array(z.string()), removed: z.array(z.string()), licenses: z.array(licenseShape) },
      annotations: { destructiveHint: true, idempotentHint: false, openWorldHint: false },
    },
    guarded(async ({ user, addLicenses, removeLicenses }) => {
      demandRole(ctx.caller, "licenses.manage", "assign_license");
      const found = await assistant.findUser(ctx.caller, user);
      const add = addLicenses.map((ref, i) => skuIdOf(ref, `addLicenses[${i}]`));
      const remove = removeLicenses.map((ref, i) => skuIdOf(ref, `removeLicenses[${i}]`));
      await licensing.assignments.assign(request, found.id, { addLicenses: add.map((skuId) => ({ skuId })), removeLicenses: remove });
      const { skus } = loadProducts();
      const partNumber = (skuId: string) => skus.get(skuId)?.skuPartNumber ?? skuId;
      const states = (await licensing.assignments.assignmentsOf([found.id])).get(found.id) ?? [];
      const licenses = states.map((s) => ({ skuId: s.skuId, skuPartNumber: partNumber(s.skuId), source: s.source, state: s.state, error: s.error }));
      const text = [
        `Changed **${found.displayName}**'s licenses${add.length ? `: added ${add.map(partNumber).join(", ")}` : ""}${remove.length ? `${add.length ? ";" : ":"} removed ${remove.map(partNumber).join(", ")}` : ""}.`,
        "",
        "Licenses now:",
        ...licenses.map((l) => `- ${l.skuPartNumber} (${l.source === "direct" ? "direct" : `group ${l.source}`}): ${l.state}${l.error ? ` (${l.error})` : ""}`),
      ].join("\n");
      return answer(text, { user: userOut(found), added: add, removed: remove, licenses });
    }, ctx.onInternal),
  );
}

/** Refuses before any work a caller whose roles lack the permission, naming the roles that grant it. */
function demandRole(caller: Caller | null, permission: Permission, tool: string): void {
  if (caller === null) throw unauthenticated("Sign in first: send 'Authorization: Bearer <token>'.");
  if (caller.permissions.has(permission)) return;
  const roles = rolesGranting(permission).map((id) => findRole(id)?.displayName ?? id);
  throw roleRequired(`${tool} needs one of these directory roles: ${roles.join(", ")}.`);
}
