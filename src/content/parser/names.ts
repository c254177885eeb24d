/** The header attributes helpgate understands, under their canonical spelling. */
export const CANONICAL_NAMES = [
  "pageTitle",
  "description",
  "service",
  "resource",
  "authors",
  "ms.author",
  "displayOrder",
  "supportTopicIds",
  "selfHelpType",
  "resourceTags",
  "productPesIds",
  "cloudEnvironments",
  "articleId",
  "ownershipId",
  "errorCodes",
] as const;

export type CanonicalName = (typeof CANONICAL_NAMES)[number];

/** Attributes whose value is a comma-separated list. */
export const LIST_NAMES: ReadonlySet<CanonicalName> = new Set([
  "supportTopicIds",
  "productPesIds",
  "cloudEnvironments",
  "errorCodes",
]);

const BY_LOWER_CASE = new Map<string, CanonicalName>(CANONICAL_NAMES.map((name) => [name.toLowerCase(), name]));

/** Misspellings seen in real headers (lower-cased), recovered with a warning. */
const KNOWN_TYPOS = new Map<string, CanonicalName>([
  ["supporttoicids", "supportTopicIds"],
  ["supporttopicid", "supportTopicIds"],
  ["supporttopicsids", "supportTopicIds"],
  ["productpesid", "productPesIds"],
  ["cloudenvironment", "cloudEnvironments"],
  ["cloudenviroments", "cloudEnvironments"],
  ["pagetittle", "pageTitle"],
  ["errorcode", "errorCodes"],
]);

export interface NameMatch {
  name: CanonicalName;
  /** exact: as canonical; case: another letter case; typo: a known misspelling. */
  match: "exact" | "case" | "typo";
}

export function canonicalName(written: string): NameMatch | null {
  const lower = written.toLowerCase();
  const name = BY_LOWER_CASE.get(lower);
  if (name) return { name, match: name === written ? "exact" : "case" };
  const typo = KNOWN_TYPOS.get(lower);
  return typo ? { name: typo, match: "typo" } : null;
}
