/**
 * Line-level repairs before Markdown parsing, each keeping line numbers: JSON blocks between
 * `---` lines (form definitions, advisor metadata: authors' e-mail addresses, routing data) are
 * blanked, otherwise the closing `---` would turn the whole JSON into a setext heading; `#Heading`
 * gets its missing space.
 *
 * The blocks are metadata, not text for readers: they are returned apart (`blocks`), so that no
 * body a reader gets (markdown, html, sections, steps, search) holds them.
 */
import type { ProblemKind } from "./problems";

export interface BodyIssue {
  kind: ProblemKind;
  line: number;
  message: string;
}

/** A JSON block between `---` lines: its lines (0-based, in the input, both `---` included) and its JSON. */
export interface MetadataBlock {
  first: number;
  last: number;
  /** The parsed JSON when it is an object; null when it does not parse or is not an object. */
  json: Record<string, unknown> | null;
}

export interface PreparedBody {
  /** Same lines as the input; JSON blocks are empty lines. */
  text: string;
  issues: BodyIssue[];
  blocks: MetadataBlock[];
}

const FENCE = /^[ \t]*(`{3,}|~{3,})/;
const HEADING_WITHOUT_SPACE = /^( {0,3}#{1,6})(?=[^\s#])/;

/**
 * Whether some line could need a repair: a `#Heading`, or a `---` line whose next non-blank line
 * starts with `{`. A superset of the lines the loop below changes (which also skips code
 * blocks), so that most texts, with neither, are returned as they are without splitting them.
 */
const MAY_NEED_REPAIR = /^ {0,3}#{1,6}[^\s#]|^[^\S\n]*---[^\S\n]*\n\s*\{/m;

/** `firstLine` is the 1-based line of the text's first line in the file. */
export function prepareBody(text: string, firstLine = 1): PreparedBody {
  if (!MAY_NEED_REPAIR.test(text)) return { text, issues: [], blocks: [] };
  const lines = text.split("\n");
  const issues: BodyIssue[] = [];
  const blocks: MetadataBlock[] = [];
  let fence: string | null = null;
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i]!;
    const marker = FENCE.exec(line)?.[1];
    if (fence !== null) {
      if (marker && marker[0] === fence[0] && marker.length >= fence.length && line.trim() === marker) fence = null;
    } else if (marker) {
      fence = marker;
    } else if (opensJsonBlock(lines, i)) {
      const block = blankJsonBlock(lines, i, firstLine, issues);
      blocks.push(block);
      i = block.last;
    } else if (HEADING_WITHOUT_SPACE.test(line)) {
      lines[i] = line.replace(HEADING_WITHOUT_SPACE, "$1 ");
      issues.push({ kind: "heading-without-space", line: firstLine + i, message: "heading without a space after '#'" });
    }
  }
  return { text: lines.join("\n"), issues, blocks };
}

/**
 * The text without the blocks' lines; the other lines as they are. A block between two lines of
 * text leaves an empty line, so that they stay apart as in the blanked text the parser reads.
 */
export function withoutBlocks(text: string, blocks: readonly MetadataBlock[]): string {
  if (blocks.length === 0) return text;
  const lines = text.split("\n");
  const kept: string[] = [];
  let next = 0;
  for (const block of blocks) {
    kept.push(...lines.slice(next, block.first));
    next = block.last + 1;
    const before = kept[kept.length - 1];
    const after = lines[next];
    if (before !== undefined && after !== undefined && before.trim() !== "" && after.trim() !== "") kept.push("");
  }
  kept.push(...lines.slice(next));
  return kept.join("\n");
}

function opensJsonBlock(lines: string[], i: number): boolean {
  if (lines[i]!.trim() !== "---") return false;
  const next = lines.slice(i + 1).find((line) => line.trim() !== "");
  return next !== undefined && next.trimStart().startsWith("{");
}

/** Blanks from the opening `---` to the closing one; returns the block (its last line is the last blanked). */
function blankJsonBlock(lines: string[], open: number, firstLine: number, issues: BodyIssue[]): MetadataBlock {
  const balanced = jsonEnd(lines, open + 1);
  const rule = nextRule(lines, (balanced ?? open) + 1, balanced !== null);
  const jsonLast = balanced ?? (rule === null ? lines.length - 1 : rule - 1);
  const json = readJson(lines.slice(open + 1, jsonLast + 1).join("\n"), firstLine + open + 1, issues);
  if (rule === null) {
    issues.push({ kind: "unclosed-json-block", line: firstLine + open, message: "JSON block after '---' has no closing '---'" });
  }
  const last = rule ?? jsonLast;
  for (let j = open; j <= last; j += 1) lines[j] = "";
  return { first: open, last, json };
}

/** The next `---` line from `from`; with `adjacent`, only blank lines may come before it. */
function nextRule(lines: string[], from: number, adjacent: boolean): number | null {
  for (let i = from; i < lines.length; i += 1) {
    const line = lines[i]!.trim();
    if (line === "---") return i;
    if (adjacent && line !== "") return null;
  }
  return null;
}

/** Index of the line where the braces opened after `from` balance again, or null. */
function jsonEnd(lines: string[], from: number): number | null {
  let depth = 0;
  let inString = false;
  for (let i = from; i < lines.length; i += 1) {
    const line = lines[i]!;
    for (let c = 0; c < line.length; c += 1) {
      const ch = line[c];
      if (inString) {
        if (ch === "\\") c += 1;
        else if (ch === '"') inString = false;
      } else if (ch === '"') inString = true;
      else if (ch === "{" || ch === "[") depth += 1;
      else if (ch === "}" || ch === "]") depth -= 1;
    }
    if (depth <= 0 && line.trim() !== "") return i;
  }
  return null;
}

/** The block's JSON when it is an object; a problem when it does not parse. */
function readJson(json: string, line: number, issues: BodyIssue[]): Record<string, unknown> | null {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    issues.push({ kind: "invalid-embedded-json", line, message: `embedded JSON does not parse: ${reason}` });
    return null;
  }
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}
