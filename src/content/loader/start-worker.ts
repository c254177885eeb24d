/**
 * Starting a worker thread of the article loader (worker.ts).
 *
 * Which worker script: in the built server this file is dist/src/content/loader/start-worker.js
 * and the worker is the compiled worker.js next to it, started with a plain `new Worker(path)`.
 * Run from the TypeScript sources instead (jest with ts-jest), there is no worker.js; the worker
 * is then started from a few lines of JavaScript that teach `require` to load `.ts` files with
 * TypeScript's transpileModule (as ts-jest does, file by file) and require worker.ts. So tests
 * run the same worker code as production, only transpiled on the fly.
 *
 * Nothing else of the server's is imported here but worker-heap.ts (node:v8 alone): the server
 * starts a worker reading headers before it loads its own modules (prefetch.ts).
 */
import path from "node:path";
import { Worker } from "node:worker_threads";
import { releaseYoungGenerationFlags } from "../../common/worker-heap";

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

/**
 * The young generation of a worker's heap, in MB. Left to V8, a parsing worker's grows to its
 * default maximum (48 MB, most of it emptied and refilled between scavenges), and each worker
 * holds it until it stops: on the public library (15,000 articles, two workers) the process was
 * about 65 MB larger at the end of a cold load. At 16 MB the load takes as long (every parse's
 * objects die young either way); at 8 MB it took a fifth longer. It holds under `npm start`'s
 * young-generation flags only because those are released first (common/worker-heap.ts).
 */
const YOUNG_GENERATION_MB = 16;

/** Starts a worker thread; null when no worker script can run here. */
export function startWorker(): Worker | null {
  releaseYoungGenerationFlags();
  const resourceLimits = { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB };
  if (__filename.endsWith(".js")) return new Worker(path.join(__dirname, "worker.js"), { resourceLimits });
  let typescript: string;
  try {
    typescript = require.resolve("typescript");
  } catch {
    return null;
  }
  return new Worker(TYPESCRIPT_BOOTSTRAP, { eval: true, resourceLimits, workerData: { typescript, entry: path.join(__dirname, "worker.ts") } });
}

