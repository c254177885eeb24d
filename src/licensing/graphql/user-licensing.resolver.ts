import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from "type-graphql";
import { settled } from "../../common/read-ahead";
import type { RequestContext } from "../../context";
import type { UserRecord } from "../../directory/model";
import type { AssignmentRecord } from "../model";
import { User } from "../../directory/graphql/types";
import { AssignedLicenseInput } from "./inputs";
import { assignmentState, engineState, licenseProblem, userAssignedLicenses, userAssignedPlans, userLicenseDetails } from "./mappers";
import { AssignedLicense, AssignedPlan, LicenseAssignmentPreview, LicenseAssignmentState, LicenseDetails } from "./types";

/** Licensing on users: the fields Graph gives a user, and direct assignment. */
@Resolver(() => User)
export class UserLicensingResolver {
  @FieldResolver(() => [AssignedLicense], { description: "Held SKUs, one each whatever their sources." })
  async assignedLicenses(@Root() user: UserRecord, @Ctx() ctx: RequestContext): Promise<AssignedLicense[]> {
    return userAssignedLicenses(settled<AssignmentRecord[]>(ctx, "assignments", user.id) ?? (await ctx.loaders.assignments.load(user.id)));
  }

  @FieldResolver(() => [AssignedPlan], { description: "The service plans the user can use, from every license held." })
  async assignedPlans(@Root() user: UserRecord, @Ctx() ctx: RequestContext): Promise<AssignedPlan[]> {
    return userAssignedPlans(settled<AssignmentRecord[]>(ctx, "assignments", user.id) ?? (await ctx.loaders.assignments.load(user.id)));
  }

  @FieldResolver(() => [LicenseAssignmentState], { description: "Every source of every SKU, with its state and error." })
  licenseAssignmentStates(@Root() user: UserRecord, @Ctx() ctx: RequestContext): LicenseAssignmentState[] | Promise<LicenseAssignmentState[]> {
    // At once when a page of users read the rows ahead (common/read-ahead.ts).
    const held = settled<AssignmentRecord[]>(ctx, "assignments", user.id);
    if (held) return held.map(assignmentState);
    return ctx.loaders.assignments.load(user.id).then((records) => records.map(assignmentState));
  }

  @FieldResolver(() => [LicenseDetails], { description: "Each held SKU with its plans and whether each is enabled." })
  async licenseDetails(@Root() user: UserRecord, @Ctx() ctx: RequestContext): Promise<LicenseDetails[]> {
    return userLicenseDetails(user.id, settled<AssignmentRecord[]>(ctx, "assignments", user.id) ?? (await ctx.loaders.assignments.load(user.id)));
  }

  @Mutation(() => User, { description: "Adds and removes a user's direct licenses: all or nothing, refused at once with LICENSE_ASSIGNMENT_FAILED." })
  assignLicense(
    @Ctx() ctx: RequestContext,
    @Arg("userId", () => ID, { description: "The user." }) userId: string,
    @Arg("addLicenses", () => [AssignedLicenseInput], { description: "The licenses to add, or to change the disabled plans of.", nullable: true }) addLicenses?: AssignedLicenseInput[] | null,
    @Arg("removeLicenses", () => [ID], { description: "The skuIds of direct licenses to remove.", nullable: true }) removeLicenses?: string[] | null,
  ): Promise<UserRecord> {
    return ctx.services.licensing.assignments.assign(ctx, userId, { addLicenses, removeLicenses });
  }

  @Query(() => LicenseAssignmentPreview, { description: "The dry run of assignLicense: what would happen, every problem, nothing changed." })
  async previewLicenseAssignment(
    @Ctx() ctx: RequestContext,
    @Arg("userId", () => ID, { description: "The user whose licenses would change." }) userId: string,
    @Arg("addLicenses", () => [AssignedLicenseInput], { description: "The licenses to add, or to change the disabled plans of.", nullable: true }) addLicenses?: AssignedLicenseInput[] | null,
    @Arg("removeLicenses", () => [ID], { description: "The skuIds of direct licenses to remove.", nullable: true }) removeLicenses?: string[] | null,
  ): Promise<LicenseAssignmentPreview> {
    const preview = await ctx.services.licensing.assignments.preview(ctx.caller, userId, { addLicenses, removeLicenses });
    const now = new Date();
    return {
      succeeded: preview.succeeded,
      problems: preview.problems.map(licenseProblem),
      licenseAssignmentStates: preview.licenseAssignmentStates.map((state) => engineState(state, now)),
    };
  }

  @Mutation(() => User, { description: "Runs group-based licensing for the user again, e.g. after fixing the cause of an error." })
  reprocessUserLicenses(@Ctx() ctx: RequestContext, @Arg("userId", () => ID, { description: "The user." }) userId: string): Promise<UserRecord> {
    return ctx.services.licensing.assignments.reprocess(ctx, userId);
  }
}
