/**
 * Shared helpers of helpgate's benchmarks: machine info, result files, percentiles, tables,
 * temporary databases, silent logger, and the child-process servers of bench/server.ts.
 * See bench/run.ts for how to build and run them.
 */
import { type ChildProcess, fork } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pino, { type Logger } from "pino";
import { SERVER_NODE_FLAGS } from "../src/common/heap-growth";

export interface MachineInfo {
  date: string;
  os: string;
  cpuModel: string | null;
  cores: number;
  node: string;
  note: string;
}

export function machine(): MachineInfo {
  return {
    date: new Date().toISOString(),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    cpuModel: os.cpus()[0]?.model ?? null,
    cores: os.cpus().length,
    node: process.version,
    note: "Shared machine: other processes may run on the same cores, so figures are noisy.",
  };
}

/** The nearest folder up from here whose package.json names helpgate (the compiled bench sits in dist/bench-build/bench). */
export function repositoryRoot(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, "package.json");
    if (fs.existsSync(manifest) && (JSON.parse(fs.readFileSync(manifest, "utf8")) as { name?: string }).name === "helpgate") return dir;
    if (path.dirname(dir) === dir) return process.cwd();
  }
}

/** bench/results, or BENCH_RESULTS_DIR (run.ts --quick points it at bench/results/quick). */
export function resultsDir(): string {
  return process.env.BENCH_RESULTS_DIR || path.join(repositoryRoot(), "bench", "results");
}

/** Writes bench/results/<name>.json with the machine info first; returns the path. */
export function writeResult(name: string, data: object): string {
  const file = path.join(resultsDir(), `${name}.json`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify({ name, machine: machine(), ...data }, null, 2)}\n`);
  return file;
}

/** Where CPU profiles go: under dist/ (git-ignored), they are large. */
export function profilesDir(): string {
  return path.join(repositoryRoot(), "dist", "bench-profiles");
}

export function readResult<T>(name: string, dir = resultsDir()): T | null {
  const file = path.join(dir, `${name}.json`);
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, "utf8")) as T) : null;
}

/** A temporary folder, removed by `cleanup`. */
export function tempDir(prefix: string): { dir: string; cleanup(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `helpgate-bench-${prefix}-`));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

export const silentLog: Logger = pino({ level: "silent" });

/** The environment helpgate's loadConfig reads, for a fresh SQLite file. */
export function appEnv(databaseFile: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PORT: "0",
    HOST: "127.0.0.1",
    DATABASE_URL: databaseFile,
    LOG_LEVEL: "silent",
    ARTICLES_WATCH: "false",
    ARTICLES_DIR: path.join(repositoryRoot(), "articles"),
    // A fixed secret so the bench can sign tokens the child server accepts.
    TOKEN_SECRET: "bench-secret-bench-secret-bench-secret-0123456789",
    // As deployed: graphql-js and Apollo skip their development-mode checks, introspection is off.
    NODE_ENV: "production",
    // A benchmark's clients send far more than any caller's fair share: no throttling.
    THROTTLE_READ_UNITS_PER_10S: "0",
    THROTTLE_WRITE_UNITS_PER_150S: "0",
    ...extra,
  };
}

/** Linear-interpolated percentile of an ascending array (p in 0..100). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = (p / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (rank - low);
}

export function latencySummary(samples: number[]): { count: number; p50: number; p90: number; p99: number; max: number; mean: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = sorted.reduce((sum, value) => sum + value, 0) / Math.max(1, sorted.length);
  return { count: sorted.length, p50: percentile(sorted, 50), p90: percentile(sorted, 90), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] ?? Number.NaN, mean };
}

/** A plain text table; numbers right-aligned. */
export function table(header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((row) => row.map((cell) => (typeof cell === "number" ? format(cell) : cell)))];
  const widths = header.map((_, i) => Math.max(...cells.map((row) => String(row[i] ?? "").length)));
  const numeric = header.map((_, i) => rows.every((row) => typeof row[i] === "number" || row[i] === "-"));
  return cells
    .map((row, r) =>
      row
        .map((cell, i) => (numeric[i] && r > 0 ? String(cell).padStart(widths[i]!) : String(cell).padEnd(widths[i]!)))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

export function format(value: number): string {
  if (!Number.isFinite(value)) return "-";
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString("en-US");
  if (Math.abs(value) >= 100) return value.toFixed(0);
  if (Math.abs(value) >= 10) return value.toFixed(1);
  return value.toFixed(value === Math.round(value) ? 0 : 2);
}

export const mib = (bytes: number) => bytes / 2 ** 20;

/** Whether a compiled bench file was started directly (node dist/bench-build/bench/x.js), not imported. */
export function isMain(mod: NodeModule): boolean {
  return require.main === mod;
}

/** --name value / --flag arguments. */
export function parseArgs(argv: string[]): Map<string, string> {
  const args = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith("--")) throw new Error(`unexpected argument ${arg}`);
    const next = argv[i + 1];
    if (next !== undefined && !next.startsWith("--")) {
      args.set(arg.slice(2), next);
      i++;
    } else args.set(arg.slice(2), "true");
  }
  return args;
}

export function numberArg(args: Map<string, string>, name: string, env: string, fallback: number): number {
  const raw = args.get(name) ?? process.env[env];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} / ${env}: '${raw}' is not a positive number`);
  return value;
}

// Child-process servers (bench/server.ts).

export type ServerMode = "helpgate" | "apollo" | "http";

export interface ChildServer {
  mode: ServerMode;
  url: string;
  pid: number;
  /** helpgate only: the child's SQL statement count, RSS and (withPending, one more statement) its licensing queue length. */
  stats(withPending?: boolean): Promise<{ queryCount: number; rss: number; pending: number | null }>;
  /**
   * Runs two full garbage collections in the child (the second once the first one's finalizers
   * have run), then gives its RSS and V8 heap: what it holds, garbage aside.
   */
  collect(): Promise<{ rss: number; heapUsed: number; heapTotal: number }>;
  /** Starts the V8 CPU profiler in the child; profileStop writes the profile to `file`. */
  profileStart(): Promise<void>;
  profileStop(file: string): Promise<void>;
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 60_000;

/**
 * Forks dist/bench-build/bench/server.js in `mode`; resolves once it listens. helpgate runs with
 * the Node flags `npm start` gives it (SERVER_NODE_FLAGS), before `execArgv`.
 */
export function startServer(mode: ServerMode, env: Record<string, string>, execArgv: string[] = []): Promise<ChildServer> {
  const script = path.join(__dirname, "server.js");
  const child = fork(script, [mode], {
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? os.tmpdir(), TMPDIR: os.tmpdir(), ...env },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    execArgv: mode === "helpgate" ? [...SERVER_NODE_FLAGS, ...execArgv] : execArgv,
  });
  return new Promise<ChildServer>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${mode} server did not start within ${START_TIMEOUT_MS} ms`));
    }, START_TIMEOUT_MS);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${mode} server exited with code ${code} before listening`));
    });
    child.once("message", (message: { type: string; url?: string; error?: string }) => {
      clearTimeout(timer);
      if (message.type !== "ready" || !message.url) {
        child.kill("SIGKILL");
        reject(new Error(`${mode} server failed: ${message.error ?? JSON.stringify(message)}`));
        return;
      }
      child.removeAllListeners("exit");
      resolve(childServer(mode, message.url, child));
    });
  });
}

/** Sends a message to the child and waits for its next message (calls are never concurrent). */
function ask<T>(child: ChildProcess, message: object, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${what} reply within 30 s`)), 30_000);
    child.once("message", (reply: T) => {
      clearTimeout(timer);
      resolve(reply);
    });
    child.send(message);
  });
}

function childServer(mode: ServerMode, url: string, child: ChildProcess): ChildServer {
  return {
    collect: () => ask(child, { type: "collect" }, "collect"),
    profileStart: async () => {
      await ask(child, { type: "profile-start" }, "profile-start");
    },
    profileStop: async (file) => {
      const reply = await ask<{ error: string | null }>(child, { type: "profile-stop", file }, "profile-stop");
      if (reply.error) throw new Error(`profiling ${mode} failed: ${reply.error}`);
    },
    mode,
    url,
    pid: child.pid!,
    stats: (withPending = false) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("no stats reply within 10 s")), 10_000);
        child.once("message", (message: { type: string; queryCount: number; rss: number; pending: number | null }) => {
          clearTimeout(timer);
          resolve(message);
        });
        child.send({ type: "stats", pending: withPending });
      }),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
        child.once("exit", () => {
          clearTimeout(timer);
          resolve();
        });
        child.send({ type: "stop" });
      }),
  };
}

/** POSTs a GraphQL request; throws on a non-2xx status or GraphQL errors. Returns the body text. */
export async function graphqlRequest(url: string, query: string, token?: string, variables?: Record<string, unknown>): Promise<string> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`HTTP ${response.status}: ${text.slice(0, 500)}`);
  const parsed = JSON.parse(text) as { errors?: unknown[] };
  if (parsed.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(parsed.errors).slice(0, 500)}`);
  return text;
}

/** Runs a bench's main, printing errors and setting the exit code. */
export function runMain(main: () => Promise<unknown>): void {
  main().then(
    () => undefined,
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}

/** A database URL as result files record it: without its password. */
export function withoutPassword(value: string | null): string | null {
  if (value === null || !/^postgres(ql)?:\/\//i.test(value)) return value;
  const url = new URL(value);
  if (url.password) url.password = "***";
  return url.toString();
}
