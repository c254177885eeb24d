import type { Article } from "./model";
import { SearchIndex, type SearchHit } from "./search-index";

export interface ArticleFilter {
  service?: string | null;
  supportTopicId?: string | null;
  productPesId?: string | null;
  cloudEnvironment?: string | null;
  errorCode?: string | null;
  selfHelpType?: string | null;
}

/** Articles in the order support forms show them: displayOrder, then title. */
function byDisplayOrder(a: Article, b: Article): number {
  return (a.displayOrder ?? Number.MAX_SAFE_INTEGER) - (b.displayOrder ?? Number.MAX_SAFE_INTEGER) || a.pageTitle.localeCompare(b.pageTitle);
}

/**
 * The loaded articles, indexed the ways callers look them up: by id, support topic, error code,
 * and by words. Held in memory by each process; rebuilt when the articles change.
 */
export class ArticleLibrary {
  private byId = new Map<string, Article>();
  private byTopic = new Map<string, Article[]>();
  private byError = new Map<string, Article[]>();
  /** Every error code some article resolves, by its lower-cased form. */
  private codes = new Map<string, string>();
  private readonly index = new SearchIndex();
  /** Set when the search index has not been brought up to date with byId yet (see replaceAll). */
  private indexStale = false;

  get size(): number {
    return this.byId.size;
  }

  /**
   * Replaces the articles. The full-text index is rebuilt at once, or with `{ searchIndex:
   * "on-demand" }` only when the first search needs it: for a stand-in set that a full
   * replaceAll soon follows (the header-only articles of a load), which would otherwise cost an
   * index build (about a second for 15,000 articles) while the bodies are being parsed, for
   * searches that may never come.
   */
  replaceAll(articles: readonly Article[], options: { searchIndex?: "now" | "on-demand" } = {}): void {
    this.byId = new Map(articles.map((article) => [article.articleId.toLowerCase(), article]));
    this.byTopic = groupBy(articles, (article) => article.supportTopicIds);
    this.byError = groupBy(articles, (article) => article.errorCodes.map((code) => code.toLowerCase()));
    this.codes = new Map(articles.flatMap((article) => article.errorCodes.map((code) => [code.toLowerCase(), code] as [string, string])));
    this.indexStale = true;
    if (options.searchIndex !== "on-demand") this.updateIndex();
  }

  private updateIndex(): void {
    if (!this.indexStale) return;
    this.index.replaceAll(this.byId.values());
    this.indexStale = false;
  }

  get(articleId: string): Article | null {
    return this.byId.get(articleId.trim().toLowerCase()) ?? null;
  }

  forSupportTopic(supportTopicId: string): Article[] {
    return this.byTopic.get(supportTopicId.trim()) ?? [];
  }

  /**
   * The article that answers an error code best: one whose title names the error ("Other: …")
   * before one that only resolves it among other things, one about that error alone before a
   * general one that also mentions it, then by display order.
   */
  forErrorCode(errorCode: string): Article | null {
    const code = errorCode.trim().toLowerCase();
    const candidates = this.byError.get(code) ?? [];
    const titled = (article: Article) => (article.pageTitle.toLowerCase().startsWith(code) ? 0 : 1);
    return [...candidates].sort((a, b) => titled(a) - titled(b) || a.errorCodes.length - b.errorCodes.length || byDisplayOrder(a, b))[0] ?? null;
  }

  /** The error codes, among these words (lower-cased), that some article resolves. */
  errorCodesAmong(words: ReadonlySet<string>): string[] {
    return [...words].flatMap((word) => {
      const code = this.codes.get(word);
      return code ? [code] : [];
    });
  }

  /** Every support topic id some article names, sorted. */
  supportTopicIds(): string[] {
    return [...this.byTopic.keys()].sort();
  }

  /** Every error code some article resolves, sorted. */
  errorCodes(): string[] {
    return [...this.codes.values()].sort();
  }

  list(filter: ArticleFilter): Article[] {
    const lower = (value: string | null | undefined) => value?.trim().toLowerCase() || null;
    const service = lower(filter.service);
    const cloud = lower(filter.cloudEnvironment);
    const type = lower(filter.selfHelpType);
    const pool = filter.supportTopicId ? this.forSupportTopic(filter.supportTopicId) : [...this.byId.values()];
    return pool
      .filter((article) => !service || article.service.toLowerCase() === service)
      .filter((article) => !filter.productPesId || article.productPesIds.includes(filter.productPesId.trim()))
      .filter((article) => !cloud || article.cloudEnvironments.includes(cloud))
      .filter((article) => !filter.errorCode || article.errorCodes.some((code) => code.toLowerCase() === lower(filter.errorCode)))
      .filter((article) => !type || article.selfHelpType.toLowerCase() === type)
      .sort(byDisplayOrder);
  }

  search(query: string, limit: number): (SearchHit & { article: Article })[] {
    this.updateIndex();
    return this.index.search(query, limit).flatMap((hit) => {
      const article = this.get(hit.articleId);
      return article ? [{ ...hit, article }] : [];
    });
  }
}

function groupBy(articles: readonly Article[], keys: (article: Article) => string[]): Map<string, Article[]> {
  const groups = new Map<string, Article[]>();
  for (const article of articles) {
    for (const key of new Set(keys(article))) groups.set(key, [...(groups.get(key) ?? []), article]);
  }
  for (const list of groups.values()) list.sort(byDisplayOrder);
  return groups;
}
