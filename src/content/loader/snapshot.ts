/**
 * The library snapshot: what a load of the folder resolved to, so that the next start with the
 * same files reads one file instead of every article and its cache entry.
 *
 *   <cache version folder>/library.json      the articles without their bodies, the error codes
 *                                            they name, problems, summary, and each file's stamp
 *   <cache version folder>/index-<id>.fts    the full-text index (SQLite), opened read-only
 *
 * A file's stamp is its size, modification time and inode, taken when the load read it. The
 * snapshot serves a load only if the folder holds exactly the files it lists, each with the same
 * stamp; any other load goes the long way (every file read and hashed) and writes a new one.
 * The bodies stay in the parse cache entries, read per request by their content hash.
 *
 * Writes are atomic (a temporary file, renamed). An index file is never changed once written: a
 * process serving it keeps it open even once a newer snapshot has replaced it and it is removed.
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { threadId } from "node:worker_threads";
import type { IndexedArticle } from "../indexed";
import type { ArticleProblem } from "../model";
import type { FolderSummary } from "../parser";
import { SearchIndex } from "../search-index";
import type { ParseCache } from "./cache";

/** The layout of library.json; bump when it changes. */
const SNAPSHOT_FORMAT = 1;
const SNAPSHOT_FILE = "library.json";
const INDEX_FILE = /^index-[0-9a-f]+\.fts$/;
/** An index file no snapshot names is removed once this old: another process may be building it. */
const UNUSED_INDEX_MS = 10 * 60 * 1000;

/** When a file was read: its size, modification time and inode. */
export type FileStamp = [size: number, mtimeMs: number, inode: number];

export function stampOf(stat: fs.Stats): FileStamp {
  return [stat.size, stat.mtimeMs, stat.ino];
}

/** A file's bytes and its stamp, taken from the same open file; throws when it cannot be read. */
export function readStamped(file: string): { bytes: Buffer; stamp: FileStamp } {
  const fd = fs.openSync(file, "r");
  try {
    const stamp = stampOf(fs.fstatSync(fd));
    return { bytes: fs.readFileSync(fd), stamp };
  } finally {
    fs.closeSync(fd);
  }
}

/** What a load resolves to (see LoadedLibrary in loader.ts). */
export interface SnapshotLibrary {
  articles: IndexedArticle[];
  index: SearchIndex;
  problems: ArticleProblem[];
  summary: FolderSummary;
}

interface SnapshotData {
  format: number;
  version: string;
  files: string[];
  stamps: FileStamp[];
  /** The name of the index file beside it. */
  index: string;
  articles: IndexedArticle[];
  /** Files whose article's displayOrder is -0, which JSON writes as 0. */
  negativeZero: string[];
  problems: ArticleProblem[];
  summary: FolderSummary;
}

/** A new index file for a load to fill, in the cache's folder. */
export function newIndexFile(cache: ParseCache): string {
  return path.join(cache.dir, `index-${randomBytes(8).toString("hex")}.fts`);
}

/**
 * The snapshot's library when the folder's files (`files`, relative to `dir`, as listed) are
 * exactly the ones it lists with the same stamps; else null (no snapshot, another folder's or
 * version's, a file added, removed or changed, or the snapshot unreadable).
 */
export function readSnapshot(cache: ParseCache, dir: string, files: readonly string[]): SnapshotLibrary | null {
  const data = matchingSnapshot(cache, dir, files);
  if (!data) return null;
  let index: SearchIndex;
  try {
    index = new SearchIndex({ file: path.join(cache.dir, data.index), readonly: true });
  } catch {
    return null;
  }
  const negativeZero = new Set(data.negativeZero);
  for (const { article } of data.articles) if (negativeZero.has(article.file)) article.displayOrder = -0;
  return { articles: data.articles, index, problems: data.problems, summary: data.summary };
}

/** Whether the snapshot would serve a load of these files (readSnapshot, without taking it). */
export function snapshotMatches(cache: ParseCache, dir: string, files: readonly string[]): boolean {
  return matchingSnapshot(cache, dir, files) !== null;
}

function matchingSnapshot(cache: ParseCache, dir: string, files: readonly string[]): SnapshotData | null {
  let data: SnapshotData;
  try {
    data = JSON.parse(fs.readFileSync(path.join(cache.dir, SNAPSHOT_FILE), "utf8")) as SnapshotData;
  } catch {
    return null;
  }
  if (data?.format !== SNAPSHOT_FORMAT || data.version !== path.basename(cache.dir) || !Array.isArray(data.files) || !Array.isArray(data.stamps)) return null;
  if (data.files.length !== files.length || typeof data.index !== "string" || !INDEX_FILE.test(data.index)) return null;
  for (let i = 0; i < files.length; i++) {
    if (data.files[i] !== files[i]) return null;
    const stat = fs.statSync(path.join(dir, files[i]!), { throwIfNoEntry: false });
    const stamp = data.stamps[i];
    if (!stat || !stamp || stat.size !== stamp[0] || stat.mtimeMs !== stamp[1] || stat.ino !== stamp[2]) return null;
  }
  return data;
}

/**
 * Writes the snapshot of a load: `library`'s index must be the file `indexFile` in the cache's
 * folder, and `stamps` those of `files` when they were read. Index files of earlier snapshots
 * are removed. Returns false when it could not be written (the next start then loads the long way).
 */
export function writeSnapshot(cache: ParseCache, files: readonly string[], stamps: readonly FileStamp[], library: SnapshotLibrary, indexFile: string): boolean {
  const data: SnapshotData = {
    format: SNAPSHOT_FORMAT,
    version: path.basename(cache.dir),
    files: [...files],
    stamps: [...stamps],
    index: path.basename(indexFile),
    articles: library.articles,
    negativeZero: library.articles.filter(({ article }) => Object.is(article.displayOrder, -0)).map(({ article }) => article.file),
    problems: library.problems,
    summary: library.summary,
  };
  const target = path.join(cache.dir, SNAPSHOT_FILE);
  const replaced = snapshotIndex(target);
  const temp = `${target}.${process.pid}-${threadId}-${randomBytes(4).toString("hex")}.tmp`;
  try {
    fs.writeFileSync(temp, JSON.stringify(data));
    fs.renameSync(temp, target);
  } catch {
    fs.rmSync(temp, { force: true });
    return false;
  }
  removeUnusedIndexes(cache, data.index, replaced);
  return true;
}

/** The name of the index file the snapshot names, or null. */
function snapshotIndex(file: string): string | null {
  try {
    const index = (JSON.parse(fs.readFileSync(file, "utf8")) as Partial<SnapshotData>).index;
    return typeof index === "string" && INDEX_FILE.test(index) ? index : null;
  } catch {
    return null;
  }
}

/**
 * Removes the index files other than `kept`: the replaced snapshot's at once (a process serving
 * it has it open, and keeps reading it), any other once unused for a while (another process's
 * load may be filling it).
 */
function removeUnusedIndexes(cache: ParseCache, kept: string, replaced: string | null): void {
  for (const name of fs.readdirSync(cache.dir)) {
    if (name === kept || !INDEX_FILE.test(name)) continue;
    const file = path.join(cache.dir, name);
    const stat = fs.statSync(file, { throwIfNoEntry: false });
    if (name === replaced || (stat && Date.now() - stat.mtimeMs > UNUSED_INDEX_MS)) fs.rmSync(file, { force: true });
  }
}
