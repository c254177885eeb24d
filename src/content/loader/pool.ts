/**
 * Worker threads for the article loader, and the sharding of files across them.
 *
 * Which worker script: in the built server this file is dist/src/content/loader/pool.js and
 * the worker is the compiled worker.js next to it, started with a plain `new Worker(path)`.
 * Run from the TypeScript sources instead (jest with ts-jest), there is no worker.js; the worker
 * is then started from a few lines of JavaScript that teach `require` to load `.ts` files with
 * TypeScript's transpileModule (as ts-jest does, file by file) and require worker.ts. So tests
 * run the same worker code as production, only transpiled on the fly. If TypeScript cannot be
 * found there, or a worker fails to start or dies, its files are parsed in this thread.
 */
import path from "node:path";
import { Worker } from "node:worker_threads";
import { type BodyOutcome, type BodyReply, type BodyRequest, type BodyTask, parseBodies } from "./bodies";

/** Parses batches of files somewhere: in a worker thread or in this thread. */
export interface BodyRunner {
  run(tasks: BodyTask[]): Promise<BodyOutcome[]>;
  close(): Promise<void>;
}

/** Registers a `.ts` loader (TypeScript's transpileModule) in the worker, then runs the worker entry. */
const TYPESCRIPT_BOOTSTRAP = `
const fs = require("node:fs");
const { workerData } = require("node:worker_threads");
const ts = require(workerData.typescript);
require.extensions[".ts"] = (module, filename) => {
  const { outputText } = ts.transpileModule(fs.readFileSync(filename, "utf8"), {
    fileName: filename,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true, isolatedModules: true },
  });
  module._compile(outputText, filename);
};
require(workerData.entry);
`;

/** Starts a worker thread; null when no worker script can run here. */
function startWorker(): Worker | null {
  if (__filename.endsWith(".js")) return new Worker(path.join(__dirname, "worker.js"));
  let typescript: string;
  try {
    typescript = require.resolve("typescript");
  } catch {
    return null;
  }
  return new Worker(TYPESCRIPT_BOOTSTRAP, { eval: true, workerData: { typescript, entry: path.join(__dirname, "worker.ts") } });
}

/** A worker thread parsing one batch at a time; it rejects every batch once the thread has failed. */
export function workerRunner(dir: string, cacheDir: string | null): BodyRunner | null {
  const worker = startWorker();
  if (!worker) return null;
  let nextId = 0;
  let failure: Error | null = null;
  const pending = new Map<number, { resolve: (outcomes: BodyOutcome[]) => void; reject: (error: Error) => void }>();
  const fail = (error: Error): void => {
    failure ??= error;
    for (const { reject } of pending.values()) reject(failure);
    pending.clear();
  };
  worker.on("message", (reply: BodyReply) => {
    const waiting = pending.get(reply.id);
    pending.delete(reply.id);
    if (!waiting) return;
    if ("error" in reply) waiting.reject(new Error(reply.error));
    else waiting.resolve(reply.outcomes);
  });
  worker.on("error", (error) => fail(error));
  worker.on("exit", (code) => fail(new Error(`the worker thread exited (code ${code})`)));
  return {
    run(tasks) {
      if (failure) return Promise.reject(failure);
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        worker.postMessage({ id, dir, cacheDir, tasks } satisfies BodyRequest);
      });
    },
    async close() {
      await worker.terminate();
    },
  };
}

/** Parses in this thread, yielding to the event loop between batches (lookups on the headers go on meanwhile). */
export function inThreadRunner(dir: string, cacheDir: string | null): BodyRunner {
  return {
    async run(tasks) {
      await new Promise((resolve) => setImmediate(resolve));
      return parseBodies(dir, tasks, cacheDir);
    },
    async close() {},
  };
}

export interface ShardOptions {
  /** Worker threads to start at most. */
  workers: number;
  /** A worker thread is started for every this many files added (the first one too). */
  filesPerWorker: number;
  /** Files per batch. */
  batchSize: number;
  startWorker: () => BodyRunner | null;
  inThread: () => BodyRunner;
}

export interface ShardResult {
  outcomes: Map<string, BodyOutcome>;
  /** Worker threads started. */
  workers: number;
  /** Why worker threads failed, if any did (their files were parsed by another runner). */
  errors: string[];
}

/**
 * Shards files across worker threads while they are being found: files are added one by one,
 * grouped in batches, and each batch goes to the next free worker (so a slow batch holds up
 * no other). Workers are started as files come, one per `filesPerWorker` files, up to
 * `workers`: a load with a few changed files parses them in this thread rather than pay for a
 * worker's start. A batch whose runner fails goes back to the queue and that runner gets no
 * more; `finish` parses what is left, or everything when no worker was started, in this thread.
 */
export class Shards {
  private readonly queue: BodyTask[][] = [];
  private batch: BodyTask[] = [];
  private added = 0;
  private closed = false;
  private canStart = true;
  private readonly waiting: ((batch: BodyTask[] | undefined) => void)[] = [];
  private readonly runners: BodyRunner[] = [];
  private readonly drains: Promise<void>[] = [];
  private readonly outcomes = new Map<string, BodyOutcome>();
  private readonly errors: string[] = [];

  constructor(private readonly options: ShardOptions) {}

  add(task: BodyTask): void {
    this.added += 1;
    this.batch.push(task);
    if (this.batch.length >= this.options.batchSize) this.flush();
    const { workers, filesPerWorker } = this.options;
    while (this.canStart && this.runners.length < workers && this.added >= filesPerWorker * (this.runners.length + 1)) this.start();
  }

  /** Waits for every file added so far to be parsed. */
  async finish(): Promise<ShardResult> {
    this.flush();
    this.closed = true;
    for (const wake of this.waiting.splice(0)) wake(undefined);
    await Promise.all(this.drains);
    if (this.queue.length > 0) await this.drain(this.options.inThread());
    if (this.queue.length > 0) throw new Error(`the articles could not be parsed: ${this.errors.join("; ")}`);
    return { outcomes: this.outcomes, workers: this.runners.length, errors: this.errors };
  }

  /** Stops the worker threads. */
  async close(): Promise<void> {
    this.closed = true;
    for (const wake of this.waiting.splice(0)) wake(undefined);
    await Promise.all(this.runners.map((runner) => runner.close()));
  }

  private start(): void {
    let runner: BodyRunner | null = null;
    try {
      runner = this.options.startWorker();
    } catch (error) {
      this.errors.push(error instanceof Error ? error.message : String(error));
    }
    if (!runner) {
      this.canStart = false;
      return;
    }
    this.runners.push(runner);
    this.drains.push(this.drain(runner));
  }

  private flush(): void {
    if (this.batch.length === 0) return;
    this.offer(this.batch);
    this.batch = [];
  }

  /** To a runner waiting for work, else to the queue. */
  private offer(batch: BodyTask[]): void {
    const wake = this.waiting.shift();
    if (wake) wake(batch);
    else this.queue.push(batch);
  }

  private next(): Promise<BodyTask[] | undefined> {
    const batch = this.queue.shift();
    if (batch || this.closed) return Promise.resolve(batch);
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private async drain(runner: BodyRunner): Promise<void> {
    for (let batch = await this.next(); batch; batch = await this.next()) {
      try {
        for (const outcome of await runner.run(batch)) this.outcomes.set(outcome.file, outcome);
      } catch (error) {
        this.offer(batch);
        this.errors.push(error instanceof Error ? error.message : String(error));
        return;
      }
    }
  }
}
