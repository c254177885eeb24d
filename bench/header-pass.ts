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
 *   --rounds N      rounds (default 3)
 *   --baseline DIR  another compiled helpgate (the root holding src/content/parser/index.js,
 *                   e.g. a build of the main branch: `npx tsc -p bench/tsconfig.json --outDir DIR`),
 *                   whose header pass is timed in the same rounds, for a before/after in one run
 *   --passes a,b    only these passes (read, current, baseline)
 *   --in-memory     the files are read before the clock starts: the passes time the parser alone
 *                   (results in bench/results/header-pass-in-memory.json)
 *
 * Passes, each in a fresh Node process (the OS has the files cached after the first listing):
 *   read       fs.readFileSync of every file, nothing else: the floor
 *   current    read + readHeader + parseFromHeader headersOnly, this build's parser
 *   baseline   the same with --baseline's parser
 * At start-up the pass runs once, before its code is optimized and while V8's young generation is
 * still small, so each round starts every pass in a new process (the passes take turns) and times
 * its first run there ("cold") and a second one ("warm"). Each run keeps its results until it
 * ends, as the loader keeps its headers. Figures are ms per 1,000 files, the fastest round (and
 * the median of the cold runs); CPU is the child's, GC helper threads included. Writes
 * bench/results/header-pass.json.
 *
 * To profile one pass: node --cpu-prof --cpu-prof-dir dist/bench-profiles \
 *   dist/bench-build/bench/header-pass.js --child current --library DIR
 */
import { execFileSync } from "node:child_process";
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

/** What loader.ts readSlot does for a file not in the cache (with `contents`, the files' bytes read before); counts the articles found. */
function headerPass(dir: string, files: string[], use: Parser, contents?: Buffer[]): number {
  const kept: ParseResult[] = [];
  let articles = 0;
  for (let i = 0; i < files.length; i++) {
    const file = files[i]!;
    const bytes = contents ? contents[i]! : fs.readFileSync(path.join(dir, file));
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

interface ChildResult {
  /** The pass's first run in a fresh process: as at start-up, its code not yet optimized, V8's young generation still small. */
  cold: PassTime;
  /** The same pass run again in that process. */
  warm: PassTime;
  articles: number;
}

/** `--child PASS`: runs one pass twice in this process and prints the times as JSON (the parent starts one per pass and round). */
async function child(args: Map<string, string>): Promise<void> {
  const name = args.get("child")!;
  const dir = args.get("library")!;
  const baselineDir = args.get("baseline");
  const use: Parser | null = name === "baseline" ? (require(path.resolve(baselineDir!, "src", "content", "parser", "index.js")) as Parser) : name === "current" ? parser : null;
  if (name !== "read" && !use) throw new Error(`unknown pass ${name}`);
  const files = await listArticleFiles(dir);
  const contents = args.has("in-memory") ? files.map((file) => fs.readFileSync(path.join(dir, file))) : undefined;
  const pass = () => (use ? headerPass(dir, files, use, contents) : readPass(dir, files));
  const cold = timed(pass);
  const warm = timed(pass);
  const result: ChildResult = { cold: { ms: cold.ms, cpuMs: cold.cpuMs }, warm: { ms: warm.ms, cpuMs: warm.cpuMs }, articles: cold.count };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length % 2 ? sorted[(sorted.length - 1) / 2]! : (sorted[sorted.length / 2 - 1]! + sorted[sorted.length / 2]!) / 2;
};

export async function run(argv: string[] = []): Promise<void> {
  const args = parseArgs(argv);
  if (args.has("child")) return child(args);
  const rounds = Number(args.get("rounds") ?? 3);
  const baselineDir = args.get("baseline");
  const inMemory = args.has("in-memory");
  const passes = (args.get("passes") ?? (inMemory ? "current,baseline" : "read,current,baseline"))
    .split(",")
    .map((name) => name.trim())
    .filter((name) => name !== "baseline" || baselineDir);
  if (!(rounds >= 1)) throw new Error("--rounds must be ≥ 1");
  if (baselineDir && !fs.existsSync(path.resolve(baselineDir, "src", "content", "parser", "index.js"))) throw new Error(`--baseline ${baselineDir}: no src/content/parser/index.js in it`);

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
    const samples = new Map<string, ChildResult[]>(passes.map((name) => [name, []]));
    for (let round = 1; round <= rounds; round++) {
      for (const name of passes) {
        const childArgs = [__filename, "--child", name, "--library", dir, ...(baselineDir ? ["--baseline", path.resolve(baselineDir)] : []), ...(inMemory ? ["--in-memory"] : [])];
        const result = JSON.parse(execFileSync(process.execPath, childArgs, { encoding: "utf8" })) as ChildResult;
        samples.get(name)!.push(result);
        console.log(`  round ${round} ${name}: cold ${result.cold.ms.toFixed(0)} ms, warm ${result.warm.ms.toFixed(0)} ms`);
      }
    }
    const found = new Set(["current", "baseline"].filter((name) => samples.has(name)).map((name) => samples.get(name)![0]!.articles));
    if (found.size > 1) throw new Error("current and baseline found different numbers of articles");

    const per1000 = (ms: number) => (ms * 1000) / files.length;
    const figures = new Map(
      [...samples].map(([name, results]) => [
        name,
        {
          cold: Math.min(...results.map((result) => result.cold.ms)),
          coldMedian: median(results.map((result) => result.cold.ms)),
          coldCpu: Math.min(...results.map((result) => result.cold.cpuMs)),
          warm: Math.min(...results.map((result) => result.warm.ms)),
        },
      ]),
    );
    const base = figures.get("baseline");
    const ratio = (value: number, baseValue: number | undefined) => (baseValue === undefined ? "-" : value / baseValue);
    const rows = [...figures].map(([name, f]) => [
      name,
      per1000(f.cold),
      per1000(f.coldMedian),
      per1000(f.coldCpu),
      ratio(f.cold, base?.cold),
      per1000(f.warm),
      ratio(f.warm, base?.warm),
    ]);
    const header = ["pass", "cold ms / 1,000 files", "cold, median", "cold CPU ms / 1,000", "cold × baseline", "warm ms / 1,000", "warm × baseline"];
    console.log(`\n${table(header, rows)}`);
    console.log(`(each pass in a fresh process, ${rounds} times: "cold" is its first run there, as at start-up, the fastest of the ${rounds}; "warm" a second run in the same process)`);
    // The host's load moves between rounds more than between the passes of one round: the ratio within each round, then their median.
    const roundRatios = base && samples.has("current")
      ? samples.get("current")!.map((result, i) => ({ cold: result.cold.ms / samples.get("baseline")![i]!.cold.ms, warm: result.warm.ms / samples.get("baseline")![i]!.warm.ms }))
      : null;
    if (roundRatios) {
      const coldRatios = roundRatios.map((r) => r.cold.toFixed(2)).join(", ");
      console.log(`current ÷ baseline within each round: cold ${coldRatios} (median ${median(roundRatios.map((r) => r.cold)).toFixed(2)}), warm median ${median(roundRatios.map((r) => r.warm)).toFixed(2)}`);
    }
    const out = writeResult(inMemory ? "header-pass-in-memory" : "header-pass", {
      inMemory,
      library: generated ? { generated: files.length } : path.basename(path.dirname(dir)),
      files: files.length,
      bytes,
      rounds,
      loadAverageAtEnd: os.loadavg().map((load) => Number(load.toFixed(2))),
      baseline: baselineDir ? path.basename(path.resolve(baselineDir)) : null,
      msPer1000Files: Object.fromEntries(
        [...figures].map(([name, f]) => [name, { cold: Number(per1000(f.cold).toFixed(1)), coldMedian: Number(per1000(f.coldMedian).toFixed(1)), coldCpu: Number(per1000(f.coldCpu).toFixed(1)), warm: Number(per1000(f.warm).toFixed(1)) }]),
      ),
      ratioToBaseline: base && figures.has("current") ? { cold: figures.get("current")!.cold / base.cold, warm: figures.get("current")!.warm / base.warm } : null,
      medianRoundRatioToBaseline: roundRatios ? { cold: median(roundRatios.map((r) => r.cold)), warm: median(roundRatios.map((r) => r.warm)) } : null,
      samplesMs: Object.fromEntries([...samples].map(([name, results]) => [name, results.map((result) => ({ cold: Math.round(result.cold.ms), warm: Math.round(result.warm.ms) }))])),
    });
    console.log(`\nwritten to ${out}`);
  } finally {
    if (generated) fs.rmSync(generated, { recursive: true, force: true });
  }
}

if (isMain(module)) runMain(() => run(process.argv.slice(2)));
