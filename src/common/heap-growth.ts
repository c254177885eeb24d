import { performance } from "node:perf_hooks";
import v8 from "node:v8";
import { collectGarbage } from "./collect-garbage";

/**
 * The server's cap while it starts (main.ts). At 3, a cold load of the public library (15,000
 * articles, two worker threads) peaked 30–50 MB lower than at V8's own choice and took as long,
 * in CPU time as in time to ready.
 */
export const SERVER_HEAP_GROWTH = 3;

/**
 * Caps how far V8 lets a heap grow, past what survived its last full collection, before it
 * collects again: to `factor` times that, for every heap in the process (the main thread's and
 * each worker thread's, whenever started). Left to itself V8 picks the factor from how fast it
 * collects, up to 4: the article loader's worker threads keep about 12 MB alive between parses,
 * yet each let its heap grow to 60 MB and more before collecting it. (V8 has the setting in
 * Node 20 and Node 24 alike; one without it would say so on stderr and change nothing.)
 */
export function capHeapGrowth(factor = SERVER_HEAP_GROWTH): void {
  if (!(factor > 1 && factor <= 4)) throw new RangeError(`the heap growth factor must be above 1 and at most 4, not ${factor}`);
  v8.setFlagsFromString(`--heap-growing-percent=${Math.round((factor - 1) * 100)}`);
  inForce = factor;
}

let inForce: number | null = null;

/** The cap last set in this process (capHeapGrowth), or null while V8 chooses its own (for /metrics). */
export function heapGrowthCap(): number | null {
  return inForce;
}

/**
 * The server's cap once its articles are in, while its traffic is light (main.ts,
 * startSteadyHeapGrowth). Serving, little of what a request allocates lives on, yet at 3× the
 * old generation filled with the dead for minutes before V8 collected it, and the process's RSS
 * climbed all the while. At 1.2× V8 collects it itself, incrementally, whenever it has grown by
 * about 10 MB (V8 grows it by 8 MB at least): in the soak (30 requests a second, about 40 MB
 * live), every one to two minutes, with pauses of 5–14 ms, where a forced full collection of
 * the same heap paused 31–38 ms.
 */
export const STEADY_HEAP_GROWTH = 1.2;

/**
 * Lowers the cap to `factor` for a server that has finished starting. V8 sets the limit a
 * heap may grow to when a full collection ends, so one is run now (a pause of tens of
 * milliseconds, once) to put the new cap in force; until the next one V8 would keep the limit
 * it set at 3×. Returns false when no collection could be run here (the cap then applies from
 * V8's next one).
 */
export function steadyHeapGrowth(factor = STEADY_HEAP_GROWTH): boolean {
  capHeapGrowth(factor);
  return collectGarbage();
}

export interface SteadyHeapOptions {
  /** How often to look at the event loop, in ms. */
  everyMs: number;
  /** The event loop's utilization since the last look (0–1) from which the server counts as busy. */
  busyFrom: number;
  /** The caps for a lightly loaded server and a busy one. */
  light: number;
  busy: number;
}

export const STEADY_HEAP_DEFAULTS: SteadyHeapOptions = { everyMs: 10_000, busyFrom: 0.5, light: STEADY_HEAP_GROWTH, busy: SERVER_HEAP_GROWTH };

/**
 * The cap for a server that has finished starting, by how busy it is: `light` (1.2×, put in
 * force at once: steadyHeapGrowth) and, every `everyMs`, `busy` (3×) while the event loop was
 * busy for at least `busyFrom` of the time since the last look. A busy server promotes more, so
 * at 1.2× V8 collected its old generation every few seconds: on the million-user tenant at 10
 * connections, 31–32 of 53 list pages kept their p99 under 20 ms, against 41–43 at 3×. Either
 * cap applies from V8's next full collection; none is forced.
 */
export function startSteadyHeapGrowth(options: SteadyHeapOptions = STEADY_HEAP_DEFAULTS): SteadyHeap {
  steadyHeapGrowth(options.light);
  let loop = performance.eventLoopUtilization();
  const timer = setInterval(() => {
    const now = performance.eventLoopUtilization();
    const factor = performance.eventLoopUtilization(now, loop).utilization >= options.busyFrom ? options.busy : options.light;
    loop = now;
    if (factor === heap.factor) return;
    capHeapGrowth(factor);
    heap.factor = factor;
  }, options.everyMs);
  timer.unref();
  const heap: SteadyHeap = { factor: options.light, stop: () => clearInterval(timer) };
  return heap;
}

export interface SteadyHeap {
  /** The cap in force now. */
  factor: number;
  stop(): void;
}

/**
 * The flags `npm start` gives Node for the server (package.json; scripts/dev.js, and the
 * benchmarks' server, pass the same). These flags can only be given when Node starts.
 *
 * - The first two fix the young generation at its usual ceiling (16 MiB a semi-space, 32 MiB in
 *   all). Left to V8, it grows to that ceiling under load and shrinks back to 8 MiB whenever the
 *   load eases, so the process's RSS swung by some 25 MB in a steady soak, every minute or two.
 * - `--no-memory-reducer` turns off V8's memory reducer. When the allocation rate drops (light,
 *   steady traffic), it runs full collections that compact the heap to hand memory back. In a
 *   soak at 30 requests a second, each such collection ended in a pause of 11–28 ms, after
 *   incremental steps of up to 9.5 ms, and the directory page's p99 that minute rose to 1.7
 *   and 2.0 times the minute before's, in two runs. Under the growth cap of
 *   STEADY_HEAP_GROWTH, V8's own collections keep the heap close to its live size anyway,
 *   incrementally, with short pauses.
 */
export const SERVER_NODE_FLAGS: readonly string[] = ["--min-semi-space-size=16", "--max-semi-space-size=16", "--no-memory-reducer"];
