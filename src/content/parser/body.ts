/**
 * The article body: Markdown (with GitHub's tables, autolinks and task lists) parsed by remark
 * (see markdown.ts) into sections and steps.
 */
import type { Code, Root } from "mdast";
import type { ArticleSection, ArticleStep } from "../model";
import { findErrorCodes } from "./error-codes";
import { collectDefinitions, walkBlocks } from "./mdast-text";
import { parseMarkdown } from "./markdown";
import { prepareBody } from "./prepare-body";
import type { ProblemList } from "./problems";
import { buildSections } from "./sections";

export interface BodySource {
  /** The decoded text of the whole file. */
  text: string;
  /** The header is [headerStart, bodyOffset); text before it (an H1, a comment) belongs to the body. */
  headerStart: number;
  bodyOffset: number;
}

export interface BodyResult {
  sections: ArticleSection[];
  recommendedSteps: ArticleStep[];
  /** Licensing error codes named in the body. */
  errorCodes: string[];
}

export function parseBody(source: BodySource, problems: ProblemList): BodyResult {
  const prepared = prepareBody(withoutHeader(source));
  for (const issue of prepared.issues) problems.add(issue.kind, issue.line, issue.message);
  const tree = parseMarkdown(prepared.text);
  reportUnclosedFences(tree, prepared.text, problems);
  // A definition is `[label]:` (the colon right after the bracket): none without a "]:".
  const definitions = prepared.text.includes("]:") ? collectDefinitions(tree) : new Map<string, string>();
  const { sections, recommendedSteps } = buildSections(tree, prepared.text, definitions);
  return { sections, recommendedSteps, errorCodes: findErrorCodes(articleMarkdown(source)) };
}

/** The whole text with the header replaced by as many line breaks, so Markdown lines are file lines. */
function withoutHeader({ text, headerStart, bodyOffset }: BodySource): string {
  let breaks = 0;
  for (let i = text.indexOf("\n", headerStart); i >= 0 && i < bodyOffset; i = text.indexOf("\n", i + 1)) breaks += 1;
  return text.slice(0, headerStart) + "\n".repeat(breaks) + text.slice(bodyOffset);
}

/** The body as Article.markdown: text before the header (if any), then the text after it. */
export function articleMarkdown({ text, headerStart, bodyOffset }: BodySource): string {
  const before = text.slice(0, headerStart).trim();
  const after = text.slice(bodyOffset).replace(/^(?:[ \t]*\n)+/, "").trimEnd();
  return before === "" ? after : `${before}\n\n${after}`;
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
