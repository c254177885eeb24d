/**
 * Self-help articles from Markdown files: `parseArticle` for one file, `parseFolder` for a tree
 * of them. Neither throws: every failure is an ArticleProblem with a file and a line.
 */
import type { Article, ArticleProblem, ParseResult } from "../model";
import { type BodyResult, parseBody, readBodyText } from "./body";
import { findDuplicateIds, listArticleFiles, readAll, type Skip } from "./folder";
import { type HeaderResult, parseHeader } from "./header";
import { ProblemList } from "./problems";
import { type FolderSummary, summarize } from "./summary";
import { unique } from "./values";

export { parseHeader, type ArticleHeader, type HeaderResult } from "./header";
export type { FolderSummary } from "./summary";
export { LICENSING_ERROR_CODES } from "./error-codes";

export interface ParseOptions {
  /** Read headers only (no Markdown parsing): sections and recommendedSteps stay empty. */
  headersOnly?: boolean;
}

export interface ParseFolderOptions extends ParseOptions {
  /** Files read from disk at a time (default 32). */
  concurrency?: number;
  /** Files and folders to leave out (see listArticleFiles). */
  skip?: Skip;
}

interface ParsedFile extends CountedParse {
  file: string;
  /** Line of the articleId attribute, for duplicate reports. */
  articleIdLine: number;
}

export interface CountedParse extends ParseResult {
  /** problems.slice(0, headerProblems) are those parseArticle(bytes, file, { headersOnly: true }) reports. */
  headerProblems: number;
}

export interface FolderResult {
  articles: Article[];
  problems: ArticleProblem[];
  summary: FolderSummary;
  /** Files and folders left out by ParseFolderOptions.skip (parseFolder only). */
  skipped?: string[];
}

export async function parseArticle(bytes: Buffer, file: string, options: ParseOptions = {}): Promise<ParseResult> {
  const { article, problems } = parseFile(bytes, file, options);
  return { article, problems };
}

/**
 * A file's header and what parsing its body needs: the first half of parseArticle, so that the
 * loader reads a header once though it parses the header alone in one thread and the whole
 * article in another.
 */
export type ReadHeader = { file: string; head: HeaderResult; error: null } | { file: string; head: null; error: ArticleProblem };

export function readHeader(bytes: Buffer, file: string): ReadHeader {
  try {
    return { file, head: parseHeader(bytes, file), error: null };
  } catch (error) {
    return { file, head: null, error: internalError(file, 0, error) };
  }
}

/**
 * The line parseFolder gives a duplicate-articleId problem in this file: its articleId
 * attribute's, else its header's, else 0 (no header read).
 */
export function articleIdLine(read: ReadHeader): number {
  const { head } = read;
  if (!head) return 0;
  const offset = head.header?.offsets.articleId;
  return offset === undefined ? (head.header?.line ?? 0) : lineOf(head.text, offset);
}

/** What parseArticle(bytes, file, options) resolves to, from readHeader(bytes, file). */
export function parseFromHeader(read: ReadHeader, options: ParseOptions = {}): ParseResult {
  const { article, problems } = parseRead(read, options);
  return { article, problems };
}

/**
 * parseArticle (whole) from readHeader's result, and how many of its problems a header-only
 * parse reports: the header's come first, the body's after them. One parse instead of two for
 * the loader, which caches that count.
 */
export function parseArticleCounted(read: ReadHeader): CountedParse {
  const { article, problems, headerProblems } = parseRead(read, {});
  return { article, problems, headerProblems };
}

/**
 * Parses every `**\/*.md` under `dir`; article files are relative to it, with forward slashes.
 * Rejects only when a folder cannot be listed; a file that cannot be read is a problem.
 */
export async function parseFolder(dir: string, options: ParseFolderOptions = {}): Promise<FolderResult> {
  const skipped: string[] = [];
  const files = await listArticleFiles(dir, options.skip, skipped);
  const parsed: ParsedFile[] = [];
  const problems: ArticleProblem[] = [];
  await readAll(dir, files, options.concurrency ?? 32, (file, bytes, error) => {
    if (error) problems.push({ file, line: 0, kind: "unreadable-file", severity: "error", message: error });
    else parsed.push(parseFile(bytes!, file, options));
  });
  parsed.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  const articles = parsed.flatMap((result) => (result.article ? [result.article] : []));
  problems.push(...parsed.flatMap((result) => result.problems));
  problems.push(...findDuplicateIds(parsed));
  problems.sort(byPosition);
  return { articles, problems, summary: summarize(files.length, articles, problems), ...(options.skip ? { skipped } : {}) };
}

function parseFile(bytes: Buffer, file: string, options: ParseOptions): ParsedFile {
  return parseRead(readHeader(bytes, file), options);
}

function parseRead(read: ReadHeader, options: ParseOptions): ParsedFile {
  const { file, head } = read;
  if (!head) return { file, article: null, problems: [read.error], articleIdLine: 0, headerProblems: 1 };
  const problems = new ProblemList(file);
  problems.items.push(...head.problems);
  const idLine = articleIdLine(read);
  const headerProblems = head.problems.length;
  if (!head.header) return { file, article: null, problems: problems.items, articleIdLine: idLine, headerProblems };
  const body = options.headersOnly ? headerOnlyBody(head) : safeBody(head, problems);
  return { file, article: toArticle(head, body), problems: problems.items, articleIdLine: idLine, headerProblems };
}

function safeBody(head: HeaderResult, problems: ProblemList): BodyResult {
  try {
    return parseBody(head, problems);
  } catch (error) {
    problems.items.push(internalError(head.file, head.bodyLine, error));
    return headerOnlyBody(head);
  }
}

function headerOnlyBody(head: HeaderResult): BodyResult {
  const { markdown, metadata, errorCodes } = readBodyText(head);
  return { sections: [], recommendedSteps: [], markdown, metadata, errorCodes };
}

function toArticle(head: HeaderResult, body: BodyResult): Article {
  const header = head.header!;
  return {
    file: head.file,
    articleId: header.articleId,
    pageTitle: header.pageTitle,
    description: header.description,
    service: header.service,
    resource: header.resource,
    authors: header.authors,
    displayOrder: header.displayOrder,
    supportTopicIds: header.supportTopicIds,
    productPesIds: header.productPesIds,
    cloudEnvironments: header.cloudEnvironments,
    selfHelpType: header.selfHelpType,
    errorCodes: unique([...header.errorCodes, ...body.errorCodes]),
    properties: header.properties,
    sections: body.sections,
    recommendedSteps: body.recommendedSteps,
    markdown: body.markdown,
    metadata: body.metadata,
    contentHash: head.contentHash,
  };
}

function byPosition(a: ArticleProblem, b: ArticleProblem): number {
  return a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line;
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf("\n"); i >= 0 && i < offset; i = text.indexOf("\n", i + 1)) line += 1;
  return line;
}

function internalError(file: string, line: number, error: unknown): ArticleProblem {
  const message = error instanceof Error ? error.message : String(error);
  return { file, line, kind: "internal-error", severity: "error", message: `the parser failed: ${message}` };
}
