/**
 * Reading every article's header ahead of the load, in a worker thread started first thing at
 * start-up (see prefetchHeaders): the header pass then runs on another core while the server
 * loads its modules, opens its database and starts listening, and the load finds the headers
 * read. What it reads for each file is what the loader's own header pass reads (readSlot in
 * loader.ts): its stamp, its content hash, its header-only article without the body text, and
 * the line of its articleId (for a duplicate's problem, without reading the file again).
 */
import { createHash } from "node:crypto";
import path from "node:path";
import { withoutBody } from "../indexed";
import type { ParseResult } from "../model";
import { articleIdLine, parseFromHeader, readHeader } from "../parser";
import { listArticleFiles } from "../parser/folder";
import { ParseCache } from "./cache";
import { type FileStamp, readStamped, snapshotMatches } from "./snapshot";

/** One file's header as read ahead, or why it could not be read. */
export type HeaderSlot = { file: string; stamp: FileStamp; hash: string; header: ParseResult; articleIdLine: number; error: null } | { file: string; error: string };

/** Every file's header, in the order listArticleFiles gives the files. */
export interface PrefetchedHeaders {
  files: string[];
  slots: HeaderSlot[];
}

/** Slots handed on at a time: the loading thread takes in each batch while the rest are read. */
const SLOTS_PER_BATCH = 500;

/**
 * Reads every header of `dir`, handing them to `send` SLOTS_PER_BATCH at a time in file order
 * (copying 15,000 of them to another thread at once costs about half a second there); resolves
 * to the files, or to null when the library snapshot in `cacheDir` (a version folder) serves the
 * folder as it is (the load will take it, and needs no header read).
 */
export async function readHeaders(dir: string, cacheDir: string | null, send: (slots: HeaderSlot[]) => void): Promise<string[] | null> {
  const files = await listArticleFiles(dir);
  if (cacheDir !== null && snapshotMatches(new ParseCache(cacheDir), dir, files)) return null;
  for (let start = 0; start < files.length; start += SLOTS_PER_BATCH) send(files.slice(start, start + SLOTS_PER_BATCH).map(readSlot));
  return files;

  function readSlot(file: string): HeaderSlot {
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
}
