import { Worker } from "node:worker_threads";
import { releaseYoungGenerationFlags } from "../common/worker-heap";

/**
 * SQLite in WAL mode appends every commit to the write-ahead log and, from time to time, copies
 * the log into the database file: a checkpoint, with its fsyncs. Done by the writer, that copy
 * runs inside some unlucky commit and holds the event loop (better-sqlite3 is synchronous): in
 * group licensing it was half the cost of a batch. Here a worker thread with a connection of its
 * own runs a PASSIVE checkpoint every `intervalMs`, which waits for no reader or writer; the
 * writer's own automatic checkpoint (at 64 MiB, see database.ts) stays as the backstop should
 * this thread fall behind.
 */
export class Checkpointer {
  private readonly exited: Promise<void>;

  private constructor(private readonly worker: Worker) {
    this.exited = new Promise((resolve) => worker.once("exit", () => resolve()));
  }

  static start(file: string, intervalMs = 1000): Checkpointer {
    releaseYoungGenerationFlags();
    const worker = new Worker(SOURCE, { eval: true, workerData: { driver: require.resolve("better-sqlite3"), file, intervalMs } });
    // A checkpoint that fails is only postponed (the writer's backstop remains): never fatal.
    worker.on("error", () => undefined);
    worker.unref();
    return new Checkpointer(worker);
  }

  /** Runs a last checkpoint, closes the thread's connection and ends the thread. */
  stop(): Promise<void> {
    this.worker.ref(); // the process waits for it now
    this.worker.postMessage("stop");
    return this.exited;
  }
}

const SOURCE = `
const { workerData, parentPort } = require("node:worker_threads");
const Database = require(workerData.driver);
const db = new Database(workerData.file, { timeout: 1000 });
// A checkpoint copies the log's pages to the file without the page cache: keep it small.
db.pragma("cache_size = -256");
const checkpoint = () => {
  try {
    db.pragma("wal_checkpoint(PASSIVE)");
  } catch {
    // busy: the next round tries again
  }
};
const timer = setInterval(checkpoint, workerData.intervalMs);
parentPort.once("message", () => {
  clearInterval(timer);
  checkpoint();
  db.close();
  parentPort.close();
});
`;
