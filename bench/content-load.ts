/**
 * Benchmark: loading the self-help articles at start (src/content/loader.ts).
 *
 * Build and run, from the repository root (bench/tsconfig.json compiles src and bench into
 * dist/bench-build, git-ignored; the loader's worker threads run the compiled
 * dist/bench-build/src/content/loader/worker.js):
 *
 *   npx tsc -p bench/tsconfig.json && node dist/bench-build/bench/content-load.js
 *
 * bench/run.ts also runs it (`node dist/bench-build/bench/run.js --only content-load`), through
 * the exported run() with the defaults below and --repeat 3.
 *
 * Options: --files N (default 15000), --source DIR (default ../shared/corpus/dev-sample beside the
 * checkout; without it, the repository's own articles/ folder, copied as below),
 * --workers N (default: the number of CPUs), --repeat N (default 1: run baseline, cold and warm
 * N times, interleaved, and keep the fastest of each: other work on the machine only ever slows
 * a run down; every round's results are checked against parseFolder's, and are kept between
 * rounds serialized outside the heap so that they slow no later run), --also-workers a,b (extra
 * cold loads with these worker counts, e.g. 0,1, in each round), --no-reference (skip the
 * single-threaded parseFolder run and the equality check), --keep (keep the generated folder).
 *
 * The source folder is small (327 real articles), so a synthetic folder of N files is generated
 * in the temporary directory: copies of the source files, each copy with its articleId prefixed
 * (or, without one, a comment appended) so every file has its own hash and id. Nothing of it is
 * written to the repository. Then, in the same run:
 *
 *   baseline   the reference: for each file, read it, gray-matter, then a remark parse of
 *              the content (remark() is unified().use(remarkParse) plus a compiler parse() never uses)
 *   cold       loadArticles with an empty cache and --workers worker threads: time until it
 *              resolves; then the time until its cache entries were written, in the background
 *              (LoadStats.cacheSaved), which the next run waits for
 *   warm       loadArticles again: the same files, so the library snapshot answers (no file
 *              read; see src/content/loader/snapshot.ts)
 *   headers    time from the call until onHeaders fired (cold and warm)
 *   CPU        CPU seconds of the whole process (worker threads included) over each run
 *   reference  parseFolder in one thread (helpgate's own parser, no cache); the cold and warm
 *              results are checked to be deep-equal to it
 *
 * All runs read files the OS has cached (the folder was just written). The table is printed and
 * a JSON copy written to bench/results/content-load.json.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { isDeepStrictEqual } from "node:util";
import v8 from "node:v8";
import matter from "gray-matter";
import { ErrorCodeIndex } from "../src/content/error-codes";
import { withoutBody } from "../src/content/indexed";
import { remark } from "remark";
import { type CacheSaveStats, type LoadStats, loadArticles, PARSER_VERSION } from "../src/content/loader";
import { parseFolder } from "../src/content/parser";
import { listArticleFiles } from "../src/content/parser/folder";
import { isMain, repositoryRoot, runMain, table, writeResult } from "./common";

/** The public sample of real articles, when it sits beside the checkout (compiled: dist/bench-build/bench). */
const SAMPLE = path.resolve(__dirname, "..", "..", "..", "..", "shared", "corpus", "dev-sample");
/** Without the sample (a checkout on its own), the set is generated from helpgate's own articles. */
const DEFAULT_SOURCE = fs.existsSync(SAMPLE) ? SAMPLE : path.join(repositoryRoot(), "articles");

interface Args {
  files: number;
  source: string;
  workers: number;
  repeat: number;
  alsoWorkers: number[];
  reference: boolean;
  keep: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { files: 15_000, source: DEFAULT_SOURCE, workers: os.cpus().length, repeat: 1, alsoWorkers: [], reference: true, keep: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === "--files") args.files = Number(argv[++i]);
    else if (flag === "--source") args.source = path.resolve(argv[++i]!);
    else if (flag === "--workers") args.workers = Number(argv[++i]);
    else if (flag === "--repeat") args.repeat = Number(argv[++i]);
    else if (flag === "--also-workers") args.alsoWorkers = argv[++i]!.split(",").map(Number);
    else if (flag === "--no-reference") args.reference = false;
    else if (flag === "--keep") args.keep = true;
    else throw new Error(`unknown option ${flag}`);
  }
  if (!fs.existsSync(args.source)) throw new Error(`--source ${args.source}: no such folder`);
  if (!(args.files > 0) || !(args.workers >= 0) || !(args.repeat >= 1) || !args.alsoWorkers.every((count) => count >= 0)) throw new Error("--files and --repeat must be > 0, --workers >= 0");
  return args;
}

/** Writes `count` files into `target`: copies of the source files, each with its own bytes and articleId. */
async function generate(source: string, target: string, count: number): Promise<{ files: number; bytes: number }> {
  const files = await listArticleFiles(source);
  if (files.length === 0) throw new Error(`no .md files under ${source}`);
  const originals = files.map((file) => fs.readFileSync(path.join(source, file)));
  let bytes = 0;
  for (let i = 0; i < count; i++) {
    const copy = Math.floor(i / files.length);
    const original = originals[i % files.length]!;
    const content = copy === 0 ? original : vary(original, copy);
    const file = path.join(target, `copy-${String(copy).padStart(3, "0")}`, files[i % files.length]!);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
    bytes += content.length;
  }
  return { files: count, bytes };
}

/** The articleId prefixed with the copy number (bytes kept as they are: latin1 maps bytes 1:1), else a comment appended. */
function vary(original: Buffer, copy: number): Buffer {
  const text = original.toString("latin1");
  const pattern = /(articleId\s*[=:]\s*["']?)/i;
  if (pattern.test(text)) return Buffer.from(text.replace(pattern, `$1c${copy}-`), "latin1");
  return Buffer.concat([original, Buffer.from(`\n<!-- copy ${copy} -->\n`)]);
}

/** The baseline: one thread, gray-matter then remark's parser, file by file. */
/** Wall and CPU time (every thread of this process: the worker threads' too) of a run. */
interface Timed {
  ms: number;
  cpuMs: number;
}

function clock(): () => Timed {
  const started = performance.now();
  const cpu = process.cpuUsage();
  return () => {
    const used = process.cpuUsage(cpu);
    return { ms: performance.now() - started, cpuMs: (used.user + used.system) / 1000 };
  };
}

async function baseline(dir: string): Promise<Timed> {
  (matter as unknown as { clearCache?: () => void }).clearCache?.(); // gray-matter keeps every text it parsed without options; a second run would hit it
  const stop = clock();
  const files = await listArticleFiles(dir);
  let nodes = 0;
  for (const file of files) {
    const text = fs.readFileSync(path.join(dir, file), "utf8");
    const { content } = matter(text);
    nodes += remark().parse(content).children.length;
  }
  if (nodes < 0) throw new Error("unreachable"); // keeps the parse from being optimized away
  return stop();
}

interface LoadRun extends Timed {
  headersMs: number | null;
  /** Until the cache entries were written, in the background after the result (ms: wall from the start). */
  saved: CacheSaveStats & Timed;
  stats: LoadStats;
  /**
   * The result, structured-cloned into a buffer outside the JavaScript heap: kept as objects, the
   * results of earlier rounds (hundreds of megabytes) would slow every later run's collections.
   */
  result: Buffer;
}

async function timedLoad(dir: string, cacheDir: string, workers: number): Promise<LoadRun> {
  let stats: LoadStats | null = null;
  let headersMs: number | null = null;
  const started = performance.now();
  const stop = clock();
  const result = await loadArticles(dir, {
    cacheDir,
    workers,
    onHeaders: () => (headersMs = performance.now() - started),
    onStats: (found) => (stats = found),
  });
  const done = stop();
  const saved = await stats!.cacheSaved;
  const { index, ...kept } = result;
  index.close();
  return { ...done, headersMs, saved: { ...saved, ...stop() }, stats: stats!, result: v8.serialize(kept) };
}

const seconds = (ms: number) => (ms / 1000).toFixed(2);

/** Runs the benchmark with command-line style options (none: the defaults); writes bench/results/content-load.json. */
export async function run(argv: string[] = []): Promise<void> {
  const args = parseArgs(argv);
  const loadAtStart = os.loadavg().map((load) => Number(load.toFixed(2)));
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "helpgate-bench-"));
  const dir = path.join(work, "articles");
  const cacheDir = path.join(work, "cache");
  try {
    console.log(`generating ${args.files} files from ${args.source} in ${dir} ...`);
    const corpus = await generate(args.source, dir, args.files);
    console.log(`${corpus.files} files, ${(corpus.bytes / 2 ** 20).toFixed(1)} MiB; ${os.cpus().length} CPUs, ${args.workers} workers`);

    const runs: { baseline: Timed; cold: LoadRun; warm: LoadRun; also: LoadRun[] }[] = [];
    for (let round = 1; round <= args.repeat; round++) {
      const of = args.repeat > 1 ? ` (${round}/${args.repeat})` : "";
      console.log(`baseline (gray-matter + remark parse, one thread)${of} ...`);
      const base = await baseline(dir);
      fs.rmSync(cacheDir, { recursive: true, force: true });
      console.log(`cold load (empty cache)${of} ...`);
      const cold = await timedLoad(dir, cacheDir, args.workers);
      console.log(`warm load (cache filled)${of} ...`);
      const warm = await timedLoad(dir, cacheDir, args.workers);
      const also: LoadRun[] = [];
      for (const workers of args.alsoWorkers) {
        fs.rmSync(cacheDir, { recursive: true, force: true });
        console.log(`cold load, ${workers} workers${of} ...`);
        also.push(await timedLoad(dir, cacheDir, workers));
      }
      const extra = also.map((run, i) => `, cold with ${args.alsoWorkers[i]} workers ${seconds(run.ms)} s`).join("");
      console.log(`  baseline ${seconds(base.ms)} s, cold ${seconds(cold.ms)} s, warm ${seconds(warm.ms)} s${extra}`);
      runs.push({ baseline: base, cold, warm, also });
    }
    const fastest = <T>(items: T[], ms: (item: T) => number): T => items.reduce((best, item) => (ms(item) < ms(best) ? item : best));
    const base = fastest(runs.map((run) => run.baseline), (run) => run.ms);
    const cold = fastest(runs.map((run) => run.cold), (run) => run.ms);
    const warm = fastest(runs.map((run) => run.warm), (run) => run.ms);
    const also = args.alsoWorkers.map((_, i) => fastest(runs.map((run) => run.also[i]!), (run) => run.ms));
    let reference: (Timed & { equal: { cold: boolean; warm: boolean } }) | null = null;
    if (args.reference) {
      console.log("reference (parseFolder, one thread) ...");
      const stop = clock();
      const expected = await parseFolder(dir);
      const timed = stop();
      // Every round's results, not only the fastest's.
      // Compared after the same round trip the kept results made: v8.serialize gives every object
      // Object.prototype, and the parser's property maps have none (parser/fields.ts).
      // A load keeps each article without its body, with the error codes it names (IndexedArticle).
      const indexed = expected.articles.map((article) => ({ article: withoutBody(article), codes: ErrorCodeIndex.mentions(article) }));
      const expectedKept = v8.deserialize(v8.serialize({ articles: indexed, problems: expected.problems, summary: expected.summary }));
      const equal = (load: (run: (typeof runs)[number]) => LoadRun) => runs.every((run) => isDeepStrictEqual(v8.deserialize(load(run).result), expectedKept));
      reference = { ...timed, equal: { cold: equal((run) => run.cold), warm: equal((run) => run.warm) } };
    }

    const rows: { run: string; ms: number; cpuMs: number; note: string }[] = [
      { run: "baseline: gray-matter + remark, 1 thread", ...base, note: args.repeat > 1 ? `fastest of ${args.repeat} runs each` : "" },
      ...(reference ? [{ run: "parseFolder, 1 thread (helpgate parser)", ...reference, note: "" }] : []),
      { run: `cold load, ${cold.stats.workers} workers, empty cache`, ...cold, note: `${cold.stats.parsed.length} parsed` },
      { run: "  of which: onHeaders fired", ms: cold.headersMs ?? Number.NaN, cpuMs: Number.NaN, note: "" },
      { run: "  then: cache written (background)", ...cold.saved, note: `${cold.saved.written} entries` },
      ...also.map((run) => ({ run: `cold load, ${run.stats.workers} workers, empty cache`, ...run, note: "" })),
      { run: "warm load, cache filled", ...warm, note: `${warm.stats.fromCache} from cache, ${warm.stats.parsed.length} parsed` },
      { run: "  of which: onHeaders fired", ms: warm.headersMs ?? Number.NaN, cpuMs: Number.NaN, note: "" },
    ];
    const header = ["run", "seconds", "× baseline", "CPU s (all threads)", "note"];
    console.log(`\n${table(header, rows.map((row) => [row.run, row.ms / 1000, row.ms / base.ms, row.cpuMs / 1000, row.note]))}`);
    if (reference) console.log(`\nresults equal parseFolder's: cold ${reference.equal.cold}, warm ${reference.equal.warm}`);
    if (cold.stats.workerErrors.length > 0) console.log(`worker errors: ${cold.stats.workerErrors.join("; ")}`);

    const report = {
      parserVersion: PARSER_VERSION,
      corpus: { files: corpus.files, bytes: corpus.bytes, source: path.basename(args.source), sourceDigest: digest(args.source) },
      workers: cold.stats.workers,
      repeat: args.repeat,
      loadAverageAtStart: loadAtStart,
      samples: runs.map((run) => ({ coldWithWorkers: run.also.map((load) => load.ms / 1000), baseline: run.baseline.ms / 1000, cold: run.cold.ms / 1000, coldHeaders: run.cold.headersMs === null ? null : run.cold.headersMs / 1000, warm: run.warm.ms / 1000 })),
      seconds: {
        baseline: base.ms / 1000,
        reference: reference ? reference.ms / 1000 : null,
        cold: cold.ms / 1000,
        coldHeaders: cold.headersMs === null ? null : cold.headersMs / 1000,
        warm: warm.ms / 1000,
        warmHeaders: warm.headersMs === null ? null : warm.headersMs / 1000,
        coldCacheWritten: cold.saved.ms / 1000,
        coldWithWorkers: Object.fromEntries(also.map((run, i) => [args.alsoWorkers[i]!, run.ms / 1000])),
      },
      cpuSeconds: { baseline: base.cpuMs / 1000, reference: reference ? reference.cpuMs / 1000 : null, cold: cold.cpuMs / 1000, warm: warm.cpuMs / 1000 },
      ratioToBaseline: {
        reference: reference ? reference.ms / base.ms : null,
        cold: cold.ms / base.ms,
        coldHeaders: cold.headersMs === null ? null : cold.headersMs / base.ms,
        warm: warm.ms / base.ms,
        warmHeaders: warm.headersMs === null ? null : warm.headersMs / base.ms,
      },
      targets: { coldAtMostBaselineTimes: 0.6, warmSecondsBelow: 3, coldMet: cold.ms <= 0.6 * base.ms, warmMet: warm.ms < 3000 },
      equalToParseFolder: reference?.equal ?? null,
      cold: statsSummary(cold.stats, cold.saved),
      warm: statsSummary(warm.stats, warm.saved),
    };
    const out = writeResult("content-load", report);
    console.log(`\nwritten to ${out}`);
    if (reference && !(reference.equal.cold && reference.equal.warm)) process.exitCode = 1;
  } finally {
    if (args.keep) console.log(`kept ${work}`);
    else fs.rmSync(work, { recursive: true, force: true });
  }
}

function statsSummary(stats: LoadStats, saved: CacheSaveStats & Timed) {
  const { parsed, cacheSaved: _, ...rest } = stats;
  return { ...rest, parsed: parsed.length, cacheSaved: { ...saved, seconds: saved.ms / 1000, cpuSeconds: saved.cpuMs / 1000 } };
}

/** Identifies the source folder's content (names and bytes) without copying any of it. */
function digest(source: string): string {
  const hash = createHash("sha256");
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (entry.name.endsWith(".md")) hash.update(path.relative(source, file)).update(fs.readFileSync(file));
    }
  };
  walk(source);
  return hash.digest("hex").slice(0, 16);
}

if (isMain(module)) runMain(() => run(process.argv.slice(2)));
