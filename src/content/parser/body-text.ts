/**
 * The body's Markdown, metadata and error codes for a header-only parse, found by offsets in the
 * decoded text: no line arrays, no blanked copy of the body for Markdown (which only a full parse
 * reads), no problems (a header-only parse reports the header's alone). It gives exactly what
 * prepare-body.ts's prepareBody and withoutBlocks give through body.ts for a full parse:
 *
 * - a metadata block opens on a line that is `---` once trimmed, outside a code fence, when the
 *   next non-blank line starts with `{`; its JSON runs to the line where the braces balance (or,
 *   unbalanced, to the next `---` line, or the end), and the block to the closing `---` line;
 * - the Markdown is the text without the blocks' lines, a block between two lines of text leaving
 *   one empty line.
 *
 * test/unit/header-only-parse.test.ts checks both agree on every article of the sample and on
 * generated texts.
 */
import type { BodySource, BodyText } from "./body";
import { findErrorCodes } from "./error-codes";

/** A metadata block by offsets: `start` is its first line's start, `end` its last line's end (a "\n", or the text's end). */
interface Block {
  start: number;
  end: number;
  json: Record<string, unknown> | null;
}

const LF = 10;
const TAB = 9;
const SPACE = 32;
const BACKTICK = 96;
const TILDE = 126;
const DASH = 45;
const QUOTE = 34;
const BACKSLASH = 92;

/** What String.prototype.trim removes (the white space and line terminators of /\s/). */
export function isTrimmed(c: number): boolean {
  if (c <= SPACE) return c === SPACE || (c >= TAB && c <= 13);
  if (c < 0xa0) return false;
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

export function readBodyTextByOffsets({ text, headerStart, bodyOffset }: BodySource): BodyText {
  const metadata: Record<string, unknown>[] = [];
  let head = "";
  if (headerStart > 0) {
    const before = text.slice(0, headerStart);
    const blocks = findBlocks(before, 0);
    head = (blocks.length === 0 ? before : withoutBlocks(before, 0, blocks)).trim();
    for (const block of blocks) if (block.json) metadata.push(block.json);
  }
  const blocks = findBlocks(text, bodyOffset);
  for (const block of blocks) if (block.json) metadata.push(block.json);
  const rest = blocks.length === 0 ? trimBody(text, bodyOffset) : trimBody(withoutBlocks(text, bodyOffset, blocks), 0);
  const markdown = head === "" ? rest : `${head}\n\n${rest}`;
  return { markdown, metadata, errorCodes: findErrorCodes(markdown) };
}

/** `text` from `from` without its leading lines of spaces and tabs, and without white space at its end. */
function trimBody(text: string, from: number): string {
  const length = text.length;
  let start = from;
  for (;;) {
    let i = start;
    while (i < length && (text.charCodeAt(i) === SPACE || text.charCodeAt(i) === TAB)) i += 1;
    if (i < length && text.charCodeAt(i) === LF) start = i + 1;
    else break;
  }
  let end = length;
  while (end > start && isTrimmed(text.charCodeAt(end - 1))) end -= 1;
  return start === 0 && end === length ? text : text.slice(start, end);
}

/** The end of the line starting at `start`: its "\n", or the text's end. */
function lineEnd(text: string, start: number): number {
  const end = text.indexOf("\n", start);
  return end < 0 ? text.length : end;
}

/** Whether [start, end) holds only what trim removes. */
function blank(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i += 1) if (!isTrimmed(text.charCodeAt(i))) return false;
  return true;
}

/** Whether the line [start, end) is `---` once trimmed. */
function isRule(text: string, start: number, end: number): boolean {
  let i = start;
  while (i < end && isTrimmed(text.charCodeAt(i))) i += 1;
  if (i + 3 > end || text.charCodeAt(i) !== DASH || text.charCodeAt(i + 1) !== DASH || text.charCodeAt(i + 2) !== DASH) return false;
  return blank(text, i + 3, end);
}

/** Whether the first character after `from` that trim would not remove is `{`. */
function nextNonBlankIsBrace(text: string, from: number): boolean {
  let i = from;
  while (i < text.length && isTrimmed(text.charCodeAt(i))) i += 1;
  return i < text.length && text.charCodeAt(i) === 0x7b;
}

/**
 * The lines that can change what the scan below does (all others are text to it): a fence, or a
 * line that is `---` once trimmed. `^` also matches after U+2028 and U+2029, which do not end a
 * line here: such a match makes the scan look at a line that may be neither, which it then skips.
 */
const FENCE_OR_RULE = /^[ \t]*(?:`{3}|~{3})|^[^\S\n]*---[^\S\n]*$/gm;

/** The metadata blocks of the part of `text` that starts at `from` (a line start, or where the header ended) and runs to its end. */
function findBlocks(text: string, from: number): Block[] {
  const blocks: Block[] = [];
  if (text.indexOf("---", from) < 0) return blocks;
  const length = text.length;
  let fence = 0;
  let fenceLength = 0;
  // The first line is looked at whatever it holds: it may start after the header, where `^` does not match.
  let start = from;
  for (;;) {
    const end = lineEnd(text, start);
    let next = end + 1;
    // A fence: spaces and tabs, then three or more backticks or tildes.
    let marker = start;
    while (marker < end && (text.charCodeAt(marker) === SPACE || text.charCodeAt(marker) === TAB)) marker += 1;
    const ch = text.charCodeAt(marker);
    let run = 0;
    if (ch === BACKTICK || ch === TILDE) {
      let i = marker;
      while (i < end && text.charCodeAt(i) === ch) i += 1;
      if (i - marker >= 3) run = i - marker;
    }
    if (fence !== 0) {
      if (run > 0 && ch === fence && run >= fenceLength && blank(text, marker + run, end)) fence = 0;
    } else if (run > 0) {
      fence = ch;
      fenceLength = run;
    } else if (end < length && isRule(text, start, end) && nextNonBlankIsBrace(text, end + 1)) {
      const block = readBlock(text, start, end);
      blocks.push(block);
      next = block.end + 1;
    }
    if (next > length) return blocks;
    FENCE_OR_RULE.lastIndex = next;
    if (!FENCE_OR_RULE.test(text)) return blocks;
    // The line holding the match (which holds no line break); `next - 1` is a line break.
    start = text.lastIndexOf("\n", FENCE_OR_RULE.lastIndex - 1) + 1;
  }
}

/** The block whose `---` line is [open, openEnd); the next line exists. */
function readBlock(text: string, open: number, openEnd: number): Block {
  const length = text.length;
  const jsonStart = openEnd + 1;
  const balanced = jsonEnd(text, jsonStart);
  const rule = nextRule(text, (balanced ?? openEnd) + 1, balanced !== null);
  const jsonStop = balanced ?? (rule === null ? length : Math.max(jsonStart, rule - 1));
  const json = readJson(text.slice(jsonStart, jsonStop));
  const last = rule === null ? (balanced ?? length) : lineEnd(text, rule);
  return { start: open, end: last, json };
}

/** Where braces and strings open and close; and, in a string, its end or an escape. */
const STRUCTURE = /["{}[\]]/g;
const IN_STRING = /["\\]/g;

/**
 * The end of the line where the braces opened from `from` balance again (a non-blank line), or
 * null: at each line's end, the depth of the braces and brackets (strings and their escapes
 * skipped) is at most 0 on a non-blank line. While the depth is above 0 no line's end matters, so
 * the scan jumps from one quote, brace or bracket to the next; below that it goes one character
 * at a time.
 */
function jsonEnd(text: string, from: number): number | null {
  const length = text.length;
  let depth = 0;
  let inString = false;
  let lineStart = from;
  let c = from;
  while (c < length) {
    if (depth > 0) {
      const next = inString ? IN_STRING : STRUCTURE;
      next.lastIndex = c;
      if (!next.test(text)) return null;
      c = next.lastIndex - 1;
      const ch = text.charCodeAt(c);
      c += 1;
      if (inString) {
        if (ch === BACKSLASH) c += 1;
        else inString = false;
      } else if (ch === QUOTE) inString = true;
      else if (ch === 0x7b || ch === 0x5b) depth += 1;
      // Falling to 0 or below, the scan goes on one character at a time; `lineStart` may be an
      // earlier line's, which only matters to `blank`, and this line, holding the brace, is not.
      else depth -= 1;
      continue;
    }
    const ch = text.charCodeAt(c);
    if (ch === LF) {
      if (!blank(text, lineStart, c)) return c;
      lineStart = c + 1;
    } else if (inString) {
      // An escape skips the next character of its line.
      if (ch === BACKSLASH && text.charCodeAt(c + 1) !== LF) c += 1;
      else if (ch === QUOTE) inString = false;
    } else if (ch === QUOTE) inString = true;
    else if (ch === 0x7b || ch === 0x5b) depth += 1;
    else if (ch === 0x7d || ch === 0x5d) depth -= 1;
    c += 1;
  }
  return depth <= 0 && !blank(text, lineStart, length) ? length : null;
}

/** The start of the next `---` line from the line at `from` (none past the end); with `adjacent`, only blank lines may come before it. */
function nextRule(text: string, from: number, adjacent: boolean): number | null {
  const length = text.length;
  for (let start = from; start <= length; ) {
    const end = lineEnd(text, start);
    if (isRule(text, start, end)) return start;
    if (adjacent && !blank(text, start, end)) return null;
    start = end + 1;
  }
  return null;
}

function readJson(json: string): Record<string, unknown> | null {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return null;
  }
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

/**
 * The part of `text` from `from` without the blocks' lines, as prepare-body.ts's withoutBlocks
 * gives it: the kept lines joined, an empty line where a block stood between two non-blank lines.
 */
function withoutBlocks(text: string, from: number, blocks: readonly Block[]): string {
  const length = text.length;
  const kept: string[] = [];
  /** The last kept line's [start, end), or null when the last kept is an added empty line or nothing is kept. */
  let lastLine: [number, number] | null = null;
  let next = from;
  for (const block of blocks) {
    if (block.start > next) {
      kept.push(text.slice(next, block.start - 1));
      const lastStart = block.start - 1 > next ? text.lastIndexOf("\n", block.start - 2) + 1 : next;
      lastLine = [Math.max(lastStart, next), block.start - 1];
    }
    next = block.end + 1;
    if (lastLine !== null && next <= length && !blank(text, lastLine[0], lastLine[1]) && !blank(text, next, lineEnd(text, next))) {
      kept.push("");
      lastLine = null;
    }
  }
  if (next <= length) kept.push(text.slice(next));
  return kept.join("\n");
}
