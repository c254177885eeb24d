import { type DefaultTreeAdapterMap, parseFragment } from "parse5";

type Node = DefaultTreeAdapterMap["node"];

export interface ParsedElement {
  tagName: string;
  attributes: Record<string, string>;
}

/**
 * Every element of an HTML fragment as a browser parses it where a portal puts an article (in a
 * page's body), template contents included, in document order.
 */
export function htmlElements(html: string): ParsedElement[] {
  const found: ParsedElement[] = [];
  const visit = (node: Node) => {
    if ("tagName" in node) {
      found.push({ tagName: node.tagName, attributes: Object.fromEntries(node.attrs.map((attr) => [attr.name, attr.value])) });
      if (node.tagName === "template" && "content" in node) visit(node.content as Node);
    }
    if ("childNodes" in node) for (const child of node.childNodes) visit(child);
  };
  visit(parseFragment(html));
  return found;
}

/** The scheme of a URL as the WHATWG URL parser reads it (controls and spaces around it, tabs and line breaks in it ignored), lower-cased. */
function schemeOf(value: string): string | null {
  const cleaned = value.replace(/^[\u0000-\u0020]+/, "").replace(/[\t\n\r]/g, "");
  return /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(cleaned)?.[1]?.toLowerCase() ?? null;
}

const SCRIPTABLE_SCHEMES = new Set(["javascript", "vbscript", "data"]);

/** What makes an HTML fragment unsafe to show as it is; empty when there is nothing. */
export function unsafeParts(html: string): string[] {
  const found: string[] = [];
  for (const element of htmlElements(html)) {
    if (["script", "style", "iframe", "object", "embed", "frame", "base", "meta", "link", "form"].includes(element.tagName)) {
      found.push(`<${element.tagName}> element`);
    }
    for (const [name, value] of Object.entries(element.attributes)) {
      if (/^on/i.test(name)) found.push(`${name} handler on <${element.tagName}>`);
      if (name === "style") found.push(`style attribute on <${element.tagName}>`);
      const scheme = schemeOf(value);
      // alt and title are text a browser shows, never follows.
      if (scheme !== null && SCRIPTABLE_SCHEMES.has(scheme) && !["alt", "title"].includes(name)) {
        found.push(`${scheme}: URL in ${name} on <${element.tagName}>`);
      }
      if (name === "srcset" && /(?:^|,)\s*(?:javascript|vbscript|data):/i.test(value)) found.push(`scriptable URL in srcset on <${element.tagName}>`);
    }
  }
  return found;
}
