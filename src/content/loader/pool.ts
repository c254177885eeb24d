/**
 * Worker threads for the article loader, and the sharding of files across them. Which worker
 * script runs is start-worker.ts's business. If a worker cannot start here, or fails or dies,
 * its files are parsed in this thread.
 */
import { type BodyOutcome, type BodyReply, type BodyRequest, type BodyTask, PendingEntries, parseBodies, type SaveCount } from "./bodies";
import { ParseCache } from "./cache";
import { startWorker } from "./start-worker";

/** Parses batches of files somewhere (a worker thread or this thread), then writes their cache entries. */
export interface BodyRunner {
  run(tasks: BodyTask[]): Promise<BodyOutcome[]>;
  /** Writes the cache entries of every file parsed so far. */
  save(): Promise<SaveCount>;
  close(): Promise<void>;
}

/** A worker thread parsing one batch at a time; it rejects every request once the thread has failed. */
export function workerRunner(dir: string, cacheDir: string | null): BodyRunner | null {
  const worker = startWorker();
  if (!worker) return null;
  let nextId = 0;
  let failure: Error | null = null;
  const pending = new Map<number, { resolve: (reply: BodyReply) => void; reject: (error: Error) => void }>();
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
    else waiting.resolve(reply);
  });
  worker.on("error", (error) => fail(error));
  worker.on("exit", (code) => fail(new Error(`the worker thread exited (code ${code})`)));
  const request = (message: DistributiveOmit<BodyRequest, "id">): Promise<BodyReply> => {
    if (failure) return Promise.reject(failure);
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      worker.postMessage({ ...message, id });
    });
  };
  return {
    async run(tasks) {
      const reply = await request({ type: "parse", dir, cacheDir, tasks });
      if (!("outcomes" in reply)) throw new Error("unexpected reply from a worker thread");
      return reply.outcomes;
    },
    async save() {
      const reply = await request({ type: "save", cacheDir });
      if (!("saved" in reply)) throw new Error("unexpected reply from a worker thread");
      return reply.saved;
    },
    async close() {
      await worker.terminate();
    },
  };
}

type DistributiveOmit<T, K extends keyof T> = T extends unknown ? Omit<T, K> : never;


/** Entries written by an in-thread runner between two turns of the event loop (each new file costs up to ~1 ms). */
const SAVE_CHUNK = 16;

/** Parses in this thread, yielding to the event loop between batches (lookups on the headers go on meanwhile). */
export function inThreadRunner(dir: string, cacheDir: string | null): BodyRunner {
  const cache = cacheDir === null ? null : new ParseCache(cacheDir);
  const pending = new PendingEntries(cache);
  const turn = () => new Promise((resolve) => setImmediate(resolve));
  return {
    async run(tasks) {
      await turn();
      return parseBodies(dir, tasks, cache, pending);
    },
    async save() {
      const total: SaveCount = { written: 0, failed: 0 };
      while (cache && pending.length > 0) {
        await turn();
        const count = pending.save(cache, SAVE_CHUNK);
        total.written += count.written;
        total.failed += count.failed;
      }
      return total;
    },
    async close() {
      pending.close();
    },
  };
}

export interface ShardOptions {
  /** Worker threads to start at most. */
  workers: number;
  /** A worker thread is started for every this many files added (the first one too). */
  filesPerWorker: number;
  /**
   * Worker threads to start at most until `release()` (default: `workers`): while the loading
   * thread reads the headers, fewer workers leave it a core, so lookups answer sooner.
   */
  workersBeforeRelease?: number;
  /** Files per batch. */
  batchSize: number;
  startWorker: () => BodyRunner | null;
  inThread: () => BodyRunner;
  /** Called after each batch with its outcomes. */
  onParsed?: (outcomes: BodyOutcome[]) => void;
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
  private released = false;
  private readonly waiting: ((batch: BodyTask[] | undefined) => void)[] = [];
  private readonly runners: BodyRunner[] = [];
  /** The runners started, workers and this thread's, for save(). */
  private readonly used: BodyRunner[] = [];
  private readonly drains: Promise<void>[] = [];
  private readonly outcomes = new Map<string, BodyOutcome>();
  private readonly errors: string[] = [];

  constructor(private readonly options: ShardOptions) {}

  add(task: BodyTask): void {
    this.added += 1;
    this.batch.push(task);
    if (this.batch.length >= this.options.batchSize) this.flush();
    this.startWorkers();
  }

  /** Lifts `workersBeforeRelease`: workers may now be started up to `workers`. */
  release(): void {
    this.released = true;
    this.startWorkers();
  }

  private startWorkers(): void {
    const { workers, filesPerWorker, workersBeforeRelease } = this.options;
    const limit = this.released ? workers : Math.min(workers, workersBeforeRelease ?? workers);
    while (this.canStart && this.runners.length < limit && this.added >= filesPerWorker * (this.runners.length + 1)) this.start();
  }

  /** Waits for every file added so far to be parsed. */
  async finish(): Promise<ShardResult> {
    this.release();
    this.flush();
    this.closed = true;
    for (const wake of this.waiting.splice(0)) wake(undefined);
    await Promise.all(this.drains);
    if (this.queue.length > 0) {
      const inThread = this.options.inThread();
      this.used.push(inThread);
      await this.drain(inThread);
    }
    if (this.queue.length > 0) throw new Error(`the articles could not be parsed: ${this.errors.join("; ")}`);
    return { outcomes: this.outcomes, workers: this.runners.length, errors: this.errors };
  }

  /**
   * Has every runner write the cache entries of its files, then stops the worker threads.
   * Never rejects: an entry not written only means a parse on the next load.
   */
  async save(): Promise<SaveCount> {
    const counts = await Promise.all(this.used.map((runner) => runner.save().catch(() => ({ written: 0, failed: 0 }))));
    await this.close().catch(() => undefined);
    return counts.reduce((total, count) => ({ written: total.written + count.written, failed: total.failed + count.failed }), { written: 0, failed: 0 });
  }

  /** Stops the worker threads. */
  async close(): Promise<void> {
    this.closed = true;
    for (const wake of this.waiting.splice(0)) wake(undefined);
    await Promise.all(this.used.map((runner) => runner.close()));
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
    this.used.push(runner);
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
        const outcomes = await runner.run(batch);
        for (const outcome of outcomes) this.outcomes.set(outcome.file, outcome);
        this.options.onParsed?.(outcomes);
      } catch (error) {
        this.offer(batch);
        this.errors.push(error instanceof Error ? error.message : String(error));
        return;
      }
    }
  }
}
