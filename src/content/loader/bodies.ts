/**
 * Parsing whole articles (headers and bodies) for the loader, in a worker thread (worker.ts) or,
 * with no workers, in the loading thread: the same functions either way.
 *
 * Cache entries are not written as files are parsed but spooled (PendingEntries) until `save`,
 * which the loader asks for once the load's result is ready: creating a file is the costliest
 * part of caching a parse (on the machine measured, ~0.1–1 ms of kernel time per new file, about
 * as much as parsing the article), so it is kept out of the time until the server has every
 * article.
 */
import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { threadId } from "node:worker_threads";
import { type IndexedArticle, type IndexedArticleText, indexArticle, indexBody } from "../indexed";
import type { ArticleProblem } from "../model";
import { parseArticleCounted, type ReadHeader, readHeader } from "../parser";
import { ParseCache } from "./cache";
import type { HeaderMessage } from "./header-chunks";

export interface BodyTask {
  file: string;
  /**
   * The file's header as the loading thread read it for onHeaders (readHeader): its body is
   * parsed from it, without reading the header again. (Shared with the header-only article
   * handed to onHeaders until the batch is sent; neither is ever changed.)
   */
  head?: ReadHeader;
  /**
   * Else the file's bytes, as the loading thread read (and hashed) them: sent along rather than
   * read again here (a read costs a few system calls; a copy of a few kilobytes in the message,
   * next to nothing). Without either the file is read.
   */
  bytes?: Uint8Array;
  /**
   * The content hash of the header-only parse the loading thread holds of this file (readHeader's
   * contentHash, else the sha256 of the bytes): when the bytes parsed have it, the outcome comes
   * with the body's part only (BodyOutcome.body) and the loading thread keeps its own header.
   */
  headerHash?: string;
}

/**
 * A file's parse as the loading thread needs it: the article without its body but with what the
 * library's indexes need of it (the body itself goes to the parse cache, never back to the
 * loading thread), and its problems.
 */
export interface IndexedParse {
  /** `text` is the body's text for the full-text index: taken out (deleted) once the index holds it. */
  article: (IndexedArticle & Partial<Pick<IndexedArticleText, "text">>) | null;
  problems: ArticleProblem[];
}

export interface BodyOutcome {
  file: string;
  /** sha256 of the bytes parsed; null when the file could not be read. */
  hash: string | null;
  /** Null when the file could not be read (see `error`). */
  result: IndexedParse | null;
  /**
   * When the task's `headerHash` is the hash of the bytes parsed: what the library needs of the
   * article's body, sent instead of `result.article` (null then). A whole parse's article without
   * its body is the header-only parse's (the same header read), which the loading thread already
   * holds: sending the article again held every article's header fields twice there until the
   * end of a cold load (about 27 MB for the public library), and made as much garbage.
   */
  body?: Omit<IndexedArticleText, "article">;
  error: string | null;
}

/**
 * The cache entries a thread has parsed and not yet written, kept outside the process's memory:
 * appended to one spool file in the cache folder (one open file, no file created per entry),
 * read back by `save`. Kept in memory instead (as strings, then as buffers), a worker's entries
 * of a 15,000-article load came to about 100 MB, and the memory they were held in stayed with
 * the process after they were written (glibc keeps a worker thread's freed small blocks in that
 * thread's arena): a cold start ended about 100 MB larger than a warm one. If the spool cannot be
 * created or written, entries are kept in memory as before.
 */
export class PendingEntries {
  private fd: number | null = null;
  private spool: string | null = null;
  private size = 0;
  /** Spooled entries: hash, offset and length in the spool file. */
  private readonly spooled: { hash: string; offset: number; length: number }[] = [];
  /** Entries kept in memory (no spool). */
  private readonly held: { hash: string; bytes: Buffer }[] = [];
  private scratch = Buffer.alloc(0);

  constructor(private readonly cache: ParseCache | null) {}

  get length(): number {
    return this.spooled.length + this.held.length;
  }

  add(hash: string, text: string): void {
    const bytes = Buffer.from(text);
    if (this.cache && this.open(this.cache)) {
      try {
        const written = fs.writeSync(this.fd!, bytes, 0, bytes.length, this.size);
        if (written === bytes.length) {
          this.spooled.push({ hash, offset: this.size, length: bytes.length });
          this.size += bytes.length;
          return;
        }
      } catch {
        // Held in memory below.
      }
    }
    this.held.push({ hash, bytes });
  }

  /** Writes up to `limit` of the entries as cache entries; the spool is removed once all are. */
  save(cache: ParseCache, limit = Number.POSITIVE_INFINITY): SaveCount {
    const count: SaveCount = { written: 0, failed: 0 };
    const write = (hash: string, bytes: Buffer | null) => {
      if (bytes && cache.write(hash, bytes)) count.written += 1;
      else count.failed += 1;
    };
    for (const { hash, bytes } of this.held.splice(0, Math.min(limit, this.held.length))) write(hash, bytes);
    for (const { hash, offset, length } of this.spooled.splice(0, Math.min(limit - count.written - count.failed, this.spooled.length))) {
      write(hash, this.readBack(offset, length));
    }
    if (this.spooled.length === 0) this.close();
    return count;
  }

  /** Removes the spool (its entries unwritten). */
  close(): void {
    if (this.fd !== null) fs.closeSync(this.fd);
    if (this.spool !== null) fs.rmSync(this.spool, { force: true });
    this.fd = null;
    this.spool = null;
    this.size = 0;
    this.spooled.length = 0;
  }

  private open(cache: ParseCache): boolean {
    if (this.fd !== null) return true;
    if (this.spool !== null) return false; // tried, and failed
    // Ends in .tmp: a spool left by a crash is removed by ParseCache.prune.
    this.spool = path.join(cache.dir, `spool-${process.pid}-${threadId}-${randomBytes(4).toString("hex")}.tmp`);
    try {
      this.fd = fs.openSync(this.spool, "w+");
      return true;
    } catch {
      return false;
    }
  }

  /**
   * An entry's bytes, in a buffer reused from one entry to the next (valid until the next call):
   * a new buffer each lives outside the heap until a collection frees it, and while a worker
   * wrote its entries of a cold load of the public library the process grew by tens of MB.
   */
  private readBack(offset: number, length: number): Buffer | null {
    try {
      if (this.scratch.length < length) this.scratch = Buffer.allocUnsafeSlow(Math.max(length, this.scratch.length * 2));
      const bytes = this.scratch.subarray(0, length);
      return fs.readSync(this.fd!, bytes, 0, length, offset) === length ? bytes : null;
    } catch {
      return null;
    }
  }
}

export interface SaveCount {
  /** Cache entries written. */
  written: number;
  /** Cache entries that could not be written (the files are parsed again on the next load). */
  failed: number;
}

/**
 * Messages to a worker thread: parse a batch of files, write the cache entries kept so far, or
 * read every header of a folder ahead of its load (loader/headers.ts).
 */
export type BodyRequest =
  | { type: "parse"; id: number; dir: string; cacheDir: string | null; tasks: BodyTask[] }
  | { type: "save"; id: number; cacheDir: string | null }
  | { type: "headers"; id: number; dir: string; cacheDir: string | null };

export type BodyReply =
  | { id: number; outcomes: BodyOutcome[] }
  | { id: number; saved: SaveCount }
  | { id: number; headers: HeaderMessage }
  | { id: number; headerFiles: string[] | null }
  | { id: number; error: string };

/**
 * Parses each file (its bytes from the task, else read, synchronously: see ParseCache.get);
 * with a cache, adds its entry to `pending`, with the header-problem count of the same parse.
 */
export async function parseBodies(dir: string, tasks: BodyTask[], cache: ParseCache | null, pending: PendingEntries): Promise<BodyOutcome[]> {
  const outcomes: BodyOutcome[] = [];
  for (const task of tasks) {
    let read: ReadHeader;
    let hash: string;
    if (task.head?.head) {
      read = task.head;
      hash = task.head.head.contentHash;
    } else {
      let bytes: Buffer;
      try {
        // A Buffer sent to a worker thread arrives as a plain Uint8Array: viewed as a Buffer again, not copied.
        bytes = task.bytes ? Buffer.from(task.bytes.buffer, task.bytes.byteOffset, task.bytes.byteLength) : fs.readFileSync(path.join(dir, task.file));
      } catch (error) {
        outcomes.push({ file: task.file, hash: null, result: null, error: error instanceof Error ? error.message : String(error) });
        continue;
      }
      read = readHeader(bytes, task.file);
      hash = read.head?.contentHash ?? createHash("sha256").update(bytes).digest("hex");
    }
    const { article, problems, headerProblems } = parseArticleCounted(read);
    if (article && hash === task.headerHash) outcomes.push({ file: task.file, hash, result: { article: null, problems }, body: indexBody(article), error: null });
    else outcomes.push({ file: task.file, hash, result: { article: article && indexArticle(article), problems }, error: null });
    if (cache) pending.add(hash, cache.encode(hash, { article, problems, headerProblems }));
  }
  return outcomes;
}
