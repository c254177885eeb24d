import type { RawAttribute } from "./attributes";

/** YAML front matter (`---` lines at the very top), the other header style an article may use. */
export interface FrontMatter {
  attributes: RawAttribute[];
  /** Offset just after the closing `---` (before its line break). */
  end: number;
}

export type FrontMatterResult = { ok: true; frontMatter: FrontMatter } | { ok: false; line: number; message: string };

const OPENING = /^---[ \t]*(?:yaml|yml)?[ \t]*\n/;
const CLOSING = /^---[ \t]*$/m;

/** Null when the text does not start with front matter. */
export function readFrontMatter(text: string): FrontMatterResult | null {
  const opening = OPENING.exec(text);
  if (!opening) return null;
  const rest = text.slice(opening[0].length);
  // `---` followed by `{` is an embedded JSON block, which articles put after their header.
  if (rest.trimStart().startsWith("{")) return null;
  const closing = CLOSING.exec(rest);
  if (!closing) return { ok: false, line: 1, message: "front matter opened with '---' is never closed" };
  const lineEnd = text.indexOf("\n", opening[0].length + closing.index);
  const end = lineEnd < 0 ? text.length : lineEnd;
  try {
    // Passing options also keeps gray-matter from caching every file it has seen.
    const data = grayMatter()(text.slice(0, end), { language: "yaml" }).data;
    return { ok: true, frontMatter: { attributes: toAttributes(data, text), end } };
  } catch (error) {
    const line = (error as { mark?: { line?: number } }).mark?.line;
    return { ok: false, line: line === undefined ? 1 : line + 2, message: `front matter is not valid YAML: ${firstLine(error)}` };
  }
}

/**
 * gray-matter, loaded on the first file with front matter: with its YAML parser (and the
 * JavaScript parser that YAML's full schema loads) it costs about 60 ms to load, on the start-up
 * path of every thread that reads headers, while libraries seldom write front matter.
 */
function grayMatter(): typeof import("gray-matter") {
  return require("gray-matter") as typeof import("gray-matter");
}

function toAttributes(data: Record<string, unknown>, text: string): RawAttribute[] {
  return Object.entries(data).map(([name, value]) => ({ name, value: asText(value), offset: keyOffset(text, name) }));
}

/** Lists become comma-separated, as they are in `<properties>`; dates become YYYY-MM-DD. */
function asText(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (Array.isArray(value)) return value.map(asText).join(", ");
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

function keyOffset(text: string, name: string): number {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const match = new RegExp(`^[ \\t]*["']?${escaped}["']?[ \\t]*:`, "m").exec(text);
  return match ? match.index : 0;
}

function firstLine(error: unknown): string {
  return String(error instanceof Error ? error.message : error).split("\n")[0]!;
}
