/**
 * Worker-thread entry of the article loader (see pool.ts): parses the batches of files it is
 * sent, one at a time, and answers each with its outcomes.
 */
import { parentPort } from "node:worker_threads";
import { type BodyReply, type BodyRequest, parseBodies } from "./bodies";

const port = parentPort;
if (!port) throw new Error("the article loader's worker must run in a worker thread");

port.on("message", (request: BodyRequest) => {
  parseBodies(request.dir, request.tasks, request.cacheDir).then(
    (outcomes) => port.postMessage({ id: request.id, outcomes } satisfies BodyReply),
    (error: unknown) => port.postMessage({ id: request.id, error: error instanceof Error ? error.message : String(error) } satisfies BodyReply),
  );
});
