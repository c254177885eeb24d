/** From raw attributes to the typed header fields of an article. */
import type { RawAttribute } from "./attributes";
import { CANONICAL_INDEX, canonicalName, type CanonicalName, LIST_NAMES } from "./names";
import type { ProblemKind } from "./problems";
import { decodeValue, isUsualTopicId, KNOWN_CLOUDS, singleLine, splitList, unique } from "./values";

export interface HeaderFields {
  /** Every attribute as written (names as in the file, values decoded). */
  properties: Record<string, string>;
  /** Offset of each canonical attribute in the text, for problem lines. */
  offsets: Partial<Record<CanonicalName, number>>;
  articleId: string;
  pageTitle: string;
  description: string;
  service: string;
  resource: string;
  authors: string[];
  msAuthor: string;
  displayOrder: number | null;
  supportTopicIds: string[];
  productPesIds: string[];
  /** Lower-cased. */
  cloudEnvironments: string[];
  selfHelpType: string;
  resourceTags: string;
  ownershipId: string;
  errorCodes: string[];
}

export type Report = (kind: ProblemKind, offset: number, message: string) => void;

interface Canonical {
  /** By position in CANONICAL_NAMES. */
  values: (string | undefined)[];
  offsets: Partial<Record<CanonicalName, number>>;
}

export function buildFields(attributes: RawAttribute[], report: Report): HeaderFields {
  const decoded: string[] = [];
  for (const attribute of attributes) decoded.push(decodeValue(attribute.value));
  const properties = collectProperties(attributes, decoded, report);
  const { values, offsets } = collectCanonical(attributes, decoded, report);
  const value = (name: CanonicalName) => values[CANONICAL_INDEX[name]] ?? "";
  const scalar = (name: CanonicalName) => singleLine(value(name));
  const list = (name: CanonicalName) => listField(name, value(name), offsets[name] ?? 0, report);
  const fields: HeaderFields = {
    properties,
    offsets,
    articleId: scalar("articleId"),
    pageTitle: scalar("pageTitle"),
    description: scalar("description"),
    service: scalar("service"),
    resource: scalar("resource"),
    authors: splitList(value("authors")).items,
    msAuthor: scalar("ms.author"),
    displayOrder: displayOrder(value("displayOrder"), offsets.displayOrder ?? 0, report),
    supportTopicIds: unique(list("supportTopicIds")),
    productPesIds: unique(list("productPesIds")),
    cloudEnvironments: unique(list("cloudEnvironments").map((cloud) => cloud.toLowerCase())),
    selfHelpType: scalar("selfHelpType"),
    resourceTags: scalar("resourceTags"),
    ownershipId: scalar("ownershipId"),
    errorCodes: unique(list("errorCodes")),
  };
  checkFields(fields, report);
  return fields;
}

/** `decoded[i]` is decodeValue(attributes[i].value). */
function collectProperties(attributes: RawAttribute[], decoded: string[], report: Report): Record<string, string> {
  // Without a prototype: an attribute named __proto__ or constructor is kept like any other.
  const properties: Record<string, string> = Object.create(null);
  for (let i = 0; i < attributes.length; i += 1) {
    const { name, offset } = attributes[i]!;
    if (properties[name] !== undefined) report("duplicate-attribute", offset, `attribute '${name}' appears twice; the first is kept`);
    else properties[name] = decoded[i]!;
  }
  return properties;
}

/** Maps names case-insensitively and known typos to canonical names; the first non-empty value wins. */
function collectCanonical(attributes: RawAttribute[], decoded: string[], report: Report): Canonical {
  const values: Canonical["values"] = [];
  const offsets: Canonical["offsets"] = {};
  const otherCase: string[] = [];
  let firstOtherCase = -1;
  for (let i = 0; i < attributes.length; i += 1) {
    const { name: written, offset } = attributes[i]!;
    const match = canonicalName(written);
    if (!match) continue;
    const { name } = match;
    if (match.match === "typo") report("attribute-typo", offset, `'${written}' read as '${name}'`);
    if (match.match === "case") {
      if (otherCase.length === 0) firstOtherCase = offset;
      otherCase.push(`${written} (${name})`);
    }
    const value = decoded[i]!;
    const existing = values[match.index];
    if (existing === undefined || (existing === "" && value !== "")) {
      values[match.index] = value;
      offsets[name] = offset;
    } else if (value !== "" && value !== existing) {
      report("duplicate-attribute", offset, `'${written}' repeats '${name}' with another value; the first is kept`);
    }
  }
  if (otherCase.length > 0) report("attribute-name-case", firstOtherCase, `attribute names in another letter case: ${otherCase.join(", ")}`);
  return { values, offsets };
}

function listField(name: CanonicalName, value: string, offset: number, report: Report): string[] {
  const { items, empties } = splitList(value);
  if (empties > 0 && LIST_NAMES.has(name)) {
    report("empty-list-item", offset, `${name} has ${empties} empty item(s), dropped`);
  }
  return items;
}

function displayOrder(value: string, offset: number, report: Report): number | null {
  const text = singleLine(value);
  if (text === "") return null;
  if (/^-?[0-9]+$/.test(text)) return Number(text);
  report("invalid-display-order", offset, `displayOrder '${text}' is not a whole number, ignored`);
  return null;
}

function checkFields(fields: HeaderFields, report: Report): void {
  const { offsets } = fields;
  if (fields.articleId === "") report("missing-article-id", offsets.articleId ?? -1, "the header has no articleId, or an empty one");
  if (fields.pageTitle === "") report("missing-page-title", offsets.pageTitle ?? -1, "the header has no pageTitle, or an empty one");
  const unusual = fields.supportTopicIds.filter((id) => !isUsualTopicId(id));
  if (unusual.length > 0) {
    report("unusual-support-topic-id", offsets.supportTopicIds ?? -1, `supportTopicIds not numeric nor a GUID: ${unusual.join(", ")}`);
  }
  const unknown = fields.cloudEnvironments.filter((cloud) => !KNOWN_CLOUDS.has(cloud));
  if (unknown.length > 0) {
    report("unknown-cloud", offsets.cloudEnvironments ?? -1, `unknown cloud(s): ${unknown.join(", ")}`);
  }
}
