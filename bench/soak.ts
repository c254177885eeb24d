/**
 * Benchmark: a soak. helpgate in a child process (bench/server.ts, as http-read starts it) takes
 * mixed traffic at a steady rate for --minutes (10) and the bench reports, per minute, each
 * operation's p50/p99 and count, the server's RSS and V8 heap, the licensing queue, and the
 * errors. Writes bench/results/soak.json.
 *
 * Setup (not timed): a fresh SQLite file (DEMO_DATA=false), --users (400) users (usage location
 * US, a primary SMTP address each), a security group holding the first half of them that gives
 * ENTERPRISEPACK (processed before the load starts), EMS subscribed for direct assignment.
 *
 * Traffic, open loop (requests leave on schedule whether or not earlier ones were answered), per
 * second at --rate 1 (--rate scales every line):
 *   support-topic-get    15  the support topic as a GET of its persisted-query hash (public: the response cache answers)
 *   support-topic-post    5  the same as a POST (runs every time)
 *   directory-page        3  users(first: 100) with license states and groups, as Global Administrator
 *   assign-license        3  assignLicense: EMS given to, then taken from, each user in turn
 *   membership            2  addGroupMember / removeGroupMember on the licensed group (the second half of
 *                            the users in turn): each queues group license work for the member
 *   ask                   2  ask(question, userId) with a rotating question and user
 * An error is a non-2xx answer, a GraphQL error, or no answer within 30 s.
 *
 * Targets: no errors; RSS after minute 2 grows by < 10% (the last minute's median RSS against
 * minute 2's); each operation's p99 in every minute within 2× its first minute's.
 *
 * RSS is read from /proc every 2 s: a minute's row has the median, lowest and highest of its
 * samples. The heap grows and is collected in a saw-tooth of about ±10 MiB, and the RSS with it;
 * one reading a minute lands anywhere on it (an earlier run read 143 and 161 MiB in two minutes
 * of the same steady state), where the median moves only when the level does, as a leak's would.
 *
 * Before minute 1, --warmup (30) seconds of the same traffic are not reported (JIT, caches), so
 * that the first minute is a fair yardstick for the p99s after it.
 *
 *   node dist/bench-build/bench/soak.js [--minutes 10] [--warmup 30] [--rate 1] [--users 400]
 */
import "reflect-metadata";
import { createHash, randomUUID } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { openServices } from "../src/app";
import { authenticate } from "../src/auth/authenticate";
import { loadConfig } from "../src/config";
import { GroupEntity, GroupMemberEntity, ProxyAddressEntity, UserEntity } from "../src/directory/entities";
import type { UserRecord } from "../src/directory/model";
import { UserStore } from "../src/directory/stores/user.store";
import { proxyAddressKey } from "../src/directory/validation";
import { loadProducts } from "../src/licensing/catalog";
import { appEnv, type ChildServer, isMain, mib, numberArg, parseArgs, percentile, runMain, silentLog, startServer, table, tempDir, writeResult } from "./common";
import { DIRECTORY_QUERY, SUPPORT_TOPIC_QUERY } from "./http-read";

export interface SoakOptions {
  minutes: number;
  /** Seconds of the same traffic before minute 1, not reported: JIT, caches and the first checkpoints. */
  warmupSeconds: number;
  rate: number;
  users: number;
}

interface Setup {
  token: string;
  groupId: string;
  emsSkuId: string;
  userIds: string[];
}

type Operation = "support-topic-get" | "support-topic-post" | "directory-page" | "assign-license" | "membership" | "ask";

/** Requests per second of each operation at --rate 1. */
const RATES: Record<Operation, number> = { "support-topic-get": 15, "support-topic-post": 5, "directory-page": 3, "assign-license": 3, membership: 2, ask: 2 };

const QUESTIONS = ["I can't assign a license to a user", "not enough licenses available", "group license assignment error", "user has no usage location", "conflicting service plans"];
const ASSIGN = "mutation Assign($userId: ID!, $add: [AssignedLicenseInput!], $remove: [ID!]) { assignLicense(userId: $userId, addLicenses: $add, removeLicenses: $remove) { id } }";
const ADD_MEMBER = "mutation Add($groupId: ID!, $userId: ID!) { addGroupMember(groupId: $groupId, userId: $userId) { id } }";
const REMOVE_MEMBER = "mutation Remove($groupId: ID!, $userId: ID!) { removeGroupMember(groupId: $groupId, userId: $userId) { id } }";
const ASK = "query Ask($q: String!, $u: ID) { ask(question: $q, userId: $u) { markdown steps { text } userProblems { skuId } } }";

export interface MinuteRow {
  minute: number;
  operations: Record<string, { count: number; errors: number; p50Ms: number; p99Ms: number }>;
  /** The median of the minute's RSS samples (every 2 s), with their lowest and highest. */
  rssMiB: number;
  rssMinMiB: number;
  rssMaxMiB: number;
  heapUsedMiB: number;
  /** Full (mark-compact) collections since the server started, at the minute's end, and the time they held its event loop, in all. */
  fullCollections: number;
  fullCollectionMs: number;
  queueDepth: number;
  errors: number;
  /** Requests not sent because 500 were already waiting for an answer (the server fell behind). */
  skipped: number;
  /** The host's 1-minute load average at the minute's end (2 cores: above 2, something waits). */
  loadAverage: number;
}

export interface SoakResult {
  options: SoakOptions;
  minutes: MinuteRow[];
  /**
   * Once the traffic has stopped, after two full garbage collections in the server: what it
   * holds, garbage aside. Against the minutes' RSS it tells growth that would be collected from
   * memory the server keeps.
   */
  afterCollection: { rssMiB: number; heapUsedMiB: number; heapTotalMiB: number } | null;
  errors: number;
  errorSamples: string[];
  targets: {
    noErrors: boolean;
    rssGrowthAfterMinute2: { measured: number | null; target: 0.1; met: boolean | null };
    p99WithinTwiceFirstMinute: { worst: { operation: string; minute: number; ratio: number } | null; met: boolean };
  };
}

async function setup(database: string, count: number): Promise<Setup> {
  const services = await openServices(loadConfig(appEnv(database, { DEMO_DATA: "false" })), silentLog);
  try {
    const admin = (await new UserStore(services.db.manager).findByUpn("admin@contoso.com"))!;
    const groupId = randomUUID();
    const userIds: string[] = [];
    await services.db.transaction(async (tx) => {
      const now = new Date();
      await tx.insert(GroupEntity, {
        id: groupId, displayName: "Soak licensed group", description: null, securityEnabled: true, mailEnabled: false, mailNickname: null,
        groupTypes: [], membershipRule: null, membershipRuleProcessingState: null, createdDateTime: now,
      });
      const users: UserRecord[] = [];
      for (let i = 0; i < count; i++) {
        const upn = `soak${String(i).padStart(5, "0")}@contoso.com`;
        users.push({ id: randomUUID(), userPrincipalName: upn, upnKey: upn, displayName: `Soak ${String(i).padStart(5, "0")}`, mail: upn, department: "Support", jobTitle: null, accountEnabled: true, usageLocation: "US", createdDateTime: now });
      }
      await tx.insert(UserEntity, users);
      await tx.insert(ProxyAddressEntity, users.map((user) => ({ userId: user.id, address: `SMTP:${user.userPrincipalName}`, addressKey: proxyAddressKey(`SMTP:${user.userPrincipalName}`), isPrimary: true, position: 0 })));
      await tx.insert(GroupMemberEntity, users.slice(0, Math.floor(count / 2)).map((user) => ({ groupId, userId: user.id, displayName: user.displayName })));
      userIds.push(...users.map((user) => user.id));
    });
    const token = await services.tokens.sign({ oid: admin.id, preferredUsername: admin.userPrincipalName }, 6 * 3600);
    const caller = await authenticate(`Bearer ${token}`, services);
    const sku = (partNumber: string) => loadProducts().byPartNumber.get(partNumber)![0]!;
    for (const partNumber of ["ENTERPRISEPACK", "EMS"]) await services.licensing.subscriptions.add({ caller, requestId: "soak-setup" }, { skuId: sku(partNumber) }, 1_000_000);
    await services.licensing.groups.assign({ caller, requestId: "soak-setup" }, groupId, { addLicenses: [{ skuId: sku("ENTERPRISEPACK") }] });
    return { token, groupId, emsSkuId: sku("EMS"), userIds };
  } finally {
    await services.db.close();
  }
}

interface Answer {
  status: number;
  text: string;
}

/** The soak's connections to the server, kept open between requests as fetch's are. */
const agent = new http.Agent({ keepAlive: true });

/**
 * One request's answer, or an error after 30 s without a byte of it. Sent with node:http, not
 * fetch: each of fetch's requests left about 30 KB that outlived two young collections in the
 * soak's own process, whose old generation then filled by 8 MiB every 9 s; the full collections
 * that followed paused it for up to 33 ms (and 16 ms steps of marking), and the answers that
 * arrived meanwhile were timed as if the server had been that slow. It asks for compressed
 * answers as fetch did, and unpacks them.
 */
function answerOf(url: string | URL, init: { method?: "GET" | "POST"; headers?: Record<string, string>; body?: string }): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { "accept-encoding": "gzip, deflate, br", ...init.headers };
    if (init.body !== undefined) headers["content-length"] = String(Buffer.byteLength(init.body));
    const request = http.request(url, { method: init.method ?? "GET", headers, agent, timeout: 30_000 }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("error", reject);
      response.on("end", () => {
        try {
          const body = Buffer.concat(chunks);
          const encoding = response.headers["content-encoding"];
          const text = (encoding === "br" ? zlib.brotliDecompressSync(body) : encoding === "gzip" ? zlib.gunzipSync(body) : body).toString("utf8");
          resolve({ status: response.statusCode ?? 0, text });
        } catch (error) {
          reject(error);
        }
      });
    });
    request.on("timeout", () => request.destroy(new Error("no answer within 30 s")));
    request.on("error", reject);
    request.end(init.body);
  });
}

/** The server's resident set (worker threads included), from /proc. */
function rssOf(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? Number.NaN);
  return kib * 1024;
}

async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(new URL("/metrics", url))).text();
  const line = text.split("\n").find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line ? Number(line.split(" ").pop()) : Number.NaN;
}

async function waitForEmptyQueue(server: ChildServer, seconds: number): Promise<void> {
  for (let i = 0; i < seconds * 10; i++) {
    if ((await server.stats(true)).pending === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the licensing queue did not empty within ${seconds} s`);
}

export async function run(options: SoakOptions): Promise<SoakResult> {
  const temp = tempDir("soak");
  let server: ChildServer | null = null;
  try {
    const databaseFile = path.join(temp.dir, "helpgate.sqlite");
    console.log(`soak: seeding ${options.users} users ...`);
    const s = await setup(databaseFile, options.users);
    server = await startServer("helpgate", appEnv(databaseFile, { DEMO_DATA: "false" }));
    await waitForEmptyQueue(server, 120);
    const url = server.url;
    const auth = { authorization: `Bearer ${s.token}` };
    const hash = createHash("sha256").update(SUPPORT_TOPIC_QUERY).digest("hex");
    const apq = (withQuery: boolean) => `${url}?${new URLSearchParams({ ...(withQuery ? { query: SUPPORT_TOPIC_QUERY } : {}), extensions: JSON.stringify({ persistedQuery: { version: 1, sha256Hash: hash } }) })}`;
    await fetch(apq(true), { headers: { "apollo-require-preflight": "true" } });

    const half = Math.floor(s.userIds.length / 2);
    const hasEms = new Set<string>();
    const inGroup = new Set(s.userIds.slice(0, half));
    const counters: Record<Operation, number> = { "support-topic-get": 0, "support-topic-post": 0, "directory-page": 0, "assign-license": 0, membership: 0, ask: 0 };
    const post = (query: string, variables: Record<string, unknown>, headers: Record<string, string> = auth) =>
      answerOf(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify({ query, variables }) });
    /** One request of the operation; the user-changing ones take the next user in turn and flip what it has. */
    const send = (operation: Operation): Promise<Answer> => {
      const n = counters[operation]++;
      switch (operation) {
        case "support-topic-get":
          return answerOf(apq(false), { headers: { "apollo-require-preflight": "true" } });
        case "support-topic-post":
          return post(SUPPORT_TOPIC_QUERY, {}, {});
        case "directory-page":
          return post(DIRECTORY_QUERY, {});
        case "assign-license": {
          const userId = s.userIds[n % s.userIds.length]!;
          const add = !hasEms.has(userId);
          if (add) hasEms.add(userId);
          else hasEms.delete(userId);
          return post(ASSIGN, add ? { userId, add: [{ skuId: s.emsSkuId }] } : { userId, remove: [s.emsSkuId] });
        }
        case "membership": {
          const userId = s.userIds[half + (n % (s.userIds.length - half))]!;
          const add = !inGroup.has(userId);
          if (add) inGroup.add(userId);
          else inGroup.delete(userId);
          return post(add ? ADD_MEMBER : REMOVE_MEMBER, { groupId: s.groupId, userId });
        }
        case "ask":
          return post(ASK, { q: QUESTIONS[n % QUESTIONS.length], u: n % 2 === 0 ? s.userIds[n % s.userIds.length] : null });
      }
    };

    // The schedule: every operation at its own steady interval, started at once.
    type Sample = { operation: Operation; ms: number; ok: boolean };
    let minuteSamples: Sample[] = [];
    let skipped = 0;
    let inFlight = 0;
    const errorSamples: string[] = [];
    const fire = (operation: Operation) => {
      if (inFlight >= 500) {
        skipped++;
        return;
      }
      inFlight++;
      const started = performance.now();
      const record = (ok: boolean, why?: string) => {
        inFlight--;
        minuteSamples.push({ operation, ms: performance.now() - started, ok });
        if (!ok && errorSamples.length < 20) errorSamples.push(`${operation}: ${why}`);
      };
      send(operation)
        .then(({ status, text }) => {
          const ok = status >= 200 && status < 300;
          const errors = ok ? (JSON.parse(text) as { errors?: unknown[] }).errors : undefined;
          if (!ok || errors?.length) record(false, `HTTP ${status} ${text.slice(0, 200)}`);
          else record(true);
        })
        .catch((error: unknown) => record(false, String(error)));
    };
    const timers = (Object.keys(RATES) as Operation[]).map((operation) => setInterval(() => fire(operation), 1000 / (RATES[operation] * options.rate)));

    const minutes: MinuteRow[] = [];
    if (options.warmupSeconds > 0) {
      console.log(`soak: ${options.warmupSeconds} s of warm-up ...`);
      await new Promise((resolve) => setTimeout(resolve, options.warmupSeconds * 1000));
      for (let i = 0; i < 300 && inFlight > 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
      const warmupErrors = minuteSamples.filter((sample) => !sample.ok).length;
      if (warmupErrors > 0) console.log(`soak: ${warmupErrors} errors in the warm-up`);
      minuteSamples = [];
      skipped = 0;
    }
    console.log(`soak: ${options.minutes} min at ${Object.values(RATES).reduce((a, b) => a + b, 0) * options.rate} requests/s ...`);
    let rssSamples: number[] = [];
    const rssTimer = setInterval(() => rssSamples.push(mib(rssOf(server!.pid))), 2000);
    try {
      for (let minute = 1; minute <= options.minutes; minute++) {
        await new Promise((resolve) => setTimeout(resolve, 60_000));
        const samples = minuteSamples;
        minuteSamples = [];
        const rss = [...rssSamples, mib(rssOf(server.pid))].sort((a, b) => a - b);
        rssSamples = [];
        const operations: MinuteRow["operations"] = {};
        for (const operation of Object.keys(RATES) as Operation[]) {
          const mine = samples.filter((sample) => sample.operation === operation);
          const sorted = mine.map((sample) => sample.ms).sort((a, b) => a - b);
          operations[operation] = { count: mine.length, errors: mine.filter((sample) => !sample.ok).length, p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99) };
        }
        const row: MinuteRow = {
          minute,
          operations,
          rssMiB: percentile(rss, 50),
          rssMinMiB: rss[0]!,
          rssMaxMiB: rss[rss.length - 1]!,
          heapUsedMiB: mib(await metric(url, "helpgate_nodejs_heap_size_used_bytes")),
          fullCollections: await metric(url, 'helpgate_nodejs_gc_duration_seconds_count{kind="major"}'),
          fullCollectionMs: (await metric(url, 'helpgate_nodejs_gc_duration_seconds_sum{kind="major"}')) * 1000,
          queueDepth: await metric(url, "helpgate_licensing_queue_depth"),
          errors: samples.filter((sample) => !sample.ok).length,
          skipped,
          loadAverage: os.loadavg()[0]!,
        };
        skipped = 0;
        minutes.push(row);
        console.log(
          `minute ${minute} (load ${row.loadAverage.toFixed(1)}): RSS ${row.rssMiB.toFixed(0)} MiB (${row.rssMinMiB.toFixed(0)}–${row.rssMaxMiB.toFixed(0)}), heap ${row.heapUsedMiB.toFixed(0)} MiB, full collections ${row.fullCollections} (${row.fullCollectionMs.toFixed(0)} ms in all), queue ${row.queueDepth}, errors ${row.errors}, skipped ${row.skipped}; ` +
            Object.entries(operations).map(([name, o]) => `${name} ${o.count} p50 ${o.p50Ms.toFixed(1)} p99 ${o.p99Ms.toFixed(1)}`).join("; "),
        );
      }
    } finally {
      for (const timer of timers) clearInterval(timer);
      clearInterval(rssTimer);
    }
    // Let the last requests finish.
    for (let i = 0; i < 300 && inFlight > 0; i++) await new Promise((resolve) => setTimeout(resolve, 100));

    const collected = await server.collect().catch(() => null);
    const afterCollection = collected && { rssMiB: mib(collected.rss), heapUsedMiB: mib(collected.heapUsed), heapTotalMiB: mib(collected.heapTotal) };
    const errors = minutes.reduce((total, row) => total + row.errors, 0) + minuteSamples.filter((sample) => !sample.ok).length;
    const second = minutes[1];
    const last = minutes[minutes.length - 1]!;
    const growth = second && minutes.length > 2 ? (last.rssMiB - second.rssMiB) / second.rssMiB : null;
    let worst: SoakResult["targets"]["p99WithinTwiceFirstMinute"]["worst"] = null;
    for (const row of minutes.slice(1)) {
      for (const [operation, figures] of Object.entries(row.operations)) {
        const ratio = figures.p99Ms / minutes[0]!.operations[operation]!.p99Ms;
        if (Number.isFinite(ratio) && (!worst || ratio > worst.ratio)) worst = { operation, minute: row.minute, ratio };
      }
    }
    return {
      options,
      minutes,
      afterCollection,
      errors,
      errorSamples,
      targets: {
        noErrors: errors === 0,
        rssGrowthAfterMinute2: { measured: growth, target: 0.1, met: growth === null ? null : growth < 0.1 },
        p99WithinTwiceFirstMinute: { worst, met: worst === null || worst.ratio <= 2 },
      },
    };
  } finally {
    agent.destroy();
    await server?.stop().catch(() => undefined);
    temp.cleanup();
  }
}

export function report(result: SoakResult): string {
  const operations = Object.keys(RATES);
  const t = result.targets;
  return [
    `soak: ${result.options.minutes} min, ${Object.values(RATES).reduce((a, b) => a + b, 0) * result.options.rate} requests/s, ${result.options.users} users; p50 / p99 ms per minute`,
    table(
      ["minute", ...operations, "RSS MiB (median)", "RSS low–high", "heap MiB", "full GCs (ms in all)", "queue", "errors", "host load"],
      result.minutes.map((row) => [row.minute, ...operations.map((name) => `${row.operations[name]!.p50Ms.toFixed(1)} / ${row.operations[name]!.p99Ms.toFixed(1)}`), row.rssMiB, `${row.rssMinMiB.toFixed(0)}–${row.rssMaxMiB.toFixed(0)}`, row.heapUsedMiB, `${row.fullCollections} (${row.fullCollectionMs.toFixed(0)})`, row.queueDepth, row.errors, row.loadAverage]),
    ),
    `errors: ${result.errors} (${t.noErrors ? "met" : "missed"})${result.errorSamples.length ? `; e.g. ${result.errorSamples.slice(0, 3).join(" | ")}` : ""}`,
    ...(result.afterCollection
      ? [`after the traffic and two full collections: RSS ${result.afterCollection.rssMiB.toFixed(0)} MiB, heap used ${result.afterCollection.heapUsedMiB.toFixed(0)} of ${result.afterCollection.heapTotalMiB.toFixed(0)} MiB`]
      : []),
    `RSS growth after minute 2: ${t.rssGrowthAfterMinute2.measured === null ? "- (needs 3 minutes)" : `${(t.rssGrowthAfterMinute2.measured * 100).toFixed(1)}% (${t.rssGrowthAfterMinute2.met ? "met" : "missed"}, < 10%)`}`,
    `p99 against the first minute: worst ${t.p99WithinTwiceFirstMinute.worst ? `${t.p99WithinTwiceFirstMinute.worst.ratio.toFixed(2)}× (${t.p99WithinTwiceFirstMinute.worst.operation}, minute ${t.p99WithinTwiceFirstMinute.worst.minute})` : "-"} (${t.p99WithinTwiceFirstMinute.met ? "met" : "missed"}, ≤ 2×)`,
  ].join("\n");
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const options: SoakOptions = {
    minutes: Math.round(numberArg(args, "minutes", "BENCH_SOAK_MINUTES", 10)),
    warmupSeconds: args.get("warmup") === "0" ? 0 : numberArg(args, "warmup", "BENCH_SOAK_WARMUP", 30),
    rate: numberArg(args, "rate", "BENCH_SOAK_RATE", 1),
    users: Math.round(numberArg(args, "users", "BENCH_SOAK_USERS", 400)),
  };
  const result = await run(options);
  console.log(`\n${report(result)}`);
  console.log(`\nwritten to ${writeResult("soak", result)}`);
  if (!result.targets.noErrors) process.exitCode = 1;
}

if (isMain(module)) runMain(main);
