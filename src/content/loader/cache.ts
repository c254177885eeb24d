/**
 * The parse cache: one JSON file per content hash (sha256 of the article file's bytes) holding
 * the file's ParseResult, so a restart parses only the files that changed.
 *
 *   <cacheDir>/v<ENTRY_FORMAT>-<PARSER_VERSION>-<fingerprint>/<sha256>.json
 *
 * The folder name changes whenever the cache could hold outdated parses: the entry layout
 * (ENTRY_FORMAT), PARSER_VERSION, or the text of any file in src/content/parser/ (the
 * fingerprint). Entries whose hash no file has any more are removed after a load, and so are
 * the folders of other versions once unused for a week. Each entry repeats its version and hash; one that does not match, or does not
 * read as JSON, is ignored, and the file is parsed again and its entry rewritten. Entries are
 * written to a temporary file and renamed, so a reader never sees half an entry (and a load
 * interrupted while writing them only leaves files to parse again).
 *
 * A parse does not depend on the file's path except for the `file` fields, which are set to
 * the reading file on a hit (two files with the same bytes share one entry).
 *
 * Keep one cache folder per articles folder: pruning removes what the current folder lacks.
 */
import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import fsp from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { threadId } from "node:worker_threads";
import type { Database } from "../../config";
import type { Article, ArticleProblem, ParseResult } from "../model";

/**
 * Bump whenever the parser's output for the same bytes changes and no file in
 * src/content/parser/ changed with it: a remark / remark-gfm / gray-matter upgrade, a change in
 * src/content/model.ts or in a helper the parser imports from elsewhere. (Edits inside
 * src/content/parser/ change the fingerprint and invalidate the cache by themselves.)
 */
// 2: recommended steps under every sub-heading of the section, and paragraphs as steps.
// 3: bodies without their JSON metadata blocks (markdown, search text), which Article.metadata
// holds apart; an earlier entry's markdown still holds authors' addresses and routing data.
export const PARSER_VERSION = 3;

/** The layout of CacheEntry; bump when it changes. */
const ENTRY_FORMAT = 1;

/** Temporary files older than this are left over from a crash and removed when pruning. */
const STALE_TEMP_MS = 10 * 60 * 1000;
/**
 * The folder of another version is removed once unused for this long: it may belong to another
 * build sharing the cache folder (jest runs the TypeScript sources, whose fingerprint differs
 * from the compiled server's), which would otherwise lose its cache at each of our loads.
 */
const OTHER_VERSION_TTL_MS = 7 * 24 * 60 * 60 * 1000;
/** Touched at each load: when the version folder was last used. */
const USED_MARK = ".last-used";

/** A cached parse: the file's ParseResult and how many of its problems a header-only parse reports. */
export interface CachedParse extends ParseResult {
  /** problems.slice(0, headerProblems) are those of parseArticle(bytes, file, { headersOnly: true }). */
  headerProblems: number;
}

interface CacheEntry {
  format: number;
  version: string;
  hash: string;
  headerProblems: number;
  /** article.displayOrder was -0, which JSON writes as 0. */
  negativeZero?: true;
  article: Article | null;
  problems: ArticleProblem[];
}

const ENTRY_NAME = /^[0-9a-f]{64}\.json$/;
const VERSION_DIR = /^v\d+-\d+-[0-9a-f]+$/;

/**
 * Where the parse cache of a server lives: beside its SQLite file, or (PostgreSQL, an in-memory
 * database) in the system's temporary folder.
 */
export function articleCacheRoot(database: Database): string {
  const dataDir = database.kind === "sqlite" && database.file !== ":memory:" ? path.dirname(database.file) : os.tmpdir();
  return path.join(dataDir, "article-cache");
}

/** The version key: entry format, PARSER_VERSION and a hash of the parser's source (or compiled) files. */
export function cacheVersion(): string {
  const parserDir = path.join(__dirname, "..", "parser");
  const hash = createHash("sha256");
  try {
    for (const name of fs.readdirSync(parserDir).sort()) {
      if (!/\.(ts|js)$/.test(name) || name.endsWith(".d.ts")) continue;
      hash.update(name).update("\0").update(fs.readFileSync(path.join(parserDir, name))).update("\0");
    }
  } catch {
    hash.update("unknown");
  }
  return `v${ENTRY_FORMAT}-${PARSER_VERSION}-${hash.digest("hex").slice(0, 16)}`;
}

export class ParseCache {
  /** `dir` is the version folder (see `open`); workers are handed it as is. */
  constructor(readonly dir: string) {}

  private get version(): string {
    return path.basename(this.dir);
  }

  /** The cache under `root` for this parser, its folder created; null when it cannot be created. */
  static async open(root: string): Promise<ParseCache | null> {
    const dir = path.join(root, cacheVersion());
    try {
      await fsp.mkdir(dir, { recursive: true });
      await fsp.writeFile(path.join(dir, USED_MARK), "");
      return new ParseCache(dir);
    } catch {
      return null;
    }
  }

  /** The hashes that have an entry (one readdir, so that looking up a file not cached costs nothing). */
  async hashes(): Promise<Set<string>> {
    const names = await fsp.readdir(this.dir).catch(() => [] as string[]);
    return new Set(names.filter((name) => ENTRY_NAME.test(name)).map((name) => name.slice(0, 64)));
  }

  /**
   * The cached parse of the bytes with this hash, relabelled for `file`; null when absent or
   * unusable. Reads and writes are synchronous: the loader makes thousands of small ones, and
   * fs.promises costs several times more per file (a thread-pool round trip for each of open,
   * stat, read and close); the loading thread yields between batches of files instead.
   */
  get(hash: string, file: string): CachedParse | null {
    let text: string;
    try {
      text = fs.readFileSync(this.entryPath(hash), "utf8");
    } catch {
      return null;
    }
    let entry: Partial<CacheEntry>;
    try {
      entry = JSON.parse(text) as Partial<CacheEntry>;
    } catch {
      return null;
    }
    if (!this.isUsable(entry, hash)) return null;
    const { article, problems, headerProblems } = entry as CacheEntry;
    if (article) {
      article.file = file;
      if (entry.negativeZero) article.displayOrder = -0;
    }
    for (const problem of problems) problem.file = file;
    return { article, problems, headerProblems };
  }

  /** The text of the entry for a parse (JSON). */
  encode(hash: string, parse: CachedParse): string {
    const entry: CacheEntry = {
      format: ENTRY_FORMAT,
      version: this.version,
      hash,
      headerProblems: parse.headerProblems,
      ...(parse.article && Object.is(parse.article.displayOrder, -0) ? { negativeZero: true as const } : {}),
      article: parse.article,
      problems: parse.problems,
    };
    return JSON.stringify(entry);
  }

  /** Writes an entry atomically (a temporary file, renamed); false when it could not be written. */
  write(hash: string, content: string | Uint8Array): boolean {
    const target = this.entryPath(hash);
    const temp = `${target}.${process.pid}-${threadId}-${randomBytes(4).toString("hex")}.tmp`;
    try {
      fs.writeFileSync(temp, content);
      fs.renameSync(temp, target);
      return true;
    } catch {
      fs.rmSync(temp, { force: true });
      return false;
    }
  }

  /**
   * Removes the entries whose hash is not in `live`, temporary files left by a crash, and the
   * folders of other versions unused for a week. Returns how many entries were removed.
   */
  async prune(live: ReadonlySet<string>): Promise<number> {
    let removed = 0;
    const names = await fsp.readdir(this.dir).catch(() => [] as string[]);
    for (const name of names) {
      const file = path.join(this.dir, name);
      if (ENTRY_NAME.test(name)) {
        if (live.has(name.slice(0, 64))) continue;
        if (await remove(file)) removed += 1;
      } else if (name.endsWith(".tmp")) {
        const stat = await fsp.stat(file).catch(() => null);
        if (stat && Date.now() - stat.mtimeMs > STALE_TEMP_MS) await remove(file);
      }
    }
    const root = path.dirname(this.dir);
    for (const name of await fsp.readdir(root).catch(() => [] as string[])) {
      if (name === this.version || !VERSION_DIR.test(name)) continue;
      const other = path.join(root, name);
      const used = await fsp.stat(path.join(other, USED_MARK)).catch(() => fsp.stat(other).catch(() => null));
      if (used && Date.now() - used.mtimeMs > OTHER_VERSION_TTL_MS) await fsp.rm(other, { recursive: true, force: true }).catch(() => undefined);
    }
    return removed;
  }

  entryPath(hash: string): string {
    return path.join(this.dir, `${hash}.json`);
  }

  private isUsable(entry: Partial<CacheEntry>, hash: string): boolean {
    if (typeof entry !== "object" || entry === null) return false;
    if (entry.format !== ENTRY_FORMAT || entry.version !== this.version || entry.hash !== hash) return false;
    if (typeof entry.headerProblems !== "number" || !Array.isArray(entry.problems)) return false;
    if (entry.problems.some((problem) => typeof problem !== "object" || problem === null)) return false;
    const { article } = entry;
    if (article === null) return true;
    return (
      typeof article === "object" &&
      article !== undefined &&
      typeof article.articleId === "string" &&
      Array.isArray(article.sections) &&
      Array.isArray(article.metadata)
    );
  }
}

async function remove(file: string): Promise<boolean> {
  try {
    await fsp.unlink(file);
    return true;
  } catch {
    return false;
  }
}
