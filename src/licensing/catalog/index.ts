import catalogFile from "./catalog.json";
import defaultRules from "./plan-rules.json";
import { isCountryCode } from "../../directory/countries";
import { badInput } from "../../errors";
import type { Catalog, PlanRules, ServicePlan, Sku } from "../engine";

/** Plan rules as people write them: plans by servicePlanName or servicePlanId, with optional notes. */
export interface PlanRulesDocument {
  mutuallyExclusive: { planA: string; planB: string; note?: string }[];
  dependencies: { plan: string; requiresAnyOf: string[]; note?: string }[];
  locationRestrictions: { plan: string; countries: string[]; note?: string }[];
  mailboxPlans: string[];
}

export const DEFAULT_PLAN_RULES: PlanRulesDocument = defaultRules;

export interface Products {
  skus: ReadonlyMap<string, Sku>;
  plans: ReadonlyMap<string, ServicePlan>;
  /** skuPartNumber (upper-cased) → skuIds; a few part numbers name more than one product. */
  byPartNumber: ReadonlyMap<string, string[]>;
  /** servicePlanName (upper-cased) → servicePlanIds. */
  plansByName: ReadonlyMap<string, string[]>;
}

let products: Products | undefined;

/** The product catalog built from Microsoft's table (see build-catalog.ts), loaded once. */
export function loadProducts(): Products {
  if (products) return products;
  const file = catalogFile as unknown as { plans: [string, string, string][]; skus: [string, string, string, number[]][] };
  const plans = new Map(file.plans.map(([servicePlanId, servicePlanName, displayName]) => [servicePlanId, { servicePlanId, servicePlanName, displayName }]));
  const skus = new Map<string, Sku>();
  const byPartNumber = new Map<string, string[]>();
  for (const [skuId, skuPartNumber, displayName, planIndexes] of file.skus) {
    skus.set(skuId, { skuId, skuPartNumber, displayName, appliesTo: "User", servicePlanIds: planIndexes.map((i) => file.plans[i][0]) });
    byPartNumber.set(skuPartNumber.toUpperCase(), [...(byPartNumber.get(skuPartNumber.toUpperCase()) ?? []), skuId]);
  }
  const plansByName = new Map<string, string[]>();
  for (const plan of plans.values()) {
    const key = plan.servicePlanName.toUpperCase();
    plansByName.set(key, [...(plansByName.get(key) ?? []), plan.servicePlanId]);
  }
  products = { skus, plans, byPartNumber, plansByName };
  return products;
}

export function catalogWith(rules: PlanRules): Catalog {
  const { skus, plans } = loadProducts();
  return { skus, plans, rules };
}

/** Resolves a rules document to plan ids, refusing unknown or ambiguous plans and unknown countries. */
export function resolvePlanRules(doc: PlanRulesDocument): PlanRules {
  const plan = (name: string, field: string) => resolvePlan(name, field);
  return {
    mutuallyExclusive: doc.mutuallyExclusive.map((rule, i) => {
      const pair = { planA: plan(rule.planA, `mutuallyExclusive[${i}].planA`), planB: plan(rule.planB, `mutuallyExclusive[${i}].planB`) };
      if (pair.planA === pair.planB) throw badInput(`mutuallyExclusive[${i}] names the same plan twice.`, { field: `mutuallyExclusive[${i}]` });
      return pair;
    }),
    dependencies: doc.dependencies.map((rule, i) => {
      if (rule.requiresAnyOf.length === 0) throw badInput(`dependencies[${i}].requiresAnyOf needs at least one plan.`, { field: `dependencies[${i}].requiresAnyOf` });
      return {
        plan: plan(rule.plan, `dependencies[${i}].plan`),
        requiresAnyOf: rule.requiresAnyOf.map((name, j) => plan(name, `dependencies[${i}].requiresAnyOf[${j}]`)),
      };
    }),
    locationRestrictions: doc.locationRestrictions.map((rule, i) => ({
      plan: plan(rule.plan, `locationRestrictions[${i}].plan`),
      countries: rule.countries.map((country, j) => {
        const code = country.trim().toUpperCase();
        if (!isCountryCode(code)) throw badInput(`locationRestrictions[${i}].countries[${j}] '${country}' is not an ISO 3166-1 alpha-2 country code.`, { field: `locationRestrictions[${i}].countries` });
        return code;
      }),
    })),
    mailboxPlans: doc.mailboxPlans.map((name, i) => plan(name, `mailboxPlans[${i}]`)),
  };
}

export function resolvePlan(nameOrId: string, field: string): string {
  const { plans, plansByName } = loadProducts();
  const key = nameOrId.trim();
  if (plans.has(key.toLowerCase())) return key.toLowerCase();
  const ids = plansByName.get(key.toUpperCase()) ?? [];
  if (ids.length === 1) return ids[0];
  if (ids.length > 1) throw badInput(`${field}: '${key}' names several service plans (${ids.join(", ")}); use a servicePlanId.`, { field });
  throw badInput(`${field}: '${key}' is not a service plan of the catalog; use a servicePlanName such as EXCHANGE_S_STANDARD or a servicePlanId.`, { field });
}
