import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { constants, type PerformanceEntry, PerformanceObserver } from "node:perf_hooks";
import v8 from "node:v8";
import vm from "node:vm";
import ts from "typescript";
import { collectGarbage } from "../../src/common/collect-garbage";
import { capHeapGrowth, SERVER_HEAP_GROWTH, SERVER_NODE_FLAGS, STEADY_HEAP_GROWTH, startSteadyHeapGrowth, steadyHeapGrowth } from "../../src/common/heap-growth";

const oldGeneration = () => v8.getHeapSpaceStatistics().find((space) => space.space_name === "old_space")!.space_used_size;
const MiB = 1024 * 1024;

describe("capHeapGrowth", () => {
  it("refuses a factor V8 cannot take, with what it takes", () => {
    for (const factor of [1, 0.5, 4.5, Number.NaN]) expect(() => capHeapGrowth(factor)).toThrow(/above 1 and at most 4/);
  });

  it("is a setting this V8 knows: nothing is said on stderr", () => {
    // An unknown V8 flag is reported on stderr ("unrecognized flag") and changes nothing.
    const child = spawnSync(process.execPath, ["-e", 'require("node:v8").setFlagsFromString("--heap-growing-percent=200"); console.log("set")'], { encoding: "utf8" });
    expect({ stdout: child.stdout.trim(), stderr: child.stderr }).toEqual({ stdout: "set", stderr: "" });
    const unknown = spawnSync(process.execPath, ["-e", 'require("node:v8").setFlagsFromString("--heap-growing-percentage=200")'], { encoding: "utf8" });
    expect(unknown.stderr).toMatch(/unrecognized flag/);
  });
});

describe("steadyHeapGrowth", () => {
  afterAll(() => {
    // Back to V8's own choice for whatever else this process runs.
    v8.setFlagsFromString("--heap-growing-percent=0");
  });

  it("puts its cap in force at once: V8 collects the old generation itself soon after it grows past what lives", async () => {
    // Full collections that started after `since` (entries arrive a little after the collection).
    let collections = 0;
    let since = Number.POSITIVE_INFINITY;
    const observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        const kind = (entry as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind;
        if (entry.startTime > since && kind === constants.NODE_PERFORMANCE_GC_MAJOR) collections += 1;
      }
    });
    observer.observe({ entryTypes: ["gc"] });
    v8.setFlagsFromString("--expose-gc");
    const minor = (vm.runInNewContext("gc") as (options: { type: "minor" }) => void).bind(null, { type: "minor" });
    try {
      // A starting server's cap, and one full collection: V8's limit is now three times what lives.
      capHeapGrowth(SERVER_HEAP_GROWTH);
      collectGarbage();
      expect(steadyHeapGrowth()).toBe(true);
      const live = oldGeneration();
      since = performance.now();
      // Garbage that reaches the old generation, about 4 MiB a round (two young collections move it
      // there), until V8 runs a full collection of its own; at most as much as the live heap and
      // 32 MiB more, far short of what the starting cap would let it reach.
      let peak = live;
      while (collections === 0 && peak - live < live + 32 * MiB) {
        let batch: { n: number; text: string }[] | null = [];
        for (let n = 0; n < 50_000; n++) batch.push({ n, text: `garbage ${n}` });
        minor();
        minor();
        peak = Math.max(peak, oldGeneration());
        batch = null;
        await new Promise((resolve) => setImmediate(resolve));
      }
      expect(collections).toBeGreaterThan(0);
      // At 1.2 the old generation grows by a fifth of what lives, or 8 MiB (V8's least step).
      expect((peak - live) / MiB).toBeLessThan(((STEADY_HEAP_GROWTH - 1) * 2 * live) / MiB + 16);
    } finally {
      observer.disconnect();
    }
  });
});

describe("startSteadyHeapGrowth", () => {
  afterAll(() => {
    v8.setFlagsFromString("--heap-growing-percent=0");
  });

  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it("gives a busy event loop the starting cap and a lightly loaded one the light cap", async () => {
    const heap = startSteadyHeapGrowth({ everyMs: 40, busyFrom: 0.5, light: STEADY_HEAP_GROWTH, busy: SERVER_HEAP_GROWTH });
    try {
      expect(heap.factor).toBe(STEADY_HEAP_GROWTH);
      // Held for most of each interval: busy. (A host starved of CPU can make a look miss; up to 2 s.)
      const until = Date.now() + 2000;
      while (heap.factor !== SERVER_HEAP_GROWTH && Date.now() < until) {
        const end = Date.now() + 30;
        while (Date.now() < end) {
          /* busy */
        }
        await sleep(1);
      }
      expect(heap.factor).toBe(SERVER_HEAP_GROWTH);
      // Then idle: light again.
      for (let i = 0; i < 40 && heap.factor !== STEADY_HEAP_GROWTH; i++) await sleep(50);
      expect(heap.factor).toBe(STEADY_HEAP_GROWTH);
    } finally {
      heap.stop();
    }
  });
});

describe("the server's Node flags", () => {
  const root = path.resolve(__dirname, "..", "..");

  it("are given by npm start and npm run dev", () => {
    const start = (JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts.start!;
    expect(start).toContain(`node ${SERVER_NODE_FLAGS.join(" ")} dist/src/main.js`);
    const dev = fs.readFileSync(path.join(root, "scripts", "dev.js"), "utf8");
    expect(dev).toContain(SERVER_NODE_FLAGS.map((flag) => JSON.stringify(flag)).join(", "));
  });

  it("fix the young generation at its ceiling in this Node, from the start", () => {
    // The new space's size (MiB) at start, and after some allocation.
    const script =
      'const v8 = require("node:v8"); const size = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === "new_space").space_size / 1048576;' +
      "const first = size(); let kept = []; for (let i = 0; i < 3e6; i++) { kept.push({ i }); if (kept.length > 1000) kept = []; } console.log(JSON.stringify([first, size()]));";
    const sizes = (flags: readonly string[]) => {
      const child = spawnSync(process.execPath, [...flags, "-e", script], { encoding: "utf8" });
      expect(child.stderr).toBe("");
      return JSON.parse(child.stdout) as [number, number];
    };
    expect(sizes(SERVER_NODE_FLAGS)).toEqual([16, 32]);
    // Without them, V8 starts small and grows with the allocation.
    expect(sizes([])[0]).toBeLessThan(16);
  });

  it("leave a worker thread's young generation to its own resourceLimits once released", () => {
    // A child with the server's flags starts a worker as the article loader does (16 MB of young
    // generation) and prints the new space's size (MiB) in the worker and then in the main thread,
    // each after some allocation. worker-heap.ts is transpiled as ts-jest would.
    const source = ts.transpileModule(fs.readFileSync(path.join(root, "src", "common", "worker-heap.ts"), "utf8"), {
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    }).outputText;
    const script = `
      const v8 = require("node:v8");
      const { Worker } = require("node:worker_threads");
      const workerHeap = { exports: {} };
      new Function("exports", "require", "module", ${JSON.stringify(source)})(workerHeap.exports, require, workerHeap);
      if (process.argv.includes("release")) workerHeap.exports.releaseYoungGenerationFlags();
      const allocateAndSize = 'let kept = []; for (let i = 0; i < 3e6; i++) { kept.push({ i }); if (kept.length > 1000) kept = []; }' +
        'require("node:v8").getHeapSpaceStatistics().find((s) => s.space_name === "new_space").space_size / 1048576';
      const worker = new Worker('require("node:worker_threads").parentPort.postMessage(eval(' + JSON.stringify(allocateAndSize) + '))', { eval: true, resourceLimits: { maxYoungGenerationSizeMb: 16 } });
      worker.once("message", (inWorker) => { console.log(JSON.stringify([inWorker, eval(allocateAndSize)])); worker.terminate(); });`;
    const sizes = (...args: string[]) => {
      const child = spawnSync(process.execPath, [...SERVER_NODE_FLAGS, "-e", script, "--", ...args], { encoding: "utf8" });
      expect(child.stderr).toBe("");
      return JSON.parse(child.stdout) as [number, number];
    };
    // V8's flags are the process's: the worker's own limit loses to them...
    expect(sizes()).toEqual([32, 32]);
    // ...until they are released; the main thread keeps what the command line gave it.
    const [inWorker, inMain] = sizes("release");
    expect(inWorker).toBeLessThanOrEqual(16);
    expect(inMain).toBe(32);
  });
});
