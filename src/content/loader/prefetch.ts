/**
 * Reading a library's headers ahead of its load, from the first moments of start-up: see
 * loader/headers.ts. Only what starts the worker is imported here, so that it starts before the
 * server's own modules are loaded.
 */
import path from "node:path";
import type { Config } from "../../config";
import type { BodyReply, BodyRequest } from "./bodies";
import { articleCacheRoot, cacheVersion } from "./cache";
import type { HeaderSlot, PrefetchedHeaders } from "./headers";
import { startWorker } from "./start-worker";

/** The headers of the server's articles folder, read ahead for its load (ContentService.load). */
export function prefetchArticleHeaders(config: Pick<Config, "articlesDir" | "database">): Promise<PrefetchedHeaders | null> {
  return prefetchHeaders(config.articlesDir, path.join(articleCacheRoot(config.database), cacheVersion()));
}

/**
 * Starts a worker thread that reads every header of `dir` (loader/headers.ts) and then stops.
 * Resolves to the headers; to null when the library snapshot of `cacheDir` (a version folder)
 * serves the folder as it is, or when they could not be read there (the load reads them itself).
 */
export function prefetchHeaders(dir: string, cacheDir: string | null): Promise<PrefetchedHeaders | null> {
  let worker: ReturnType<typeof startWorker>;
  try {
    worker = startWorker();
  } catch {
    worker = null;
  }
  if (!worker) return Promise.resolve(null);
  const running = worker;
  const slots: HeaderSlot[] = [];
  return new Promise<PrefetchedHeaders | null>((resolve) => {
    running.on("message", (reply: BodyReply) => {
      if ("headerSlots" in reply) slots.push(...reply.headerSlots);
      else resolve("headerFiles" in reply && reply.headerFiles && reply.headerFiles.length === slots.length ? { files: reply.headerFiles, slots } : null);
    });
    running.once("error", () => resolve(null));
    running.once("exit", () => resolve(null));
    const request: BodyRequest = { type: "headers", id: 0, dir, cacheDir };
    running.postMessage(request);
  }).finally(() => void running.terminate());
}
