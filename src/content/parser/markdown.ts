/**
 * Markdown to a syntax tree: what `remark().use(remarkGfm).parse(text)` returns, for less.
 *
 * remark-gfm adds constructs that micromark tries at nearly every word (the e-mail autolink
 * literal starts at any letter or digit and reads the word before it gives up for want of an
 * '@'), at every paragraph (a table head row), and a pass over the finished tree (the autolink
 * literal transform: four tree walks with regular expressions). Most articles cannot use most of
 * them: a construct whose first characters never occur in the text can never match, and leaving
 * it out only spares micromark from trying it. So each text is parsed with remark-gfm's own
 * extension objects, less the constructs it cannot use (see FEATURES), and the transform runs
 * only when some text node could hold an autolink literal. The tree is the same, positions
 * included; the parser tests compare the two on every fixture and on fuzzed articles.
 *
 * If remark-gfm's constructs ever differ from those listed here (an upgrade), every text gets
 * the whole of remark-gfm, as before.
 *
 * remark and its family are ESM-only; they are loaded with `require()`, supported for ES
 * modules since Node 20.19 (as for `jose`), and which jest transforms (see
 * transformIgnorePatterns). A dynamic `import()` would fail under jest without
 * --experimental-vm-modules. They are required at the first parse, not when this module loads:
 * the thread that reads a library's headers at start-up (loader/headers.ts) parses no Markdown,
 * and loading remark, remark-gfm and micromark cost it about 100 ms before its first header.
 */
import type { Nodes, Root } from "mdast";
import type { remark as Remark } from "remark";
import type RemarkGfm from "remark-gfm";
import type { Data } from "unified";

type MicromarkExtension = NonNullable<Data["micromarkExtensions"]>[number];
type MdastExtension = Extract<NonNullable<Data["fromMarkdownExtensions"]>[number], { transforms?: unknown }>;
type Transform = NonNullable<MdastExtension["transforms"]>[number];

interface Feature {
  /** Names of remark-gfm's micromark constructs for this feature. */
  constructs: readonly string[];
  /** A token its mdast extension handles: the extension is needed only with the feature's constructs. */
  token: string;
  /** False only when no construct of the feature can match anywhere in the text. */
  possible: (text: string) => boolean;
}

/**
 * The GFM constructs, and what each needs in the text to ever match (from micromark's GFM
 * extensions: the characters their tokenizers must read before they can succeed).
 */
const FEATURES: readonly Feature[] = [
  // `user@example.org`: needs its '@'.
  { constructs: ["emailAutolink"], token: "literalAutolink", possible: (text) => text.includes("@") },
  // `http://` or `https://`, any letter case.
  { constructs: ["protocolAutolink"], token: "literalAutolink", possible: (text) => /https?:\/\//i.test(text) },
  // `www.`, any letter case.
  { constructs: ["wwwAutolink"], token: "literalAutolink", possible: (text) => /www\./i.test(text) },
  // `[^label]` and `[^label]: text`.
  { constructs: ["gfmFootnoteDefinition", "gfmFootnoteCall", "gfmPotentialFootnoteCall"], token: "gfmFootnoteCall", possible: (text) => text.includes("[^") },
  { constructs: ["strikethrough"], token: "strikethrough", possible: (text) => text.includes("~") },
  // The delimiter row needs a '|', or a ':' against a '-' (`:-`, `-:`) in a one-column table.
  { constructs: ["table"], token: "table", possible: (text) => text.includes("|") || text.includes(":-") || text.includes("-:") },
  // `[ ]`, `[x]`, `[X]` (or a line break between the brackets).
  { constructs: ["tasklistCheck"], token: "taskListCheckValueChecked", possible: (text) => /\[[\s xX]\]/.test(text) },
];

/** The transform turns text like these into links: www. and http(s):// in any case, e-mail addresses. */
const AUTOLINK_TEXT = /https?:\/\/|www\.|@/i;

interface Gfm {
  micromark: MicromarkExtension;
  mdast: MdastExtension[];
}

/** What parseMarkdown needs of a frozen remark processor. */
interface Processor {
  parse(text: string): Root;
}

interface Parsers {
  remark: typeof Remark;
  /** remark with the whole of remark-gfm. */
  full: Processor;
  /** remark-gfm's extensions; null when they are not as FEATURES lists them (then every text gets `full`). */
  gfm: Gfm | null;
  /** A processor per set of usable features (a bit of FEATURES each). */
  subsets: Map<number, Processor>;
}

let parsers: Parsers | null = null;

/** remark and remark-gfm, required at the first parse (see above). */
function loadParsers(): Parsers {
  if (parsers) return parsers;
  const { remark } = require("remark") as typeof import("remark");
  const remarkGfm = (require("remark-gfm") as { default: typeof RemarkGfm }).default;
  const full = remark().use(remarkGfm).freeze();
  const gfm = gfmExtensions(remark().use(remarkGfm).freeze().data());
  const usable = gfm !== null && sameNames(constructNames(gfm.micromark), FEATURES.flatMap((feature) => feature.constructs));
  parsers = { remark, full, gfm: usable ? gfm : null, subsets: new Map() };
  return parsers;
}

/** remark-gfm's extensions, as its plugin registers them on a processor (its data). */
function gfmExtensions(data: Data): Gfm | null {
  const micromark = data.micromarkExtensions;
  const mdast = data.fromMarkdownExtensions;
  if (micromark?.length !== 1 || mdast?.length !== 1 || !Array.isArray(mdast[0])) return null;
  return { micromark: micromark[0]!, mdast: mdast[0] as MdastExtension[] };
}

/** Parses Markdown as remark with remark-gfm does. */
export function parseMarkdown(text: string): Root {
  const { remark, full, gfm, subsets } = loadParsers();
  if (!gfm) return full.parse(text);
  let mask = 0;
  for (let i = 0; i < FEATURES.length; i += 1) if (FEATURES[i]!.possible(text)) mask |= 1 << i;
  let processor = subsets.get(mask);
  if (!processor) {
    processor = subsetProcessor(remark, gfm, mask);
    subsets.set(mask, processor);
  }
  return processor.parse(text);
}

/**
 * A remark processor with remark-gfm's extensions less the constructs of the features not in
 * `mask`, and less the mdast extensions of those features: their handlers only ever see the
 * tokens of the constructs left out (each one still merged into the compiler at every parse).
 */
function subsetProcessor(remark: typeof Remark, extensions: Gfm, mask: number): Processor {
  const omitted = new Set(FEATURES.flatMap((feature, i) => (mask & (1 << i) ? [] : feature.constructs)));
  const micromark = withoutConstructs(extensions.micromark, omitted);
  const used = FEATURES.filter((_, i) => mask & (1 << i));
  const mdast = extensions.mdast
    .filter((extension) => !FEATURES.some((feature) => handles(extension, feature.token)) || used.some((feature) => handles(extension, feature.token)))
    .map((extension) => (handles(extension, "literalAutolink") ? onlyWhenLinkable(extension) : extension));
  return remark().data("micromarkExtensions", [micromark]).data("fromMarkdownExtensions", [mdast]).freeze();
}

/** Whether an mdast extension has a handler for the token. */
function handles(extension: MdastExtension, token: string): boolean {
  return token in (extension.enter ?? {}) || token in (extension.exit ?? {});
}

/** A copy of a micromark extension without the named constructs; everything else (e.g. attentionMarkers) kept in order. */
function withoutConstructs(extension: MicromarkExtension, omitted: ReadonlySet<string>): MicromarkExtension {
  const copy: Record<string, unknown> = {};
  for (const [field, record] of Object.entries(extension)) {
    if (!isRecord(record)) {
      copy[field] = record;
      continue;
    }
    const kept: Record<string, unknown> = {};
    for (const [code, value] of Object.entries(record)) {
      const items = (Array.isArray(value) ? value : [value]).filter((item) => !(isRecord(item) && omitted.has(String(item.name))));
      if (items.length > 0) kept[code] = items;
    }
    copy[field] = kept;
  }
  return copy as MicromarkExtension;
}

/** The autolink literal extension, its transforms run only when a text node could become a link. */
function onlyWhenLinkable(extension: MdastExtension): MdastExtension {
  const transforms = (extension.transforms ?? []).map((transform): Transform => (tree) => (mayHoldAutolink(tree) ? transform(tree) : undefined));
  return { ...extension, transforms };
}

/** Some text node outside links (the transform does not look inside them) has `www.`, `http(s)://` or an '@'. */
function mayHoldAutolink(node: Nodes): boolean {
  if (node.type === "text") return AUTOLINK_TEXT.test(node.value);
  if (node.type === "link" || node.type === "linkReference" || !("children" in node)) return false;
  for (const child of node.children as Nodes[]) if (mayHoldAutolink(child)) return true;
  return false;
}

function constructNames(extension: MicromarkExtension): string[] {
  const names = new Set<string>();
  for (const record of Object.values(extension)) {
    if (!isRecord(record)) continue;
    for (const value of Object.values(record)) {
      for (const item of Array.isArray(value) ? value : [value]) if (isRecord(item)) names.add(String(item.name));
    }
  }
  return [...names];
}

function sameNames(a: string[], b: string[]): boolean {
  return a.length === b.length && new Set([...a, ...b]).size === a.length;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
