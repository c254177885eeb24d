/** A self-help article as helpgate reads it: header attributes, then sections and their steps. */

export interface ArticleLink {
  text: string;
  url: string;
}

export interface ArticleStep {
  /** 1-based position in its list. */
  number: number;
  /** Plain text of the step, nested text included. */
  text: string;
  /** The step's Markdown as written (nested lists, links and code blocks kept). */
  markdown: string;
  links: ArticleLink[];
  /**
   * For recommended steps, the title of the sub-heading (or bold line) the step sits under
   * inside the Recommended Steps section; null directly under that heading and elsewhere.
   */
  group: string | null;
}

export type SectionKind = "prerequisites" | "recommendedSteps" | "other";

export interface ArticleSection {
  title: string;
  /** 1–6 for Markdown headings; 0 for a bold line used as a heading. */
  level: number;
  kind: SectionKind;
  markdown: string;
  steps: ArticleStep[];
}

export interface Article {
  /** Path relative to the folder that was read, with forward slashes. */
  file: string;
  articleId: string;
  pageTitle: string;
  description: string;
  service: string;
  resource: string;
  authors: string[];
  displayOrder: number | null;
  supportTopicIds: string[];
  productPesIds: string[];
  /** Lower-cased: public, fairfax, mooncake, usnat, ussec. */
  cloudEnvironments: string[];
  selfHelpType: string;
  /** Licensing error codes the article resolves: from the errorCodes attribute and found in the text. */
  errorCodes: string[];
  /** Every header attribute as written (names as in the file, values decoded). */
  properties: Record<string, string>;
  sections: ArticleSection[];
  /** The steps of the "Recommended Steps" section (whatever its spelling), or []. */
  recommendedSteps: ArticleStep[];
  /** The body: the Markdown after the header, without its JSON metadata blocks. */
  markdown: string;
  /**
   * The JSON objects of the body's metadata blocks (`---`, a JSON object, `---`: form
   * definitions, advisor metadata), in order. Never part of markdown, sections or search.
   */
  metadata: Record<string, unknown>[];
  /** sha256 of the file's bytes: the key of the parse cache. */
  contentHash: string;
}

export type ProblemSeverity = "error" | "warning";

export interface ArticleProblem {
  file: string;
  /** 1-based line in the file, 0 when the problem concerns the whole file. */
  line: number;
  /** A stable identifier such as "missing-header", "unclosed-quote", "non-utf8". */
  kind: string;
  severity: ProblemSeverity;
  message: string;
}

export interface ParseResult {
  /** Null when nothing usable could be recovered. */
  article: Article | null;
  problems: ArticleProblem[];
}
