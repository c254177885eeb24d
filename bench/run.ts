/**
 * Runs helpgate's benchmarks, each in its own Node process (its own heap, event loop and peak
 * RSS), then prints a combined table and writes bench/results/summary.json.
 *
 * Build and run, from the repository root:
 *
 *   npx tsc -p bench/tsconfig.json && node dist/bench-build/bench/run.js
 *
 * (package.json: "bench": "tsc -p bench/tsconfig.json && node dist/bench-build/bench/run.js", so
 * `npm run bench`, or `npm run bench -- --only group-licensing`.) bench/tsconfig.json compiles
 * src and bench, not the tests, into dist/bench-build with the same layout as
 * `npx tsc -p tsconfig.json --outDir dist/bench-build`; dist/ is git-ignored.
 *
 * Benchmarks (each also runs alone, `node dist/bench-build/bench/<name>.js`, with the options listed in its header):
 *   http-read          bench/http-read.ts: autocannon against helpgate, bare Apollo 5 and bare node:http (~1.5 min)
 *   group-licensing    bench/group-licensing.ts: assignGroupLicense → ProcessingComplete for N members vs a raw insert floor
 *   direct-assignment  bench/direct-assignment.ts: assignLicense latency, 10,000 users, 20 products vs a raw floor
 *   content-load       bench/content-load.ts, when it exists and exports run() (another helper's bench)
 *   search-eval        bench/search-eval.ts: precision@3 and MRR of searchArticles on bench/search-questions.json over the public library
 *   startup            bench/startup.ts: the built server on a full-size library, cold and warm: time to the first supportTopic answer and to /readyz 200, peak and settled RSS
 *
 *   soak               bench/soak.ts: 10 minutes of mixed traffic at a steady rate; per-minute p50/p99, RSS, heap, errors (only with --soak or --only soak)
 *   million            bench/million.ts: a seeded 1,000,000-user tenant, p50/p99 of every directory list and filter (only with --million or --only million)
 *
 * Options: --only a,b (names above), --soak and --million (add those two to the run), --quick (short smoke run: 2 s load runs, 5,000 members,
 * 2,000 users, 1,000 articles; its results go to bench/results/quick/, the full-size ones stay). Sizes can also be set with the environment variables each bench reads
 * (BENCH_DURATION, BENCH_MEMBERS, BENCH_DIRECT_SAMPLES, ...). Every bench has a time limit here
 * and is killed past it. The machine is shared: figures are noisy; compare ratios to the
 * baselines measured in the same run rather than absolute numbers across runs.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { format, isMain, machine, parseArgs, readResult, repositoryRoot, runMain, table, writeResult } from "./common";
import type { DirectAssignmentResult } from "./direct-assignment";
import type { GroupLicensingResult } from "./group-licensing";
import type { HttpReadResult } from "./http-read";
import type { SoakResult } from "./soak";
import { type MillionResult, meanFloorMs } from "./million";
import type { StartupResult } from "./startup";

interface BenchSpec {
  name: string;
  /** Arguments for node: a script and its options. */
  args: (quick: boolean) => string[];
  limitMinutes: number;
  /** Long (the soak) or seeding a million rows first (million): run only when asked for (--soak, --million, or --only with its name). */
  optIn?: boolean;
}

const BENCHES: BenchSpec[] = [
  // Search quality over the public library; skips itself (exit 0) when the library is absent.
  { name: "search-eval", args: () => [script("search-eval")], limitMinutes: 10 },
  // The built server from spawn to first answer and to ready, cold then warm, on the full library (else 15,000 generated files).
  { name: "startup", args: (quick) => [script("startup"), ...(quick ? ["--files", "1000", "--settle", "5"] : [])], limitMinutes: 25 },
  { name: "http-read", args: (quick) => [script("http-read"), ...(quick ? ["--duration", "2", "--warmup", "1"] : [])], limitMinutes: 10 },
  { name: "group-licensing", args: (quick) => [script("group-licensing"), ...(quick ? ["--members", "5000"] : [])], limitMinutes: 40 },
  { name: "direct-assignment", args: (quick) => [script("direct-assignment"), ...(quick ? ["--users", "2000", "--samples", "500", "--warmup", "50", "--http-samples", "200"] : [])], limitMinutes: 15 },
  {
    name: "content-load",
    // Loaded with require() (its `require.main === module` guard keeps its own main() from
    // running too); run(argv) takes its command-line options. Three rounds, the fastest of each
    // run kept: one cold load alone moved by a fifth between runs on a shared machine.
    args: (quick) => ["-e", `Promise.resolve(require(${JSON.stringify(script("content-load"))}).run(${JSON.stringify(quick ? ["--files", "1000"] : ["--repeat", "3"])})).then(() => undefined, (e) => { console.error(e); process.exitCode = 1; })`],
    limitMinutes: 15,
  },
  // Ten minutes of mixed traffic (one with --quick): only with --soak or --only soak.
  { name: "soak", args: (quick) => [script("soak"), ...(quick ? ["--minutes", "1"] : [])], limitMinutes: 20, optIn: true },
  // A million-user tenant: seed time, then every directory list and filter, first and deep page.
  // Not in the default run (seeding a million users takes minutes): --million or --only million;
  // BENCH_MILLION_ARGS passes its own options (e.g. "--reuse tenant.sqlite" or "--postgres-admin-url URL").
  {
    name: "million",
    optIn: true,
    args: (quick) => [script("million"), ...(quick ? ["--users", "20000", "--groups", "200", "--duration", "1", "--warmup", "0"] : []), ...(process.env.BENCH_MILLION_ARGS?.split(/\s+/).filter(Boolean) ?? [])],
    limitMinutes: 60,
  },
];

function script(name: string): string {
  return path.join(__dirname, `${name}.js`);
}

/** Whether bench/content-load.ts exists and exports a function named run. */
function contentLoadRunnable(): { ok: boolean; reason: string } {
  const source = path.join(repositoryRoot(), "bench", "content-load.ts");
  if (!fs.existsSync(source)) return { ok: false, reason: "bench/content-load.ts does not exist" };
  const text = fs.readFileSync(source, "utf8");
  if (!/export\s+(async\s+)?function\s+run\s*\(|export\s+const\s+run\s*=|export\s*\{[^}]*\brun\b[^}]*\}/.test(text)) {
    return { ok: false, reason: "bench/content-load.ts exports no run function (run it alone: node dist/bench-build/bench/content-load.js)" };
  }
  if (!fs.existsSync(script("content-load"))) return { ok: false, reason: "content-load.js was not compiled" };
  return { ok: true, reason: "" };
}

interface Outcome {
  name: string;
  status: "ok" | "failed" | "skipped" | "timed out";
  seconds: number;
  note: string;
}

const FULL_RESULTS = path.join(repositoryRoot(), "bench", "results");
const QUICK_RESULTS = path.join(FULL_RESULTS, "quick");

/**
 * A quick run must not replace the full-size results: its benches write to bench/results/quick
 * (BENCH_RESULTS_DIR), and a bench that writes bench/results/<name>.json regardless has that
 * file moved to quick/ and the full-size one put back.
 */
async function preservingFullResults(name: string, quick: boolean, work: () => Promise<Outcome>): Promise<Outcome> {
  if (!quick) return work();
  const file = path.join(FULL_RESULTS, `${name}.json`);
  const saved = fs.existsSync(file) ? fs.readFileSync(file) : null;
  const savedTime = saved ? fs.statSync(file).mtimeMs : 0;
  try {
    return await work();
  } finally {
    if (fs.existsSync(file) && (!saved || fs.statSync(file).mtimeMs !== savedTime || !fs.readFileSync(file).equals(saved))) {
      fs.mkdirSync(QUICK_RESULTS, { recursive: true });
      fs.renameSync(file, path.join(QUICK_RESULTS, `${name}.json`));
      if (saved) fs.writeFileSync(file, saved);
    }
  }
}

function runBench(spec: BenchSpec, quick: boolean): Promise<Outcome> {
  const started = Date.now();
  return new Promise((resolve) => {
    console.log(`\n=== ${spec.name} ===`);
    const env = quick ? { ...process.env, BENCH_RESULTS_DIR: QUICK_RESULTS } : process.env;
    const child = spawn(process.execPath, spec.args(quick), { stdio: "inherit", cwd: repositoryRoot(), env });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, spec.limitMinutes * 60_000);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      const seconds = (Date.now() - started) / 1000;
      if (timedOut) resolve({ name: spec.name, status: "timed out", seconds, note: `killed after ${spec.limitMinutes} min` });
      else resolve({ name: spec.name, status: code === 0 ? "ok" : "failed", seconds, note: code === 0 ? "" : `exit ${signal ?? code}` });
    });
  });
}

interface Row {
  bench: string;
  figure: string;
  value: string;
  baseline: string;
  ratio: string;
  target: string;
}

const n = (value: number | null | undefined, unit = "") => (value === null || value === undefined || !Number.isFinite(value) ? "-" : `${format(value)}${unit}`);
const ratio = (value: number | null | undefined) => (value === null || value === undefined || !Number.isFinite(value) ? "-" : `${value.toFixed(2)}×`);
const verdict = (met: boolean | null | undefined) => (met === undefined || met === null ? "" : met ? " (met)" : " (missed)");

function httpRows(r: HttpReadResult): Row[] {
  const rows: Row[] = [];
  for (const query of ["support-topic", "directory-page"] as const) {
    const ours = r.rows.find((row) => row.query === query && row.server === "helpgate");
    const apollo = r.rows.find((row) => row.query === query && row.server === "apollo");
    const bare = r.rows.find((row) => row.query === query && row.server === "http");
    if (!ours || !apollo || !bare) continue;
    const topic = query === "support-topic";
    rows.push({ bench: "http-read", figure: `${query} req/s vs bare Apollo`, value: n(ours.reqPerSec), baseline: n(apollo.reqPerSec), ratio: ratio(ours.ratioToBareApollo), target: topic ? `≥ 0.8×${verdict(r.targets.supportTopicRatioToApollo.met)}` : "" });
    rows.push({ bench: "http-read", figure: `${query} req/s vs bare node:http`, value: n(ours.reqPerSec), baseline: n(bare.reqPerSec), ratio: ratio(ours.ratioToBareHttp), target: "" });
    rows.push({ bench: "http-read", figure: `${query} p50 / p99 ms`, value: `${n(ours.p50Ms)} / ${n(ours.p99Ms)}`, baseline: `${n(apollo.p50Ms)} / ${n(apollo.p99Ms)} (Apollo)`, ratio: "", target: topic ? `p99 < 10 ms${verdict(r.targets.supportTopicP99Ms.met)}` : "" });
    if (!topic) {
      const sql = r.targets.directorySqlPerRequest;
      const sizes = Object.entries(sql.byPageSize ?? {}).map(([size, count]) => `${size}→${count}`).join(" ");
      rows.push({ bench: "http-read", figure: `directory-page SQL/request (page size→count: ${sizes})`, value: n(ours.sqlPerRequestExact), baseline: "", ratio: "", target: `constant${verdict(sql.constant)}` });
    }
  }
  const cached = r.rows.find((row) => row.query === "support-topic-cached" && row.server === "helpgate");
  const cachedApollo = r.rows.find((row) => row.query === "support-topic-cached" && row.server === "apollo");
  if (cached && cachedApollo) {
    // Each half of the target judged on its own figure.
    const fast = cached.ratioToBareApollo === null || cached.ratioToBareApollo === undefined ? null : cached.ratioToBareApollo >= 2;
    rows.push({ bench: "http-read", figure: "support-topic GET by APQ hash, cached, req/s vs bare Apollo", value: n(cached.reqPerSec), baseline: n(cachedApollo.reqPerSec), ratio: ratio(cached.ratioToBareApollo), target: `≥ 2×${verdict(fast)}` });
    rows.push({ bench: "http-read", figure: "support-topic GET cached p50 / p99 ms", value: `${n(cached.p50Ms)} / ${n(cached.p99Ms)}`, baseline: `${n(cachedApollo.p50Ms)} / ${n(cachedApollo.p99Ms)} (Apollo)`, ratio: "", target: `p99 < 5 ms${verdict(cached.p99Ms < 5)}` });
  }
  return rows;
}

function groupRows(r: GroupLicensingResult): Row[] {
  return r.attempts.flatMap((a): Row[] => {
    const label = `${a.members.toLocaleString("en-US")} members, ${a.engine}${a.engine === "PostgreSQL" ? `, ${a.processes} process${a.processes > 1 ? "es" : ""}` : ""}`;
    if (!a.measured || a.error) return [{ bench: "group-licensing", figure: label, value: `FAILED: ${(a.error ?? "").slice(0, 60)}`, baseline: "", ratio: "", target: "" }];
    return [
      { bench: "group-licensing", figure: `${label}: members/s vs ${a.floor?.method ?? "raw insert"} floor`, value: n(a.measured.membersPerSecond), baseline: n(a.floor?.membersPerSecond), ratio: ratio(a.ratioToFloor), target: `${a.target}${a.met === null ? "" : verdict(a.met)}` },
      { bench: "group-licensing", figure: `${label}: the same floor, rows in key order`, value: n(a.measured.membersPerSecond), baseline: n(a.keyOrderFloor?.membersPerSecond), ratio: ratio(a.ratioToKeyOrderFloor), target: "reported" },
      { bench: "group-licensing", figure: `${label}: peak RSS MiB, SQL/member`, value: `${n(a.measured.rss.maxRssMiB)}, ${n(a.measured.sqlStatements.perMember)}`, baseline: "", ratio: "", target: "" },
    ];
  });
}

function directRows(r: DirectAssignmentResult): Row[] {
  const floor = r.rows.find((row) => row.path === "floor");
  return r.rows
    .filter((row) => row.path !== "floor")
    .map((row) => ({
      bench: "direct-assignment",
      figure: `${row.path === "service" ? "service call" : "HTTP mutation"} p50 / p99 ms (${row.latency.count} samples)`,
      value: `${n(row.latency.p50)} / ${n(row.latency.p99)}`,
      baseline: floor ? `${n(floor.latency.p50)} / ${n(floor.latency.p99)} (raw)` : "",
      ratio: `${ratio(row.p50RatioToFloor)} / ${ratio(row.p99RatioToFloor)}`,
      target: "",
    }));
}

interface ContentLoadJson {
  seconds?: { baseline?: number; cold?: number; warm?: number };
  ratioToBaseline?: { cold?: number; warm?: number };
  targets?: { coldMet?: boolean; warmMet?: boolean };
}

function contentRows(r: ContentLoadJson): Row[] {
  if (!r.seconds) return [];
  return [
    { bench: "content-load", figure: "cold load s vs gray-matter + remark", value: n(r.seconds.cold), baseline: n(r.seconds.baseline), ratio: ratio(r.ratioToBaseline?.cold), target: `≤ 0.6×${verdict(r.targets?.coldMet)}` },
    { bench: "content-load", figure: "warm load s", value: n(r.seconds.warm), baseline: n(r.seconds.baseline), ratio: ratio(r.ratioToBaseline?.warm), target: `< 3 s${verdict(r.targets?.warmMet)}` },
  ];
}

function startupRows(r: StartupResult): Row[] {
  const [cold, warm] = [r.runs.find((run) => run.kind === "cold"), r.runs.find((run) => run.kind === "warm")];
  const where = `${r.library.files.toLocaleString("en-US")} articles${r.library.generated ? ", generated" : ""}`;
  const t = r.targets;
  return [
    { bench: "startup", figure: `cold: first supportTopic answer s (${where})`, value: n(cold?.firstAnswerS), baseline: "", ratio: "", target: `< 3 s${verdict(t.coldFirstAnswerS.met)}` },
    { bench: "startup", figure: "cold: /readyz 200 s", value: n(cold?.readyS), baseline: "", ratio: "", target: "" },
    { bench: "startup", figure: "warm: first answer / /readyz 200 s", value: `${n(warm?.firstAnswerS)} / ${n(warm?.readyS)}`, baseline: "", ratio: "", target: `ready < 3 s${verdict(t.warmReadyS.met)}` },
    { bench: "startup", figure: "peak / settled RSS MiB (cold, warm)", value: `${n(cold?.peakRssMiB)} / ${n(cold?.settledRssMiB)}, ${n(warm?.peakRssMiB)} / ${n(warm?.settledRssMiB)}`, baseline: "", ratio: "", target: `< 400${verdict(t.peakRssMiB.met)} / < 300${verdict(t.settledRssMiB.met)}` },
  ];
}

function soakRows(r: SoakResult): Row[] {
  const t = r.targets;
  const first = r.minutes[0];
  const last = r.minutes[r.minutes.length - 1];
  if (!first || !last) return [];
  const growth = t.rssGrowthAfterMinute2.measured;
  return [
    { bench: "soak", figure: `${r.options.minutes} min of mixed traffic: errors`, value: String(r.errors), baseline: "", ratio: "", target: `0${verdict(t.noErrors)}` },
    { bench: "soak", figure: "RSS MiB, minute 2 → last (heap MiB)", value: `${n(r.minutes[1]?.rssMiB)} → ${n(last.rssMiB)} (${n(r.minutes[1]?.heapUsedMiB)} → ${n(last.heapUsedMiB)})`, baseline: "", ratio: growth === null ? "" : `+${(growth * 100).toFixed(1)}%`, target: `< 10%${verdict(t.rssGrowthAfterMinute2.met)}` },
    { bench: "soak", figure: "worst p99 against the first minute's", value: t.p99WithinTwiceFirstMinute.worst ? `${t.p99WithinTwiceFirstMinute.worst.operation}, minute ${t.p99WithinTwiceFirstMinute.worst.minute}` : "-", baseline: "", ratio: ratio(t.p99WithinTwiceFirstMinute.worst?.ratio), target: `≤ 2×${verdict(t.p99WithinTwiceFirstMinute.met)}` },
  ];
}

function floor(c: MillionResult["cases"][number], connections: number): string {
  const ms = meanFloorMs(c, connections);
  return typeof ms === "number" ? n(ms) : ms;
}

function millionRows(r: MillionResult): Row[] {
  const where = `${r.engine}, ${r.tenant.users.toLocaleString("en-US")} users`;
  const lists = r.cases.filter((c) => c.list !== "baseline" && !c.filter.includes("totalCount"));
  const worst = [...lists].sort((a, b) => b.p99Ms - a.p99Ms)[0];
  const met = lists.filter((c) => c.met).length;
  const rows: Row[] = [];
  if (r.seed) rows.push({ bench: "million", figure: `${where}: seed rows/s (${r.seed.rows.toLocaleString("en-US")} rows, ${r.seed.seconds.toFixed(0)} s)`, value: n(r.seed.rowsPerSecond), baseline: "", ratio: "", target: "minutes, not hours" });
  if (worst) rows.push({ bench: "million", figure: `${where}: list pages with p99 < 20 ms; worst (${worst.list} ${worst.filter}, ${worst.page})`, value: `${met} of ${lists.length}; ${n(worst.p99Ms)} ms`, baseline: "", ratio: "", target: `p99 < 20 ms${verdict(met === lists.length)}` });
  const baseline = r.cases.find((c) => c.list === "baseline");
  if (baseline) rows.push({ bench: "million", figure: `${where}: baseline, one user by id, p50 / p99 ms (the host's load)`, value: `${n(baseline.p50Ms)} / ${n(baseline.p99Ms)}`, baseline: "", ratio: "", target: "" });
  // The list page of median CPU: where its CPU went, and the mean latency that CPU allows (million.ts, meanFloorMs).
  // (Results written before the CPU was counted have none.)
  const byCpu = lists.filter((c) => typeof c.cpuPerRequestUs?.server === "number").sort((a, b) => a.cpuPerRequestUs.server! - b.cpuPerRequestUs.server!);
  const median = byCpu[Math.floor(byCpu.length / 2)];
  if (median) {
    const { server, postgres, loadGenerator } = median.cpuPerRequestUs;
    rows.push({
      bench: "million",
      figure: `${where}: median list page by CPU (${median.list} ${median.filter}, ${median.page}), CPU µs per request: server / PostgreSQL / load generator; the mean latency that CPU allows at ${r.options.connections} connections, and p50 / p99`,
      value: `${server} / ${postgres ?? "-"} / ${loadGenerator} µs; ${floor(median, r.options.connections)} ms; ${n(median.p50Ms)} / ${n(median.p99Ms)} ms`,
      baseline: "",
      ratio: "",
      target: "",
    });
  }
  rows.push({ bench: "million", figure: `${where}: server RSS MiB (peak)`, value: n(r.rss.peakMiB), baseline: "", ratio: "", target: "" });
  return rows;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const quick = args.has("quick");
  const only = args.get("only")?.split(",").map((name) => name.trim());
  const unknown = only?.filter((name) => !BENCHES.some((b) => b.name === name)) ?? [];
  if (unknown.length > 0) throw new Error(`unknown bench ${unknown.join(", ")}; use ${BENCHES.map((b) => b.name).join(", ")}`);
  const outcomes: Outcome[] = [];
  const startedAt = new Date().toISOString();
  for (const spec of BENCHES) {
    if (only && !only.includes(spec.name)) continue;
    if (spec.optIn && !only?.includes(spec.name) && !args.has(spec.name)) continue;
    if (spec.name === "content-load") {
      const check = contentLoadRunnable();
      if (!check.ok) {
        console.log(`\n=== content-load: skipped (${check.reason}) ===`);
        outcomes.push({ name: spec.name, status: "skipped", seconds: 0, note: check.reason });
        continue;
      }
    }
    outcomes.push(await preservingFullResults(spec.name, quick, () => runBench(spec, quick)));
  }

  // Figures from the result files: those this run wrote, and (with --only) those of benches it did
  // not run, labelled with their date. A bench that failed or was skipped here is not shown.
  const rows: Row[] = [];
  const earlier: string[] = [];
  const use = <T extends object>(name: string, toRows: (result: T) => Row[]) => {
    const outcome = outcomes.find((o) => o.name === name);
    if (outcome && outcome.status !== "ok") return;
    // A quick run shows its own figures, and full-size ones (marked) only for benches it did not run.
    const result = readResult<T & { machine?: { date?: string }; date?: string }>(name, outcome && quick ? QUICK_RESULTS : FULL_RESULTS);
    if (!result) return;
    const made = toRows(result);
    if (!outcome) {
      const date = result.machine?.date ?? result.date ?? "an earlier run";
      earlier.push(`${name}: from ${date}`);
      for (const row of made) row.bench = `${row.bench} *`;
    }
    rows.push(...made);
  };
  use<HttpReadResult>("http-read", httpRows);
  use<GroupLicensingResult>("group-licensing", groupRows);
  use<DirectAssignmentResult>("direct-assignment", directRows);
  use<ContentLoadJson>("content-load", contentRows);
  use<StartupResult>("startup", startupRows);
  use<SoakResult>("soak", soakRows);
  use<MillionResult>("million", millionRows);

  console.log(`\n=== summary (${quick ? "quick run, " : ""}${machine().cpuModel}, ${machine().cores} cores, Node ${process.version}; shared machine, noisy) ===`);
  console.log(table(["bench", "figure", "helpgate", "baseline", "ratio", "target"], rows.map((row) => [row.bench, row.figure, row.value, row.baseline, row.ratio, row.target])));
  if (earlier.length > 0) console.log(`* not run now, figures of an earlier run: ${earlier.join("; ")}`);
  console.log(`\n${table(["bench", "status", "seconds", "note"], outcomes.map((o) => [o.name, o.status, Math.round(o.seconds), o.note]))}`);
  if (quick) process.env.BENCH_RESULTS_DIR = QUICK_RESULTS;
  const file = writeResult("summary", { startedAt, quick, outcomes, rows, earlier });
  console.log(`\nwritten to ${file}`);
  if (outcomes.some((o) => o.status === "failed" || o.status === "timed out")) process.exitCode = 1;
}

if (isMain(module)) runMain(main);
