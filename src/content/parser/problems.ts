import type { ArticleProblem, ProblemSeverity } from "../model";

/**
 * The kinds of problem the parser reports. Errors are defects an author must fix; warnings are
 * oddities the parser recovered from.
 */
export const PROBLEM_SEVERITY = {
  "missing-header": "error",
  "unclosed-header": "error",
  "missing-article-id": "error",
  "duplicate-article-id": "error",
  "unclosed-quote": "error",
  "non-utf8": "error",
  "invalid-front-matter": "error",
  "unreadable-file": "error",
  "internal-error": "error",
  "utf16": "warning",
  "repeated-bom": "warning",
  "header-not-at-top": "warning",
  "text-after-header": "warning",
  "stray-character": "warning",
  "invisible-character": "warning",
  "attribute-without-value": "warning",
  "duplicate-attribute": "warning",
  "attribute-name-case": "warning",
  "attribute-typo": "warning",
  "empty-list-item": "warning",
  "unusual-support-topic-id": "warning",
  "unknown-cloud": "warning",
  "invalid-display-order": "warning",
  "missing-page-title": "warning",
  "heading-without-space": "warning",
  "unclosed-code-fence": "warning",
  "unclosed-json-block": "warning",
  "invalid-embedded-json": "warning",
} as const satisfies Record<string, ProblemSeverity>;

export type ProblemKind = keyof typeof PROBLEM_SEVERITY;

/** Collects the problems of one file. */
export class ProblemList {
  readonly items: ArticleProblem[] = [];

  constructor(readonly file: string) {}

  /** Messages are kept to one line: the CLI prints one problem per line. */
  add(kind: ProblemKind, line: number, message: string): void {
    const oneLine = message.replace(/\s+/g, " ").trim();
    this.items.push({ file: this.file, line, kind, severity: PROBLEM_SEVERITY[kind], message: oneLine });
  }

  get hasErrors(): boolean {
    return this.items.some((problem) => problem.severity === "error");
  }
}
