/**
 * Benchmark: the article header pass at start (src/content/loader.ts `readSlot`: for every file,
 * `fs.readFileSync`, `readHeader`, then `parseFromHeader(read, { headersOnly: true })`). The
 * first cold `supportTopic` answer waits for every header, so this pass, single-threaded, is
 * what it costs.
 *
 *   npx tsc -p bench/tsconfig.json && node dist/bench-build/bench/header-pass.js
 *
 * Options:
 *   --library DIR   the articles (default ../shared/corpus/library/articles beside the checkout,
 *                   or BENCH_LIBRARY); without it, --files N (default 15,000) files generated in the
 *                   temporary folder from the dev sample (or helpgate's own articles/), each copy
 *                   with its own articleId, as content-load.ts does
 *   --rounds N      rounds (default 3); each pass's fastest round is reported
 *   --baseline DIR  another compiled helpgate (the root holding src/content/parser/index.js,
 *                   e.g. a build of the main branch: `npx tsc -p bench/tsconfig.json --outDir DIR`),
 *                   whose header pass is timed in the same rounds, for a before/after in one run
 *   --passes a,b    only these passes (read, current, baseline), e.g. `--passes current` under
 *                   `node --cpu-prof --cpu-prof-dir dist/bench-profiles`
 *
 * Passes, taking turns in each round (the OS has the files cached after the first listing):
 *   read       fs.readFileSync of every file, nothing else: the floor
 *   current    read + readHeader + parseFromHeader headersOnly, this build's parser
 *   baseline   the same with --baseline's parser
 * Each pass keeps its results until it ends, as the loader keeps its headers. Figures are ms per
 * 1,000 files, wall and CPU (this process, GC helper threads included). Writes
 * bench/results/header-pass.json.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { ParseResult } from "../src/content/model";
import * as parser from "../src/content/parser";
import { listArticleFiles } from "../src/content/parser/folder";
import { isMain, parseArgs, repositoryRoot, runMain, table, writeResult } from "./common";

/** Beside the checkout (compiled: dist/bench-build/bench). */
const CORPUS = path.resolve(__dirname, "..", "..", "..", "..", "shared", "corpus");
const DEFAULT_LIBRARY = process.env.BENCH_LIBRARY || path.join(CORPUS, "library", "articles");
const SAMPLE = path.join(CORPUS, "dev-sample");

type Parser = Pick<typeof parser, "readHeader" | "parseFromHeader">;

interface PassTime {
  ms: number;
  cpuMs: number;
}

function timed(pass: () => number): PassTime & { count: number } {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const count = pass();
  const ms = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return { ms, cpuMs: (used.user + used.system) / 1000, count };
}

function readPass(dir: string, files: string[]): number {
  const kept: Buffer[] = [];
  for (const file of files) kept.push(fs.readFileSync(path.join(dir, file)));
  return kept.length;
}

/** What loader.ts readSlot does for a file not in the cache; counts the articles found. */
function headerPass(dir: string, files: string[], use: Parser): number {
  const kept: ParseResult[] = [];
  let articles = 0;
  for (const file of files) {
    const bytes = fs.readFileSync(path.join(dir, file));
    const read = use.readHeader(bytes, file);
    const result = use.parseFromHeader(read, { headersOnly: true });
    if (result.article) articles += 1;
    kept.push(result);
  }
  return articles;
}

/** `count` copies of the source's files in `target`, each with its own articleId (or a comment appended). */
async function generate(source: string, target: string, count: number): Promise<void> {
  const files = await listArticleFiles(source);
  if (files.length === 0) throw new Error(`no .md files under ${source}`);
  for (let i = 0; i < count; i++) {
    const copy = Math.floor(i / files.length);
    const original = fs.readFileSync(path.join(source, files[i % files.length]!));
    const text = original.toString("latin1"); // bytes kept as they are: latin1 maps bytes 1:1
    const id = /(articleId\s*[=:]\s*["']?)/i;
    const content = copy === 0 ? original : id.test(text) ? Buffer.from(text.replace(id, `$1c${copy}-`), "latin1") : Buffer.concat([original, Buffer.from(`\n<!-- copy ${copy} -->\n`)]);
    const file = path.join(target, `copy-${String(copy).padStart(3, "0")}`, files[i % files.length]!);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
  }
}

export async function run(argv: string[] = []): Promise<void> {
  const args = parseArgs(argv);
  const rounds = Number(args.get("rounds") ?? 3);
  const passes = (args.get("passes") ?? "read,current,baseline").split(",").map((name) => name.trim());
  const baselineDir = args.get("baseline");
  if (!(rounds >= 1)) throw new Error("--rounds must be ≥ 1");
  const baseline: Parser | null = baselineDir && passes.includes("baseline") ? (require(path.resolve(baselineDir, "src", "content", "parser", "index.js")) as Parser) : null;

  let dir = path.resolve(args.get("library") ?? DEFAULT_LIBRARY);
  let generated: string | null = null;
  if (!fs.existsSync(dir)) {
    const source = fs.existsSync(SAMPLE) ? SAMPLE : path.join(repositoryRoot(), "articles");
    const count = Number(args.get("files") ?? 15_000);
    generated = fs.mkdtempSync(path.join(os.tmpdir(), "helpgate-bench-headers-"));
    console.log(`no library at ${dir}: generating ${count} files from ${source} ...`);
    await generate(source, generated, count);
    dir = generated;
  }
  try {
    const files = await listArticleFiles(dir);
    const bytes = files.reduce((sum, file) => sum + fs.statSync(path.join(dir, file)).size, 0);
    console.log(`${files.length} files, ${(bytes / 2 ** 20).toFixed(1)} MiB; load average ${os.loadavg().map((l) => l.toFixed(2)).join(" ")}`);
    const runners: { name: string; pass: () => number }[] = [
      { name: "read", pass: () => readPass(dir, files) },
      { name: "current", pass: () => headerPass(dir, files, parser) },
      ...(baseline ? [{ name: "baseline", pass: () => headerPass(dir, files, baseline) }] : []),
    ].filter((runner) => passes.includes(runner.name));
    const samples = new Map<string, PassTime[]>(runners.map((runner) => [runner.name, []]));
    const counts = new Map<string, number>();
    for (let round = 1; round <= rounds; round++) {
      for (const runner of runners) {
        const time = timed(runner.pass);
        samples.get(runner.name)!.push({ ms: time.ms, cpuMs: time.cpuMs });
        counts.set(runner.name, time.count);
        console.log(`  round ${round} ${runner.name}: ${time.ms.toFixed(0)} ms`);
      }
    }
    if (counts.has("current") && counts.has("baseline") && counts.get("current") !== counts.get("baseline")) {
      throw new Error(`articles found: current ${counts.get("current")}, baseline ${counts.get("baseline")}`);
    }
    const per1000 = (ms: number) => (ms * 1000) / files.length;
    const best = new Map([...samples].map(([name, times]) => [name, times.reduce((a, b) => (b.ms < a.ms ? b : a))]));
    const read = best.get("read");
    const rows = [...best].map(([name, time]) => [
      name,
      per1000(time.ms),
      per1000(time.cpuMs),
      read && name !== "read" ? per1000(time.ms - read.ms) : "-",
      best.has("baseline") ? time.ms / best.get("baseline")!.ms : "-",
    ]);
    console.log(`\n${table(["pass", "ms / 1,000 files", "CPU ms / 1,000", "beyond read", "× baseline"], rows)}`);
    const out = writeResult("header-pass", {
      library: generated ? { generated: files.length } : path.basename(path.dirname(dir)),
      files: files.length,
      bytes,
      rounds,
      baseline: baselineDir ? path.basename(path.resolve(baselineDir)) : null,
      msPer1000Files: Object.fromEntries([...best].map(([name, time]) => [name, Number(per1000(time.ms).toFixed(1))])),
      cpuMsPer1000Files: Object.fromEntries([...best].map(([name, time]) => [name, Number(per1000(time.cpuMs).toFixed(1))])),
      samplesMs: Object.fromEntries([...samples].map(([name, times]) => [name, times.map((time) => Math.round(time.ms))])),
      ratioToBaseline: best.has("baseline") && best.has("current") ? best.get("current")!.ms / best.get("baseline")!.ms : null,
    });
    console.log(`\nwritten to ${out}`);
  } finally {
    if (generated) fs.rmSync(generated, { recursive: true, force: true });
  }
}

if (isMain(module)) runMain(() => run(process.argv.slice(2)));
