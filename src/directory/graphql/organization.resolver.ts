import { Arg, Ctx, Mutation, Query, Resolver } from "type-graphql";
import type { RequestContext } from "../../context";
import type { OrganizationRecord } from "../model";
import { UpdateOrganizationInput } from "./inputs";
import { DirectoryRole, Organization } from "./types";
import { roleType } from "./user.resolver";

@Resolver(() => Organization)
export class OrganizationResolver {
  @Query(() => Organization, { description: "The tenant helpgate manages." })
  organization(@Ctx() ctx: RequestContext): Promise<OrganizationRecord> {
    return ctx.services.organization.get(ctx.caller);
  }

  @Query(() => [DirectoryRole], { description: "The built-in roles that can be assigned with assignDirectoryRole." })
  directoryRoles(@Ctx() ctx: RequestContext): DirectoryRole[] {
    return ctx.services.roles.list(ctx.caller).map(roleType);
  }

  @Mutation(() => Organization, { description: "Changes the organization's name or defaultUsageLocation (needs organization.manage)." })
  updateOrganization(
    @Ctx() ctx: RequestContext,
    @Arg("input", () => UpdateOrganizationInput, { description: "The properties to change." }) input: UpdateOrganizationInput,
  ): Promise<OrganizationRecord> {
    return ctx.services.organization.update(ctx, input);
  }
}
