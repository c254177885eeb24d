/**
 * Parsing whole articles (headers and bodies) for the loader, in a worker thread (worker.ts) or,
 * with no workers, in the loading thread: the same functions either way.
 *
 * Cache entries are not written as files are parsed but kept (encoded) until `saveEntries`,
 * which the loader asks for once the load's result is ready: creating a file is the costliest
 * part of caching a parse (on the machine measured, ~0.1–1 ms of kernel time per new file, about
 * as much as parsing the article), so it is kept out of the time until the server has every
 * article.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { ParseResult } from "../model";
import { parseArticleCounted, type ReadHeader, readHeader } from "../parser";
import { ParseCache } from "./cache";

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
}

export interface BodyOutcome {
  file: string;
  /** sha256 of the bytes parsed; null when the file could not be read. */
  hash: string | null;
  /** Null when the file could not be read (see `error`). */
  result: ParseResult | null;
  error: string | null;
}

/**
 * A cache entry waiting to be written, as UTF-8 bytes outside the JavaScript heap. Kept as
 * strings, a worker's entries grew its heap by about 200 MB over a 15,000-article load, copied by
 * its young-generation collections on the way into the old generation; as buffers the process
 * ends such a load with about 200 MB less resident.
 */
export interface PendingEntry {
  hash: string;
  bytes: Buffer;
}

export interface SaveCount {
  /** Cache entries written. */
  written: number;
  /** Cache entries that could not be written (the files are parsed again on the next load). */
  failed: number;
}

/** Messages to a worker thread: parse a batch of files, or write the cache entries kept so far. */
export type BodyRequest =
  | { type: "parse"; id: number; dir: string; cacheDir: string | null; tasks: BodyTask[] }
  | { type: "save"; id: number; cacheDir: string | null };

export type BodyReply = { id: number; outcomes: BodyOutcome[] } | { id: number; saved: SaveCount } | { id: number; error: string };

/**
 * Parses each file (its bytes from the task, else read, synchronously: see ParseCache.get);
 * with a cache, adds its entry to `pending`, with the header-problem count of the same parse.
 */
export async function parseBodies(dir: string, tasks: BodyTask[], cache: ParseCache | null, pending: PendingEntry[]): Promise<BodyOutcome[]> {
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
    const result: ParseResult = { article, problems };
    outcomes.push({ file: task.file, hash, result, error: null });
    if (cache) pending.push({ hash, bytes: Buffer.from(cache.encode(hash, { ...result, headerProblems })) });
  }
  return outcomes;
}

/** Writes up to `limit` of the pending entries (removing them from `pending`). */
export function saveEntries(cache: ParseCache, pending: PendingEntry[], limit = Number.POSITIVE_INFINITY): SaveCount {
  const count: SaveCount = { written: 0, failed: 0 };
  for (const { hash, bytes } of pending.splice(0, Math.min(limit, pending.length))) {
    if (cache.write(hash, bytes)) count.written += 1;
    else count.failed += 1;
  }
  return count;
}
