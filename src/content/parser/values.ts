/** Attribute values: entities, invisible characters, lists. */

/** A Map, so that `&constructor;` in an article is left as written rather than read as Object.prototype's. */
const NAMED_ENTITIES: ReadonlyMap<string, string> = new Map([
  ["amp", "&"],
  ["lt", "<"],
  ["gt", ">"],
  ["quot", '"'],
  ["apos", "'"],
  ["nbsp", "\u00A0"],
]);

/** Decodes XML character references (`&#xD;`, `&#10;`) and the common named entities; leaves others as written. */
export function decodeEntities(value: string): string {
  if (!value.includes("&")) return value;
  return value.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, body: string) => {
    if (body[0] !== "#") return NAMED_ENTITIES.get(body.toLowerCase()) ?? whole;
    const code = body[1] === "x" || body[1] === "X" ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}

/** What decodeValue changes besides the ends: entities, invisible and no-break spaces, carriage returns. */
const TO_DECODE = /[&\u200B-\u200D\u2060\uFEFF\u00A0\r]/;

/** The value as stored in `properties`: entities decoded, invisible characters dropped, ends trimmed. */
export function decodeValue(raw: string): string {
  if (!TO_DECODE.test(raw)) return raw.trim();
  return decodeEntities(raw)
    .replace(/[\u200B-\u200D\u2060\uFEFF]/g, "")
    .replace(/\u00A0/g, " ")
    .replace(/\r\n?/g, "\n")
    .trim();
}

/** What singleLine changes: white space other than a space, two in a row, or any at an end. */
const NOT_SINGLE_LINE = /[^\S ]| {2}|^ | $/;

/** A one-line field (title, description, ids): every run of whitespace, line breaks included, becomes one space. */
export function singleLine(value: string): string {
  return NOT_SINGLE_LINE.test(value) ? value.replace(/\s+/g, " ").trim() : value;
}

export interface SplitList {
  items: string[];
  /** Empty items dropped, as in `1, ,2` or a trailing comma. */
  empties: number;
}

/** Splits on commas; a value that is empty altogether is an empty list, not an empty item. */
export function splitList(value: string): SplitList {
  if (value.trim() === "") return { items: [], empties: 0 };
  const items: string[] = [];
  let empties = 0;
  for (let start = 0; start <= value.length; ) {
    let end = value.indexOf(",", start);
    if (end < 0) end = value.length;
    const item = singleLine(value.slice(start, end));
    if (item === "") empties += 1;
    else items.push(item);
    start = end + 1;
  }
  return { items, empties };
}

/** Numeric ids and GUIDs are what the support topic catalogue uses. */
export function isUsualTopicId(id: string): boolean {
  return /^[0-9]+$/.test(id) || /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);
}

export const KNOWN_CLOUDS: ReadonlySet<string> = new Set(["public", "fairfax", "mooncake", "usnat", "ussec", "blackforest"]);

/** Without repeats, in order of first occurrence. */
export function unique(values: Iterable<string>): string[] {
  if (!Array.isArray(values) || values.length > 16) return [...new Set(values)];
  // Most lists are short: no Set for them.
  const kept: string[] = [];
  for (const value of values as string[]) if (!kept.includes(value)) kept.push(value);
  return kept;
}
