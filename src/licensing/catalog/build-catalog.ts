import fs from "node:fs";
import path from "node:path";
import { parse } from "csv-parse/sync";

/**
 * Turns Microsoft's public "product names and service plan identifiers" CSV into the compact
 * catalog helpgate loads at start (catalog.json beside this file):
 *
 *   npm run catalog -- path/to/product-service-plans.csv
 *
 * Rows are deduplicated, GUIDs lower-cased, names trimmed with inner runs of white space folded;
 * where the CSV spells one product or plan in several ways, the most frequent spelling wins.
 */
const COLUMNS = ["Product_Display_Name", "String_Id", "GUID", "Service_Plan_Name", "Service_Plan_Id", "Service_Plans_Included_Friendly_Names"];
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface CatalogFile {
  source: string;
  /** [servicePlanId, servicePlanName, displayName] */
  plans: [string, string, string][];
  /** [skuId, skuPartNumber, displayName, indexes into plans] */
  skus: [string, string, string, number[]][];
}

const clean = (value: string | undefined) => (value ?? "").replace(/\s+/g, " ").trim();

/** Counts the spellings of each key's value and keeps the most frequent. */
class Spellings {
  private readonly counts = new Map<string, Map<string, number>>();

  add(key: string, spelling: string): void {
    if (!spelling) return;
    const counts = this.counts.get(key) ?? new Map<string, number>();
    counts.set(spelling, (counts.get(spelling) ?? 0) + 1);
    this.counts.set(key, counts);
  }

  best(key: string): string {
    const counts = [...(this.counts.get(key) ?? new Map<string, number>())];
    counts.sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    return counts[0]?.[0] ?? "";
  }
}

export function buildCatalog(csv: string, source: string): CatalogFile {
  const rows: Record<string, string>[] = parse(csv, { columns: true, bom: true, skip_empty_lines: true, relax_column_count: true });
  const missing = COLUMNS.filter((column) => rows.length > 0 && !(column in rows[0]));
  if (missing.length > 0) throw new Error(`the CSV lacks the column(s) ${missing.join(", ")}`);
  const skuParts = new Spellings();
  const skuNames = new Spellings();
  const planNames = new Spellings();
  const planFriendly = new Spellings();
  const skuPlans = new Map<string, Set<string>>();
  for (const row of rows) {
    const skuId = clean(row.GUID).toLowerCase();
    const planId = clean(row.Service_Plan_Id).toLowerCase();
    if (!GUID.test(skuId) || !GUID.test(planId)) continue;
    skuParts.add(skuId, clean(row.String_Id));
    skuNames.add(skuId, clean(row.Product_Display_Name));
    planNames.add(planId, clean(row.Service_Plan_Name));
    planFriendly.add(planId, clean(row.Service_Plans_Included_Friendly_Names));
    skuPlans.set(skuId, (skuPlans.get(skuId) ?? new Set()).add(planId));
  }
  const planIds = [...new Set([...skuPlans.values()].flatMap((plans) => [...plans]))].sort();
  const index = new Map(planIds.map((id, i) => [id, i]));
  return {
    source,
    plans: planIds.map((id) => [id, planNames.best(id), planFriendly.best(id) || planNames.best(id)]),
    skus: [...skuPlans.keys()]
      .sort((a, b) => skuParts.best(a).localeCompare(skuParts.best(b)) || a.localeCompare(b))
      .map((skuId) => [skuId, skuParts.best(skuId), skuNames.best(skuId), [...skuPlans.get(skuId)!].map((id) => index.get(id)!).sort((a, b) => a - b)]),
  };
}

if (require.main === module) {
  const input = process.argv[2];
  if (!input) {
    process.stderr.write("usage: npm run catalog -- <product-service-plans.csv>\n");
    process.exit(1);
  }
  const catalog = buildCatalog(fs.readFileSync(input, "utf8"), path.basename(input));
  // Written into the source tree (not dist/), where it is committed.
  const target = path.resolve(__dirname, "..", "..", "..", "..", "src", "licensing", "catalog", "catalog.json");
  fs.writeFileSync(target, `${JSON.stringify(catalog)}\n`);
  process.stdout.write(`wrote ${catalog.skus.length} products and ${catalog.plans.length} service plans to ${target}\n`);
}
