import Database from "better-sqlite3";
import { isInternal } from "./article-types";
import { type SearchText, searchText } from "./indexed";
import type { Article } from "./model";

export { indexedBody, type SearchText, searchText } from "./indexed";

/** The parts of an article a search highlights matches in. */
export type HighlightedField = "title" | "description" | "steps";

export interface SearchHit {
  /** The article's path in the library (its one unique key). */
  path: string;
  /** Higher is better; hits come in this order. */
  score: number;
  highlights: { field: HighlightedField; snippet: string }[];
}

/** Narrows a search; all given conditions must hold. Values compare in any letter case. */
export interface SearchFilter {
  cloudEnvironment?: string | null;
  selfHelpType?: string | null;
  service?: string | null;
  supportTopicId?: string | null;
}

export interface SearchOptions {
  limit: number;
  filter?: SearchFilter;
  /** Internal article types (TSG_Content, SupportTopicDescription, scoping questions…) are left out unless true. */
  includeInternal?: boolean;
}

/**
 * Columns and their bm25 weights: the title and the file name (which in real libraries names
 * the problem: `azurebackup-crc-extensionsnapshotfailednonetwork.md`) matter most, then the
 * description, the section headings and the steps, then the rest of the text.
 */
const COLUMNS = [
  { name: "title", weight: 10 },
  { name: "name", weight: 6 },
  { name: "description", weight: 4 },
  { name: "headings", weight: 3 },
  { name: "steps", weight: 2 },
  { name: "body", weight: 1 },
] as const;
/** Unindexed columns before the text ones: path, service, type, clouds, topics, internal. */
const KEYS = 6;
const WEIGHTS = [...Array<number>(KEYS).fill(0), ...COLUMNS.map((column) => column.weight)].join(", ");
const column = (name: (typeof COLUMNS)[number]["name"]) => KEYS + COLUMNS.findIndex((c) => c.name === name);
const MARK = ["<mark>", "</mark>"];
/** Candidates taken from bm25 for the re-ranking below, at least. */
const CANDIDATES = 60;
/**
 * The final score is 100 × (bm25 / the best candidate's bm25 + TITLE_WEIGHT × the idf-weighted
 * share of the question's words found in the title or file name). Measured on the public
 * library's evaluation set (bench/search-eval.ts): multiplying bm25 by (1 + 1.5 × that share)
 * instead answered one question fewer in the top 3.
 */
const TITLE_WEIGHT = 1;
/** SQLite's page cache for an index (the rest of a file index stays on disk, in the OS's cache). */
const PAGE_CACHE_KIB = 4096;

/**
 * Ranked full-text search over articles with SQLite's FTS5 (weighted bm25, Porter stemming,
 * phrase and prefix matching, highlights), in a database that belongs to this process: in
 * memory, or (a loaded library's, with a parse cache) a file in the cache folder, which keeps
 * the index out of the process's memory (SQLite reads the pages a search needs) and is opened
 * again read-only at the next start (see loader/snapshot.ts). The bm25 candidates are then
 * re-ranked by how much of the question their title and file name hold (rare words counting
 * more), so that "key vault access denied 403" finds "Troubleshoot access to Key Vault" before
 * a long page that repeats one of those words.
 */
export class SearchIndex {
  private readonly db: Database.Database;
  private readonly insertRow;
  private readonly deleteRow;
  private readonly query;
  private readonly highlight;
  private readonly count;
  private readonly total;
  /** Inverse document frequency by word, for the re-ranking; emptied whenever the articles change. */
  private idfs = new Map<string, number>();
  private articleCount = 0;

  /**
   * A new empty index in memory, or in a new `file`; or, `readonly`, the index an earlier
   * process wrote to `file` (which must exist).
   */
  constructor(options: { file?: string; readonly?: boolean } = {}) {
    const readonly = options.readonly === true && options.file !== undefined;
    this.db = new Database(options.file ?? ":memory:", { readonly, fileMustExist: readonly });
    // A file index is rebuilt from the parse cache if it is lost: no journal, no syncing.
    if (options.file !== undefined && !readonly) this.db.pragma("journal_mode = OFF");
    this.db.pragma("synchronous = OFF");
    this.db.pragma(`cache_size = -${PAGE_CACHE_KIB}`);
    if (!readonly) {
      this.db.exec(
        `CREATE VIRTUAL TABLE IF NOT EXISTS articles USING fts5(path UNINDEXED, service UNINDEXED, type UNINDEXED, clouds UNINDEXED, topics UNINDEXED, internal UNINDEXED,
           ${COLUMNS.map((c) => c.name).join(", ")}, tokenize = 'porter unicode61 remove_diacritics 2')`,
      );
    }
    this.insertRow = this.db.prepare(`INSERT INTO articles VALUES (${Array(KEYS + COLUMNS.length).fill("?").join(", ")})`);
    this.deleteRow = this.db.prepare("DELETE FROM articles WHERE path = ?");
    // Filters: `? IS NULL OR …` so that one statement serves every combination.
    this.query = this.db.prepare(
      `SELECT rowid, path, title, name, -bm25(articles, ${WEIGHTS}) AS score
       FROM articles
       WHERE articles MATCH @match
         AND (@internal = 1 OR internal = 0)
         AND (@service IS NULL OR service = @service)
         AND (@type IS NULL OR type = @type)
         AND (@cloud IS NULL OR instr(clouds, @cloud) > 0)
         AND (@topic IS NULL OR instr(topics, @topic) > 0)
       ORDER BY bm25(articles, ${WEIGHTS}) LIMIT @limit`,
    );
    // Highlights cost more than the ranking: made for the hits returned only.
    this.highlight = this.db.prepare(
      `SELECT highlight(articles, ${column("title")}, '${MARK[0]}', '${MARK[1]}') AS title,
         snippet(articles, ${column("description")}, '${MARK[0]}', '${MARK[1]}', '…', 16) AS description,
         snippet(articles, ${column("steps")}, '${MARK[0]}', '${MARK[1]}', '…', 16) AS steps
       FROM articles WHERE articles MATCH ? AND rowid = ?`,
    );
    this.count = this.db.prepare("SELECT count(*) AS n FROM articles WHERE articles MATCH ?");
    this.total = this.db.prepare("SELECT count(*) AS n FROM articles");
    this.changed();
  }

  /** Replaces the index's articles: whole ones, or their headers with their body's SearchText. */
  replaceAll(articles: Iterable<Article | { article: Article; text: SearchText }>): void {
    this.db.transaction(() => {
      this.db.exec("DELETE FROM articles");
      for (const entry of articles) {
        if ("text" in entry) this.add(entry.article, entry.text);
        else this.add(entry);
      }
    })();
    this.changed();
  }

  /** Adds articles (headers with their body's SearchText) in one transaction; `finish` once all are in. */
  addAll(articles: Iterable<{ article: Article; text: SearchText }>): void {
    this.db.transaction(() => {
      for (const { article, text } of articles) this.add(article, text);
    })();
  }

  /** After addAll: merges the index's segments into one (faster searches, a smaller file) and counts the articles. */
  finish(): void {
    this.db.exec("INSERT INTO articles(articles) VALUES ('optimize')");
    this.changed();
  }

  upsert(article: Article): void {
    this.db.transaction(() => {
      this.deleteRow.run(article.file);
      this.add(article);
    })();
    this.changed();
  }

  close(): void {
    this.db.close();
  }

  remove(path: string): void {
    this.deleteRow.run(path);
    this.changed();
  }

  private changed(): void {
    this.idfs = new Map();
    this.articleCount = (this.total.get() as { n: number }).n;
  }

  /** The best `limit` articles for what a person typed, best first. */
  search(text: string, options: SearchOptions): SearchHit[] {
    const query = toFtsQuery(text);
    if (!query.any) return [];
    const filter = options.filter ?? {};
    const lower = (value: string | null | undefined) => value?.trim().toLowerCase() || null;
    const rows = this.query.all({
      match: query.any,
      internal: options.includeInternal ? 1 : 0,
      service: lower(filter.service),
      type: lower(filter.selfHelpType),
      cloud: filter.cloudEnvironment?.trim() ? ` ${lower(filter.cloudEnvironment)} ` : null,
      topic: filter.supportTopicId?.trim() ? ` ${filter.supportTopicId.trim()} ` : null,
      limit: Math.max(CANDIDATES, options.limit * 3),
    }) as { rowid: number; path: string; title: string; name: string; score: number }[];
    const weights = new Map(query.variants.flat().map((word) => [word, this.idf(word)]));
    const best = rows[0]?.score ?? 1;
    return rows
      .map((row) => {
        const titleCoverage = coverage(query.variants, weights, `${row.title} ${row.name}`);
        return { row, score: 100 * (row.score / best + TITLE_WEIGHT * titleCoverage) };
      })
      .sort((a, b) => b.score - a.score || (a.row.path < b.row.path ? -1 : 1))
      .slice(0, options.limit)
      .map(({ row, score }) => ({ path: row.path, score: Math.round(score * 1000) / 1000, highlights: this.highlights(query.any, row.rowid) }));
  }

  private highlights(match: string, rowid: number): SearchHit["highlights"] {
    const marked = this.highlight.get(match, rowid) as { title: string; description: string; steps: string } | undefined;
    if (!marked) return [];
    return (["title", "description", "steps"] as const).filter((field) => marked[field].includes(MARK[0])).map((field) => ({ field, snippet: marked[field] }));
  }

  /** log(N / documents holding the word): rare words say more about what a question is about. */
  private idf(word: string): number {
    let idf = this.idfs.get(word);
    if (idf === undefined) {
      const n = (this.count.get(`"${word}"`) as { n: number }).n;
      idf = Math.log((this.articleCount + 1) / (n + 1));
      if (this.idfs.size >= 10_000) this.idfs.clear();
      this.idfs.set(word, idf);
    }
    return idf;
  }

  private add(article: Article, text: SearchText = searchText(article)): void {
    this.insertRow.run(
      article.file,
      article.service.toLowerCase(),
      article.selfHelpType.toLowerCase(),
      ` ${article.cloudEnvironments.join(" ")} `,
      ` ${article.supportTopicIds.join(" ")} `,
      isInternal(article) ? 1 : 0,
      article.pageTitle,
      `${fileWords(article.file)} ${serviceWords(article.service)} ${splitIdentifiers(article.pageTitle)}`,
      article.description,
      text.headings,
      text.steps,
      text.body,
    );
  }
}

/** The file's name as words: `azurebackup-crc-usererror.md` → "azurebackup crc usererror". */
function fileWords(file: string): string {
  return file
    .slice(file.lastIndexOf("/") + 1)
    .replace(/\.md$/i, "")
    .replace(/[-_.]+/g, " ")
    .replace(/([45](?:xx|0x|\d\d))/gi, " $1 ");
}

/** The service attribute's product part as a word: "microsoft.keyvault" → "keyvault". */
function serviceWords(service: string): string {
  return service.toLowerCase().replace(/^microsoft\./, "").replace(/[-_.]+/g, " ");
}

/**
 * The share of the question's words that the text holds, each word weighted by its idf, compared
 * by their first five letters once a plural "s" is dropped (a crude stem: "roles" is "role"); the
 * best of the question's variants (synonyms).
 */
function coverage(variants: readonly (readonly string[])[], idfs: ReadonlyMap<string, number>, text: string): number {
  const stems = new Set((text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).map(stem));
  let best = 0;
  for (const words of variants) {
    const total = words.reduce((sum, word) => sum + (idfs.get(word) ?? 0), 0);
    if (total <= 0) continue;
    const held = words.reduce((sum, word) => sum + (stems.has(stem(word)) ? (idfs.get(word) ?? 0) : 0), 0);
    best = Math.max(best, held / total);
  }
  return best;
}

function stem(word: string): string {
  return (word.length > 3 ? word.replace(/s$/, "") : word).slice(0, 5);
}

/** PascalCase identifiers as words: "UserErrorKeyVaultPermissionsNotConfigured" → "User Error Key Vault Permissions Not Configured". */
export function splitIdentifiers(text: string): string {
  return (text.match(/\b[A-Z][a-z0-9]+(?:[A-Z][A-Za-z0-9]*)+\b/g) ?? []).map((word) => word.replace(/([a-z0-9])(?=[A-Z])/g, "$1 ")).join(" ");
}

/**
 * Words the articles use for the same thing, as people type them: each rule's phrases stand for
 * one another in a question. Status codes also match the articles' "5xx" / "50x" / "4xx".
 */
const SYNONYMS: readonly (readonly string[])[] = [
  ["app service", "web app"],
  ["vm", "virtual machine"],
  ["vms", "virtual machines"],
  ["aks", "kubernetes service"],
  ["aad", "azure ad", "active directory"],
  ["sspr", "self service password reset"],
  ["mfa", "multi factor authentication"],
  ["rdp", "remote desktop"],
  ["acr", "container registry"],
  ["nsg", "network security group"],
];

// Words too common to tell articles apart; left out so that a question's real terms decide.
const STOP_WORDS = new Set(
  "a an and are as at be but by can can't cannot could do does don't for from get got has have how i i'm in is it it's its me my not of on or says said so t that the this to was what when where which who why will with won't you your".split(" "),
);

/**
 * Turns what a person typed into an FTS5 query: words only (no operators to inject), each
 * quoted, the last one also as a prefix (a word still being typed); any word, or any pair of
 * neighbouring words as a phrase (so "usage location" outranks articles where the two stand
 * apart), or a synonym's phrase. `variants` are the question's words, then the same with each
 * synonym put in.
 */
export function toFtsQuery(text: string): { any: string; variants: string[][] } {
  // Null stands for a common word left out: two words are neighbours only if none stood between
  // them ("removed from the user" is no phrase "removed user").
  const sequence = (text.toLowerCase().match(/[\p{L}\p{N}']+/gu) ?? [])
    .map((word) => (STOP_WORDS.has(word) ? null : word.replace(/'/g, "")))
    .filter((word) => word !== "")
    .slice(0, 64);
  const words = sequence.filter((word): word is string => word !== null).slice(0, 32);
  const distinct = [...new Set(words)];
  if (distinct.length === 0) return { any: "", variants: [] };
  const terms = distinct.map((word, i) => (i === distinct.length - 1 && word.length >= 3 ? `"${word}" OR "${word}"*` : `"${word}"`));
  const phrases = sequence.slice(1).flatMap((word, i) => (word !== null && sequence[i] !== null ? [`"${sequence[i]} ${word}"`] : []));
  const variants = [distinct, ...alternativeWordings(words)].slice(0, MAX_VARIANTS);
  const extra = variants.slice(1).flatMap((variant) => variant.filter((word) => !distinct.includes(word)).map((word) => `"${word}"`));
  return { any: [...new Set([...phrases, ...terms, ...extra])].join(" OR "), variants };
}

const MAX_VARIANTS = 12;

/**
 * The question in the other words articles use for it, each a list of words: synonyms put in
 * (one rule at a time), neighbouring words joined as file names and service names write them
 * ("key vault" → "keyvault"), and HTTP statuses as their family ("503" → "5xx", "50x").
 */
function alternativeWordings(words: string[]): string[][] {
  const joined = ` ${words.join(" ")} `;
  const variants: string[][] = [];
  const put = (from: string, to: string, base = joined) => variants.push([...new Set(base.replace(` ${from} `, ` ${to} `).trim().split(" "))]);
  for (const rule of SYNONYMS) {
    for (const phrase of rule) {
      if (joined.includes(` ${phrase} `)) for (const other of rule) if (other !== phrase) put(phrase, other);
    }
  }
  words.slice(1).forEach((word, i) => {
    if (/^\p{L}{2,}$/u.test(words[i]!) && /^\p{L}{2,}$/u.test(word)) put(`${words[i]} ${word}`, `${words[i]}${word}`);
  });
  for (const word of words) {
    if (/^[45]\d\d$/.test(word)) {
      put(word, `${word[0]}xx`);
      put(word, `${word.slice(0, 2)}x`);
    }
  }
  return variants;
}
