import Database from "better-sqlite3";
import type { Article } from "./model";

export interface SearchHit {
  articleId: string;
  /** Higher is better (negated bm25). */
  score: number;
  highlights: { field: string; snippet: string }[];
}

// Title matters most, then the description, then the steps, then the rest of the text.
const WEIGHTS = [0, 10, 5, 3, 1];
const MARK = ["<mark>", "</mark>"];

/**
 * Ranked full-text search over articles with SQLite's FTS5 (bm25 ranking, Porter stemming,
 * highlights), in an in-memory database that belongs to this process.
 */
export class SearchIndex {
  private readonly db = new Database(":memory:");
  private readonly insertRow;
  private readonly deleteRow;

  constructor() {
    this.db.exec(
      "CREATE VIRTUAL TABLE articles USING fts5(article_id UNINDEXED, title, description, steps, body, tokenize = 'porter unicode61 remove_diacritics 2')",
    );
    this.insertRow = this.db.prepare("INSERT INTO articles (article_id, title, description, steps, body) VALUES (?, ?, ?, ?, ?)");
    this.deleteRow = this.db.prepare("DELETE FROM articles WHERE article_id = ?");
  }

  replaceAll(articles: Iterable<Article>): void {
    this.db.transaction(() => {
      this.db.exec("DELETE FROM articles");
      for (const article of articles) this.add(article);
    })();
  }

  upsert(article: Article): void {
    this.db.transaction(() => {
      this.deleteRow.run(article.articleId);
      this.add(article);
    })();
  }

  remove(articleId: string): void {
    this.deleteRow.run(articleId);
  }

  search(text: string, limit: number): SearchHit[] {
    const query = toFtsQuery(text);
    if (!query) return [];
    const rows = this.db
      .prepare(
        `SELECT article_id AS articleId, -bm25(articles, ${WEIGHTS.join(", ")}) AS score,
           highlight(articles, 1, '${MARK[0]}', '${MARK[1]}') AS title,
           snippet(articles, 2, '${MARK[0]}', '${MARK[1]}', '…', 16) AS description,
           snippet(articles, 3, '${MARK[0]}', '${MARK[1]}', '…', 16) AS steps
         FROM articles WHERE articles MATCH ? ORDER BY bm25(articles, ${WEIGHTS.join(", ")}) LIMIT ?`,
      )
      .all(query, limit) as { articleId: string; score: number; title: string; description: string; steps: string }[];
    return rows.map((row) => ({
      articleId: row.articleId,
      score: row.score,
      highlights: (["title", "description", "steps"] as const)
        .filter((field) => row[field].includes(MARK[0]))
        .map((field) => ({ field, snippet: row[field] })),
    }));
  }

  private add(article: Article): void {
    const steps = article.sections.flatMap((section) => section.steps.map((step) => step.text)).join("\n");
    this.insertRow.run(article.articleId, article.pageTitle, article.description, steps, article.markdown);
  }
}

/**
 * Turns what a person typed into an FTS5 query: words only (no operators to inject), each as a
 * quoted term, the last one as a prefix; any of them may match and bm25 ranks by how many do.
 */
export function toFtsQuery(text: string): string {
  const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  const terms = [...new Set(words)].slice(0, 32);
  return terms.map((word, i) => `"${word}"${i === terms.length - 1 ? "*" : ""}`).join(" OR ");
}
