import { createHash } from "node:crypto";
import type { Article } from "./model";
import { ErrorCodeIndex } from "./error-codes";
import type { IndexedArticle } from "./indexed";
import { SearchIndex, type SearchHit, type SearchOptions } from "./search-index";

export interface ArticleFilter {
  service?: string | null;
  supportTopicId?: string | null;
  productPesId?: string | null;
  cloudEnvironment?: string | null;
  errorCode?: string | null;
  selfHelpType?: string | null;
}

/** Articles in the order support forms show them: displayOrder, then title, then path. */
function byDisplayOrder(a: Article, b: Article): number {
  return (
    (a.displayOrder ?? Number.MAX_SAFE_INTEGER) - (b.displayOrder ?? Number.MAX_SAFE_INTEGER) ||
    a.pageTitle.localeCompare(b.pageTitle) ||
    (a.file < b.file ? -1 : a.file > b.file ? 1 : 0)
  );
}

/**
 * The loaded articles, indexed the ways callers look them up: by id, support topic, error code,
 * and by words. Held in memory by each process without their bodies (see IndexedArticle); rebuilt
 * when the articles change.
 */
export class ArticleLibrary {
  /** Every article, in file order. */
  private all: readonly Article[] = [];
  /** By lower-cased articleId: more than one when files reuse an id. */
  private byId = new Map<string, Article[]>();
  /** By path in the library: the one key no two files share. */
  private byPath = new Map<string, Article>();
  private byTopic = new Map<string, Article[]>();
  /** Built when first needed after a replaceAll (see codeIndex). */
  private codes: ErrorCodeIndex | null = null;
  private index = new SearchIndex();
  /** Set when the search index has not been brought up to date with byId yet (see replaceAll). */
  private indexStale = false;

  /** How many times the articles were replaced: what was answered from one generation is stale in the next. */
  private replaced = 0;
  private digest: string | null = null;

  get size(): number {
    return this.all.length;
  }

  get generation(): number {
    return this.replaced;
  }

  /**
   * The library's version: a digest of every article's path and content hash, so that every
   * process serving the same files gives the same version (and so the same ETags).
   */
  get version(): string {
    if (this.digest === null) {
      const hash = createHash("sha256");
      for (const article of this.all) hash.update(article.file).update("\0").update(article.contentHash).update("\n");
      this.digest = hash.digest("base64url").slice(0, 16);
    }
    return this.digest;
  }

  /**
   * Replaces the articles with a load's: each kept without its body (see IndexedArticle), with
   * the error codes found in it and the full-text index the load built (the library owns it
   * from now on; the previous one is closed).
   */
  replaceAll(articles: readonly IndexedArticle[], index: SearchIndex): void {
    this.replace(articles.map((entry) => entry.article));
    this.codes = new ErrorCodeIndex(articles);
    this.setIndex(index);
    this.indexStale = false;
  }

  /**
   * Serves these (whole, or header-only) articles as they are, the error codes and the
   * full-text index built only when first needed: for a stand-in set that a full replaceAll soon
   * follows (the header-only articles of a load), which would otherwise cost an index build
   * (about a second for 15,000 articles) while the bodies are being parsed, for searches that
   * may never come.
   */
  useArticles(articles: readonly Article[]): void {
    this.replace(articles);
    this.codes = null;
    this.setIndex(new SearchIndex());
    this.indexStale = true;
  }

  private replace(articles: readonly Article[]): void {
    this.all = articles;
    this.replaced += 1;
    this.digest = null;
    this.byId = groupBy(articles, (article) => [article.articleId.toLowerCase()]);
    this.byPath = new Map(articles.map((article) => [article.file, article]));
    this.byTopic = groupBy(articles, (article) => article.supportTopicIds);
  }

  private setIndex(index: SearchIndex): void {
    if (index !== this.index) this.index.close();
    this.index = index;
  }

  private updateIndex(): void {
    if (!this.indexStale) return;
    this.index.replaceAll(this.all);
    this.indexStale = false;
  }

  /** The articles with this id (any case): one, or several when files reuse it, in display order. */
  withId(articleId: string): Article[] {
    return this.byId.get(articleId.trim().toLowerCase()) ?? [];
  }

  /** The article at this path in the library (as `file`, forward slashes), or null. */
  atPath(path: string): Article | null {
    return this.byPath.get(path.trim().replace(/\\/g, "/").replace(/^\.?\//, "")) ?? null;
  }

  /** Ids used by more than one file, each with their paths. */
  duplicateIds(): { articleId: string; paths: string[] }[] {
    return [...this.byId.values()].filter((group) => group.length > 1).map((group) => ({ articleId: group[0]!.articleId, paths: group.map((article) => article.file).sort() }));
  }

  forSupportTopic(supportTopicId: string): Article[] {
    return this.byTopic.get(supportTopicId.trim()) ?? [];
  }

  /** Every error code the articles name (a scan of every text: about half a second for 15,000 articles). */
  private codeIndex(): ErrorCodeIndex {
    this.codes ??= new ErrorCodeIndex(this.all);
    return this.codes;
  }

  /**
   * The article that answers an error code best: one whose errorCodes attribute names it, then
   * one with it in its title or file name, then its description, then its text; among those,
   * one about that error alone before a general one that also names others (see ErrorCodeIndex).
   */
  forErrorCode(errorCode: string): Article | null {
    return this.codeIndex().best(errorCode, byDisplayOrder);
  }

  /** The error codes, among these words (lower-cased), that some article names. */
  errorCodesAmong(words: ReadonlySet<string>): string[] {
    const index = this.codeIndex();
    return [...words].flatMap((word) => {
      const code = index.spelling(word);
      return code ? [code] : [];
    });
  }

  /** Every support topic id some article names, sorted. */
  supportTopicIds(): string[] {
    return [...this.byTopic.keys()].sort();
  }

  /** Every error code some article's errorCodes attribute resolves, sorted (the codes an article is written for). */
  errorCodes(): string[] {
    return [...new Set([...this.all].flatMap((article) => article.errorCodes))].sort();
  }

  list(filter: ArticleFilter): Article[] {
    const lower = (value: string | null | undefined) => value?.trim().toLowerCase() || null;
    const service = lower(filter.service);
    const cloud = lower(filter.cloudEnvironment);
    const type = lower(filter.selfHelpType);
    const naming = filter.errorCode?.trim() ? this.codeIndex().articlesNaming(filter.errorCode) : null;
    const pool = filter.supportTopicId ? this.forSupportTopic(filter.supportTopicId) : [...this.all];
    return pool
      .filter((article) => !service || article.service.toLowerCase() === service)
      .filter((article) => !filter.productPesId || article.productPesIds.includes(filter.productPesId.trim()))
      .filter((article) => !cloud || article.cloudEnvironments.includes(cloud))
      .filter((article) => !naming || naming.has(article))
      .filter((article) => !type || article.selfHelpType.toLowerCase() === type)
      .sort(byDisplayOrder);
  }

  search(query: string, options: SearchOptions): (SearchHit & { article: Article })[] {
    this.updateIndex();
    return this.index.search(query, options).flatMap((hit) => {
      const article = this.byPath.get(hit.path);
      return article ? [{ ...hit, article }] : [];
    });
  }
}

function groupBy(articles: readonly Article[], keys: (article: Article) => readonly string[]): Map<string, Article[]> {
  const groups = new Map<string, Article[]>();
  for (const article of articles) {
    const list = keys(article);
    for (let i = 0; i < list.length; i += 1) {
      const key = list[i]!;
      if (i > 0 && list.indexOf(key) < i) continue; // an article once per key
      const group = groups.get(key);
      if (group) group.push(article);
      else groups.set(key, [article]);
    }
  }
  for (const list of groups.values()) if (list.length > 1) list.sort(byDisplayOrder);
  return groups;
}
