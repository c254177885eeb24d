/**
 * Reading every article's header ahead of the load, in a worker thread started first thing at
 * start-up (see prefetchHeaders): the header pass then runs on another core while the server
 * loads its modules, opens its database and starts listening, and the load finds the headers
 * read. What it reads for each file is what the loader's own header pass reads (readSlot in
 * loader.ts): its stamp, its content hash, its header-only article without the body text, and
 * the line of its articleId (for a duplicate's problem, without reading the file again).
 *
 * The files are read in chunks that the worker and the loading thread claim from one shared
 * counter: once the server listens, the loading thread has nothing to do but wait for the
 * headers, so it reads chunks too (HeadersAhead.help), and the two cores share the pass.
 */
import { createHash } from "node:crypto";
import path from "node:path";
import { withoutBody } from "../indexed";
import type { ParseResult } from "../model";
import { articleIdLine, parseFromHeader, readHeader } from "../parser";
import { listArticleFiles } from "../parser/folder";
import { ParseCache } from "./cache";
import { chunkFiles, claimChunk, type HeaderMessage, newClaims } from "./header-chunks";
import { type FileStamp, readStamped, snapshotMatches } from "./snapshot";

/** One file's header as read ahead, or why it could not be read. */
export type HeaderSlot = { file: string; stamp: FileStamp; hash: string; header: ParseResult; articleIdLine: number; error: null } | { file: string; error: string };

/** Every file's header, in the order listArticleFiles gives the files. */
export interface PrefetchedHeaders {
  files: string[];
  slots: HeaderSlot[];
  /** Chunks of them the loading thread read itself (HeadersAhead.help), of chunkCount(files). */
  chunksReadHere: number;
}

/**
 * Reads every header of `dir` that this thread claims: first sends the files, with the counter
 * the chunks are claimed from (the loading thread may claim chunks too), then each chunk it
 * claims, as it is read. Resolves to the files once no chunk is left to claim; to null when the
 * library snapshot in `cacheDir` (a version folder) serves the folder as it is (the load will
 * take it, and needs no header read).
 */
export async function readHeaders(dir: string, cacheDir: string | null, send: (message: HeaderMessage) => void): Promise<string[] | null> {
  const files = await listArticleFiles(dir);
  if (cacheDir !== null && snapshotMatches(new ParseCache(cacheDir), dir, files)) return null;
  const claims = newClaims();
  send({ files, claims: claims.buffer as SharedArrayBuffer });
  for (let chunk = claimChunk(claims, files); chunk !== null; chunk = claimChunk(claims, files)) send({ chunk, slots: readHeaderSlots(dir, chunkFiles(files, chunk)) });
  return files;
}

/** The headers of these files of `dir`. */
export function readHeaderSlots(dir: string, files: readonly string[]): HeaderSlot[] {
  return files.map((file) => readSlot(dir, file));
}

function readSlot(dir: string, file: string): HeaderSlot {
  let bytes: Buffer;
  let stamp: FileStamp;
  try {
    ({ bytes, stamp } = readStamped(path.join(dir, file)));
  } catch (error) {
    return { file, error: error instanceof Error ? error.message : String(error) };
  }
  const read = readHeader(bytes, file);
  const { article, problems } = parseFromHeader(read, { headersOnly: true });
  const hash = read.head?.contentHash ?? createHash("sha256").update(bytes).digest("hex");
  return { file, stamp, hash, header: { article: article && withoutBody(article), problems }, articleIdLine: articleIdLine(read), error: null };
}
