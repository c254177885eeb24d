import fs from "node:fs";
import path from "node:path";
import type { Logger } from "pino";
import { collectGarbage } from "../common/collect-garbage";
import { ConfigError } from "../config";
import { articlesLoading, badInput } from "../errors";
import { ArticleLibrary, type ArticleFilter } from "./library";
import { loadArticles, type LoadOptions } from "./loader";
import { cacheVersion, ParseCache } from "./loader/cache";
import type { Article, ArticleProblem, ArticleStep, ParseResult } from "./model";
import { parseFromHeader, readHeader } from "./parser";
import type { SearchHit, SearchOptions } from "./search-index";

export interface Troubleshooting {
  errorCode: string;
  article: Article;
  steps: ArticleStep[];
}

export interface ContentOptions {
  articlesDir: string;
  watch: boolean;
  cacheDir: string | null;
  workers: number;
}

// Problems with no error-code article of their own are looked up by words. A Map: the key is the
// caller's errorCode, and a plain object would answer "toString" or "constructor" too.
const TOPIC_QUERIES: ReadonlyMap<string, string> = new Map([["dynamicmembershippaused", "dynamic group membership rule paused processing"]]);

/**
 * How long a request waits for the articles it needs while they load at start, before it is
 * answered SERVICE_UNAVAILABLE (retryable) with the progress.
 */
export const ARTICLE_WAIT_MS = 3_000;
/** The second full collection after a load (see ContentService.settle). */
const SETTLE_AGAIN_MS = 1_000;

/**
 * Article bodies kept in memory for the next request, the most recently used (a support form
 * asks for the same few): the library holds articles without their bodies, which are read from
 * the parse cache (or parsed) when a request needs one.
 */
const BODIES_KEPT = 256;

/**
 * What a request needs of the articles: their headers (ids, titles, support topics, error codes,
 * Markdown: lookups and lists), or every body too (search ranks on headings and steps).
 */
export type ArticleStage = "headers" | "bodies";

interface Stage {
  reached: boolean;
  promise: Promise<void>;
  resolve: () => void;
}

function stage(): Stage {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => (resolve = done));
  const result: Stage = { reached: false, promise, resolve: () => ((result.reached = true), resolve()) };
  return result;
}

/** An article with its body, and every problem the parser reports about its file. */
export interface ArticleBody {
  article: Article;
  problems: ArticleProblem[];
}

/** Self-help articles: loading, lookups, troubleshooting by error code, and search. */
export class ContentService {
  readonly library = new ArticleLibrary();
  private problems = new Map<string, ArticleProblem[]>();
  private watcher: fs.FSWatcher | null = null;
  private reload: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly stages: Record<ArticleStage, Stage> = { headers: stage(), bodies: stage() };
  private progress: { done: number; total: number | null } = { done: 0, total: null };
  /** Bodies read for requests, by path, least recently used first (see body). */
  private readonly bodies = new Map<string, ArticleBody>();
  /** Where bodies are read from once parsed: the parse cache's current folder (undefined: not opened yet). */
  private parseCache: ParseCache | null | undefined;

  /** True once every body is in: the library is complete. */
  get ready(): boolean {
    return this.stages.bodies.reached;
  }

  constructor(
    private readonly options: ContentOptions,
    private readonly log: Logger,
  ) {}

  /** Refuses a missing articles folder (a configuration error, reported before the server listens). */
  checkFolder(): void {
    if (!fs.existsSync(this.options.articlesDir)) {
      throw new ConfigError("ARTICLES_DIR", `the folder ${this.options.articlesDir} does not exist.`);
    }
  }

  /**
   * Reads the articles: headers first (lookups answer from then on, body fields parsed per
   * article on demand), then every body (search and readiness). A reload keeps serving the
   * previous library until the new one is complete. `holdBodies`, `headers`: see LoadOptions.
   */
  async load(options: { holdBodies?: Promise<void>; headers?: LoadOptions["headers"] } = {}): Promise<void> {
    this.checkFolder();
    const started = Date.now();
    const first = !this.ready;
    const result = await loadArticles(this.options.articlesDir, {
      cacheDir: this.options.cacheDir,
      workers: this.options.workers,
      holdBodies: options.holdBodies,
      headers: options.headers,
      // The parse cache is written in the background once the articles are in: say when it is
      // done, and give back the memory the load took (see settle).
      onStats: (stats) => {
        const saving = Date.now();
        void stats.cacheSaved.then((saved) => {
          this.log.info({ ...saved, ms: Date.now() - saving }, "article cache saved");
          if (!stats.fromSnapshot) this.settle();
        });
      },
      onProgress: (done, total) => {
        if (first) this.progress = { done, total };
      },
      // Lookups can start on the headers; the search index waits for the bodies (or a search).
      onHeaders: (headers) => {
        if (this.library.size === 0) {
          this.library.useArticles(headers.articles);
          this.problems = byFile(headers.problems);
        }
        this.stages.headers.resolve();
      },
    });
    this.library.replaceAll(result.articles, result.index);
    this.problems = byFile(result.problems);
    this.bodies.clear();
    this.stages.headers.resolve();
    this.stages.bodies.resolve();
    const errors = result.problems.filter((problem) => problem.severity === "error");
    for (const problem of errors.slice(0, 20)) this.log.warn({ article: problem.file, line: problem.line, kind: problem.kind }, problem.message);
    this.log.info({ articles: result.articles.length, errors: errors.length, ms: Date.now() - started }, "articles loaded");
  }

  /**
   * After a load that parsed or read every article: the heap grew to hold the bodies as they
   * went through, and V8 keeps what it grew to. Two full collections (the second once the
   * finalizers of the first have run) release it: on the public library (15,000 articles) the
   * process settles about 120 MB lower.
   */
  private settle(): void {
    if (this.closed || !collectGarbage()) return;
    const again = setTimeout(() => this.closed || collectGarbage(), SETTLE_AGAIN_MS);
    again.unref();
  }

  /** In development, edits to the articles folder are picked up without a restart. */
  watch(): void {
    if (!this.options.watch || this.watcher || this.closed) return;
    this.watcher = fs.watch(this.options.articlesDir, { recursive: true }, () => {
      if (this.reload) clearTimeout(this.reload);
      this.reload = setTimeout(() => this.load().catch((error: unknown) => this.log.error({ err: error }, "article reload failed")), 200);
    });
  }

  close(): void {
    this.closed = true;
    this.watcher?.close();
    if (this.reload) clearTimeout(this.reload);
  }

  /** For /readyz: "ok", or "loading (n of N)" with how many files have their body in. */
  loadingCheck(): string {
    if (this.ready) return "ok";
    return `loading (${this.progress.done} of ${this.progress.total ?? "?"})`;
  }

  /**
   * Waits (at most ARTICLE_WAIT_MS) until the articles are loaded that far, then throws
   * SERVICE_UNAVAILABLE (retryable) with the progress. Resolves at once once they are.
   */
  async whenLoaded(needed: ArticleStage, waitMs = ARTICLE_WAIT_MS): Promise<void> {
    const wanted = this.stages[needed];
    if (wanted.reached) return;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<"late">((resolve) => (timer = setTimeout(() => resolve("late"), waitMs)));
    const outcome = await Promise.race([wanted.promise, late]);
    clearTimeout(timer);
    if (outcome === "late") this.demand(needed);
  }

  /** Throws SERVICE_UNAVAILABLE (retryable) unless the articles are loaded that far: no answer is built from a half-read library. */
  private demand(needed: ArticleStage): void {
    if (!this.stages[needed].reached) throw articlesLoading(this.progress.done, this.progress.total);
  }

  /**
   * The article at this path with its body and its file's problems. The library keeps articles
   * without their bodies: a body is read from the parse cache (by the content hash the article
   * was loaded with), or its file read and parsed now (no cache, its entry not written yet, or
   * the bodies still loading at start: the header-only article is never served as if it had no
   * sections or steps), and the last BODIES_KEPT are kept.
   */
  body(path: string): ArticleBody | null {
    this.demand("headers");
    const article = this.library.atPath(path);
    if (!article) return null;
    let found = this.bodies.get(article.file);
    if (found) {
      this.bodies.delete(article.file);
    } else {
      found = this.readBody(article);
      if (this.bodies.size >= BODIES_KEPT) this.bodies.delete(this.bodies.keys().next().value!);
    }
    this.bodies.set(article.file, found);
    return found;
  }

  private readBody(article: Article): ArticleBody {
    const cached = this.cache()?.get(article.contentHash, article.file);
    const parsed: ParseResult = cached?.article ? cached : this.parseNow(article.file);
    // Once loaded, every problem of the file is known (folder-level ones such as a shared articleId included).
    if (this.ready) return { article: parsed.article!, problems: this.problems.get(article.file) ?? [] };
    // While loading: the parse's, and the folder-level ones from the headers' pass.
    const folder = (this.problems.get(article.file) ?? []).filter((problem) => problem.kind === "duplicate-article-id");
    return { article: parsed.article!, problems: [...parsed.problems, ...folder].sort((a, b) => a.line - b.line) };
  }

  private cache(): ParseCache | null {
    if (this.parseCache === undefined) this.parseCache = this.options.cacheDir === null ? null : new ParseCache(path.join(this.options.cacheDir, cacheVersion()));
    return this.parseCache;
  }

  /** The file parsed now; its article is never null. */
  private parseNow(file: string): ParseResult {
    let bytes: Buffer;
    try {
      bytes = fs.readFileSync(path.join(this.options.articlesDir, file));
    } catch {
      // Gone or unreadable since the headers were read: the full load will say what it is.
      throw articlesLoading(this.progress.done, this.progress.total);
    }
    const parsed = parseFromHeader(readHeader(bytes, file));
    if (!parsed.article) throw articlesLoading(this.progress.done, this.progress.total);
    return parsed;
  }

  /**
   * The article with this id, or at this path in the library. An id that several files use is
   * refused with their paths: the caller asks again by path.
   */
  article(idOrKey: string | { id?: string | null; path?: string | null }): Article | null {
    this.demand("headers");
    const key = typeof idOrKey === "string" ? { id: idOrKey } : idOrKey;
    if (key.path != null) {
      const article = this.library.atPath(key.path);
      return article && (key.id == null || article.articleId.toLowerCase() === key.id.trim().toLowerCase()) ? this.withBody(article) : null;
    }
    const found = this.library.withId(key.id ?? "");
    if (found.length > 1) {
      const paths = found.map((article) => article.file);
      throw badInput(`articleId '${found[0]!.articleId}' is used by ${found.length} files (${paths.join(", ")}); ask for one with article(path: "${paths[0]}").`, {
        field: "id",
        paths,
      });
    }
    return found[0] ? this.withBody(found[0]) : null;
  }

  /** The article with its body (the library's articles have none: see body). */
  withBody(article: Article): Article {
    return this.body(article.file)?.article ?? article;
  }

  /** What the parser reported about the file at this path in the library (folder-level ones such as a shared articleId included). */
  problemsOf(path: string): ArticleProblem[] {
    if (!this.ready) return this.body(path)?.problems ?? [];
    return this.problems.get(this.library.atPath(path)?.file ?? path) ?? [];
  }

  /** Ids used by more than one file, with their paths. */
  duplicateIds(): { articleId: string; paths: string[] }[] {
    this.demand("headers");
    return this.library.duplicateIds();
  }

  articles(filter: ArticleFilter): Article[] {
    this.demand("headers");
    return this.library.list(filter);
  }

  /** The topic's articles, without their bodies (see body). */
  supportTopic(supportTopicId: string): Article[] {
    this.demand("headers");
    return this.library.forSupportTopic(supportTopicId);
  }

  /** The steps to take for an error code (a licensing code, AADSTS50076, 0x80070005, ExtensionSnapshotFailedNoNetwork…), with the article they come from. */
  troubleshoot(errorCode: string): Troubleshooting | null {
    this.demand("headers");
    const topic = TOPIC_QUERIES.get(errorCode.trim().toLowerCase());
    let article = this.library.forErrorCode(errorCode);
    if (!article && topic) {
      this.demand("bodies");
      article = this.library.search(topic, { limit: 1 })[0]?.article ?? null;
    }
    if (!article) return null;
    const full = this.withBody(article);
    return { errorCode, article: full, steps: full.recommendedSteps };
  }

  /** Ranked search, the hits' articles without their bodies (see withBody); a number is the limit alone (default filters: internal article types left out). */
  search(query: string, options: SearchOptions | number): (SearchHit & { article: Article })[] {
    this.demand("bodies");
    return this.library.search(query, typeof options === "number" ? { limit: options } : options);
  }

  /** Every support topic id an article names. */
  supportTopicIds(): string[] {
    this.demand("headers");
    return this.library.supportTopicIds();
  }

  /** Every error code an article explains. */
  errorCodes(): string[] {
    this.demand("headers");
    return this.library.errorCodes();
  }

  /** The error codes some article names that a question names too, e.g. "what does CountViolation mean?". */
  errorCodesNamedIn(question: string): string[] {
    this.demand("headers");
    return this.library.errorCodesAmong(new Set(question.toLowerCase().match(/[a-z0-9]+/g) ?? []));
  }
}

function byFile(problems: readonly ArticleProblem[]): Map<string, ArticleProblem[]> {
  const files = new Map<string, ArticleProblem[]>();
  for (const problem of problems) {
    const list = files.get(problem.file);
    if (list) list.push(problem);
    else files.set(problem.file, [problem]);
  }
  return files;
}
