import fs from "node:fs";
import type { Logger } from "pino";
import { ConfigError } from "../config";
import { badInput } from "../errors";
import { ArticleLibrary, type ArticleFilter } from "./library";
import { loadArticles } from "./loader";
import type { Article, ArticleProblem, ArticleStep } from "./model";
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

/** Self-help articles: loading, lookups, troubleshooting by error code, and search. */
export class ContentService {
  readonly library = new ArticleLibrary();
  private problems = new Map<string, ArticleProblem[]>();
  private watcher: fs.FSWatcher | null = null;
  private reload: NodeJS.Timeout | null = null;
  ready = false;

  constructor(
    private readonly options: ContentOptions,
    private readonly log: Logger,
  ) {}

  async load(): Promise<void> {
    if (!fs.existsSync(this.options.articlesDir)) {
      throw new ConfigError("ARTICLES_DIR", `the folder ${this.options.articlesDir} does not exist.`);
    }
    const started = Date.now();
    const result = await loadArticles(this.options.articlesDir, {
      cacheDir: this.options.cacheDir,
      workers: this.options.workers,
      // Lookups can start on the headers; the search index waits for the bodies (or a search).
      onHeaders: (headers) => {
        if (this.library.size === 0) {
          this.library.replaceAll(headers.articles, { searchIndex: "on-demand" });
          this.problems = byFile(headers.problems);
        }
      },
    });
    this.library.replaceAll(result.articles);
    this.problems = byFile(result.problems);
    this.ready = true;
    const errors = result.problems.filter((problem) => problem.severity === "error");
    for (const problem of errors.slice(0, 20)) this.log.warn({ article: problem.file, line: problem.line, kind: problem.kind }, problem.message);
    this.log.info({ articles: result.articles.length, errors: errors.length, ms: Date.now() - started }, "articles loaded");
  }

  /** In development, edits to the articles folder are picked up without a restart. */
  watch(): void {
    if (!this.options.watch || this.watcher) return;
    this.watcher = fs.watch(this.options.articlesDir, { recursive: true }, () => {
      if (this.reload) clearTimeout(this.reload);
      this.reload = setTimeout(() => this.load().catch((error: unknown) => this.log.error({ err: error }, "article reload failed")), 200);
    });
  }

  close(): void {
    this.watcher?.close();
    if (this.reload) clearTimeout(this.reload);
  }

  /**
   * The article with this id, or at this path in the library. An id that several files use is
   * refused with their paths: the caller asks again by path.
   */
  article(idOrKey: string | { id?: string | null; path?: string | null }): Article | null {
    const key = typeof idOrKey === "string" ? { id: idOrKey } : idOrKey;
    if (key.path != null) {
      const article = this.library.atPath(key.path);
      return article && (key.id == null || article.articleId.toLowerCase() === key.id.trim().toLowerCase()) ? article : null;
    }
    const found = this.library.withId(key.id ?? "");
    if (found.length > 1) {
      const paths = found.map((article) => article.file);
      throw badInput(`articleId '${found[0]!.articleId}' is used by ${found.length} files (${paths.join(", ")}); ask for one with article(path: "${paths[0]}").`, {
        field: "id",
        paths,
      });
    }
    return found[0] ?? null;
  }

  /** What the parser reported about the file at this path in the library (folder-level ones such as a shared articleId included). */
  problemsOf(path: string): ArticleProblem[] {
    return this.problems.get(path) ?? [];
  }

  /** Ids used by more than one file, with their paths. */
  duplicateIds(): { articleId: string; paths: string[] }[] {
    return this.library.duplicateIds();
  }

  articles(filter: ArticleFilter): Article[] {
    return this.library.list(filter);
  }

  supportTopic(supportTopicId: string): Article[] {
    return this.library.forSupportTopic(supportTopicId);
  }

  /** The steps to take for an error code (a licensing code, AADSTS50076, 0x80070005, ExtensionSnapshotFailedNoNetwork…), with the article they come from. */
  troubleshoot(errorCode: string): Troubleshooting | null {
    const topic = TOPIC_QUERIES.get(errorCode.trim().toLowerCase());
    const article = this.library.forErrorCode(errorCode) ?? (topic ? this.library.search(topic, { limit: 1 })[0]?.article : null);
    return article ? { errorCode, article, steps: article.recommendedSteps } : null;
  }

  /** Ranked search; a number is the limit alone (default filters: internal article types left out). */
  search(query: string, options: SearchOptions | number): (SearchHit & { article: Article })[] {
    return this.library.search(query, typeof options === "number" ? { limit: options } : options);
  }

  /** Every support topic id an article names. */
  supportTopicIds(): string[] {
    return this.library.supportTopicIds();
  }

  /** Every error code an article explains. */
  errorCodes(): string[] {
    return this.library.errorCodes();
  }

  /** The error codes some article names that a question names too, e.g. "what does CountViolation mean?". */
  errorCodesNamedIn(question: string): string[] {
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
