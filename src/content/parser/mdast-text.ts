/** Plain text and links out of Markdown syntax trees. */
import { decodeNamedCharacterReference } from "decode-named-character-reference";
import type { Definition, Nodes, Root } from "mdast";
import type { ArticleLink } from "../model";
import { isScriptableUrl } from "./safe-url";

const BLOCK_TYPES = new Set(["paragraph", "heading", "list", "listItem", "blockquote", "code", "table", "tableRow", "thematicBreak"]);

/**
 * The text a reader sees: blocks on their own lines (mdast-util-to-string would glue
 * "step one" and its nested "detail" into "step onedetail"), HTML tags dropped.
 */
export function plainText(node: Nodes): string {
  return collapse(textOf(node));
}

function textOf(node: Nodes): string {
  switch (node.type) {
    case "text":
    case "inlineCode":
    case "code":
      return node.value;
    case "break":
      return "\n";
    case "html":
      return "";
    case "image":
    case "imageReference":
      return node.alt ?? "";
  }
  if (!("children" in node)) return "";
  const children = node.children as Nodes[];
  if (node.type === "tableRow") return children.map(textOf).join(" | ");
  return children.map(textOf).join(children.some((child) => BLOCK_TYPES.has(child.type)) ? "\n" : "");
}

/** Spaces collapsed within lines, blank lines dropped. */
function collapse(text: string): string {
  return text
    .split("\n")
    .map((line) => line.replace(/[ \t\u00A0]+/g, " ").trim())
    .filter((line) => line !== "")
    .join("\n");
}

export type Definitions = ReadonlyMap<string, string>;

/** Link reference definitions (`[id]: url`) by normalised label. */
export function collectDefinitions(tree: Root): Definitions {
  const definitions = new Map<string, string>();
  walkBlocks(tree, (node) => {
    if (node.type === "definition") definitions.set(normalizeLabel((node as Definition).identifier), (node as Definition).url);
  });
  return definitions;
}

/**
 * Markdown links, resolved reference links and autolinks in document order, then HTML anchors
 * found in `source` (the node's Markdown: an inline `<a href>` is split over several HTML nodes).
 * Links a browser would run (`javascript:`, `vbscript:`, `data:`: see safe-url.ts) are left out.
 */
export function collectLinks(node: Nodes, definitions: Definitions, source: string): ArticleLink[] {
  return allLinks(node, definitions, source).filter((link) => !isScriptableUrl(link.url));
}

function allLinks(node: Nodes, definitions: Definitions, source: string): ArticleLink[] {
  const links: ArticleLink[] = [];
  walk(node, (child) => {
    if (child.type === "link") links.push({ text: plainText(child), url: child.url });
    else if (child.type === "linkReference") {
      const url = definitions.get(normalizeLabel(child.identifier));
      if (url !== undefined) links.push({ text: plainText(child), url });
    }
  });
  if (source.includes("<a") || source.includes("<A")) links.push(...htmlAnchors(source));
  return links;
}

function htmlAnchors(html: string): ArticleLink[] {
  const anchors: ArticleLink[] = [];
  const pattern = /<a\s[^>]*?href\s*=\s*(["'])(.*?)\1[^>]*>([\s\S]*?)<\/a>/gi;
  for (const match of html.matchAll(pattern)) {
    anchors.push({ url: decodeEntities(match[2]!), text: collapse(decodeEntities(match[3]!.replace(/<[^>]*>/g, ""))) });
  }
  return anchors;
}

/** Character references as HTML reads them (`&amp;`, `&#x3A;`, `&#58;`); unknown names kept as written. */
function decodeEntities(text: string): string {
  if (!text.includes("&")) return text;
  return text.replace(/&(?:#[xX]([0-9a-fA-F]{1,6})|#([0-9]{1,7})|([A-Za-z][A-Za-z0-9]{1,31}));?/g, (whole, hex?: string, decimal?: string, name?: string) => {
    if (name !== undefined) {
      const decoded = decodeNamedCharacterReference(name);
      return decoded === false ? whole : decoded;
    }
    const code = hex !== undefined ? Number.parseInt(hex, 16) : Number(decimal);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : "\uFFFD";
  });
}

function normalizeLabel(label: string): string {
  return label.toLowerCase().replace(/\s+/g, " ").trim();
}

/** Depth-first, parents before children. */
export function walk(node: Nodes, visit: (node: Nodes) => void): void {
  visit(node);
  if ("children" in node) for (const child of node.children as Nodes[]) walk(child, visit);
}

/** Nodes whose children are inline (phrasing) content, or rows of it: no block can be inside. */
const INLINE_PARENTS = new Set(["paragraph", "heading", "table"]);

/**
 * Like walk, without going into paragraphs, headings and tables: for block nodes (code blocks,
 * definitions), which only blocks (the root, quotes, lists, footnote definitions) contain.
 */
export function walkBlocks(node: Nodes, visit: (node: Nodes) => void): void {
  visit(node);
  if ("children" in node && !INLINE_PARENTS.has(node.type)) for (const child of node.children as Nodes[]) walkBlocks(child, visit);
}
