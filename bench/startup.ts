/**
 * Benchmark: how soon a freshly started helpgate answers, on a full-size article library.
 *
 * Build and run, from the repository root:
 *
 *   npx tsc -p bench/tsconfig.json && node dist/bench-build/bench/startup.js
 *
 * bench/run.ts also runs it (`--only startup`). Options: --library DIR (default
 * ../shared/corpus/library/articles beside the checkout, or BENCH_LIBRARY; without it a folder of
 * --files N (default 15000) articles is generated from the repository's own articles, each copy
 * with its own articleId), --settle S (seconds to wait after the parse cache is written before
 * reading the settled RSS; default 20).
 *
 * The built server (dist/bench-build/src/main.js, as `node src/main.js` is deployed) is started
 * twice as a child process, with the Node flags `npm start` gives it (SERVER_NODE_FLAGS),
 * NODE_ENV=production, on a fresh SQLite file in a fresh folder (so its article cache, kept
 * beside the database, starts empty):
 *
 *   cold   empty article cache: every file parsed
 *   warm   the same folder again: every parse from the cache the cold run wrote
 *
 * For each, from the spawn: when it logs "helpgate listening", when /healthz first answers 200,
 * when a supportTopic query first answers with articles (a topic the library names, polled every
 * 20 ms), when /readyz first answers 200; then the process's peak RSS (VmHWM from
 * /proc/<pid>/status, worker threads included) and its RSS once settled: --settle seconds after
 * it logs "article cache saved" (the cache entries written in the background, the worker
 * threads stopped).
 *
 * The machine may be shared: other processes slow a run down, never speed it up.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { SERVER_NODE_FLAGS } from "../src/common/heap-growth";
import { parseHeader } from "../src/content/parser";
import { listArticleFiles } from "../src/content/parser/folder";
import { isMain, numberArg, parseArgs, repositoryRoot, runMain, table, writeResult } from "./common";

export interface StartupRun {
  kind: "cold" | "warm";
  /** Seconds from the spawn. */
  listeningS: number | null;
  healthzS: number | null;
  firstAnswerS: number | null;
  readyS: number | null;
  /** When the server logged that its parse cache was written (after ready, in the background). */
  cacheSavedS: number | null;
  peakRssMiB: number | null;
  settledRssMiB: number | null;
}

export interface StartupResult {
  library: { dir: string; files: number; generated: boolean };
  supportTopicId: string;
  runs: StartupRun[];
  targets: {
    coldFirstAnswerS: { target: number; met: boolean | null };
    warmReadyS: { target: number; met: boolean | null };
    peakRssMiB: { target: number; met: boolean | null };
    settledRssMiB: { target: number; met: boolean | null };
  };
}

const DEFAULT_LIBRARY = path.join(repositoryRoot(), "..", "shared", "corpus", "library", "articles");
const RUN_LIMIT_MS = 10 * 60_000;

export async function run(argv: string[] = process.argv.slice(2)): Promise<StartupResult> {
  const args = parseArgs(argv);
  const settleS = numberArg(args, "settle", "BENCH_SETTLE", 20);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "helpgate-startup-"));
  try {
    let dir = path.resolve(args.get("library") ?? process.env.BENCH_LIBRARY ?? DEFAULT_LIBRARY);
    let generated = false;
    if (!fs.existsSync(dir)) {
      dir = path.join(work, "library");
      generate(dir, numberArg(args, "files", "BENCH_FILES", 15_000));
      generated = true;
    }
    const files = await listArticleFiles(dir);
    const supportTopicId = firstTopic(dir, files);
    console.log(`startup: ${files.length.toLocaleString("en-US")} articles in ${generated ? "a generated folder" : dir}; supportTopic(id: "${supportTopicId}")`);
    const dataDir = path.join(work, "data");
    fs.mkdirSync(dataDir);
    const runs: StartupRun[] = [];
    for (const kind of ["cold", "warm"] as const) {
      const measured = await measure(kind, dir, dataDir, supportTopicId, settleS);
      runs.push(measured);
      console.log(`${kind}: ${JSON.stringify(measured)}`);
    }
    const [cold, warm] = runs as [StartupRun, StartupRun];
    const peak = Math.max(cold.peakRssMiB ?? 0, warm.peakRssMiB ?? 0);
    const settled = Math.max(cold.settledRssMiB ?? 0, warm.settledRssMiB ?? 0);
    const result: StartupResult = {
      library: { dir: generated ? "(generated)" : path.relative(repositoryRoot(), dir), files: files.length, generated },
      supportTopicId,
      runs,
      targets: {
        coldFirstAnswerS: { target: 3, met: cold.firstAnswerS === null ? null : cold.firstAnswerS < 3 },
        warmReadyS: { target: 3, met: warm.readyS === null ? null : warm.readyS < 3 },
        peakRssMiB: { target: 400, met: peak > 0 ? peak < 400 : null },
        settledRssMiB: { target: 300, met: settled > 0 ? settled < 300 : null },
      },
    };
    const s = (value: number | null) => (value === null ? "-" : value.toFixed(2));
    const m = (value: number | null) => (value === null ? "-" : value.toFixed(0));
    console.log(
      table(
        ["run", "listening s", "/healthz s", "first supportTopic s", "/readyz 200 s", "cache saved s", "peak RSS MiB", "settled RSS MiB"],
        runs.map((r) => [r.kind, s(r.listeningS), s(r.healthzS), s(r.firstAnswerS), s(r.readyS), s(r.cacheSavedS), m(r.peakRssMiB), m(r.settledRssMiB)]),
      ),
    );
    console.log(`wrote ${writeResult("startup", result)}`);
    return result;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** The first support topic id a file of the library names. */
function firstTopic(dir: string, files: readonly string[]): string {
  for (const file of files) {
    const id = parseHeader(fs.readFileSync(path.join(dir, file)), file).header?.supportTopicIds[0];
    if (id) return id;
  }
  throw new Error(`no article in ${dir} names a support topic`);
}

/** N articles from the repository's own, each copy with its own articleId (so its own hash too). */
function generate(dir: string, count: number): void {
  const sourceDir = path.join(repositoryRoot(), "articles");
  const sources = fs
    .readdirSync(sourceDir, { recursive: true, encoding: "utf8" })
    .filter((file) => file.endsWith(".md"))
    .map((file) => fs.readFileSync(path.join(sourceDir, file), "utf8"));
  for (let i = 0; i < count; i++) {
    const folder = path.join(dir, `set-${Math.floor(i / 500)}`);
    if (i % 500 === 0) fs.mkdirSync(folder, { recursive: true });
    const text = sources[i % sources.length]!.replace(/articleId="([^"]*)"/, (_, id: string) => `articleId="copy-${i}-${id}"`);
    fs.writeFileSync(path.join(folder, `article-${i}.md`), text);
  }
}

function serverScript(): string {
  const beside = path.join(__dirname, "..", "src", "main.js");
  if (fs.existsSync(beside)) return beside;
  return path.join(repositoryRoot(), "dist", "src", "main.js");
}

/** VmHWM and VmRSS of a process, in MiB; null once it is gone. */
function memory(pid: number): { peak: number; rss: number } | null {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
    const kib = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? Number.NaN);
    return { peak: kib("VmHWM") / 1024, rss: kib("VmRSS") / 1024 };
  } catch {
    return null;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function measure(kind: StartupRun["kind"], articlesDir: string, dataDir: string, supportTopicId: string, settleS: number): Promise<StartupRun> {
  const started = performance.now();
  const since = () => (performance.now() - started) / 1000;
  const child = spawn(process.execPath, [...SERVER_NODE_FLAGS, serverScript()], {
    cwd: repositoryRoot(),
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: process.env.HOME ?? os.tmpdir(),
      TMPDIR: os.tmpdir(),
      NODE_ENV: "production",
      PORT: "0",
      HOST: "127.0.0.1",
      DATABASE_URL: path.join(dataDir, "helpgate.db"),
      TOKEN_SECRET: "startup-bench-secret-of-at-least-32-characters",
      LOG_LEVEL: "info",
      ARTICLES_DIR: articlesDir,
      ARTICLES_WATCH: "false",
    },
  });
  const result: StartupRun = { kind, listeningS: null, healthzS: null, firstAnswerS: null, readyS: null, cacheSavedS: null, peakRssMiB: null, settledRssMiB: null };
  let origin: string | null = null;
  let output = "";
  let exited: string | null = null;
  child.on("exit", (code, signal) => (exited = `exit ${signal ?? code}`));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stdout.on("data", (chunk: Buffer) => {
    output += chunk.toString();
    if (origin) return;
    const match = /"url":"(http:\/\/[^"/]+)\/graphql"[^\n]*"msg":"helpgate listening/.exec(output) ?? /"msg":"helpgate listening[^\n]*"url":"(http:\/\/[^"/]+)\/graphql"/.exec(output);
    if (match) {
      origin = match[1]!;
      result.listeningS = since();
    }
  });
  let peak = 0;
  const sampler = setInterval(() => {
    const now = child.pid ? memory(child.pid) : null;
    if (now) peak = Math.max(peak, now.peak);
  }, 100);
  try {
    const deadline = Date.now() + RUN_LIMIT_MS;
    const query = JSON.stringify({ query: `{ supportTopic(id: "${supportTopicId}") { articles { id pageTitle } } }` });
    while (result.readyS === null) {
      if (exited) throw new Error(`the server stopped (${exited}):\n${output.slice(-2000)}`);
      if (Date.now() > deadline) throw new Error(`the server was not ready within ${RUN_LIMIT_MS / 60_000} min`);
      if (origin) {
        const at = since();
        if (result.healthzS === null && (await status(`${origin}/healthz`)) === 200) result.healthzS = at;
        if (result.firstAnswerS === null) {
          const answer = await fetch(`${origin}/graphql`, { method: "POST", headers: { "content-type": "application/json" }, body: query })
            .then((response) => response.json() as Promise<{ data?: { supportTopic?: { articles: unknown[] } } }>)
            .catch(() => null);
          if ((answer?.data?.supportTopic?.articles.length ?? 0) > 0) result.firstAnswerS = since();
        }
        if ((await status(`${origin}/readyz`)) === 200) result.readyS = since();
      }
      await sleep(20);
    }
    // Settled: once the parse cache is written (the worker threads stop then), and --settle seconds more.
    while (!output.includes('"msg":"article cache saved"') && !exited && Date.now() < deadline) await sleep(100);
    result.cacheSavedS = since();
    await sleep(settleS * 1000);
    const settled = memory(child.pid!);
    result.peakRssMiB = Math.max(peak, settled?.peak ?? 0);
    result.settledRssMiB = settled?.rss ?? null;
    return result;
  } finally {
    clearInterval(sampler);
    if (!exited) {
      child.kill("SIGTERM");
      await new Promise((resolve) => child.once("exit", resolve));
    }
  }
}

function status(url: string): Promise<number | null> {
  return fetch(url).then(
    async (response) => {
      await response.arrayBuffer();
      return response.status;
    },
    () => null,
  );
}

if (isMain(module)) runMain(() => run());
