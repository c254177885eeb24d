/**
 * The article body: Markdown (with GitHub's tables, autolinks and task lists) parsed by remark
 * (see markdown.ts) into sections and steps. JSON metadata blocks (see prepare-body.ts) are set
 * apart first: neither the sections nor the body's Markdown hold them.
 */
import type { Code, Root } from "mdast";
import type { ArticleSection, ArticleStep } from "../model";
import { readBodyTextByOffsets } from "./body-text";
import { findErrorCodes } from "./error-codes";
import { collectDefinitions, walkBlocks } from "./mdast-text";
import { parseMarkdown } from "./markdown";
import { type PreparedBody, prepareBody, withoutBlocks } from "./prepare-body";
import type { ProblemList } from "./problems";
import { buildSections } from "./sections";

export interface BodySource {
  /** The decoded text of the whole file. */
  text: string;
  /** The header is [headerStart, bodyOffset); text before it (an H1, a comment) belongs to the body. */
  headerStart: number;
  bodyOffset: number;
  /** 1-based line of bodyOffset. */
  bodyLine: number;
}

/** What the body gives besides its sections: the same for a header-only parse. */
export interface BodyText {
  /** Article.markdown: text before the header (if any), then the text after it, without metadata blocks. */
  markdown: string;
  /** The JSON objects of the metadata blocks, in order. */
  metadata: Record<string, unknown>[];
  /** Licensing error codes named in the body. */
  errorCodes: string[];
}

export interface BodyResult extends BodyText {
  sections: ArticleSection[];
  recommendedSteps: ArticleStep[];
}

export function parseBody(source: BodySource, problems: ProblemList): BodyResult {
  const parts = prepareParts(source);
  for (const issue of [...parts.before.issues, ...parts.after.issues]) problems.add(issue.kind, issue.line, issue.message);
  const prepared = withoutHeader(source, parts);
  const tree = parseMarkdown(prepared);
  reportUnclosedFences(tree, prepared, problems);
  // A definition is `[label]:` (the colon right after the bracket): none without a "]:".
  const definitions = prepared.includes("]:") ? collectDefinitions(tree) : new Map<string, string>();
  const { sections, recommendedSteps } = buildSections(tree, prepared, definitions);
  return { sections, recommendedSteps, ...bodyText(source, parts) };
}

/**
 * The body's Markdown, metadata and error codes, without parsing its Markdown (for header-only
 * parses): found by offsets in the text (body-text.ts), the same as parseBody gives.
 */
export function readBodyText(source: BodySource): BodyText {
  return readBodyTextByOffsets(source);
}

/** The same as readBodyText, the way parseBody finds it: through prepareBody, which also readies the text for Markdown. */
export function preparedBodyText(source: BodySource): BodyText {
  return bodyText(source, prepareParts(source));
}

interface PreparedParts {
  /** The text before the header. */
  before: PreparedBody;
  /** The text after it. */
  after: PreparedBody;
}

/** Each part prepared on its own: a block or a code fence never spans the header. */
function prepareParts({ text, headerStart, bodyOffset, bodyLine }: BodySource): PreparedParts {
  return { before: prepareBody(text.slice(0, headerStart), 1), after: prepareBody(text.slice(bodyOffset), bodyLine) };
}

/** The prepared text with the header replaced by as many line breaks, so Markdown lines are file lines. */
function withoutHeader({ text, headerStart, bodyOffset }: BodySource, parts: PreparedParts): string {
  let breaks = 0;
  for (let i = text.indexOf("\n", headerStart); i >= 0 && i < bodyOffset; i = text.indexOf("\n", i + 1)) breaks += 1;
  return parts.before.text + "\n".repeat(breaks) + parts.after.text;
}

function bodyText({ text, headerStart, bodyOffset }: BodySource, { before, after }: PreparedParts): BodyText {
  const head = withoutBlocks(text.slice(0, headerStart), before.blocks).trim();
  const rest = withoutBlocks(text.slice(bodyOffset), after.blocks).replace(/^(?:[ \t]*\n)+/, "").trimEnd();
  const markdown = head === "" ? rest : `${head}\n\n${rest}`;
  const metadata = [...before.blocks, ...after.blocks].flatMap((block) => (block.json ? [block.json] : []));
  return { markdown, metadata, errorCodes: findErrorCodes(markdown) };
}

/** A fenced block whose closing fence is missing runs to the end of its container (often the file). */
function reportUnclosedFences(tree: Root, source: string, problems: ProblemList): void {
  if (!source.includes("```") && !source.includes("~~~")) return;
  walkBlocks(tree, (node) => {
    if (node.type !== "code" || !node.position) return;
    const { start, end } = node.position;
    const lines = source.slice(start.offset, end.offset).split("\n");
    const fence = /^\s*(`{3,}|~{3,})/.exec(lines[0]!)?.[1];
    if (!fence || isClosingFence(lines[lines.length - 1]!, fence, lines.length)) return;
    const kind = (node as Code).lang ? ` (${(node as Code).lang})` : "";
    problems.add("unclosed-code-fence", start.line, `code block${kind} opened with ${fence} is never closed`);
  });
}

function isClosingFence(line: string, fence: string, lineCount: number): boolean {
  const trimmed = line.replace(/^[\s>]+/, "").trim();
  return lineCount > 1 && trimmed.length >= fence.length && trimmed === fence[0]!.repeat(trimmed.length);
}
