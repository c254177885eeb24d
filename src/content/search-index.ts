import Database from "better-sqlite3";
import type { Article } from "./model";

export interface SearchHit {
  /** The article's path in the library (its one unique key). */
  path: string;
  /** Higher is better (negated bm25). */
  score: number;
  highlights: { field: string; snippet: string }[];
}

// Title matters most, then the description and the steps, then the rest of the text.
const WEIGHTS = [0, 4, 2, 2, 1];
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
      "CREATE VIRTUAL TABLE articles USING fts5(path UNINDEXED, title, description, steps, body, tokenize = 'porter unicode61 remove_diacritics 2')",
    );
    this.insertRow = this.db.prepare("INSERT INTO articles (path, title, description, steps, body) VALUES (?, ?, ?, ?, ?)");
    this.deleteRow = this.db.prepare("DELETE FROM articles WHERE path = ?");
  }

  replaceAll(articles: Iterable<Article>): void {
    this.db.transaction(() => {
      this.db.exec("DELETE FROM articles");
      for (const article of articles) this.add(article);
    })();
  }

  upsert(article: Article): void {
    this.db.transaction(() => {
      this.deleteRow.run(article.file);
      this.add(article);
    })();
  }

  remove(path: string): void {
    this.deleteRow.run(path);
  }

  /**
   * Articles holding every word of the query come first, then those holding some; each group in
   * bm25 order, where neighbouring words found together as a phrase count extra.
   */
  search(text: string, limit: number): SearchHit[] {
    const query = toFtsQuery(text);
    if (!query.any) return [];
    const all = this.run(query.any, limit * 4);
    const complete = new Set(query.all ? this.run(query.all, limit * 4).map((hit) => hit.path) : []);
    return [...all.filter((hit) => complete.has(hit.path)), ...all.filter((hit) => !complete.has(hit.path))].slice(0, limit);
  }

  private run(match: string, limit: number): SearchHit[] {
    const rows = this.db
      .prepare(
        `SELECT path, -bm25(articles, ${WEIGHTS.join(", ")}) AS score,
           highlight(articles, 1, '${MARK[0]}', '${MARK[1]}') AS title,
           snippet(articles, 2, '${MARK[0]}', '${MARK[1]}', '…', 16) AS description,
           snippet(articles, 3, '${MARK[0]}', '${MARK[1]}', '…', 16) AS steps
         FROM articles WHERE articles MATCH ? ORDER BY bm25(articles, ${WEIGHTS.join(", ")}) LIMIT ?`,
      )
      .all(match, limit) as { path: string; score: number; title: string; description: string; steps: string }[];
    return rows.map((row) => ({
      path: row.path,
      score: row.score,
      highlights: (["title", "description", "steps"] as const)
        .filter((field) => row[field].includes(MARK[0]))
        .map((field) => ({ field, snippet: row[field] })),
    }));
  }

  private add(article: Article): void {
    const steps = article.sections.flatMap((section) => section.steps.map((step) => step.text)).join("\n");
    this.insertRow.run(article.file, article.pageTitle, article.description, steps, article.markdown);
  }
}

// Words too common to tell articles apart; left out so that a question's real terms decide.
const STOP_WORDS = new Set(
  "a an and are as at be but by can can't cannot could do does don't for from get got has have how i i'm in is it it's its me my not of on or says said so t that the this to was what when where which who why will with won't you your".split(" "),
);

/**
 * Turns what a person typed into FTS5 queries: words only (no operators to inject), each quoted,
 * the last one as a prefix. `any` matches any word or any pair of neighbouring words as a phrase
 * (so "usage location" outranks articles where the two stand apart); `all` needs every word.
 */
export function toFtsQuery(text: string): { any: string; all: string } {
  const words = (text.toLowerCase().match(/[\p{L}\p{N}']+/gu) ?? [])
    .filter((word) => !STOP_WORDS.has(word))
    .map((word) => word.replace(/'/g, ""))
    .filter(Boolean)
    .slice(0, 32);
  const terms = [...new Set(words)].map((word, i, all) => `"${word}"${i === all.length - 1 ? "*" : ""}`);
  const phrases = [...new Set(words.slice(1).map((word, i) => `"${words[i]} ${word}"`))];
  return { any: [...phrases, ...terms].join(" OR "), all: terms.length > 1 ? terms.join(" AND ") : "" };
}
