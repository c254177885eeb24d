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

/** Each name's position in CANONICAL_NAMES. */
export const CANONICAL_INDEX = Object.fromEntries(CANONICAL_NAMES.map((name, i) => [name, i])) as Record<CanonicalName, number>;

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
  readonly name: CanonicalName;
  /** Position of `name` in CANONICAL_NAMES. */
  readonly index: number;
  /** exact: as canonical; case: another letter case; typo: a known misspelling. */
  readonly match: "exact" | "case" | "typo";
}

export function canonicalName(written: string): NameMatch | null {
  const common = COMMON_MATCHES.get(written);
  return common === undefined ? matchName(written) : common;
}

function matchName(written: string): NameMatch | null {
  const lower = written.toLowerCase();
  const name = BY_LOWER_CASE.get(lower);
  if (name) return { name, index: CANONICAL_INDEX[name], match: name === written ? "exact" : "case" };
  const typo = KNOWN_TYPOS.get(lower);
  return typo ? { name: typo, index: CANONICAL_INDEX[typo], match: "typo" } : null;
}

/**
 * Names most headers use, as written (the canonical ones, their lower-case forms, and others seen
 * in many articles), by length: the attribute scanner returns these constants rather than a new
 * string per attribute, so that looking them up (canonicalName, the properties object) finds a
 * string V8 has already hashed and internalized.
 */
const COMMON_NAMES = [
  ...CANONICAL_NAMES,
  ...CANONICAL_NAMES.map((name) => name.toLowerCase()),
  "infoBubbleText",
  "diagnosticScenario",
  "schemaVersion",
  "clientIds",
  "disableclouds",
  "articleTags",
  "authoralias",
];
const COMMON_BY_LENGTH: string[][] = [];
for (const name of new Set(COMMON_NAMES)) (COMMON_BY_LENGTH[name.length] ??= []).push(name);
/** canonicalName's answers for the common names, worked out once. */
const COMMON_MATCHES = new Map<string, NameMatch | null>(COMMON_NAMES.map((name) => [name, matchName(name)]));

/** The common name written at [start, end) of `text`, or null. */
export function commonName(text: string, start: number, end: number): string | null {
  const candidates = COMMON_BY_LENGTH[end - start];
  if (candidates === undefined) return null;
  for (const name of candidates) if (text.startsWith(name, start)) return name;
  return null;
}
