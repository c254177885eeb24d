/**
 * Which URLs an article may point readers at. In HTML (render.ts): links to http, https and
 * mailto targets, images from http and https, and relative targets (`guide.md`, `/docs`,
 * `#fragment`, `?q`); no other scheme. Step links, which are data a client renders its own way,
 * keep other schemes (portals' `data-blade:` links) but never a scriptable one: `javascript:`,
 * `vbscript:`, `data:`.
 */

export const LINK_PROTOCOLS: readonly string[] = ["http", "https", "mailto"];
export const IMAGE_PROTOCOLS: readonly string[] = ["http", "https"];

// The WHATWG URL parser drops leading and trailing C0 controls and spaces, and tabs and line
// breaks anywhere: "java\tscript:" and " javascript:" are javascript: URLs to a browser.
const EDGE_CONTROLS = /^[\u0000-\u0020]+|[\u0000-\u0020]+$/g;
const TAB_OR_NEWLINE = /[\t\n\r]/g;
const SCHEME = /^([a-zA-Z][a-zA-Z0-9+.-]*):/;

/** The URL as a browser reads it: controls stripped as above, its scheme in lower case. */
export function normalizeUrl(url: string): string {
  const cleaned = url.replace(EDGE_CONTROLS, "").replace(TAB_OR_NEWLINE, "");
  const scheme = SCHEME.exec(cleaned)?.[1];
  return scheme ? scheme.toLowerCase() + cleaned.slice(scheme.length) : cleaned;
}

/**
 * Whether the (normalized) URL is relative or uses one of the protocols. A colon after the first
 * `/`, `?` or `#` does not make a scheme (`docs/a:b`, `?t=10:30`); any other colon does, so a
 * target a browser might read with a scheme of its own is refused.
 */
export function hasSafeProtocol(url: string, protocols: readonly string[]): boolean {
  const colon = url.indexOf(":");
  if (colon < 0) return true;
  const boundary = url.search(/[/?#]/);
  if (boundary >= 0 && boundary < colon) return true;
  const scheme = url.slice(0, colon);
  return protocols.includes(scheme);
}

const SCRIPTABLE_SCHEMES: readonly string[] = ["javascript", "vbscript", "data"];

/** Whether a browser would run or load something from this URL itself: a javascript:, vbscript: or data: URL. */
export function isScriptableUrl(url: string): boolean {
  const normalized = normalizeUrl(url);
  const scheme = SCHEME.exec(normalized)?.[1];
  return scheme !== undefined && SCRIPTABLE_SCHEMES.includes(scheme);
}
