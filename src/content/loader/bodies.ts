/**
 * Parsing whole articles (headers and bodies) for the loader, in a worker thread (worker.ts) or,
 * with no workers, in the loading thread: the same function either way.
 */
import { createHash } from "node:crypto";
import fsp from "node:fs/promises";
import path from "node:path";
import type { ParseResult } from "../model";
import { parseArticle } from "../parser";
import { ParseCache } from "./cache";

export interface BodyTask {
  file: string;
  /** The hash and header-problem count the loading thread found, if it read the file; see parseBodies. */
  hash: string | null;
  headerProblems: number | null;
}

export interface BodyOutcome {
  file: string;
  /** sha256 of the bytes parsed; null when the file could not be read. */
  hash: string | null;
  /** Null when the file could not be read (see `error`). */
  result: ParseResult | null;
  error: string | null;
}

/** A batch of files sent to a worker thread. */
export interface BodyRequest {
  id: number;
  dir: string;
  /** The cache's version folder, or null for no cache. */
  cacheDir: string | null;
  tasks: BodyTask[];
}

export type BodyReply = { id: number; outcomes: BodyOutcome[] } | { id: number; error: string };

/**
 * Reads and parses each file, and writes its entry in the cache. A file is read again here
 * (from the page cache: cheap) rather than sent over from the loading thread; if its bytes
 * changed since, the header-problem count is computed again for the new bytes.
 */
export async function parseBodies(dir: string, tasks: BodyTask[], cacheDir: string | null): Promise<BodyOutcome[]> {
  const cache = cacheDir === null ? null : new ParseCache(cacheDir);
  const outcomes: BodyOutcome[] = [];
  const writes: Promise<boolean>[] = [];
  for (const task of tasks) {
    let bytes: Buffer;
    try {
      bytes = await fsp.readFile(path.join(dir, task.file));
    } catch (error) {
      outcomes.push({ file: task.file, hash: null, result: null, error: error instanceof Error ? error.message : String(error) });
      continue;
    }
    const hash = createHash("sha256").update(bytes).digest("hex");
    const result = await parseArticle(bytes, task.file);
    outcomes.push({ file: task.file, hash, result, error: null });
    if (!cache) continue;
    const headerProblems =
      hash === task.hash && task.headerProblems !== null
        ? task.headerProblems
        : (await parseArticle(bytes, task.file, { headersOnly: true })).problems.length;
    writes.push(cache.put(hash, { ...result, headerProblems }));
  }
  await Promise.all(writes);
  return outcomes;
}
