import { performance } from "node:perf_hooks";
import v8 from "node:v8";
import { collectGarbage } from "./collect-garbage";

export interface IdleCollectorOptions {
  /** How often to look, in ms. */
  everyMs: number;
  /** The event loop's utilization since the last look below which the server counts as idle (0–1). */
  idleBelow: number;
  /** Growth of V8's old generation since its last full collection that is worth one, in MiB. */
  growthMiB: number;
}

const inProcess = { collections: 0, seconds: 0 };

/** Full collections run by every idle collector of this process since it started, and the time they took (for /metrics). */
export function idleCollections(): { collections: number; seconds: number } {
  return { ...inProcess };
}

export const IDLE_COLLECTOR_DEFAULTS: IdleCollectorOptions = { everyMs: 10_000, idleBelow: 0.25, growthMiB: 4 };

/**
 * Collects the server's garbage while it is idle. Under light, steady traffic V8's old generation
 * fills with dead objects (a few MiB a minute in the soak, its live part flat) and V8 collects
 * it only once it is about three times what survived its last full collection
 * (heap-growth.ts): the process's RSS climbed for tens of minutes without anything leaking. Every
 * `everyMs` this looks at the event loop's utilization since the last look and at the old
 * generation; when the loop was mostly idle and the old generation has grown by `growthMiB` since
 * the last full collection (V8's own or this one's), it runs one (collect-garbage.ts). A busy
 * server is left to V8, which collects on its own schedule. An idle one pays a full pause now and
 * then: in the soak (30 requests a second, 37 MiB live), about 40 ms every minute or two.
 */
export function startIdleCollector(options: IdleCollectorOptions = IDLE_COLLECTOR_DEFAULTS): IdleCollector {
  const growth = options.growthMiB * 1024 * 1024;
  let loop = performance.eventLoopUtilization();
  let floor = oldGenerationUsed();
  const timer = setInterval(() => {
    const now = performance.eventLoopUtilization();
    const utilization = performance.eventLoopUtilization(now, loop).utilization;
    loop = now;
    const used = oldGenerationUsed();
    // A full collection of V8's own brings the old generation down: the floor follows it.
    floor = Math.min(floor, used);
    if (utilization >= options.idleBelow || used - floor < growth) return;
    const started = performance.now();
    if (!collectGarbage()) {
      clearInterval(timer);
      return;
    }
    collector.collections += 1;
    inProcess.collections += 1;
    inProcess.seconds += (performance.now() - started) / 1000;
    floor = oldGenerationUsed();
  }, options.everyMs);
  timer.unref();
  const collector: IdleCollector = { collections: 0, stop: () => clearInterval(timer) };
  return collector;
}

export interface IdleCollector {
  /** Full collections it has run. */
  collections: number;
  stop(): void;
}

/** Bytes in use in V8's old generation (its old-object space), which only a full collection empties. */
function oldGenerationUsed(): number {
  return v8.getHeapSpaceStatistics().find((space) => space.space_name === "old_space")?.space_used_size ?? 0;
}
