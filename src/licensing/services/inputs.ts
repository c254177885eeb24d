import { parseGuid } from "../../directory/validation";
import { badInput } from "../../errors";
import type { LicenseRequest } from "../engine";

export interface LicenseChangeInput {
  addLicenses?: { skuId: string; disabledPlans?: string[] | null }[] | null;
  removeLicenses?: string[] | null;
}

/** Checks the shape of a license change: GUIDs, no SKU twice, none both added and removed. */
export function parseLicenseChange(input: LicenseChangeInput): { addLicenses: LicenseRequest[]; removeLicenses: string[] } {
  const addLicenses = (input.addLicenses ?? []).map((license, i) => ({
    skuId: parseGuid(license.skuId, `addLicenses[${i}].skuId`),
    disabledPlans: [...new Set((license.disabledPlans ?? []).map((plan, j) => parseGuid(plan, `addLicenses[${i}].disabledPlans[${j}]`)))],
  }));
  const removeLicenses = (input.removeLicenses ?? []).map((skuId, i) => parseGuid(skuId, `removeLicenses[${i}]`));
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
