/**
 * An article as the library keeps it: its header without its body (sections, steps, Markdown,
 * metadata: most of its size, read again per request), with what the library's indexes need of
 * the body, found once from the whole article (in a loader's worker thread, or from a cache
 * entry). Nothing here needs a database: worker threads import it.
 */
import { type CodeMention, ErrorCodeIndex } from "./error-codes";
import type { Article } from "./model";

export interface IndexedArticle {
  /** The article without its body (withoutBody). */
  article: Article;
  /** The error codes the whole article names (ErrorCodeIndex.mentions). */
  codes: CodeMention[];
}

/** An IndexedArticle with its body's text for the full-text index, until that is built. */
export interface IndexedArticleText extends IndexedArticle {
  text: SearchText;
}

/** What the library keeps of a whole article, and what its indexes need. */
export function indexArticle(article: Article): IndexedArticleText {
  return { article: withoutBody(article), ...indexBody(article) };
}

/** What the library's indexes need of a whole article's body. */
export function indexBody(article: Article): Omit<IndexedArticleText, "article"> {
  return { codes: ErrorCodeIndex.mentions(article), text: searchText(article) };
}

/**
 * What the library keeps of an article: everything but its body (sections, steps, Markdown,
 * metadata), which ContentService.body reads again when a request needs it.
 */
export function withoutBody(article: Article): Article {
  return { ...article, sections: [], recommendedSteps: [], markdown: "", metadata: [] };
}

/**
 * What the index holds of an article's body, found once from the whole article: the library
 * keeps articles without their bodies, and the next start reopens the index as it was written.
 */
export interface SearchText {
  headings: string;
  steps: string;
  body: string;
}

/** The article's body as the index holds it. */
export function searchText(article: Article): SearchText {
  return {
    headings: article.sections.map((section) => section.title).join("\n"),
    steps: [...article.sections.flatMap((section) => section.steps), ...article.recommendedSteps].map((step) => step.text).join("\n"),
    body: indexedBody(article.markdown),
  };
}

/**
 * The body as searched: without `---` JSON metadata blocks, HTML comments and tags (their text
 * kept), and link targets (a URL's words would match questions the article does not answer).
 */
export function indexedBody(markdown: string): string {
  return markdown
    .replace(/^---[ \t]*\r?\n\s*\{[\s\S]*?\}\s*\r?\n---[ \t]*$/gm, " ")
    .replace(/<!--[\s\S]*?-->/g, " ")
    .replace(/<\/?[A-Za-z][^>]*>/g, " ")
    .replace(/\]\([^)]*\)/g, "]")
    .replace(/https?:\/\/\S+/g, " ");
}

