/**
 * The article body: Markdown (with GitHub's tables, autolinks and task lists) parsed by remark
 * into sections and steps. remark and its family are ESM-only; they are imported statically,
 * which the CommonJS build turns into `require()`, supported for ES modules since Node 20.19
 * (as for `jose`), and which jest transforms (see transformIgnorePatterns). A dynamic
 * `import()` would fail under jest without --experimental-vm-modules.
 */
import type { Code, Root } from "mdast";
import { remark } from "remark";
import remarkGfm from "remark-gfm";
import type { ArticleSection, ArticleStep } from "../model";
import { findErrorCodes } from "./error-codes";
import { collectDefinitions, walk } from "./mdast-text";
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

const processor = remark().use(remarkGfm).freeze();

export function parseBody(source: BodySource, problems: ProblemList): BodyResult {
  const prepared = prepareBody(withoutHeader(source));
  for (const issue of prepared.issues) problems.add(issue.kind, issue.line, issue.message);
  const tree = processor.parse(prepared.text);
  reportUnclosedFences(tree, prepared.text, problems);
  const { sections, recommendedSteps } = buildSections(tree, prepared.text, collectDefinitions(tree));
  return { sections, recommendedSteps, errorCodes: findErrorCodes(articleMarkdown(source)) };
}

/** The whole text with the header replaced by as many line breaks, so Markdown lines are file lines. */
function withoutHeader({ text, headerStart, bodyOffset }: BodySource): string {
  const header = text.slice(headerStart, bodyOffset);
  return text.slice(0, headerStart) + header.replace(/[^\n]/g, "") + text.slice(bodyOffset);
}

/** The body as Article.markdown: text before the header (if any), then the text after it. */
export function articleMarkdown({ text, headerStart, bodyOffset }: BodySource): string {
  const before = text.slice(0, headerStart).trim();
  const after = text.slice(bodyOffset).replace(/^(?:[ \t]*\n)+/, "").trimEnd();
  return before === "" ? after : `${before}\n\n${after}`;
}

/** A fenced block whose closing fence is missing runs to the end of its container (often the file). */
function reportUnclosedFences(tree: Root, source: string, problems: ProblemList): void {
  walk(tree, (node) => {
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
