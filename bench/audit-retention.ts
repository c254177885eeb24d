/**
 * Benchmark: the audit log's retention sweep on a large log (src/audit/audit-retention.ts), and
 * what writers see while it runs.
 *
 * On a seeded tenant (`npm run seed -- --audit-entries N`, whose entries span the year before the
 * seed), helpgate starts in a child process with AUDIT_RETENTION_DAYS=--days (30): its first
 * sweep begins a minute after the start and deletes every older entry, oldest first, a batch at
 * a time. Throughout, the bench sends --rate (10) `updateUser` mutations a second (a job title,
 * on each of the first 100 users in turn), each a transaction that writes the user and an
 * audit entry, and records their latency: the minute before the sweep (less its first 15 s) is
 * the yardstick, the --seconds (180) after it began the measurement (the minute is counted from
 * when the server answers, so the sweep may begin a moment before it ends). Every 5 s it reads
 * how far the sweep has got: the lowest sequence number left (the seed's entries are numbered
 * in time order and the sweep deletes the oldest first, so the entries deleted are the
 * difference from the start).
 *
 * It reports the deletion rate, the time the whole sweep would take at that rate, and the
 * writes' p50/p99 before and during the sweep. The sweep deletes: a SQLite file is copied first
 * (unless --in-place); a PostgreSQL database is changed as it is.
 *
 *   node dist/bench-build/bench/audit-retention.js --reuse FILE_OR_URL [--in-place] [--days 30] [--rate 10] [--seconds 180]
 *
 * Writes bench/results/audit-retention.json (or --name).
 */
import "reflect-metadata";
import fs from "node:fs";
import path from "node:path";
import Sqlite from "better-sqlite3";
import { Client } from "pg";
import { Tokens } from "../src/auth/tokens";
import { parseDatabaseUrl } from "../src/config";
import { appEnv, type ChildServer, graphqlRequest, isMain, numberArg, parseArgs, percentile, runMain, startServer, table, tempDir, writeResult } from "./common";

/** The server's sweep starts this long after it does (AuditRetention.start). */
const SWEEP_DELAY_MS = 60_000;
/** Writes in the first seconds are not counted (JIT, caches): the yardstick is the rest of that minute. */
const WARMUP_MS = 15_000;
const UPDATE = "mutation($id: ID!, $title: String) { updateUser(id: $id, input: { jobTitle: $title }) { id } }";

interface Sample {
  /** Seconds since the server listened. */
  at: number;
  deleted: number;
}

interface Phase {
  writes: number;
  errors: number;
  p50Ms: number;
  p99Ms: number;
}

async function sqlDoor(url: string): Promise<{ one(sql: string): Promise<Record<string, unknown> | undefined>; close(): Promise<void> }> {
  const database = parseDatabaseUrl(url);
  if (database.kind === "sqlite") {
    const handle = new Sqlite(database.file, { readonly: true });
    return { one: async (sql) => handle.prepare(sql).get() as Record<string, unknown> | undefined, close: async () => void handle.close() };
  }
  const client = new Client({ connectionString: database.url });
  await client.connect();
  return { one: async (sql) => (await client.query(sql)).rows[0], close: () => client.end() };
}

function phase(latencies: number[], errors: number): Phase {
  const sorted = [...latencies].sort((a, b) => a - b);
  return { writes: latencies.length, errors, p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99) };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const reuse = args.get("reuse");
  if (!reuse) throw new Error("--reuse FILE_OR_URL: a tenant written by npm run seed (the sweep deletes its old entries)");
  const days = numberArg(args, "days", "BENCH_RETENTION_DAYS", 30);
  const rate = numberArg(args, "rate", "BENCH_RETENTION_RATE", 10);
  const seconds = numberArg(args, "seconds", "BENCH_RETENTION_SECONDS", 180);
  let url = reuse;
  const work = tempDir("helpgate-retention-");
  if (parseDatabaseUrl(reuse).kind === "sqlite" && !args.has("in-place")) {
    url = path.join(work.dir, "tenant.sqlite");
    console.log(`copying ${reuse} ...`);
    fs.copyFileSync(reuse, url);
  }
  const sql = await sqlDoor(url);
  let server: ChildServer | null = null;
  try {
    const [admin, users, first, total] = [
      await sql.one("SELECT id, user_principal_name AS upn FROM users WHERE upn_key = 'admin@contoso.com'"),
      await sql.one("SELECT COUNT(*) AS n FROM users"),
      await sql.one("SELECT seq, activity_date_time AS at FROM directory_audits ORDER BY seq LIMIT 1"),
      await sql.one("SELECT MAX(seq) AS n FROM directory_audits"),
    ];
    if (!admin || !first) throw new Error("the tenant has no admin@contoso.com or no audit entries: was it written by npm run seed?");
    const env = appEnv(url, { AUDIT_RETENTION_DAYS: String(days) });
    console.log(`starting helpgate, AUDIT_RETENTION_DAYS=${days}: its sweep begins after ${SWEEP_DELAY_MS / 1000} s ...`);
    server = await startServer("helpgate", env);
    const started = performance.now();
    const tokens = new Tokens(env.TOKEN_SECRET!);
    const token = await tokens.sign({ oid: String(admin.id), preferredUsername: String(admin.upn) }, 7200);
    // Users to update: a page of ids, walked in turn.
    const page = JSON.parse(await graphqlRequest(server.url, "{ users(first: 100) { edges { node { id } } } }", token)) as { data: { users: { edges: { node: { id: string } }[] } } };
    const targets = page.data.users.edges.map((edge) => edge.node.id);
    const firstSeq = Number(first.seq);
    const samples: Sample[] = [];
    const before: number[] = [];
    const during: number[] = [];
    let errorsBefore = 0;
    let errorsDuring = 0;
    const end = SWEEP_DELAY_MS + seconds * 1000;
    let next = 0;
    const inFlight = new Set<Promise<void>>();
    const sampler = setInterval(() => {
      void sql.one("SELECT MIN(seq) AS seq FROM directory_audits").then((row) => samples.push({ at: (performance.now() - started) / 1000, deleted: Number(row?.seq ?? firstSeq) - firstSeq }));
    }, 5000);
    console.log(`${rate} updateUser/s for ${(end / 1000).toFixed(0)} s ...`);
    for (let n = 0; performance.now() - started < end; n++) {
      const due = started + (n * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const sent = performance.now();
      const sweeping = sent - started >= SWEEP_DELAY_MS;
      const counted = sweeping || sent - started >= WARMUP_MS;
      const request = graphqlRequest(server.url, UPDATE, token, { id: targets[next++ % targets.length], title: `Title ${n % 97}` }).then(
        () => void (counted && (sweeping ? during : before).push(performance.now() - sent)),
        () => void (sweeping ? errorsDuring++ : errorsBefore++),
      );
      inFlight.add(request);
      void request.finally(() => inFlight.delete(request));
    }
    await Promise.all(inFlight);
    clearInterval(sampler);
    const last = (await sql.one("SELECT MIN(seq) AS seq FROM directory_audits"))!;
    const deleted = Number(last.seq) - firstSeq;
    const sweepSeconds = seconds;
    const cutoff = Date.now() - days * 86_400_000;
    const older = await sql.one(`SELECT COUNT(*) AS n FROM directory_audits WHERE activity_date_time < '${new Date(cutoff).toISOString()}'`);
    const left = Number(older?.n ?? 0);
    const perSecond = deleted / sweepSeconds;
    const result = {
      name: "audit-retention",
      tenant: { users: Number(users?.n ?? 0), auditEntries: Number(total?.n ?? 0) - firstSeq + 1, oldest: String(first.at), engine: parseDatabaseUrl(url).kind },
      options: { days, rate, seconds },
      sweep: { deleted, seconds: sweepSeconds, perSecond, olderLeft: left, wholeSweepMinutes: perSecond > 0 ? (deleted + left) / perSecond / 60 : null },
      writes: { beforeSweep: phase(before, errorsBefore), duringSweep: phase(during, errorsDuring) },
      samples,
    };
    console.log(
      table(
        ["phase", "writes", "errors", "p50 ms", "p99 ms"],
        [
          ["before the sweep", result.writes.beforeSweep.writes, result.writes.beforeSweep.errors, result.writes.beforeSweep.p50Ms, result.writes.beforeSweep.p99Ms],
          ["during the sweep", result.writes.duringSweep.writes, result.writes.duringSweep.errors, result.writes.duringSweep.p50Ms, result.writes.duringSweep.p99Ms],
        ],
      ),
    );
    console.log(`sweep: ${deleted.toLocaleString("en-US")} entries deleted in ${sweepSeconds} s (${Math.round(perSecond).toLocaleString("en-US")}/s); ${left.toLocaleString("en-US")} older than ${days} days left`);
    writeResult(args.get("name") ?? "audit-retention", result);
  } finally {
    await server?.stop().catch(() => undefined);
    await sql.close();
    work.cleanup();
  }
}

if (isMain(module)) runMain(main);
