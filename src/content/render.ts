/**
 * Markdown to HTML for clients that show articles as they are, safe to put in a page as it is:
 * the HTML goes through an allow-list sanitizer (html-schema.ts), so no author, careless or
 * hostile, can put script, handlers, styles or `javascript:` / `vbscript:` / `data:` URLs in
 * front of a reader. Raw HTML in an article (`<br>`, `<ul>`, `<a href>`, tables: common in
 * real libraries) is parsed as a browser would (rehype-raw, parse5) and sanitized like the rest.
 *
 * The processors are built once per thread; an article's HTML is kept for the next request
 * (up to CACHE_LIMIT articles).
 */
import type { Element, ElementContent, Nodes as HastNodes, Root as HastRoot } from "hast";
import type { Nodes as MdastNodes, Root as MdastRoot } from "mdast";
import rehypeRaw from "rehype-raw";
import rehypeSanitize from "rehype-sanitize";
import rehypeStringify from "rehype-stringify";
import remarkRehype from "remark-rehype";
import { unified } from "unified";
import { ARTICLE_HTML_SCHEMA } from "./html-schema";
import { parseMarkdown } from "./parser/markdown";
import { normalizeUrl } from "./parser/safe-url";

/** URLs as a browser reads them, so that the sanitizer judges the same scheme (`HTTPS:` is https, ` java\tscript:` javascript). */
function normalizeUrls() {
  return (tree: HastRoot) => {
    visitElements(tree, (element) => {
      for (const name of ["href", "src"] as const) {
        const value = element.properties[name];
        if (typeof value === "string") element.properties[name] = normalizeUrl(value);
      }
    });
  };
}

/**
 * Some libraries write a video as `<video><src>URL</src><title>Title</title></video>`, which no
 * browser plays: it becomes a link to the URL (the sanitizer then judges that link like any other).
 */
function videoLinks() {
  return (tree: HastRoot) => {
    visitElements(tree, (element) => {
      if (element.tagName !== "video") return;
      const src = element.children.find((child): child is Element => child.type === "element" && child.tagName === "src");
      if (!src) return;
      const url = textOf(src).trim();
      const title = element.children.find((child): child is Element => child.type === "element" && child.tagName === "title");
      const label = (title && textOf(title).trim()) || url;
      element.tagName = "a";
      element.properties = { href: url };
      element.children = [{ type: "text", value: label }];
    });
  };
}

const toHtml = (raw: boolean) => {
  const base = unified().use(remarkRehype, { allowDangerousHtml: raw });
  return (raw ? base.use(rehypeRaw).use(videoLinks) : base).use(normalizeUrls).use(rehypeSanitize, ARTICLE_HTML_SCHEMA).use(rehypeStringify).freeze();
};

// Without raw HTML in the Markdown, parse5's pass over the whole tree is spared.
const withRawHtml = toHtml(true);
const withoutRawHtml = toHtml(false);

/**
 * The article's Markdown as sanitized HTML. Markdown or raw HTML nested deeper than the
 * renderer's recursion can go (thousands of levels: no real article) is served as its escaped
 * text in a `<pre>` instead of failing the request.
 */
export function articleHtml(markdown: string): string {
  try {
    const tree = parseMarkdown(markdown);
    const processor = placeholdersAsText(tree) ? withRawHtml : withoutRawHtml;
    return processor.stringify(processor.runSync(tree) as HastRoot);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    return `<pre>${escapeHtml(markdown)}</pre>`;
  }
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

const cache = new Map<string, string>();
const CACHE_LIMIT = 2000;

/** articleHtml, kept by `key` (the article's id and content hash). */
export function renderHtml(key: string, markdown: string): string {
  const cached = cache.get(key);
  if (cached !== undefined) return cached;
  const html = articleHtml(markdown);
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
  cache.set(key, html);
  return html;
}

/** Every element name HTML knows, obsolete ones included: a browser makes an element of these. */
const HTML_ELEMENTS = new Set(
  (
    "a abbr address area article aside audio b base bdi bdo blockquote body br button canvas caption cite code col colgroup data " +
    "datalist dd del details dfn dialog div dl dt em embed fieldset figcaption figure footer form h1 h2 h3 h4 h5 h6 head header " +
    "hgroup hr html i iframe img input ins kbd label legend li link main map mark math menu meta meter nav noscript object ol " +
    "optgroup option output p param picture pre progress q rp rt ruby s samp script search section select slot small source span " +
    "strong style sub summary sup svg table tbody td template textarea tfoot th thead time title tr track u ul var video wbr " +
    "acronym applet basefont bgsound big blink center dir font frame frameset image isindex keygen listing marquee menuitem " +
    "multicol nextid nobr noembed noframes plaintext rb rtc spacer strike tt xmp"
  ).split(" "),
);
/** Nodes whose children are blocks: a placeholder there becomes a paragraph. */
const FLOW_PARENTS = new Set(["root", "blockquote", "listItem", "footnoteDefinition"]);
const SINGLE_TAG = /^<\/?([A-Za-z][A-Za-z0-9-]*)(?:\s[^<>]*)?\/?>$/;

/**
 * Turns raw HTML that is only a placeholder written like a tag (`<your-storage-account>`,
 * `<subscription>`: no HTML element) into text, so readers see it instead of a tag the browser
 * would swallow. Returns whether any other raw HTML is left.
 */
function placeholdersAsText(node: MdastNodes | MdastRoot): boolean {
  if (!("children" in node)) return false;
  let raw = false;
  const children = node.children as MdastNodes[];
  for (let i = 0; i < children.length; i += 1) {
    const child = children[i]!;
    if (child.type === "html") {
      const name = SINGLE_TAG.exec(child.value.trim())?.[1];
      if (name !== undefined && !HTML_ELEMENTS.has(name.toLowerCase())) {
        const text = { type: "text", value: child.value.trim() } as const;
        children[i] = (FLOW_PARENTS.has(node.type) ? { type: "paragraph", children: [text] } : text) as MdastNodes;
      } else {
        raw = true;
      }
    } else if (placeholdersAsText(child)) {
      raw = true;
    }
  }
  return raw;
}

function visitElements(node: HastNodes, visit: (element: Element) => void): void {
  if (node.type === "element") visit(node);
  if ("children" in node) for (const child of node.children as ElementContent[]) visitElements(child, visit);
  if (node.type === "element" && node.tagName === "template" && node.content) visitElements(node.content, visit);
}

function textOf(node: HastNodes): string {
  if (node.type === "text") return node.value;
  return "children" in node ? (node.children as HastNodes[]).map(textOf).join("") : "";
}
