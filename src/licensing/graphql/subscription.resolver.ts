import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from "type-graphql";
import type { RequestContext } from "../../context";
import { CapabilityStatus } from "./enums";
import { PlanRulesInput, PrepaidUnitsInput } from "./inputs";
import { planRules, subscribedSku } from "./mappers";
import { PlanRules, ProxyAddressConflict, SubscribedSku } from "./types";

@Resolver(() => SubscribedSku)
export class SubscriptionResolver {
  @Query(() => [SubscribedSku], { description: "The products the tenant subscribes to, with seats used and free." })
  async subscribedSkus(@Ctx() ctx: RequestContext): Promise<SubscribedSku[]> {
    return (await ctx.services.licensing.subscriptions.list(ctx.caller)).map(subscribedSku);
  }

  @Query(() => SubscribedSku, { description: "A subscription of the tenant, by skuId or skuPartNumber; null when the tenant has none.", nullable: true })
  async subscribedSku(
    @Ctx() ctx: RequestContext,
    @Arg("skuId", () => ID, { description: "The SKU's id.", nullable: true }) skuId?: string | null,
    @Arg("skuPartNumber", () => String, { description: "The SKU's part number, e.g. ENTERPRISEPACK.", nullable: true }) skuPartNumber?: string | null,
  ): Promise<SubscribedSku | null> {
    const record = await ctx.services.licensing.subscriptions.get(ctx.caller, { skuId, skuPartNumber });
    return record && subscribedSku(record);
  }

  @Mutation(() => SubscribedSku, { description: "Subscribes the tenant to a catalog product (Global Administrator)." })
  async addSubscription(
    @Ctx() ctx: RequestContext,
    @Arg("enabledUnits", () => Int, { description: "How many units to buy." }) enabledUnits: number,
    @Arg("skuId", () => ID, { description: "The product's SKU id; or give skuPartNumber.", nullable: true }) skuId?: string | null,
    @Arg("skuPartNumber", () => String, { description: "The product's part number, e.g. ENTERPRISEPACK; or give skuId.", nullable: true }) skuPartNumber?: string | null,
  ): Promise<SubscribedSku> {
    return subscribedSku(await ctx.services.licensing.subscriptions.add(ctx, { skuId, skuPartNumber }, enabledUnits));
  }

  @Mutation(() => SubscribedSku, {
    description:
      "Changes a subscription's units, or moves it through its lifecycle (Global Administrator). capabilityStatus follows the units; " +
      "licenses already assigned stay whatever the status, and users waiting for a seat are processed again.",
  })
  async updateSubscription(
    @Ctx() ctx: RequestContext,
    @Arg("skuId", () => ID, { description: "The subscription's SKU id." }) skuId: string,
    @Arg("prepaidUnits", () => PrepaidUnitsInput, { description: "The units to set; those left out stay. Applied after capabilityStatus.", nullable: true }) prepaidUnits?: PrepaidUnitsInput | null,
    @Arg("capabilityStatus", () => CapabilityStatus, {
      nullable: true,
      description:
        "A lifecycle step that moves the units: Warning (expire: enabled units enter their grace period), Suspended (cancel: enabled and warning units are suspended), " +
        "LockedOut (every unit locked out), Deleted (no units left), Enabled (renew or reactivate: every unit enabled). Left out, the units alone decide.",
    })
    capabilityStatus?: keyof typeof CapabilityStatus | null,
  ): Promise<SubscribedSku> {
    return subscribedSku(await ctx.services.licensing.subscriptions.update(ctx, skuId, prepaidUnits ?? null, capabilityStatus ?? null));
  }

  @Query(() => PlanRules, { description: "Conflicts, prerequisites, location restrictions and mailbox plans." })
  async planRules(@Ctx() ctx: RequestContext): Promise<PlanRules> {
    return planRules(await ctx.services.licensing.subscriptions.planRules(ctx.caller));
  }

  @Mutation(() => PlanRules, { description: "Replaces the plan rules (Global Administrator); group-licensed users are reprocessed." })
  async setPlanRules(@Ctx() ctx: RequestContext, @Arg("rules", () => PlanRulesInput, { description: "The whole set of rules." }) rules: PlanRulesInput): Promise<PlanRules> {
    const document = {
      mutuallyExclusive: rules.mutuallyExclusive.map((r) => ({ planA: r.planA, planB: r.planB, ...(r.note ? { note: r.note } : {}) })),
      dependencies: rules.dependencies.map((r) => ({ plan: r.plan, requiresAnyOf: r.requiresAnyOf, ...(r.note ? { note: r.note } : {}) })),
      locationRestrictions: rules.locationRestrictions.map((r) => ({ plan: r.plan, countries: r.countries, ...(r.note ? { note: r.note } : {}) })),
      mailboxPlans: rules.mailboxPlans,
    };
    return planRules(await ctx.services.licensing.subscriptions.setPlanRules(ctx, document));
  }

  @Query(() => [ProxyAddressConflict], {
    description: "Proxy addresses held by more than one user, or that a user's new mailbox would collide on.",
  })
  proxyAddressConflicts(@Ctx() ctx: RequestContext): Promise<ProxyAddressConflict[]> {
    return ctx.services.licensing.assignments.proxyAddressConflicts(ctx.caller);
  }
}
