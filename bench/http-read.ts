/**
 * Benchmark 1: the HTTP read path under autocannon on loopback.
 *
 * Queries:
 *   support-topic   query { supportTopic(id: "32570959") { articles { pageTitle recommendedSteps { text } } } }  (no token)
 *   directory-page  query { users(first: 100) { edges { node { id displayName licenseAssignmentStates { skuId state error }
 *                   memberOf { displayName } } } } }  with a Global Administrator token
 *
 * Servers, each a child process (bench/server.ts) so autocannon, in this process, never shares
 * their event loop; all on 127.0.0.1:
 *   helpgate        startApp on a fresh SQLite file: demo tenant plus --users (200) users inserted
 *                   through the stores (with proxy addresses, 1-3 group memberships and 1-2
 *                   license assignment rows each) so the page is full; LOG_LEVEL silent
 * All three run with NODE_ENV=production (--node-env to change): graphql-js's development-mode
 * instanceOf checks are off, and helpgate runs its production configuration.
 *   bare Apollo     Apollo Server 5 over node:http + executeHTTPGraphQLRequest, same query shape,
 *                   resolving helpgate's own response data from constants (same response bytes)
 *   bare node:http  reads the body, answers helpgate's response bytes
 *
 * Per query: each server gets a --warmup (2 s) run, discarded; then --duration (10 s) of
 * measurement per server at --connections (10), split into --rounds (5) rounds of 2 s in which
 * the servers take turns (rotating the order), so that load from other processes on this shared
 * machine falls on all three alike; figures pool the rounds, and the per-round ratios to bare
 * Apollo are kept to show the spread. Latency percentiles come from every response's time (autocannon's own
 * histogram rounds to whole milliseconds). SQL statements per request: the child's
 * services.db.queryLog.count before and after the measured run, divided by the responses (the
 * licensing processor's idle poll adds a little), and exactly, as the median delta over 20
 * sequential single requests.
 *
 * --cpu-prof profiles the helpgate and bare Apollo processes over the measured rounds (V8
 * profiler through node:inspector, files in dist/bench-profiles/) and prints CPU µs per request
 * by package side by side (results then go to http-read-profile.json).
 *
 * support-topic-cached: the same support topic as a GET of its persisted-query hash alone
 * (`?extensions={"persistedQuery":…}`, registered first; `apollo-require-preflight: true` for CSRF
 * prevention), as a portal behind a CDN sends it: helpgate answers it from its public response
 * cache (the answer is checked to be public and the cache's hit count to grow), bare Apollo runs
 * it through its own persisted-query cache, bare node:http answers the bytes. Measured in rounds
 * with the servers in turns, as above; the POST support-topic row is the uncached path.
 *
 *   node dist/bench-build/bench/http-read.js [--duration 10] [--rounds 5] [--warmup 2] [--connections 10] [--users 200] [--cpu-prof]
 *     [--queries support-topic,directory-page,support-topic-cached] [--node-env production]
 *     [--compile-after 1|never]   (the helpgate server's GRAPHQL_COMPILE_AFTER; `never` runs it on graphql-js)
 */
import "reflect-metadata";
import { createHash, randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import autocannon from "autocannon";
import { openServices } from "../src/app";
import { loadConfig } from "../src/config";
import { GroupEntity } from "../src/directory/entities";
import { UserStore } from "../src/directory/stores/user.store";
import { GroupStore } from "../src/directory/stores/group.store";
import { proxyAddressKey } from "../src/directory/validation";
import { AssignmentStore } from "../src/licensing/stores/assignment.store";
import { SubscriptionStore } from "../src/licensing/stores/subscription.store";
import { summarizeProfile, type ProfileSummary } from "./cpu-profile";
import {
  appEnv,
  profilesDir,
  type ChildServer,
  graphqlRequest,
  isMain,
  latencySummary,
  numberArg,
  parseArgs,
  runMain,
  type ServerMode,
  silentLog,
  startServer,
  table,
  tempDir,
  writeResult,
} from "./common";

export const SUPPORT_TOPIC_QUERY = 'query { supportTopic(id: "32570959") { articles { pageTitle recommendedSteps { text } } } }';
export const DIRECTORY_QUERY =
  "query { users(first: 100) { edges { node { id displayName licenseAssignmentStates { skuId state error } memberOf { displayName } } } } }";

export interface HttpReadOptions {
  durationSeconds: number;
  /** The measured time of each server is split into this many rounds, servers taking turns (in a rotating order). */
  rounds: number;
  warmupSeconds: number;
  connections: number;
  users: number;
  /** Write a CPU profile of the helpgate server process to dist/bench-profiles and summarise it. */
  profileServer: boolean;
  /** Which of the two queries to measure. */
  queries: string[];
  /** NODE_ENV of the three servers. */
  nodeEnv: string;
  /** GRAPHQL_COMPILE_AFTER of the helpgate server (unset: its default). */
  compileAfter?: string;
}

export interface LoadFigures {
  latencies?: number[];
  requests: number;
  seconds: number;
  reqPerSec: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  non2xx: number;
  errors: number;
  timeouts: number;
}

export interface ServerRow extends LoadFigures {
  query: "support-topic" | "directory-page" | "support-topic-cached";
  server: ServerMode;
  ratioToBareHttp: number;
  ratioToBareApollo: number;
  /** The ratio to bare Apollo in each round (servers measured in turns): how much the noise moved it. */
  ratioToBareApolloPerRound: number[];
  sqlPerRequestUnderLoad: number | null;
  sqlPerRequestExact: number | null;
  responseBytes: number;
}

export interface HttpReadResult {
  options: HttpReadOptions;
  rows: ServerRow[];
  targets: {
    supportTopicRatioToApollo: { target: number; measured: number; met: boolean | null };
    supportTopicP99Ms: { target: number; measured: number; met: boolean | null };
    /** GET by persisted-query hash, answered from the public response cache: ≥ 2× bare Apollo, p99 < 5 ms. */
    cachedSupportTopic?: { ratioToApollo: number; p99Ms: number; met: boolean; hits: number };
    directorySqlPerRequest: { measured: number | null; byPageSize: Record<string, number>; constant: boolean | null; note: string };
  };
  notes: string[];
  profiles: ServerProfile[];
}

/** A CPU profile of one server over the measured rounds of one query (--cpu-prof). */
export interface ServerProfile {
  query: string;
  server: ServerMode;
  requests: number;
  /** CPU time per request by area (package), from the profile's self time. */
  usPerRequest: Record<string, number>;
  summary: ProfileSummary;
}

/** One autocannon run; latencies from each response (float ms). */
export function load(url: string, body: string, headers: Record<string, string>, connections: number, durationSeconds: number, method: "POST" | "GET" = "POST"): Promise<LoadFigures> {
  return new Promise((resolve, reject) => {
    const latencies: number[] = [];
    let non2xx = 0;
    const started = performance.now();
    const guard = setTimeout(() => reject(new Error(`autocannon did not finish within ${durationSeconds + 30} s`)), (durationSeconds + 30) * 1000);
    const instance = autocannon(
      method === "GET"
        ? { url, method, connections, duration: durationSeconds, headers, timeout: 10 }
        : { url, method, connections, duration: durationSeconds, body, headers: { "content-type": "application/json", ...headers }, timeout: 10 },
      (error, result) => {
        clearTimeout(guard);
        if (error) return reject(error);
        const seconds = (performance.now() - started) / 1000;
        const summary = latencySummary(latencies);
        resolve({
          latencies,
          requests: summary.count,
          seconds,
          reqPerSec: (summary.count - non2xx) / seconds,
          p50Ms: summary.p50,
          p90Ms: summary.p90,
          p99Ms: summary.p99,
          maxMs: summary.max,
          non2xx,
          errors: result.errors,
          timeouts: result.timeouts,
        });
      },
    );
    instance.on("response", (_client, statusCode, _bytes, responseTime) => {
      latencies.push(responseTime);
      if (statusCode < 200 || statusCode >= 300) non2xx += 1;
    });
  });
}

/** Inserts `count` users through the stores, in one transaction, with memberships and assignment rows. */
async function seedDirectory(databaseFile: string, count: number): Promise<{ adminToken: string }> {
  const services = await openServices(loadConfig(appEnv(databaseFile)), silentLog);
  try {
    await services.db.transaction(async (tx) => {
      const users = new UserStore(tx);
      const groups = (await tx.find(GroupEntity)).filter((group) => group.membershipRule === null);
      const skus = (await new SubscriptionStore(tx).all()).map((subscription) => subscription.skuId);
      const groupStore = new GroupStore(tx);
      const assignments = new AssignmentStore(tx);
      const now = new Date();
      for (let i = 0; i < count; i++) {
        const nickname = `bench.user${String(i).padStart(4, "0")}`;
        const upn = `${nickname}@contoso.com`;
        const id = randomUUID();
        await users.insert({ id, userPrincipalName: upn, upnKey: upn, displayName: `Bench User ${String(i).padStart(4, "0")}`, mail: upn, department: "Sales", jobTitle: "Account Executive", accountEnabled: true, usageLocation: "US", createdDateTime: now });
        await users.replaceProxyAddresses(id, [{ userId: id, address: `SMTP:${upn}`, addressKey: proxyAddressKey(`SMTP:${upn}`), isPrimary: true, position: 0 }]);
        for (let g = 0; g < 1 + (i % 3); g++) await groupStore.addMembers(groups[(i + g) % groups.length]!.id, [id]);
        const held = skus.slice(i % skus.length, (i % skus.length) + 1 + (i % 2));
        await assignments.replace(
          id,
          held.map((skuId, k) => ({ userId: id, skuId, source: "direct", disabledPlans: [], state: k === 1 && i % 4 === 1 ? "Error" : "Active", error: k === 1 && i % 4 === 1 ? "CountViolation" : null, lastUpdatedDateTime: now })),
        );
      }
    });
    const admin = (await new UserStore(services.db.manager).findByUpn("admin@contoso.com"))!;
    return { adminToken: await services.tokens.sign({ oid: admin.id, preferredUsername: admin.userPrincipalName }, 3600) };
  } finally {
    await services.db.close();
  }
}

async function waitForEmptyQueue(server: ChildServer): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if ((await server.stats(true)).pending === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error("the licensing queue did not empty within 30 s");
}

async function exactSqlPerRequest(server: ChildServer, query: string, token?: string): Promise<number> {
  const deltas: number[] = [];
  for (let i = 0; i < 20; i++) {
    const before = (await server.stats()).queryCount;
    await graphqlRequest(server.url, query, token);
    deltas.push((await server.stats()).queryCount - before);
  }
  deltas.sort((a, b) => a - b);
  return deltas[Math.floor(deltas.length / 2)]!;
}

export async function run(options: HttpReadOptions): Promise<HttpReadResult> {
  const temp = tempDir("http");
  const servers: ChildServer[] = [];
  try {
    const databaseFile = path.join(temp.dir, "helpgate.sqlite");
    console.log(`seeding ${options.users} users into ${databaseFile} ...`);
    const { adminToken } = await seedDirectory(databaseFile, options.users);
    const profileDir = profilesDir();
    if (options.profileServer) fs.mkdirSync(profileDir, { recursive: true });
    const helpgate = await startServer("helpgate", appEnv(databaseFile, { NODE_ENV: options.nodeEnv, ...(options.compileAfter === undefined ? {} : { GRAPHQL_COMPILE_AFTER: options.compileAfter }) }));
    servers.push(helpgate);
    await waitForEmptyQueue(helpgate);

    const queries = [
      { name: "support-topic" as const, query: SUPPORT_TOPIC_QUERY, headers: {} as Record<string, string>, token: undefined as string | undefined },
      { name: "directory-page" as const, query: DIRECTORY_QUERY, headers: { authorization: `Bearer ${adminToken}` }, token: adminToken },
    ];
    const responses = new Map<string, string>();
    for (const q of queries) responses.set(q.name, await graphqlRequest(helpgate.url, q.query, q.token));
    const topic = JSON.parse(responses.get("support-topic")!) as { data: { supportTopic: { articles: unknown[] } } };
    const page = JSON.parse(responses.get("directory-page")!) as { data: { users: { edges: unknown[] } } };
    if (topic.data.supportTopic.articles.length === 0) throw new Error("support topic 32570959 has no articles: nothing to measure");
    if (page.data.users.edges.length !== 100) throw new Error(`the directory page holds ${page.data.users.edges.length} users, not 100`);
    console.log(`support topic: ${topic.data.supportTopic.articles.length} articles, ${responses.get("support-topic")!.length} bytes; directory page: 100 users, ${responses.get("directory-page")!.length} bytes`);

    const fixtureFile = path.join(temp.dir, "fixture.json");
    fs.writeFileSync(fixtureFile, JSON.stringify({ supportTopic: topic.data.supportTopic, users: page.data.users }));
    const apollo = await startServer("apollo", { BENCH_FIXTURE: fixtureFile, NODE_ENV: options.nodeEnv });
    servers.push(apollo);

    const notes: string[] = [];
    const sqlByPageSize: Record<string, number> = {};
    const profiles: ServerProfile[] = [];
    const rows: ServerRow[] = [];
    for (const q of queries.filter((query) => options.queries.includes(query.name))) {
      const responseFile = path.join(temp.dir, `${q.name}.json`);
      fs.writeFileSync(responseFile, responses.get(q.name)!);
      const bare = await startServer("http", { BENCH_RESPONSE_FILE: responseFile, NODE_ENV: options.nodeEnv });
      servers.push(bare);
      const apolloBody = await graphqlRequest(apollo.url, q.query);
      if (apolloBody !== responses.get(q.name)) notes.push(`${q.name}: bare Apollo's response differs from helpgate's (${apolloBody.length} vs ${responses.get(q.name)!.length} bytes)`);
      const sqlExact = await exactSqlPerRequest(helpgate, q.query, q.token);
      if (q.name === "directory-page") {
        for (const size of [1, 10, 50, 100]) sqlByPageSize[String(size)] = await exactSqlPerRequest(helpgate, q.query.replace("first: 100", `first: ${size}`), q.token);
      }
      const body = JSON.stringify({ query: q.query });
      const order = [bare, apollo, helpgate];
      for (const server of order) {
        console.log(`${q.name} on ${server.mode}: warm-up ${options.warmupSeconds} s at ${options.connections} connections ...`);
        await load(server.url, body, q.headers, options.connections, options.warmupSeconds);
      }
      const roundSeconds = Math.max(1, Math.round(options.durationSeconds / options.rounds));
      console.log(`${q.name}: ${options.rounds} rounds of ${roundSeconds} s per server, servers in turns ...`);
      const pooled = new Map<ServerMode, { rounds: LoadFigures[]; sqlDelta: number }>(order.map((server) => [server.mode, { rounds: [], sqlDelta: 0 }]));
      const profiled = options.profileServer ? [apollo, helpgate] : [];
      for (const server of profiled) await server.profileStart();
      for (let round = 0; round < options.rounds; round++) {
        for (let k = 0; k < order.length; k++) {
          const server = order[(k + round) % order.length]!;
          const before = server.mode === "helpgate" ? (await server.stats()).queryCount : 0;
          const measured = await load(server.url, body, q.headers, options.connections, roundSeconds);
          const entry = pooled.get(server.mode)!;
          if (server.mode === "helpgate") entry.sqlDelta += (await server.stats()).queryCount - before;
          entry.rounds.push(measured);
        }
      }
      for (const server of profiled) {
        const file = path.join(profileDir, `http-read-${q.name}-${server.mode}-${Date.now()}.cpuprofile`);
        await server.profileStop(file);
        const summary = summarizeProfile(file, 15);
        const requests = pooled.get(server.mode)!.rounds.reduce((total, r) => total + r.requests, 0);
        profiles.push({ query: q.name, server: server.mode, requests, summary, usPerRequest: Object.fromEntries(summary.byArea.map((a) => [a.area, (a.ms * 1000) / requests])) });
      }
      await bare.stop();
      servers.splice(servers.indexOf(bare), 1);
      const figures = new Map<ServerMode, LoadFigures & { sql: number | null; perRound: number[] }>();
      for (const [mode, entry] of pooled) {
        const latencies = entry.rounds.flatMap((r) => r.latencies ?? []);
        const summary = latencySummary(latencies);
        const sum = (pick: (r: LoadFigures) => number) => entry.rounds.reduce((total, r) => total + pick(r), 0);
        const seconds = sum((r) => r.seconds);
        const non2xx = sum((r) => r.non2xx);
        const errors = sum((r) => r.errors);
        if (non2xx > 0 || errors > 0) notes.push(`${q.name} on ${mode}: ${non2xx} non-2xx responses, ${errors} errors`);
        figures.set(mode, {
          requests: summary.count, seconds, reqPerSec: (summary.count - non2xx) / seconds, p50Ms: summary.p50, p90Ms: summary.p90, p99Ms: summary.p99, maxMs: summary.max,
          non2xx, errors, timeouts: sum((r) => r.timeouts),
          sql: mode === "helpgate" ? entry.sqlDelta / Math.max(1, summary.count) : null,
          perRound: entry.rounds.map((r) => r.reqPerSec),
        });
      }
      const base = figures.get("http")!;
      const apolloFigures = figures.get("apollo")!;
      for (const mode of ["http", "apollo", "helpgate"] as ServerMode[]) {
        const f = figures.get(mode)!;
        const { sql, perRound, ...rest } = f;
        rows.push({
          query: q.name,
          server: mode,
          ...rest,
          ratioToBareHttp: f.reqPerSec / base.reqPerSec,
          ratioToBareApollo: f.reqPerSec / apolloFigures.reqPerSec,
          ratioToBareApolloPerRound: perRound.map((value, i) => value / apolloFigures.perRound[i]!),
          sqlPerRequestUnderLoad: sql,
          sqlPerRequestExact: mode === "helpgate" ? sqlExact : null,
          responseBytes: responses.get(q.name)!.length,
        });
      }
    }
    const cached = options.queries.includes("support-topic-cached") ? await cachedTopic(helpgate, apollo, temp.dir, options, notes, profiles) : null;
    if (cached) rows.push(...cached.rows);
    await helpgate.stop();
    servers.splice(servers.indexOf(helpgate), 1);
    const topicRow = rows.find((row) => row.query === "support-topic" && row.server === "helpgate");
    const pageRow = rows.find((row) => row.query === "directory-page" && row.server === "helpgate");
    return {
      options,
      rows,
      targets: {
        supportTopicRatioToApollo: { target: 0.8, measured: topicRow?.ratioToBareApollo ?? Number.NaN, met: topicRow ? topicRow.ratioToBareApollo >= 0.8 : null },
        supportTopicP99Ms: { target: 10, measured: topicRow?.p99Ms ?? Number.NaN, met: topicRow ? topicRow.p99Ms < 10 : null },
        ...(cached ? { cachedSupportTopic: cached.target } : {}),
        directorySqlPerRequest: {
          measured: pageRow?.sqlPerRequestExact ?? null,
          byPageSize: sqlByPageSize,
          constant: pageRow ? new Set(Object.values(sqlByPageSize)).size === 1 : null,
          note: "median of queryLog.count deltas over 20 sequential requests, sign-in (the user with their roles, one statement) included",
        },
      },
      notes,
      profiles,
    };
  } finally {
    for (const server of servers) await server.stop().catch(() => undefined);
    temp.cleanup();
  }
}

/** The support topic as a GET of its persisted-query hash: helpgate from its public response cache, bare Apollo through its APQ cache. */
async function cachedTopic(helpgate: ChildServer, apollo: ChildServer, dir: string, options: HttpReadOptions, notes: string[], profiles: ServerProfile[]) {
  const name = "support-topic-cached" as const;
  const extensions = (withQuery: boolean) =>
    `?${new URLSearchParams({ ...(withQuery ? { query: SUPPORT_TOPIC_QUERY } : {}), extensions: JSON.stringify({ persistedQuery: { version: 1, sha256Hash: createHash("sha256").update(SUPPORT_TOPIC_QUERY).digest("hex") } }) })}`;
  const headers = { "apollo-require-preflight": "true" };
  const bodies = new Map<ServerMode, string>();
  for (const server of [helpgate, apollo]) {
    await fetch(server.url + extensions(true), { headers });
    const response = await fetch(server.url + extensions(false), { headers });
    const text = await response.text();
    if (!response.ok || (JSON.parse(text) as { errors?: unknown }).errors) throw new Error(`${name} on ${server.mode}: HTTP ${response.status}: ${text.slice(0, 300)}`);
    if (server === helpgate && !/^public, max-age=\d+$/.test(response.headers.get("cache-control") ?? "")) throw new Error(`${name}: helpgate answered cache-control ${response.headers.get("cache-control")}, not public`);
    bodies.set(server.mode, text);
  }
  if (bodies.get("apollo") !== bodies.get("helpgate")) notes.push(`${name}: bare Apollo's response differs from helpgate's (${bodies.get("apollo")!.length} vs ${bodies.get("helpgate")!.length} bytes)`);
  const responseFile = path.join(dir, `${name}.json`);
  fs.writeFileSync(responseFile, bodies.get("helpgate")!);
  const bare = await startServer("http", { BENCH_RESPONSE_FILE: responseFile, NODE_ENV: options.nodeEnv });
  try {
    const hitsBefore = await cacheHits(helpgate.url);
    const order = [bare, apollo, helpgate];
    for (const server of order) {
      console.log(`${name} on ${server.mode}: warm-up ${options.warmupSeconds} s at ${options.connections} connections ...`);
      await load(server.url + extensions(false), "", headers, options.connections, options.warmupSeconds, "GET");
    }
    const roundSeconds = Math.max(1, Math.round(options.durationSeconds / options.rounds));
    console.log(`${name}: ${options.rounds} rounds of ${roundSeconds} s per server, servers in turns ...`);
    const pooled = new Map<ServerMode, LoadFigures[]>(order.map((server) => [server.mode, []]));
    const profiled = options.profileServer ? [apollo, helpgate] : [];
    for (const server of profiled) await server.profileStart();
    for (let round = 0; round < options.rounds; round++) {
      for (let k = 0; k < order.length; k++) {
        const server = order[(k + round) % order.length]!;
        pooled.get(server.mode)!.push(await load(server.url + extensions(false), "", headers, options.connections, roundSeconds, "GET"));
      }
    }
    for (const server of profiled) {
      const file = path.join(profilesDir(), `http-read-${name}-${server.mode}-${Date.now()}.cpuprofile`);
      await server.profileStop(file);
      const summary = summarizeProfile(file, 15);
      const requests = pooled.get(server.mode)!.reduce((total, r) => total + r.requests, 0);
      profiles.push({ query: name, server: server.mode, requests, summary, usPerRequest: Object.fromEntries(summary.byArea.map((a) => [a.area, (a.ms * 1000) / requests])) });
    }
    const hits = (await cacheHits(helpgate.url)) - hitsBefore;
    const figures = new Map<ServerMode, LoadFigures & { perRound: number[] }>();
    for (const [mode, rounds] of pooled) {
      const summary = latencySummary(rounds.flatMap((r) => r.latencies ?? []));
      const sum = (pick: (r: LoadFigures) => number) => rounds.reduce((total, r) => total + pick(r), 0);
      const seconds = sum((r) => r.seconds);
      const non2xx = sum((r) => r.non2xx);
      if (non2xx > 0 || sum((r) => r.errors) > 0) notes.push(`${name} on ${mode}: ${non2xx} non-2xx responses, ${sum((r) => r.errors)} errors`);
      figures.set(mode, {
        requests: summary.count, seconds, reqPerSec: (summary.count - non2xx) / seconds, p50Ms: summary.p50, p90Ms: summary.p90, p99Ms: summary.p99, maxMs: summary.max,
        non2xx, errors: sum((r) => r.errors), timeouts: sum((r) => r.timeouts), perRound: rounds.map((r) => r.reqPerSec),
      });
    }
    const [base, apolloFigures, ours] = [figures.get("http")!, figures.get("apollo")!, figures.get("helpgate")!];
    const rows: ServerRow[] = (["http", "apollo", "helpgate"] as ServerMode[]).map((mode) => {
      const { perRound, ...rest } = figures.get(mode)!;
      return {
        query: name, server: mode, ...rest,
        ratioToBareHttp: rest.reqPerSec / base.reqPerSec,
        ratioToBareApollo: rest.reqPerSec / apolloFigures.reqPerSec,
        ratioToBareApolloPerRound: perRound.map((value, i) => value / apolloFigures.perRound[i]!),
        sqlPerRequestUnderLoad: null, sqlPerRequestExact: null, responseBytes: bodies.get("helpgate")!.length,
      };
    });
    const ratioToApollo = ours.reqPerSec / apolloFigures.reqPerSec;
    if (hits < ours.requests * 0.99) notes.push(`${name}: only ${hits} of helpgate's ${ours.requests} answers came from the public response cache`);
    return { rows, target: { ratioToApollo, p99Ms: ours.p99Ms, met: ratioToApollo >= 2 && ours.p99Ms < 5, hits } };
  } finally {
    await bare.stop();
  }
}

/** helpgate's count of answers from its public response cache, from /metrics. */
async function cacheHits(graphqlUrl: string): Promise<number> {
  const text = await (await fetch(new URL("/metrics", graphqlUrl))).text();
  const line = text.split("\n").find((l) => l.startsWith('helpgate_response_cache_requests_total{result="hit"}'));
  return line ? Number(line.split(" ").pop()) : 0;
}

const SERVER_NAMES: Record<ServerMode, string> = { http: "bare node:http", apollo: "bare Apollo 5", helpgate: "helpgate" };

export function report(result: HttpReadResult): string {
  const lines = [
    `HTTP read path: ${result.options.connections} connections, ${result.options.durationSeconds} s per server in ${result.options.rounds} interleaved rounds (after ${result.options.warmupSeconds} s warm-up), loopback, servers in child processes`,
    table(
      ["query", "server", "req/s", "p50 ms", "p99 ms", "× node:http", "× Apollo", "× Apollo per round", "SQL/req"],
      result.rows.map((row) => [
        row.query,
        SERVER_NAMES[row.server],
        row.reqPerSec,
        row.p50Ms,
        row.p99Ms,
        row.ratioToBareHttp,
        row.ratioToBareApollo,
        row.ratioToBareApolloPerRound.map((r) => r.toFixed(2)).join(" "),
        row.sqlPerRequestExact === null ? "-" : `${row.sqlPerRequestExact} (${row.sqlPerRequestUnderLoad!.toFixed(2)} under load)`,
      ]),
    ),
    result.targets.supportTopicRatioToApollo.met === null
      ? `NODE_ENV=${result.options.nodeEnv}; support-topic not measured in this run`
      : `NODE_ENV=${result.options.nodeEnv}; target: support-topic ≥ 0.8× bare Apollo: ${result.targets.supportTopicRatioToApollo.measured.toFixed(2)}× (${result.targets.supportTopicRatioToApollo.met ? "met" : "missed"}); p99 < 10 ms: ${result.targets.supportTopicP99Ms.measured.toFixed(2)} ms (${result.targets.supportTopicP99Ms.met ? "met" : "missed"})`,
    result.targets.directorySqlPerRequest.measured === null
      ? "directory page not measured in this run"
      : `directory page: ${result.targets.directorySqlPerRequest.measured} SQL statements per request; by page size (first: n) ${Object.entries(result.targets.directorySqlPerRequest.byPageSize).map(([size, count]) => `${size}: ${count}`).join(", ")}: ${result.targets.directorySqlPerRequest.constant ? "constant" : "NOT constant"} (${result.targets.directorySqlPerRequest.note})`,
    ...(result.targets.cachedSupportTopic
      ? [`support-topic-cached (GET by persisted-query hash, ${result.targets.cachedSupportTopic.hits} answers from the public response cache): ${result.targets.cachedSupportTopic.ratioToApollo.toFixed(2)}× bare Apollo, p99 ${result.targets.cachedSupportTopic.p99Ms.toFixed(2)} ms; target ≥ 2× and p99 < 5 ms: ${result.targets.cachedSupportTopic.met ? "met" : "missed"}`]
      : []),
    ...result.notes.map((note) => `note: ${note}`),
    ...profileReport(result.profiles),
  ];
  return lines.join("\n");
}

/** Per query: CPU µs per request by area, helpgate beside bare Apollo, then helpgate's top functions. */
function profileReport(profiles: ServerProfile[]): string[] {
  const lines: string[] = [];
  for (const query of [...new Set(profiles.map((p) => p.query))]) {
    const ours = profiles.find((p) => p.query === query && p.server === "helpgate");
    const apollo = profiles.find((p) => p.query === query && p.server === "apollo");
    if (!ours || !apollo) continue;
    const areas = [...new Set([...Object.keys(ours.usPerRequest), ...Object.keys(apollo.usPerRequest)])]
      .map((area) => ({ area, ours: ours.usPerRequest[area] ?? 0, apollo: apollo.usPerRequest[area] ?? 0 }))
      .sort((a, b) => b.ours - b.apollo - (a.ours - a.apollo));
    const total = (usPerRequest: Record<string, number>) => Object.values(usPerRequest).reduce((sum, us) => sum + us, 0);
    lines.push(
      `${query}: CPU µs per request in the server process, measured rounds only (V8 profiler; ${ours.requests} helpgate and ${apollo.requests} Apollo requests), largest differences first:`,
      table(
        ["area", "helpgate µs/req", "bare Apollo µs/req", "difference"],
        [...areas.slice(0, 14).map((a) => [a.area, a.ours, a.apollo, a.ours - a.apollo]), ["total", total(ours.usPerRequest), total(apollo.usPerRequest), total(ours.usPerRequest) - total(apollo.usPerRequest)]],
      ),
      `${query}: helpgate's top functions by self time:`,
      table(["function", "where", "ms", "%"], ours.summary.topSelf.map((f) => [f.fn, f.where, f.ms, f.pct])),
    );
  }
  return lines;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const options: HttpReadOptions = {
    durationSeconds: numberArg(args, "duration", "BENCH_DURATION", 10),
    rounds: Math.round(numberArg(args, "rounds", "BENCH_ROUNDS", 5)),
    warmupSeconds: numberArg(args, "warmup", "BENCH_WARMUP", 2),
    connections: numberArg(args, "connections", "BENCH_CONNECTIONS", 10),
    users: numberArg(args, "users", "BENCH_USERS", 200),
    profileServer: args.has("cpu-prof"),
    queries: (args.get("queries") ?? "support-topic,directory-page,support-topic-cached").split(",").map((name) => name.trim()),
    nodeEnv: args.get("node-env") ?? "production",
    compileAfter: args.get("compile-after"),
  };
  const unknown = options.queries.filter((name) => name !== "support-topic" && name !== "directory-page" && name !== "support-topic-cached");
  if (unknown.length > 0) throw new Error(`--queries: unknown ${unknown.join(", ")}; use support-topic, directory-page, support-topic-cached`);
  const result = await run(options);
  console.log(`\n${report(result)}`);
  console.log(`\nwritten to ${writeResult(options.profileServer ? "http-read-profile" : "http-read", result)}`);
}

if (isMain(module)) runMain(main);
