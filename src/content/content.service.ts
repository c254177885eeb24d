import fs from "node:fs";
import type { Logger } from "pino";
import { ConfigError } from "../config";
import { ArticleLibrary, type ArticleFilter } from "./library";
import { loadArticles } from "./loader";
import type { Article, ArticleStep } from "./model";
import type { SearchHit } from "./search-index";

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
const TOPIC_QUERIES: ReadonlyMap<string, string> = new Map([["DynamicMembershipPaused", "dynamic group membership rule paused processing"]]);

/** Self-help articles: loading, lookups, troubleshooting by error code, and search. */
export class ContentService {
  readonly library = new ArticleLibrary();
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
        if (this.library.size === 0) this.library.replaceAll(headers.articles, { searchIndex: "on-demand" });
      },
    });
    this.library.replaceAll(result.articles);
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

  article(articleId: string): Article | null {
    return this.library.get(articleId);
  }

  articles(filter: ArticleFilter): Article[] {
    return this.library.list(filter);
  }

  supportTopic(supportTopicId: string): Article[] {
    return this.library.forSupportTopic(supportTopicId);
  }

  /** The steps to take for an error code, with the article they come from. */
  troubleshoot(errorCode: string): Troubleshooting | null {
    const topic = TOPIC_QUERIES.get(errorCode);
    const article = this.library.forErrorCode(errorCode) ?? (topic ? this.library.search(topic, 1)[0]?.article : null);
    return article ? { errorCode, article, steps: article.recommendedSteps } : null;
  }

  /** Every support topic id an article names. */
  supportTopicIds(): string[] {
    return this.library.supportTopicIds();
  }

  /** Every licensing error code an article explains. */
  errorCodes(): string[] {
    return this.library.errorCodes();
  }

  search(query: string, first: number): (SearchHit & { article: Article })[] {
    return this.library.search(query, first);
  }

  /** The error codes some article resolves that a question names, e.g. "what does CountViolation mean?". */
  errorCodesNamedIn(question: string): string[] {
    return this.library.errorCodesAmong(new Set(question.toLowerCase().match(/[a-z]+/g) ?? []));
  }
}
