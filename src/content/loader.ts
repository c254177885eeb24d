/**
 * Loading a folder of articles at start, fast:
 *
 * 1. Every file is read here, hashed (sha256) and looked up in the parse cache. The files not
 *    in it get a header-only parse (cheap: no Markdown), and `onHeaders` receives the folder
 *    with every header (header-only articles for the files not cached, so a server can answer
 *    lookups while the bodies are parsed).
 * 2. The files not cached are parsed in `workers` worker threads (see loader/pool.ts), handed
 *    out in batches; each worker writes the cache entries of its files.
 * 3. The results are merged in file order and the folder-level problems (duplicate articleIds)
 *    added, exactly as parseFolder does: the result equals parseFolder(dir). Cache entries of
 *    hashes no file has any more are then removed.
 *
 * The cache is described in loader/cache.ts; bump PARSER_VERSION there when the parser's
 * output changes in a way its fingerprint cannot see.
 */
import { createHash } from "node:crypto";
import fsp from "node:fs/promises";
import path from "node:path";
import type { Article, ArticleProblem, ParseResult } from "./model";
import { type FolderResult, parseArticle, parseHeader } from "./parser";
import { findDuplicateIds, listArticleFiles } from "./parser/folder";
import { summarize } from "./parser/summary";
import { type CachedParse, ParseCache } from "./loader/cache";
import { inThreadRunner, Shards, workerRunner } from "./loader/pool";

export { PARSER_VERSION } from "./loader/cache";

export interface LoadOptions {
  /** Where parsed articles are cached by content hash; null disables the cache. */
  cacheDir: string | null;
  /** Worker threads for parsing bodies; 0 parses in this thread. */
  workers: number;
  /** Called once every header is read, before bodies are parsed, so lookups can start early. */
  onHeaders?: (headers: FolderResult) => void;
  /** Called at the end of a load with what it did (cache use, worker threads, timings). */
  onStats?: (stats: LoadStats) => void;
}

export interface LoadStats {
  /** Article files found. */
  files: number;
  /** Files whose parse came from the cache. */
  fromCache: number;
  /** Files parsed by this load (not in the cache), in file order. */
  parsed: string[];
  /** Worker threads started for them (0: parsed in this thread). */
  workers: number;
  /** Why worker threads failed, if any did (their files were parsed elsewhere). */
  workerErrors: string[];
  /** Cache entries removed because no file has their hash any more. */
  staleRemoved: number;
  /** Milliseconds from the call to onHeaders (null without onHeaders) and to the result. */
  headersMs: number | null;
  totalMs: number;
}

/** Files read (and looked up in the cache) at a time. */
const READ_CONCURRENCY = 32;
/** A worker thread is started for every this many files to parse, up to `workers` (one costs ~0.1 s to start). */
const MIN_FILES_PER_WORKER = 8;
/** Files per batch sent to a worker thread (~50 ms of work). */
const BATCH_SIZE = 24;

interface Slot {
  file: string;
  /** Why the file could not be read, or null. */
  error: string | null;
  hash: string | null;
  cached: CachedParse | null;
  /** Header-only parse, for files not cached when onHeaders is wanted. */
  header: ParseResult | null;
}

/** One file's part of a folder result: its parse, or why it could not be read. */
type Entry = { file: string; result: ParseResult; error: null } | { file: string; result: null; error: string };

/**
 * Loads a folder of articles: headers first (cheap), then the bodies, in worker threads and
 * from the parse cache. Resolves to what parseFolder(dir) resolves to.
 */
export async function loadArticles(dir: string, options: LoadOptions): Promise<FolderResult> {
  const started = performance.now();
  const files = await listArticleFiles(dir);
  const cache = options.cacheDir === null ? null : await ParseCache.open(options.cacheDir);
  const cacheDir = cache?.dir ?? null;
  const shards = new Shards({
    workers: Math.max(0, Math.floor(options.workers)),
    filesPerWorker: MIN_FILES_PER_WORKER,
    batchSize: BATCH_SIZE,
    startWorker: () => workerRunner(dir, cacheDir),
    inThread: () => inThreadRunner(dir, cacheDir),
  });
  try {
    // Files not cached go to the workers as soon as they are found; this thread goes on with
    // the headers. (With no workers, they are parsed after onHeaders, by finish().)
    const wantHeaders = options.onHeaders !== undefined;
    const slots = await mapLimit(files, READ_CONCURRENCY, async (file) => {
      const slot = await readSlot(dir, file, cache, wantHeaders);
      if (slot.error === null && !slot.cached) shards.add({ file, hash: slot.hash, headerProblems: slot.header?.problems.length ?? null });
      return slot;
    });
    const lines = new ArticleIdLines(dir);

    let headersMs: number | null = null;
    if (options.onHeaders) {
      const entries = slots.map((slot): Entry => {
        if (slot.error !== null) return { file: slot.file, result: null, error: slot.error };
        return { file: slot.file, result: slot.cached ? headerOnly(slot.cached) : slot.header!, error: null };
      });
      const headers = await assemble(files.length, entries, lines);
      headersMs = performance.now() - started;
      options.onHeaders(headers);
    }

    const { outcomes, workers, errors } = await shards.finish();
    const live = new Set<string>();
    const parsed: string[] = [];
    const entries = slots.map((slot): Entry => {
      if (slot.error !== null) return { file: slot.file, result: null, error: slot.error };
      if (slot.cached) {
        live.add(slot.hash!);
        return { file: slot.file, result: { article: slot.cached.article, problems: slot.cached.problems }, error: null };
      }
      parsed.push(slot.file);
      const outcome = outcomes.get(slot.file)!;
      if (outcome.hash) live.add(outcome.hash);
      return outcome.result ? { file: slot.file, result: outcome.result, error: null } : { file: slot.file, result: null, error: outcome.error! };
    });
    const result = await assemble(files.length, entries, lines);
    const staleRemoved = cache ? await cache.prune(live) : 0;
    options.onStats?.({
      files: files.length,
      fromCache: slots.filter((slot) => slot.cached).length,
      parsed,
      workers,
      workerErrors: errors,
      staleRemoved,
      headersMs,
      totalMs: performance.now() - started,
    });
    return result;
  } finally {
    await shards.close();
  }
}

async function readSlot(dir: string, file: string, cache: ParseCache | null, wantHeaders: boolean): Promise<Slot> {
  let bytes: Buffer;
  try {
    bytes = await fsp.readFile(path.join(dir, file));
  } catch (error) {
    return { file, error: error instanceof Error ? error.message : String(error), hash: null, cached: null, header: null };
  }
  const hash = createHash("sha256").update(bytes).digest("hex");
  const cached = cache ? await cache.get(hash, file) : null;
  const header = !cached && wantHeaders ? await parseArticle(bytes, file, { headersOnly: true }) : null;
  return { file, error: null, hash, cached, header };
}

/** What parseArticle(bytes, file, { headersOnly: true }) gives, from a cached full parse. */
function headerOnly(cached: CachedParse): ParseResult {
  const article = cached.article && { ...cached.article, sections: [], recommendedSteps: [] };
  return { article, problems: cached.problems.slice(0, cached.headerProblems) };
}

/** The folder result from per-file parts in file order, as parseFolder builds it. */
async function assemble(fileCount: number, entries: Entry[], lines: ArticleIdLines): Promise<FolderResult> {
  const articles: Article[] = [];
  const problems: ArticleProblem[] = [];
  const readable: { file: string; article: ParseResult["article"]; problems: ArticleProblem[] }[] = [];
  for (const entry of entries) {
    if (entry.error !== null) {
      problems.push({ file: entry.file, line: 0, kind: "unreadable-file", severity: "error", message: entry.error });
      continue;
    }
    if (entry.result.article) articles.push(entry.result.article);
    problems.push(...entry.result.problems);
    readable.push({ file: entry.file, ...entry.result });
  }
  problems.push(...(await duplicateIds(readable, lines)));
  problems.sort(byPosition);
  return { articles, problems, summary: summarize(fileCount, articles, problems) };
}

/**
 * The parser's duplicate-articleId problems. They need the line of each duplicate's articleId,
 * which a ParseResult does not carry; the (few) files with a duplicate are found first, then
 * their headers read again for the lines.
 */
async function duplicateIds(readable: { file: string; article: ParseResult["article"]; problems: ArticleProblem[] }[], lines: ArticleIdLines): Promise<ArticleProblem[]> {
  const found = findDuplicateIds(readable.map((result) => ({ ...result, articleIdLine: 0 })));
  if (found.length === 0) return [];
  const files = new Set(found.map((problem) => problem.file));
  const duplicates = readable.filter((result) => files.has(result.file));
  const withLines = await Promise.all(duplicates.map(async (result) => ({ ...result, articleIdLine: await lines.get(result.file) })));
  return findDuplicateIds(withLines);
}

/** The line of a file's articleId attribute, as parseFolder reports it for duplicates. */
class ArticleIdLines {
  private readonly known = new Map<string, Promise<number>>();

  constructor(private readonly dir: string) {}

  get(file: string): Promise<number> {
    let line = this.known.get(file);
    if (!line) {
      line = this.read(file);
      this.known.set(file, line);
    }
    return line;
  }

  private async read(file: string): Promise<number> {
    try {
      const head = parseHeader(await fsp.readFile(path.join(this.dir, file)), file);
      const offset = head.header?.offsets.articleId;
      return offset === undefined ? (head.header?.line ?? 0) : lineOf(head.text, offset);
    } catch {
      return 0;
    }
  }
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf("\n"); i >= 0 && i < offset; i = text.indexOf("\n", i + 1)) line += 1;
  return line;
}

function byPosition(a: ArticleProblem, b: ArticleProblem): number {
  return a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line;
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const run = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, run));
  return results;
}
