/**
 * The chunks a header read ahead is cut into (loader/headers.ts), claimed from one counter shared
 * by the worker thread and the loading thread. Apart from headers.ts, which loads the parser, so
 * that the loading thread can start the worker before it loads anything else (prefetch.ts).
 */
import type { HeaderSlot } from "./headers";

/**
 * Files in a chunk: what a thread claims at a time, and the worker sends on in one message.
 * Few enough that neither thread waits long for the other's last chunk; enough that the
 * messages cost little.
 */
export const FILES_PER_CHUNK = 100;

/** What the worker tells the loading thread as it reads (readHeaders in headers.ts). */
export type HeaderMessage = { files: string[]; claims: SharedArrayBuffer } | { chunk: number; slots: HeaderSlot[] };

/** The number of chunks of `files`. */
export function chunkCount(files: readonly string[]): number {
  return Math.ceil(files.length / FILES_PER_CHUNK);
}

/** A new counter to claim chunks from, shared between threads. */
export function newClaims(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
}

/** The next chunk nobody has claimed yet, claimed; null when every chunk is. */
export function claimChunk(claims: Int32Array, files: readonly string[]): number | null {
  const chunk = Atomics.add(claims, 0, 1);
  return chunk < chunkCount(files) ? chunk : null;
}

/** The files of one chunk. */
export function chunkFiles(files: readonly string[], chunk: number): readonly string[] {
  return files.slice(chunk * FILES_PER_CHUNK, (chunk + 1) * FILES_PER_CHUNK);
}
