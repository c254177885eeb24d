import { isGuid, parseGuid } from "../../directory/validation";
import { badInput } from "../../errors";
import { loadProducts } from "../catalog";
import type { LicenseRequest } from "../engine";

export interface LicenseChangeInput {
  addLicenses?: { skuId: string; disabledPlans?: string[] | null }[] | null;
  removeLicenses?: string[] | null;
}

/**
 * A skuId, as Graph takes it: a GUID. A part number (ENTERPRISEPACK), which a portal or a
 * chatbot often has at hand instead, is refused with the skuId it stands for.
 */
export function parseSkuId(value: string, field: string): string {
  const { skus, byPartNumber } = loadProducts();
  return parseCatalogId(value, field, byPartNumber, (id) => skus.get(id)?.displayName, { name: "a product's part number", id: "skuId", detail: "skuIds" });
}

/** A servicePlanId: a GUID. A servicePlanName (EXCHANGE_S_STANDARD) is refused with the id it stands for. */
export function parseServicePlanId(value: string, field: string): string {
  const { plans, plansByName } = loadProducts();
  return parseCatalogId(value, field, plansByName, (id) => plans.get(id)?.displayName, { name: "a service plan's name", id: "servicePlanId", detail: "servicePlanIds" });
}

/** A GUID; a name of the catalog's (`byName`, upper-cased) is refused with the ids it stands for, named. */
function parseCatalogId(value: string, field: string, byName: ReadonlyMap<string, string[]>, displayName: (id: string) => string | undefined, words: { name: string; id: string; detail: string }): string {
  const ids = isGuid(value.trim()) ? [] : (byName.get(value.trim().toUpperCase()) ?? []);
  if (ids.length > 0) {
    const named = ids.map((id) => `${id} (${displayName(id) ?? id})`).join(" or ");
    throw badInput(`${field} '${value}' is ${words.name}, not its ${words.id}; give the ${words.id}: ${named}.`, { field, [words.detail]: ids });
  }
  return parseGuid(value, field);
}

/** Checks the shape of a license change: GUIDs, no SKU twice, none both added and removed. */
export function parseLicenseChange(input: LicenseChangeInput): { addLicenses: LicenseRequest[]; removeLicenses: string[] } {
  const addLicenses = (input.addLicenses ?? []).map((license, i) => ({
    skuId: parseSkuId(license.skuId, `addLicenses[${i}].skuId`),
    disabledPlans: [...new Set((license.disabledPlans ?? []).map((plan, j) => parseServicePlanId(plan, `addLicenses[${i}].disabledPlans[${j}]`)))],
  }));
  const removeLicenses = (input.removeLicenses ?? []).map((skuId, i) => parseSkuId(skuId, `removeLicenses[${i}]`));
  if (addLicenses.length === 0 && removeLicenses.length === 0) {
    throw badInput("Nothing to change: give addLicenses, removeLicenses or both.", { field: "addLicenses" });
  }
  const added = addLicenses.map((license) => license.skuId);
  const twice = added.find((skuId, i) => added.indexOf(skuId) !== i) ?? removeLicenses.find((skuId, i) => removeLicenses.indexOf(skuId) !== i);
  if (twice) throw badInput(`SKU ${twice} is listed twice; name each SKU once.`, { field: "addLicenses" });
  const both = added.find((skuId) => removeLicenses.includes(skuId));
  if (both) throw badInput(`SKU ${both} is both added and removed; choose one.`, { field: "removeLicenses" });
  return { addLicenses, removeLicenses };
}
