#!/usr/bin/env node
// `npm run dev`: the TypeScript compiler in watch mode, and the gateway under `node --watch`,
// started once the first compilation is done and restarted by Node whenever a file it loaded
// from dist/ changes. The explorer is bundled once at start (scripts/build-explorer.js).
"use strict";
const { spawn, spawnSync } = require("node:child_process");
const path = require("node:path");

const ROOT = path.resolve(__dirname, "..");
const explorer = spawnSync(process.execPath, [path.join(__dirname, "build-explorer.js")], { cwd: ROOT, stdio: "inherit" });
if (explorer.status !== 0) process.exit(explorer.status ?? 1);

const tsc = spawn(process.execPath, [require.resolve("typescript/bin/tsc", { paths: [ROOT] }), "-p", "tsconfig.build.json", "--watch", "--preserveWatchOutput"], {
  cwd: ROOT,
  stdio: ["ignore", "pipe", "inherit"],
});
let server = null;
tsc.stdout.setEncoding("utf8");
tsc.stdout.on("data", (text) => {
  process.stderr.write(text);
  // "Found 0 errors. Watching for file changes." ends each compilation.
  if (server === null && /Found 0 errors\. Watching for file changes/.test(text)) {
    // The same Node flags as `npm start` (src/common/heap-growth.ts, SERVER_NODE_FLAGS).
    server = spawn(process.execPath, ["--min-semi-space-size=16", "--max-semi-space-size=16", "--no-memory-reducer", "--watch", "--watch-preserve-output", "dist/src/main.js"], { cwd: ROOT, stdio: "inherit" });
    server.on("exit", (code) => stop(code ?? 0));
  }
});
tsc.on("exit", (code) => stop(code ?? 1));

let stopping = false;
function stop(code) {
  if (stopping) return;
  stopping = true;
  tsc.kill();
  server?.kill();
  process.exitCode = code;
}
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => stop(0));
