/**
 * Loading a folder of articles at start, fast. A start whose files are those of the library
 * snapshot takes it as it is (loader/snapshot.ts); any other:
 *
 * 1. Every file is read here, hashed (sha256) and looked up in the parse cache (when it has
 *    entries: with an empty one, the header read's own hash is the only one made). A file found
 *    there needs no parse. A file not found gets a header-only parse here (cheap: no Markdown)
 *    and is handed at once, with the header read (or, without onHeaders, its bytes), to the
 *    worker threads (loader/pool.ts: batches, to whichever worker is free), which parse the rest
 *    and write its cache entry. When the headers were read ahead in a worker thread since the
 *    process started (LoadOptions.headers, loader/headers.ts) they are taken instead, and the
 *    worker threads read the files they parse.
 * 2. Once every file is read, `onHeaders` receives the folder with every header (header-only
 *    articles without their body text: from the cache, or from the header-only parse), so a
 *    server can answer lookups while the bodies are still being parsed.
 * 3. The results are merged in file order and the folder-level problems (duplicate articleIds)
 *    added as parseFolder does. The result holds each article without its body (IndexedArticle:
 *    the body goes to the parse cache, and the worker threads send back only the article's
 *    header, the error codes it names and its text for the full-text index), and the full-text
 *    index, filled in file order as the bodies come in; its articles, problems and summary are
 *    parseFolder(dir)'s, each article without its body.
 * 4. After the load has resolved, in the background, the workers write the cache entries of
 *    the files they parsed (creating thousands of small files costs about as much CPU as
 *    parsing them, so the server does not wait for it; until then the entries wait in a spool
 *    file, not in memory: see PendingEntries) and entries whose hash no file has any more are
 *    removed. LoadStats.cacheSaved tells when that is done.
 *
 * While this thread reads the headers, only one worker thread parses beside it; the others
 * start once every header is read, so that lookups can start as early as the machine allows.
 *
 * With `workers: 0`, or too few files to parse for a worker to pay off (a restart after a few
 * edits), the bodies are parsed in this thread after onHeaders, by the same code.
 *
 * The cache is described in loader/cache.ts: bump PARSER_VERSION there when the parser's output
 * changes in a way its fingerprint of src/content/parser/ cannot see (e.g. a remark upgrade).
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { type IndexedArticle, type IndexedArticleText, indexArticle, withoutBody } from "./indexed";
import type { Article, ArticleProblem, ParseResult } from "./model";
import { type FolderResult, type FolderSummary, articleIdLine, parseFromHeader, readHeader } from "./parser";
import { duplicateGroups, findDuplicateIds, listArticleFiles } from "./parser/folder";
import { summarize } from "./parser/summary";
import { type CachedParse, ParseCache } from "./loader/cache";
import type { BodyOutcome, BodyTask, IndexedParse } from "./loader/bodies";
import type { HeaderSlot } from "./loader/headers";
import type { HeadersAhead } from "./loader/prefetch";
import { inThreadRunner, Shards, workerRunner } from "./loader/pool";
import { type FileStamp, newIndexFile, readSnapshot, readStamped, writeSnapshot } from "./loader/snapshot";
import { SearchIndex } from "./search-index";

export { PARSER_VERSION } from "./loader/cache";

export interface LoadOptions {
  /** Where parsed articles are cached by content hash; null disables the cache. */
  cacheDir: string | null;
  /** Worker threads for parsing bodies; 0 parses in this thread. */
  workers: number;
  /**
   * One worker thread is started per this many files to parse, up to `workers` (default 100):
   * starting one costs about as much as parsing ~100 files in this thread, so a restart after a
   * few edits parses them here.
   */
  filesPerWorker?: number;
  /**
   * Called once every header is read, while bodies are still being parsed, so lookups can start
   * early; not when the library snapshot answers (everything is there at once), unless the
   * bodies are held back (holdBodies).
   */
  onHeaders?: (headers: FolderResult) => void;
  /** Called with the result's readiness: what the load did (cache use, worker threads, timings). */
  onStats?: (stats: LoadStats) => void;
  /** Called as bodies come in (from the cache or a parse): how many files have theirs, of how many. */
  onProgress?: (done: number, total: number) => void;
  /**
   * Every header, read ahead in a worker thread (prefetchHeaders in loader/prefetch.ts): the
   * load takes them instead of reading the files here, if they are of the files it finds. It
   * has nothing else to do until they are in, so it asks to read some of them itself (help()).
   */
  headers?: HeadersAhead;
  /**
   * The bodies are not merged into the result before this settles (headers are read and bodies
   * parsed meanwhile): lets a test watch a server while its articles are still loading.
   */
  holdBodies?: Promise<void>;
}

export interface CacheSaveStats {
  /** Cache entries written for the files parsed. */
  written: number;
  /** Entries that could not be written (those files are parsed again on the next load). */
  failed: number;
  /** Entries removed because no file has their hash any more. */
  staleRemoved: number;
  /** Whether the library snapshot was written (see loader/snapshot.ts): a cache, every file read. */
  snapshot: boolean;
}

export interface LoadStats {
  /** Article files found. */
  files: number;
  /** Whether the whole load came from the library snapshot (no file read). */
  fromSnapshot: boolean;
  /** Whether the headers read ahead (LoadOptions.headers) were taken: they were of the files found. */
  headersReadAhead: boolean;
  /** Files whose parse came from the cache. */
  fromCache: number;
  /** Files parsed by this load (not in the cache), in file order. */
  parsed: string[];
  /** Worker threads started for them (0: parsed in this thread). */
  workers: number;
  /** Why worker threads failed, if any did (their files were parsed elsewhere). */
  workerErrors: string[];
  /**
   * Settles once the cache entries of the files parsed are written and stale entries removed:
   * that happens after the load has resolved, in the background (see loader/bodies.ts). Never
   * rejects.
   */
  cacheSaved: Promise<CacheSaveStats>;
  /** Milliseconds from the call to onHeaders (null without onHeaders) and to the result. */
  headersMs: number | null;
  totalMs: number;
}

/**
 * Files are read synchronously (fs.promises costs several times more CPU per small file: see
 * ParseCache.get); the event loop gets a turn after every this many (a few milliseconds' work).
 */
const YIELD_EVERY = 32;
/** The default of LoadOptions.filesPerWorker. */
const FILES_PER_WORKER = 100;
/** Worker threads parsing while the loading thread still reads headers (see ShardOptions.workersBeforeRelease). */
const WORKERS_DURING_HEADERS = 1;
/** Files per batch sent to a worker thread (~50 ms of work). */
const BATCH_SIZE = 24;

/** What loadArticles resolves to. */
export interface LoadedLibrary {
  /** The articles without their bodies, in file order (parseFolder's articles, each withoutBody). */
  articles: IndexedArticle[];
  /** The full-text index of every article. */
  index: SearchIndex;
  problems: ArticleProblem[];
  summary: FolderSummary;
}

interface Slot {
  file: string;
  /** Why the file could not be read, or null. */
  error: string | null;
  /** When it was read; null when unreadable. */
  stamp: FileStamp | null;
  /** sha256 of the file's bytes; null when unreadable or not looked up (an empty cache). */
  hash: string | null;
  /** The whole cached parse: kept until onHeaders has its header-only article, then indexed. */
  cached: CachedParse | null;
  /** The cached parse as the result keeps it. */
  indexed: IndexedParse | null;
  /** Header-only parse, for files not cached when onHeaders is wanted. */
  header: ParseResult | null;
}

/** One file's part of a folder result: its parse, or why it could not be read. */
type Entry = { file: string; result: ParseResult; error: null } | { file: string; result: null; error: string };

/**
 * Texts added to the full-text index per transaction: each transaction adds a segment to the
 * FTS5 index, which then merges them, so a few hundred at a time rather than each worker batch.
 */
const INDEX_BATCH = 256;

/**
 * Fills a full-text index in file order as the articles' texts come in (from worker threads, in
 * any order): each text is added, and dropped, once every file before it is in, INDEX_BATCH
 * consecutive ones per transaction.
 */
class InOrderIndex {
  private next = 0;
  private readonly waiting = new Map<number, IndexedParse["article"]>();
  private batch: { article: Article; text: IndexedArticleText["text"] }[] = [];

  constructor(
    readonly index: SearchIndex,
    private readonly count: number,
  ) {}

  /** The article of the file at this position (null: none, or the file could not be read). */
  put(at: number, article: IndexedParse["article"]): void {
    this.waiting.set(at, article);
    for (; this.waiting.has(this.next); this.next++) {
      const entry = this.waiting.get(this.next);
      this.waiting.delete(this.next);
      if (entry?.text) this.batch.push({ article: entry.article, text: entry.text });
      if (entry) delete entry.text;
      if (this.batch.length >= INDEX_BATCH) this.flush();
    }
  }

  /** Once every file is in. */
  finish(): SearchIndex {
    if (this.next !== this.count) throw new Error(`the full-text index has ${this.next} of ${this.count} files`);
    this.flush();
    this.index.finish();
    return this.index;
  }

  private flush(): void {
    if (this.batch.length > 0) this.index.addAll(this.batch);
    this.batch = [];
  }
}

/**
 * Loads a folder of articles: headers first (cheap), then the bodies, in worker threads and
 * from the parse cache. Resolves to what parseFolder(dir) resolves to, each article without its
 * body (see LoadedLibrary).
 */
export async function loadArticles(dir: string, options: LoadOptions): Promise<LoadedLibrary> {
  const started = performance.now();
  options.headers?.help();
  const files = await listArticleFiles(dir);
  const cache = options.cacheDir === null ? null : await ParseCache.open(options.cacheDir);
  const cacheDir = cache?.dir ?? null;
  const snapshot = cache && readSnapshot(cache, dir, files);
  if (snapshot) {
    // Held back (a test of the loading phase): lookups answer on the headers meanwhile, as in a load.
    if (options.holdBodies) {
      options.onProgress?.(0, files.length);
      options.onHeaders?.({ articles: snapshot.articles.map((entry) => entry.article), problems: snapshot.problems, summary: snapshot.summary });
      await options.holdBodies;
    }
    options.onProgress?.(files.length, files.length);
    const totalMs = performance.now() - started;
    const cacheSaved = Promise.resolve({ written: 0, failed: 0, staleRemoved: 0, snapshot: false });
    options.onStats?.({ files: files.length, fromSnapshot: true, headersReadAhead: false, fromCache: files.length, parsed: [], workers: 0, workerErrors: [], cacheSaved, headersMs: null, totalMs });
    return snapshot;
  }
  let fromCache = 0;
  let bodies = 0;
  const progress = (parsed: number) => {
    bodies += parsed;
    options.onProgress?.(fromCache + bodies, files.length);
  };
  progress(0);
  // With a cache, the index is a file in it (out of this process's memory), for the snapshot.
  const indexFile = cache ? newIndexFile(cache) : null;
  const indexer = new InOrderIndex(new SearchIndex(indexFile ? { file: indexFile } : {}), files.length);
  const position = new Map<string, number>();
  // Each header read notes its articleId's line: a duplicate's problem needs no second read.
  const lines = new ArticleIdLines(dir);
  const slots: Slot[] = [];
  const shards = new Shards({
    workers: Math.max(0, Math.floor(options.workers)),
    filesPerWorker: Math.max(1, options.filesPerWorker ?? FILES_PER_WORKER),
    // While this thread reads the headers, one worker parses bodies beside it; the others start
    // once every header is read (on two cores, a second worker would halve this thread's share).
    workersBeforeRelease: options.onHeaders ? WORKERS_DURING_HEADERS : undefined,
    batchSize: BATCH_SIZE,
    startWorker: () => workerRunner(dir, cacheDir),
    inThread: () => inThreadRunner(dir, cacheDir),
    onParsed: (outcomes) => {
      for (const outcome of outcomes) {
        const at = position.get(outcome.file)!;
        if (outcome.body && outcome.result) outcome.result.article = withHeader(slots[at]!, outcome.body);
        delete outcome.body;
        indexer.put(at, outcome.result?.article ?? null);
      }
      progress(outcomes.length);
    },
  });
  let saving = false;
  try {
    // Files not cached go to the workers as soon as they are found; this thread goes on with
    // the headers. (With no workers, they are parsed after onHeaders, by finish().)
    const wantHeaders = options.onHeaders !== undefined;
    const cached = cache ? await cache.hashes() : new Set<string>();
    const ahead = await options.headers?.catch(() => null);
    const read = ahead && sameFiles(ahead.files, files) ? ahead.slots : null;
    for (const file of files) {
      // Headers read ahead and nothing to look up in the cache: a few milliseconds for the whole folder.
      if ((!read || cached.size > 0) && slots.length % YIELD_EVERY === YIELD_EVERY - 1) await new Promise((resolve) => setImmediate(resolve));
      position.set(file, slots.length);
      const { slot, task, articleIdLine } = read
        ? takeSlot(read[slots.length]!, cached.size > 0 ? cache : null, cached, wantHeaders)
        : readSlot(dir, file, cached.size > 0 ? cache : null, cached, wantHeaders);
      if (articleIdLine !== undefined) lines.note(file, articleIdLine);
      if (task) shards.add(task);
      slots.push(slot);
      if (slot.error !== null) indexer.put(slots.length - 1, null);
      else if (slot.cached && !wantHeaders) index(slot, slots.length - 1);
      if (slot.cached && ++fromCache % YIELD_EVERY === 0) progress(0);
    }

    let headersMs: number | null = null;
    if (options.onHeaders) {
      const entries = slots.map((slot): Entry => {
        if (slot.error !== null) return { file: slot.file, result: null, error: slot.error };
        return { file: slot.file, result: slot.cached ? headerOnly(slot.cached) : slot.header!, error: null };
      });
      const headers = assemble(files.length, entries, lines);
      headersMs = performance.now() - started;
      options.onHeaders(headers);
      shards.release();
      slots.forEach((slot, at) => slot.cached && index(slot, at));
    }
    await options.holdBodies;

    const { outcomes, workers, errors } = await shards.finish();
    const live = new Set<string>();
    const parsed: string[] = [];
    const indexed: IndexedArticle[] = [];
    const entries = slots.map((slot): Entry => {
      if (slot.error !== null) return { file: slot.file, result: null, error: slot.error };
      let result: IndexedParse | null;
      if (slot.indexed) {
        live.add(slot.hash!);
        result = slot.indexed;
      } else {
        parsed.push(slot.file);
        const outcome = outcomes.get(slot.file)!;
        if (outcome.hash) live.add(outcome.hash);
        if (!outcome.result) return { file: slot.file, result: null, error: outcome.error! };
        result = outcome.result;
      }
      if (result.article) indexed.push({ article: result.article.article, codes: result.article.codes });
      return { file: slot.file, result: { article: result.article?.article ?? null, problems: result.problems }, error: null };
    });
    const { problems, summary } = assemble(files.length, entries, lines);
    const result: LoadedLibrary = { articles: indexed, index: indexer.finish(), problems, summary };
    // From here the workers are the background save's: it writes the cache, then stops them.
    saving = true;
    const stamps = slots.map((slot) => slot.stamp);
    const complete = (list: (FileStamp | null)[]): list is FileStamp[] => list.every((stamp) => stamp !== null);
    const cacheSaved = shards.save().then(async (saved) => {
      const staleRemoved = cache ? await cache.prune(live).catch(() => 0) : 0;
      // Once every body is in the cache, the next start with the same files can take this load as it is.
      const snapshot = cache !== null && indexFile !== null && saved.failed === 0 && complete(stamps) && writeSnapshot(cache, files, stamps, result, indexFile);
      return { ...saved, staleRemoved, snapshot };
    });
    options.onStats?.({
      files: files.length,
      fromSnapshot: false,
      headersReadAhead: read !== null,
      fromCache: slots.filter((slot) => slot.indexed).length,
      parsed,
      workers,
      workerErrors: errors,
      cacheSaved,
      headersMs,
      totalMs: performance.now() - started,
    });
    return result;
  } finally {
    if (!saving) {
      await shards.close();
      indexer.index.close();
      if (indexFile) fs.rmSync(indexFile, { force: true });
    }
  }

  /** A cached parse, as the result keeps it; its text to the full-text index. */
  function index(slot: Slot, at: number): void {
    const { article, problems } = slot.cached!;
    slot.indexed = { article: article && indexArticle(article), problems };
    slot.cached = null;
    indexer.put(at, slot.indexed.article);
  }
}

/**
 * The file's slot, and what the workers need to parse it (null when it is cached or unreadable):
 * the header read for onHeaders, else the file's bytes.
 */
function readSlot(dir: string, file: string, cache: ParseCache | null, known: ReadonlySet<string>, wantHeaders: boolean): TakenSlot {
  let bytes: Buffer;
  let stamp: FileStamp;
  try {
    ({ bytes, stamp } = readStamped(path.join(dir, file)));
  } catch (error) {
    return { slot: { file, error: error instanceof Error ? error.message : String(error), stamp: null, hash: null, cached: null, indexed: null, header: null }, task: null };
  }
  // `cache` is null when it has no entries: nothing to look up, and the header read hashes the bytes.
  const hash = cache ? createHash("sha256").update(bytes).digest("hex") : null;
  const cached = cache && hash !== null && known.has(hash) ? cache.get(hash, file) : null;
  if (cached) return { slot: { file, error: null, stamp, hash, cached, indexed: null, header: null }, task: null };
  if (!wantHeaders) return { slot: { file, error: null, stamp, hash, cached: null, indexed: null, header: null }, task: { file, bytes } };
  const read = readHeader(bytes, file);
  // Kept without its body text until the load is done: the worker threads parse the body.
  const { article, problems } = parseFromHeader(read, { headersOnly: true });
  // (Its strings are slices of the file's text, which they keep alive: the worker's parse is
  // kept instead, as its own strings, and this one dropped once the load is done.)
  return {
    slot: { file, error: null, stamp, hash, cached: null, indexed: null, header: { article: article && withoutBody(article), problems } },
    task: read.head ? { file, head: read } : { file, bytes },
    articleIdLine: articleIdLine(read),
  };
}

/**
 * The slot of a file whose header was read ahead (loader/headers.ts): as readSlot makes it, but
 * a file not cached is read again by the worker thread that parses it, and its header (copied
 * from the thread that read it, so in strings of its own) is the one the library keeps: the
 * worker sends the body's part only, unless the file changed since (BodyTask.headerHash).
 */
function takeSlot(ahead: HeaderSlot, cache: ParseCache | null, known: ReadonlySet<string>, wantHeaders: boolean): TakenSlot {
  const { file } = ahead;
  if (ahead.error !== null) return { slot: { file, error: ahead.error, stamp: null, hash: null, cached: null, indexed: null, header: null }, task: null };
  const { stamp, hash, articleIdLine } = ahead;
  const cached = cache && hash !== null && known.has(hash) ? cache.get(hash, file) : null;
  if (cached) return { slot: { file, error: null, stamp, hash, cached, indexed: null, header: null }, task: null, articleIdLine };
  return { slot: { file, error: null, stamp, hash, cached: null, indexed: null, header: wantHeaders ? ahead.header : null }, task: wantHeaders ? { file, headerHash: hash } : { file }, articleIdLine };
}

/** A file's slot, what the workers need to parse it, and the line of its articleId when its header was read. */
interface TakenSlot {
  slot: Slot;
  task: BodyTask | null;
  articleIdLine?: number;
}

/**
 * A parsed article sent without its header (BodyOutcome.body), with the header-only article the
 * slot holds of the same bytes.
 */
function withHeader(slot: Slot, body: NonNullable<BodyOutcome["body"]>): IndexedParse["article"] {
  const article = slot.header?.article;
  if (!article) throw new Error(`${slot.file}: a body was parsed without the header it was sent for`);
  return { article, ...body };
}

function sameFiles(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((file, i) => file === b[i]);
}

/** What parseArticle(bytes, file, { headersOnly: true }) gives, without the body (withoutBody), from a cached full parse. */
function headerOnly(cached: CachedParse): ParseResult {
  return { article: cached.article && withoutBody(cached.article), problems: cached.problems.slice(0, cached.headerProblems) };
}

/** The folder result from per-file parts in file order, as parseFolder builds it. */
function assemble(fileCount: number, entries: Entry[], lines: ArticleIdLines): FolderResult {
  const articles: Article[] = [];
  const problems: ArticleProblem[] = [];
  const readable: { file: string; article: ParseResult["article"]; problems: ArticleProblem[] }[] = [];
  for (const entry of entries) {
    if (entry.error !== null) {
      problems.push({ file: entry.file, line: 0, kind: "unreadable-file", severity: "error", message: entry.error });
      continue;
    }
    const { article, problems: found } = entry.result;
    if (article) articles.push(article);
    for (const problem of found) problems.push(problem);
    readable.push({ file: entry.file, article, problems: found });
  }
  problems.push(...duplicateIds(readable, lines));
  problems.sort(byPosition);
  return { articles, problems, summary: summarize(fileCount, articles, problems) };
}

/**
 * The parser's duplicate-articleId problems. They need the line of each duplicate's articleId,
 * which a ParseResult does not carry; the (few) files with a duplicate are found first, then
 * their lines taken from the load's header read (ArticleIdLines.note), or, for a file whose
 * header came from the cache, read again.
 */
function duplicateIds(readable: { file: string; article: ParseResult["article"]; problems: ArticleProblem[] }[], lines: ArticleIdLines): ArticleProblem[] {
  const groups = duplicateGroups(readable);
  if (groups.length === 0) return [];
  const files = new Set(groups.flatMap((group) => group.map((result) => result.file)));
  const duplicates = readable.filter((result) => files.has(result.file));
  return findDuplicateIds(duplicates.map((result) => ({ ...result, articleIdLine: lines.get(result.file) })));
}

/** The line of a file's articleId attribute, as parseFolder reports it for duplicates. */
class ArticleIdLines {
  private readonly known = new Map<string, number>();

  constructor(private readonly dir: string) {}

  /** The line, found while the file's header was read. */
  note(file: string, line: number): void {
    this.known.set(file, line);
  }

  get(file: string): number {
    let line = this.known.get(file);
    if (line === undefined) {
      line = this.read(file);
      this.known.set(file, line);
    }
    return line;
  }

  private read(file: string): number {
    try {
      return articleIdLine(readHeader(fs.readFileSync(path.join(this.dir, file)), file));
    } catch {
      return 0;
    }
  }
}

function byPosition(a: ArticleProblem, b: ArticleProblem): number {
  return a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line;
}
