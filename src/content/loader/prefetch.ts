/**
 * Reading a library's headers ahead of its load, from the first moments of start-up: see
 * loader/headers.ts. Only what starts the worker is imported here, so that it starts before the
 * server's own modules are loaded.
 */
import path from "node:path";
import type { Config } from "../../config";
import type { BodyReply, BodyRequest } from "./bodies";
import { articleCacheRoot, cacheVersion } from "./cache";
import { chunkCount, chunkFiles, claimChunk, type HeaderMessage } from "./header-chunks";
import type { HeaderSlot, PrefetchedHeaders } from "./headers";
import { startWorker } from "./start-worker";

/**
 * The headers being read ahead: resolves to them (see prefetchHeaders). help() says that this
 * thread has nothing else to do until they are in: from then on it reads chunks of them too,
 * a few files between two turns of its event loop.
 */
export interface HeadersAhead extends Promise<PrefetchedHeaders | null> {
  help(): void;
}

/** The headers of the server's articles folder, read ahead for its load (ContentService.load). */
export function prefetchArticleHeaders(config: Pick<Config, "articlesDir" | "database">): HeadersAhead {
  return prefetchHeaders(config.articlesDir, path.join(articleCacheRoot(config.database), cacheVersion()));
}

/**
 * Starts a worker thread that reads the headers of `dir` (loader/headers.ts) and then stops.
 * Resolves to the headers; to null when the library snapshot of `cacheDir` (a version folder)
 * serves the folder as it is, or when they could not be read there (the load reads them itself).
 */
export function prefetchHeaders(dir: string, cacheDir: string | null): HeadersAhead {
  let worker: ReturnType<typeof startWorker>;
  try {
    worker = startWorker();
  } catch {
    worker = null;
  }
  if (!worker) return Object.assign(Promise.resolve(null), { help: () => undefined });
  const running = worker;
  const read = new ChunksRead(dir);
  const done = new Promise<PrefetchedHeaders | null>((resolve) => {
    read.settle = resolve;
    running.on("message", (reply: BodyReply) => {
      if ("headers" in reply) read.take(reply.headers);
      else read.workerDone("headerFiles" in reply && reply.headerFiles !== null);
    });
    running.once("error", () => read.fail());
    running.once("exit", () => read.fail());
    const request: BodyRequest = { type: "headers", id: 0, dir, cacheDir };
    running.postMessage(request);
  }).finally(() => void running.terminate());
  return Object.assign(done, { help: () => read.help() });
}

/**
 * Files this thread reads between two turns of its event loop while it helps: its requests
 * (a probe, a lookup) and the load's own file system calls wait for no more than a few
 * milliseconds of header reads.
 */
const FILES_PER_TURN = 20;

/** The chunks of headers in so far, from the worker and from this thread's own reading. */
class ChunksRead {
  settle: (headers: PrefetchedHeaders | null) => void = () => undefined;
  private files: string[] | null = null;
  private claims: Int32Array | null = null;
  private readonly chunks: HeaderSlot[][] = [];
  private chunksIn = 0;
  private chunksReadHere = 0;
  /** The worker's part; "failed" also when this thread's own reading failed (the load then reads every header itself). */
  private worker: "reading" | "done" | "failed" = "reading";
  /** Whether help() was called, and whether this thread is reading a chunk now. */
  private helping: "no" | "asked" | "reading" = "no";
  private settled = false;

  constructor(private readonly dir: string) {}

  take(message: HeaderMessage): void {
    if ("claims" in message) {
      this.files = message.files;
      this.claims = new Int32Array(message.claims);
      if (this.helping === "asked") void this.read();
      return;
    }
    this.chunks[message.chunk] = message.slots;
    this.chunksIn += 1;
  }

  workerDone(ok: boolean): void {
    if (this.worker !== "reading") return;
    this.worker = ok && this.files ? "done" : "failed";
    this.complete();
  }

  fail(): void {
    if (this.worker === "reading") this.worker = "failed";
    this.complete();
  }

  help(): void {
    if (this.helping !== "no") return;
    this.helping = "asked";
    if (this.files) void this.read();
  }

  private async read(): Promise<void> {
    const { files, claims } = this;
    if (!files || !claims || this.helping === "reading") return;
    this.helping = "reading";
    // Required only now: by then the loading thread has loaded the parser for the load anyway.
    const { readHeaderSlots } = require("./headers") as typeof import("./headers");
    try {
      for (let chunk = claimChunk(claims, files); chunk !== null && !this.settled; chunk = claimChunk(claims, files)) {
        const slots: HeaderSlot[] = [];
        const inChunk = chunkFiles(files, chunk);
        for (let start = 0; start < inChunk.length; start += FILES_PER_TURN) {
          // Copied, as the worker's slots are: their strings are then their own, not slices that
          // would keep each file's whole text alive as long as the library keeps its header.
          slots.push(...structuredClone(readHeaderSlots(this.dir, inChunk.slice(start, start + FILES_PER_TURN))));
          await new Promise((next) => setImmediate(next));
        }
        this.chunks[chunk] = slots;
        this.chunksIn += 1;
        this.chunksReadHere += 1;
      }
    } catch {
      this.worker = "failed";
    }
    this.helping = "asked";
    this.complete();
  }

  private complete(): void {
    if (this.settled || this.helping === "reading") return;
    if (this.worker === "failed") return this.finish(null);
    const files = this.files;
    if (this.worker === "done" && files && this.chunksIn === chunkCount(files)) this.finish({ files, slots: this.chunks.flat(), chunksReadHere: this.chunksReadHere });
  }

  private finish(headers: PrefetchedHeaders | null): void {
    this.settled = true;
    this.settle(headers);
  }
}
