/**
 * Worker-thread entry of the article loader (see pool.ts): parses the batches of files it is
 * sent, one at a time, answering each with its outcomes, and keeps their cache entries until
 * it is asked to write them; or reads a folder's headers ahead of its load (headers.ts).
 */
import { parentPort } from "node:worker_threads";
import { collectGarbage } from "../../common/collect-garbage";
import { type BodyReply, type BodyRequest, PendingEntries, parseBodies } from "./bodies";
import { ParseCache } from "./cache";
import { readHeaders } from "./headers";

const port = parentPort;
if (!port) throw new Error("the article loader's worker must run in a worker thread");

let pending: PendingEntries | null = null;
const reply = (message: BodyReply) => port.postMessage(message);
const failure = (id: number, error: unknown): BodyReply => ({ id, error: error instanceof Error ? error.message : String(error) });

port.on("message", (request: BodyRequest) => {
  const cache = request.cacheDir === null ? null : new ParseCache(request.cacheDir);
  if (request.type === "headers") {
    readHeaders(request.dir, request.cacheDir, (headers) => reply({ id: request.id, headers })).then(
      (headerFiles) => reply({ id: request.id, headerFiles }),
      (error: unknown) => reply(failure(request.id, error)),
    );
    return;
  }
  if (request.type === "save") {
    // The parsing is over: the heap it grew to (tens of MB of emptied pages) is given back
    // before the entries are written, rather than held until the worker stops.
    collectGarbage();
    try {
      reply({ id: request.id, saved: cache && pending ? pending.save(cache) : { written: 0, failed: 0 } });
    } catch (error) {
      reply(failure(request.id, error));
    }
    return;
  }
  pending ??= new PendingEntries(cache);
  parseBodies(request.dir, request.tasks, cache, pending).then(
    (outcomes) => reply({ id: request.id, outcomes }),
    (error: unknown) => reply(failure(request.id, error)),
  );
});
