/**
 * Benchmark 2: group-based licensing throughput, from assignGroupLicense to ProcessingComplete.
 *
 * Setup (this process, not timed): a fresh SQLite file or PostgreSQL database (DEMO_DATA=false: the organization and
 * its administrator), N users (usage location US, a primary SMTP proxy address each) and one
 * security group holding all of them, inserted through the entities in one transaction, 500 rows
 * per INSERT; then addSubscription ENTERPRISEPACK (E3) and EMS with enabledUnits N, through the
 * subscription service.
 *
 * Measured (a fresh child process of this file, so its peak RSS is the run's own, started with
 * the Node flags `npm start` gives a gateway: SERVER_NODE_FLAGS): the
 * service's assignGroupLicense (GroupLicensingService.assign, which queues the N members), then
 * LicenseProcessor.runBatch in a loop until it processes nobody (what drain() does, with the
 * default batch size of 500), then a check that the group is ProcessingComplete with N
 * succeeded and 2N Active assignment rows. Reported: members/s over both, the processing alone,
 * SQL statements per member (queryLog.count), batch times (each batch is one transaction that
 * holds the event loop), peak RSS (process.resourceUsage().maxRSS, and sampled between batches).
 *
 * Floor, same run: a raw better-sqlite3 insert of 2N rows into a table shaped like
 * license_assignments (its columns, primary key and indexes as the setup's migrations made them,
 * without the foreign key to users; WAL like helpgate's file),
 * one transaction, one prepared statement; members/s = N / its time. Run three times (each
 * into a new file), the median taken.
 *
 * PostgreSQL: with --postgres URL (or BENCH_POSTGRES_URL; an admin URL of a role that may create
 * databases, e.g. what scripts/ci-postgres.sh prints), the same setup is made once into a fresh
 * database, and each run (--processes 1,2: one gateway process, then two) gets a copy of it
 * (CREATE DATABASE … TEMPLATE). In each copy, first the floor: the same 2N rows into a new table
 * shaped like license_assignments (columns, primary key, indexes) by COPY … FROM STDIN
 * (pg-copy-streams) in one transaction, three times, the median taken; then the measured run, with
 * every process forked from this file: once all have opened helpgate's services, the first calls
 * assignGroupLicense and all of them run batches until the group is ProcessingComplete (the
 * processor's SKIP LOCKED claims share the ranges out). Measured from the assign call to the last
 * process seeing ProcessingComplete. All databases are dropped afterwards.
 *
 * Targets: SQLite ≥ 0.7× its floor with RSS < 300 MB; PostgreSQL with two processes ≥ 20,000
 * members/s and ≥ 0.5× its COPY floor (one process is reported). Each floor is also run with the
 * rows in primary-key order (keyOrderFloor), and a ratio must hold against both.
 *
 * Options: --members N (or BENCH_MEMBERS; default 100000), --fallback-members M (default 30000:
 * run again at M when the SQLite run at N fails; "none" to skip), --postgres URL,
 * --postgres-only (skip SQLite; results in group-licensing-postgres.json), --processes 1,2, --cpu-prof (write a V8 CPU profile of the
 * (first) measured process to dist/bench-profiles/ and print its top functions), --time-limit S
 * (default 600: give up processing after S seconds). BENCH_SQL_TIMES=1 (PostgreSQL) prints, per
 * measuring process, the time from sending each statement to its answer, summed by statement.
 *
 *   node dist/bench-build/bench/group-licensing.js [--members 100000] [--postgres URL [--postgres-only] [--processes 1,2]] [--cpu-prof]
 */
import "reflect-metadata";
import { fork } from "node:child_process";
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import Sqlite from "better-sqlite3";
import { Client } from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { openServices } from "../src/app";
import { authenticate } from "../src/auth/authenticate";
import { SERVER_NODE_FLAGS } from "../src/common/heap-growth";
import { loadConfig } from "../src/config";
import { GroupEntity, GroupMemberEntity, ProxyAddressEntity, UserEntity } from "../src/directory/entities";
import type { UserRecord } from "../src/directory/model";
import { UserStore } from "../src/directory/stores/user.store";
import { proxyAddressKey } from "../src/directory/validation";
import { loadProducts } from "../src/licensing/catalog";
import { processorOptionsFor } from "../src/services";
import { summarizeProfile, type ProfileSummary } from "./cpu-profile";
import { appEnv, format, isMain, mib, numberArg, parseArgs, percentile, profilesDir, runMain, silentLog, table, tempDir, withoutPassword, writeResult } from "./common";

export interface GroupLicensingOptions {
  members: number;
  fallbackMembers: number | null;
  /** Admin URL of a PostgreSQL server for a second run there, or null. */
  postgres: string | null;
  cpuProf: boolean;
  timeLimitSeconds: number;
  /** Skip the SQLite run (--postgres-only). */
  postgresOnly: boolean;
  /** PostgreSQL: a run with each of these numbers of gateway processes (--processes 1,2). */
  processes: number[];
}

interface Setup {
  /** DATABASE_URL: the SQLite file or the PostgreSQL database. */
  database: string;
  groupId: string;
  adminId: string;
  skuIds: string[];
  setupSeconds: number;
}

interface Measured {
  members: number;
  /** Gateway processes processing the queue. */
  processes: number;
  assignSeconds: number;
  processSeconds: number;
  totalSeconds: number;
  membersPerSecond: number;
  processMembersPerSecond: number;
  sqlStatements: { assign: number; process: number; perMember: number };
  /** CPU time (user + system, all threads) of assign + processing: steadier than wall time on a shared machine. */
  cpuSeconds: number;
  batches: { count: number; size: number; perProcess: number[]; p50Ms: number; maxMs: number; firstMs: number; lastMs: number };
  rss: { beforeMiB: number; afterAssignMiB: number; sampledPeakMiB: number; maxRssMiB: number };
  /** V8 heap: the largest heapUsed / heapTotal seen between batches, and heapUsed after a full GC at the end. */
  heap: { peakUsedMiB: number; peakTotalMiB: number; afterGcUsedMiB: number | null; externalMiB: number };
  final: { state: string | null; succeeded: number; failed: number; assignmentRows: Record<string, number> };
  profile: string | null;
}

export type Engine = "SQLite" | "PostgreSQL";

export interface Attempt {
  members: number;
  engine: Engine;
  processes: number;
  setupSeconds: number | null;
  /** SQLite: better-sqlite3 inserts; PostgreSQL: COPY … FROM STDIN (cpuSeconds: this process's, the server's not included). */
  floor: Floor | null;
  /**
   * The same floor with the rows in primary-key order (each user's, users by id): the order the
   * processor writes its batches in, and the fastest for the table's indexes. Reported beside
   * the floor (whose rows come in the users' creation order, as the target was set against).
   */
  keyOrderFloor: Floor | null;
  measured: Measured | null;
  ratioToFloor: number | null;
  ratioToKeyOrderFloor: number | null;
  error: string | null;
  /** This run's targets, and whether it met them (null: not judged). */
  target: string;
  met: boolean | null;
}

export interface GroupLicensingResult {
  options: GroupLicensingOptions;
  attempts: Attempt[];
  targets: typeof TARGETS;
  profileSummary: ProfileSummary | null;
}

const GROUP_NAME = "Bench licensed group";

interface Floor {
  rows: number;
  seconds: number;
  membersPerSecond: number;
  cpuSeconds: number;
  method: string;
  /** Each run's seconds; `seconds` is their median. */
  runs: number[];
}

async function setup(database: string, members: number): Promise<Setup & { userIds: string[] }> {
  const started = performance.now();
  const services = await openServices(loadConfig(appEnv(database, { DEMO_DATA: "false" })), silentLog);
  try {
    const admin = (await new UserStore(services.db.manager).findByUpn("admin@contoso.com"))!;
    const groupId = randomUUID();
    const userIds: string[] = [];
    await services.db.transaction(async (tx) => {
      const now = new Date();
      await tx.insert(GroupEntity, {
        id: groupId, displayName: GROUP_NAME, description: null, securityEnabled: true, mailEnabled: false, mailNickname: null,
        groupTypes: [], membershipRule: null, membershipRuleProcessingState: null, createdDateTime: now,
      });
      for (let start = 0; start < members; start += 500) {
        const users: UserRecord[] = [];
        for (let i = start; i < Math.min(members, start + 500); i++) {
          const upn = `member${String(i).padStart(6, "0")}@contoso.com`;
          users.push({ id: randomUUID(), userPrincipalName: upn, upnKey: upn, displayName: `Member ${String(i).padStart(6, "0")}`, mail: upn, department: "Sales", jobTitle: null, accountEnabled: true, usageLocation: "US", createdDateTime: now });
        }
        await tx.insert(UserEntity, users);
        await tx.insert(ProxyAddressEntity, users.map((user) => ({ userId: user.id, address: `SMTP:${user.userPrincipalName}`, addressKey: proxyAddressKey(`SMTP:${user.userPrincipalName}`), isPrimary: true, position: 0 })));
        await tx.insert(GroupMemberEntity, users.map((user) => ({ groupId, userId: user.id, displayName: user.displayName })));
        userIds.push(...users.map((user) => user.id));
      }
    });
    const caller = await authenticate(`Bearer ${await services.tokens.sign({ oid: admin.id, preferredUsername: admin.userPrincipalName }, 3600)}`, services);
    const skuIds: string[] = [];
    for (const partNumber of ["ENTERPRISEPACK", "EMS"]) {
      const skuId = loadProducts().byPartNumber.get(partNumber)![0]!;
      await services.licensing.subscriptions.add({ caller, requestId: "bench-setup" }, { skuId }, members);
      skuIds.push(skuId);
    }
    return { database, groupId, adminId: admin.id, skuIds, userIds, setupSeconds: (performance.now() - started) / 1000 };
  } finally {
    await services.db.close();
  }
}

/**
 * 2N rows into a table shaped like license_assignments, one transaction, one prepared statement.
 * The table and its indexes are made from their definitions in the helpgate file the setup
 * migrated (`setupFile`), so the floor keeps the shape the migrations give it; only the foreign
 * key to users goes (the floor's file has no users).
 */
function floor(file: string, setupFile: string, userIds: readonly string[], skuIds: readonly string[], groupId: string): Floor {
  const shape = assignmentsShape(setupFile);
  const db = new Sqlite(file);
  try {
    db.pragma("journal_mode = WAL");
    db.pragma("foreign_keys = ON");
    for (const statement of shape) db.exec(statement);
    const insert = db.prepare("INSERT INTO license_assignments (user_id, sku_id, source, disabled_plans, state, error, last_updated_date_time) VALUES (?, ?, ?, ?, ?, ?, ?)");
    const now = new Date().toISOString();
    const started = performance.now();
    const cpu = process.cpuUsage();
    db.transaction(() => {
      for (const userId of userIds) for (const skuId of skuIds) insert.run(userId, skuId, groupId, "[]", "Active", null, now);
    })();
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    return { rows: userIds.length * skuIds.length, seconds, membersPerSecond: userIds.length / seconds, cpuSeconds: (used.user + used.system) / 1e6, method: "better-sqlite3 INSERT", runs: [seconds] };
  } finally {
    db.close();
  }
}

/** license_assignments' table and index definitions in a migrated SQLite file, without the table's foreign keys. */
function assignmentsShape(setupFile: string): string[] {
  const db = new Sqlite(setupFile, { readonly: true });
  try {
    const rows = db.prepare("SELECT type, sql FROM sqlite_master WHERE tbl_name = 'license_assignments' AND sql IS NOT NULL ORDER BY type = 'index', name").all() as { type: string; sql: string }[];
    const table = rows.find((row) => row.type === "table");
    if (!table) throw new Error(`${setupFile} has no license_assignments table`);
    const withoutKeys = table.sql.replace(/,\s*CONSTRAINT\s+"[^"]+"\s+FOREIGN KEY\s*\([^)]*\)\s*REFERENCES\s+"[^"]+"\s*\([^)]*\)(\s+ON (DELETE|UPDATE) (CASCADE|SET NULL|SET DEFAULT|RESTRICT|NO ACTION))*/g, "");
    if (/FOREIGN KEY/i.test(withoutKeys)) throw new Error(`license_assignments' foreign keys were not all taken out of the floor's table: ${withoutKeys}`);
    return [withoutKeys, ...rows.filter((row) => row.type === "index").map((row) => row.sql)];
  } finally {
    db.close();
  }
}

/**
 * PostgreSQL's floor: 2N rows into a new table shaped like license_assignments (same columns,
 * primary key and indexes; no foreign key) in the measured run's database, by
 * `COPY … FROM STDIN` (pg-copy-streams, text format) in one transaction.
 */
async function copyFloor(url: string, userIds: readonly string[], skuIds: readonly string[], groupId: string, run: number): Promise<Floor> {
  const client = new Client({ connectionString: url });
  await client.connect();
  const table = `floor_assignments_${run}`;
  try {
    // The migrated table's columns, primary key and indexes (partial ones too); LIKE copies no foreign key.
    await client.query(`CREATE TABLE ${table} (LIKE license_assignments INCLUDING DEFAULTS INCLUDING INDEXES)`);
    const now = new Date().toISOString();
    const started = performance.now();
    const cpu = process.cpuUsage();
    await client.query("BEGIN");
    const stream = client.query(copyFrom(`COPY ${table} (user_id, sku_id, source, disabled_plans, state, error, last_updated_date_time) FROM STDIN`));
    const done = new Promise<void>((resolve, reject) => {
      stream.on("finish", resolve);
      stream.on("error", reject);
    });
    // In chunks of 1,000 rows, as a client streaming them would.
    let chunk = "";
    let n = 0;
    for (const userId of userIds) {
      for (const skuId of skuIds) {
        chunk += `${userId}\t${skuId}\t${groupId}\t[]\tActive\t\\N\t${now}\n`;
        if (++n % 1000 === 0) {
          if (!stream.write(chunk)) await new Promise((resolve) => stream.once("drain", resolve));
          chunk = "";
        }
      }
    }
    stream.end(chunk);
    await done;
    await client.query("COMMIT");
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    return { rows: userIds.length * skuIds.length, seconds, membersPerSecond: userIds.length / seconds, cpuSeconds: (used.user + used.system) / 1e6, method: "COPY FROM STDIN", runs: [seconds] };
  } finally {
    await client.query(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
    await client.end();
  }
}

function median(floors: Floor[]): Floor {
  const sorted = [...floors].sort((a, b) => a.seconds - b.seconds);
  return { ...sorted[Math.floor(sorted.length / 2)]!, runs: floors.map((f) => f.seconds) };
}

/** What one measuring process reports (see worker()); measure() merges them. */
interface WorkerReport {
  /** Epoch ms (performance.timeOrigin based) when assignGroupLicense was called (the first process only) and when this process saw the group complete. */
  startedAt: number | null;
  assignedAt: number | null;
  finishedAt: number;
  sql: { assign: number; process: number };
  cpuSeconds: number;
  batchMs: number[];
  members: number;
  rss: { beforeMiB: number; afterAssignMiB: number; sampledPeakMiB: number; maxRssMiB: number };
  heap: { peakUsedMiB: number; peakTotalMiB: number; afterGcUsedMiB: number | null; externalMiB: number };
  final: Measured["final"];
  sqlTimes: string | null;
}

/**
 * The measured part, in `processes` child processes of this file (see worker()): each opens
 * helpgate's services; once all are ready the first calls assignGroupLicense, and every one runs
 * batches until the group is ProcessingComplete. Measured from the assign call to the last
 * process seeing the group complete.
 */
async function measure(s: Setup, members: number, processes: number, options: GroupLicensingOptions): Promise<Measured> {
  const profileDir = profilesDir();
  if (options.cpuProf) fs.mkdirSync(profileDir, { recursive: true });
  const children = Array.from({ length: processes }, (_, index) => {
    // Each runs with the Node flags `npm start` gives a gateway (its young generation fixed at
    // 32 MiB); --expose-gc only to read the heap after a full collection at the very end.
    const execArgv = [...SERVER_NODE_FLAGS, "--expose-gc", ...(options.cpuProf ? ["--cpu-prof", "--cpu-prof-dir", profileDir, "--cpu-prof-name", `group-licensing-${members}-${Date.now()}-${index}.cpuprofile`] : [])];
    return fork(__filename, ["--worker", JSON.stringify({ ...s, members, timeLimitSeconds: options.timeLimitSeconds, index })], {
      execArgv,
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
  });
  const guard = setTimeout(() => children.forEach((child) => child.kill("SIGKILL")), (options.timeLimitSeconds + 300) * 1000);
  const ready = children.map((child) => new Promise<void>((resolve) => child.on("message", (message: { type: string }) => message.type === "ready" && resolve())));
  const reports = children.map(
    (child) =>
      new Promise<WorkerReport>((resolve, reject) => {
        let report: WorkerReport | null = null;
        let failure: string | null = null;
        child.on("message", (message: { type: string; report?: WorkerReport; error?: string }) => {
          if (message.type === "report") report = message.report!;
          else if (message.type === "error") failure = message.error ?? "unknown failure";
        });
        child.on("exit", (code, signal) => (report ? resolve(report) : reject(new Error(failure ?? `a measuring process exited with ${signal ?? code}`))));
      }),
  );
  try {
    await Promise.race([Promise.all(ready), Promise.all(reports)]);
    for (const child of children) child.send({ type: "start" });
    const all = await Promise.all(reports);
    const first = all[0]!;
    const startedAt = first.startedAt!;
    const finishedAt = Math.max(...all.map((r) => r.finishedAt));
    const totalSeconds = (finishedAt - startedAt) / 1000;
    const assignSeconds = (first.assignedAt! - startedAt) / 1000;
    const batchMs = all.flatMap((r) => r.batchMs);
    const sorted = [...batchMs].sort((a, b) => a - b);
    const sql = { assign: first.sql.assign, process: all.reduce((n, r) => n + r.sql.process, 0) };
    for (const r of all) if (r.sqlTimes) console.log(r.sqlTimes);
    let profile: string | null = null;
    if (options.cpuProf) {
      const profiles = fs.readdirSync(profileDir).filter((file) => file.startsWith(`group-licensing-${members}-`) && file.endsWith("-0.cpuprofile")).sort();
      profile = profiles.length > 0 ? path.join(profileDir, profiles[profiles.length - 1]!) : null;
    }
    return {
      members,
      processes,
      assignSeconds,
      processSeconds: totalSeconds - assignSeconds,
      totalSeconds,
      membersPerSecond: members / totalSeconds,
      processMembersPerSecond: members / (totalSeconds - assignSeconds),
      sqlStatements: { ...sql, perMember: (sql.assign + sql.process) / members },
      cpuSeconds: all.reduce((n, r) => n + r.cpuSeconds, 0),
      batches: {
        count: batchMs.length,
        size: processorOptionsFor(s.database.startsWith("postgres") ? "postgres" : "sqlite").batchSize,
        perProcess: all.map((r) => r.batchMs.length),
        p50Ms: percentile(sorted, 50),
        maxMs: sorted[sorted.length - 1] ?? 0,
        firstMs: first.batchMs[0] ?? 0,
        lastMs: first.batchMs[first.batchMs.length - 1] ?? 0,
      },
      // Per process: the largest of them.
      rss: {
        beforeMiB: Math.max(...all.map((r) => r.rss.beforeMiB)),
        afterAssignMiB: first.rss.afterAssignMiB,
        sampledPeakMiB: Math.max(...all.map((r) => r.rss.sampledPeakMiB)),
        maxRssMiB: Math.max(...all.map((r) => r.rss.maxRssMiB)),
      },
      heap: {
        peakUsedMiB: Math.max(...all.map((r) => r.heap.peakUsedMiB)),
        peakTotalMiB: Math.max(...all.map((r) => r.heap.peakTotalMiB)),
        afterGcUsedMiB: first.heap.afterGcUsedMiB,
        externalMiB: first.heap.externalMiB,
      },
      final: first.final,
      profile,
    };
  } finally {
    clearTimeout(guard);
  }
}

/** Epoch milliseconds, comparable between the measuring processes. */
const clock = () => performance.timeOrigin + performance.now();

async function worker(raw: string): Promise<void> {
  const s = JSON.parse(raw) as Setup & { members: number; timeLimitSeconds: number; index: number };
  const sqlTimes = process.env.BENCH_SQL_TIMES === "1" ? timeStatements() : null;
  const services = await openServices(loadConfig(appEnv(s.database, { DEMO_DATA: "false" })), silentLog);
  try {
    const admin = (await new UserStore(services.db.manager).findById(s.adminId))!;
    const caller = await authenticate(`Bearer ${await services.tokens.sign({ oid: admin.id, preferredUsername: admin.userPrincipalName }, 3600)}`, services);
    const processor = services.licensing.processor;
    const complete = async () => (await services.licensing.groups.processing([s.groupId])).get(s.groupId)?.state === "ProcessingComplete";
    await new Promise<void>((resolve) => {
      process.on("message", (message: { type: string }) => message.type === "start" && resolve());
      process.send!({ type: "ready" });
    });
    const rssBefore = process.memoryUsage.rss();
    let peak = rssBefore;
    const sql0 = services.db.queryLog.count;
    const cpu0 = process.cpuUsage();
    let startedAt: number | null = null;
    let assignedAt: number | null = null;
    if (s.index === 0) {
      startedAt = clock();
      await services.licensing.groups.assign({ caller, requestId: "bench" }, s.groupId, { addLicenses: s.skuIds.map((skuId) => ({ skuId })) });
      assignedAt = clock();
    }
    const t1 = performance.now();
    const sql1 = services.db.queryLog.count;
    const rssAfterAssign = process.memoryUsage.rss();
    const heapAfterAssign = process.memoryUsage();
    peak = Math.max(peak, rssAfterAssign);
    let peakHeapUsed = heapAfterAssign.heapUsed;
    let peakHeapTotal = heapAfterAssign.heapTotal;
    const batchMs: number[] = [];
    let processedHere = 0;
    // Statements of the batches that processed someone (not of the idle polls).
    let batchSql = 0;
    for (;;) {
      if ((performance.now() - t1) / 1000 > s.timeLimitSeconds) throw new Error(`processing did not finish within ${s.timeLimitSeconds} s (${batchMs.length} batches done here)`);
      const started = performance.now();
      const before = services.db.queryLog.count;
      const processed = await processor.runBatch();
      if (processed === 0) {
        // Nothing this process can take: done once the group is complete (another process may
        // still hold its last range, or the first has not queued it yet).
        if (await complete()) break;
        await new Promise((resolve) => setTimeout(resolve, 2));
        continue;
      }
      processedHere += processed;
      batchSql += services.db.queryLog.count - before;
      batchMs.push(performance.now() - started);
      const memory = process.memoryUsage();
      peak = Math.max(peak, memory.rss);
      peakHeapUsed = Math.max(peakHeapUsed, memory.heapUsed);
      peakHeapTotal = Math.max(peakHeapTotal, memory.heapTotal);
      if (batchMs.length % 40 === 0) {
        process.stdout.write(`  [${s.index}] ${processedHere} members processed here, ${((performance.now() - t1) / 1000).toFixed(1)} s; RSS ${mib(memory.rss).toFixed(0)} MiB, V8 heap ${mib(memory.heapUsed).toFixed(0)}/${mib(memory.heapTotal).toFixed(0)} MiB\n`);
      }
      // Between batches, as the processor's timer does in the server.
      await new Promise((resolve) => setImmediate(resolve));
    }
    const finishedAt = clock();
    const cpu = process.cpuUsage(cpu0);
    const processing = (await services.licensing.groups.processing([s.groupId])).get(s.groupId);
    const rows = (await services.db.manager.query("SELECT state, COUNT(*) AS n FROM license_assignments GROUP BY state")) as { state: string; n: number }[];
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    const afterGc = process.memoryUsage();
    const report: WorkerReport = {
      startedAt,
      assignedAt,
      finishedAt,
      sql: { assign: sql1 - sql0, process: batchSql },
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      batchMs,
      members: processedHere,
      rss: { beforeMiB: mib(rssBefore), afterAssignMiB: mib(rssAfterAssign), sampledPeakMiB: mib(peak), maxRssMiB: process.resourceUsage().maxRSS / 1024 },
      heap: { peakUsedMiB: mib(peakHeapUsed), peakTotalMiB: mib(peakHeapTotal), afterGcUsedMiB: gc ? mib(afterGc.heapUsed) : null, externalMiB: mib(afterGc.external) },
      final: { state: processing?.state ?? null, succeeded: processing?.succeeded ?? 0, failed: processing?.failed ?? 0, assignmentRows: Object.fromEntries(rows.map((row) => [row.state, Number(row.n)])) },
      sqlTimes: sqlTimes ? sqlTimes() : null,
    };
    process.send!({ type: "report", report });
  } catch (error) {
    // The message and the helpgate frames of the stack: where it failed.
    const frames = error instanceof Error ? (error.stack ?? "").split("\n").filter((line) => /\/src\//.test(line)).slice(0, 4).map((line) => line.trim().replace(/^at /, "").replace(/\(.*\/(src\/[^)]*)\)/, "($1)")) : [];
    process.send!({ type: "error", error: `${error instanceof Error ? error.message : String(error)}${frames.length ? ` at ${frames.join(" < ")}` : ""}` });
  } finally {
    await services.db.close();
    process.disconnect?.();
  }
}

/**
 * PostgreSQL only (BENCH_SQL_TIMES=1): times every statement the pg driver runs, from sending it
 * to its answer, grouped by the statement's first words; returns a printer of the totals.
 */
function timeStatements(): () => string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Client: PgClient } = require("pg") as typeof import("pg");
  const totals = new Map<string, { count: number; ms: number }>();
  const original = PgClient.prototype.query as (...args: unknown[]) => unknown;
  (PgClient.prototype as { query: unknown }).query = function (this: unknown, ...args: unknown[]) {
    const text = typeof args[0] === "string" ? args[0] : String((args[0] as { text?: string })?.text ?? "?");
    const key = text.replace(/\s+/g, " ").slice(0, 90);
    const started = performance.now();
    const result = original.apply(this, args);
    if (result && typeof (result as Promise<unknown>).then === "function") {
      const add = () => {
        const total = totals.get(key) ?? { count: 0, ms: 0 };
        total.count += 1;
        total.ms += performance.now() - started;
        totals.set(key, total);
      };
      (result as Promise<unknown>).then(add, add);
    }
    return result;
  };
  return () =>
    [...totals]
      .sort(([, a], [, b]) => b.ms - a.ms)
      .slice(0, 40)
      .map(([key, t]) => `${t.ms.toFixed(0).padStart(7)} ms ${String(t.count).padStart(6)}× ${key}`)
      .join("\n");
}

/**
 * A fresh PostgreSQL database on the server of `adminUrl` (a copy of `template` when given): its
 * name, URL, and how to drop it.
 */
async function postgresDatabase(adminUrl: string, template?: string): Promise<{ name: string; url: string; drop: () => Promise<void> }> {
  const name = `helpgate_bench_${randomUUID().replace(/-/g, "").slice(0, 12)}`;
  const admin = async (sql: string) => {
    const client = new Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${name}${template ? ` TEMPLATE ${template}` : ""}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { name, url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

async function analyze(url: string): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query("ANALYZE");
  } finally {
    await client.end();
  }
}

const TARGETS = {
  SQLite: { ratioToFloor: 0.7, rssMiB: 300 },
  PostgreSQL: { membersPerSecond: 20_000, ratioToFloor: 0.5, processes: 2 },
};

/**
 * Whether a run met its engine's targets (null: not judged, e.g. PostgreSQL with one process), and
 * how they read. A ratio to the floor must hold against both floors: the rows in the users'
 * creation order (the floor the targets were set against) and in key order (the fastest plain
 * write: in creation order, the floor pays for inserts all over the covering index by SKU).
 */
function judge(a: Attempt): { target: string; met: boolean | null } {
  const ratio = Math.min(a.ratioToFloor ?? 0, a.ratioToKeyOrderFloor ?? 0);
  if (a.engine === "SQLite") {
    const t = TARGETS.SQLite;
    const target = `≥ ${t.ratioToFloor}× both floors, RSS < ${t.rssMiB} MB`;
    return { target, met: a.measured && !a.error ? ratio >= t.ratioToFloor && a.measured.rss.maxRssMiB < t.rssMiB : null };
  }
  const t = TARGETS.PostgreSQL;
  if (a.processes !== t.processes) return { target: "(reported)", met: null };
  const target = `≥ ${t.membersPerSecond.toLocaleString("en-US")}/s and ≥ ${t.ratioToFloor}× both floors`;
  return { target, met: a.measured && !a.error ? a.measured.membersPerSecond >= t.membersPerSecond && ratio >= t.ratioToFloor : null };
}

function check(result: Attempt, members: number): void {
  const final = result.measured!.final;
  if (final.state !== "ProcessingComplete" || final.succeeded !== members || (final.assignmentRows.Active ?? 0) !== 2 * members) {
    result.error = `unexpected end state: ${JSON.stringify(final)}`;
  }
}

async function attempt(members: number, options: GroupLicensingOptions): Promise<Attempt> {
  const temp = tempDir("group");
  const result: Attempt = { members, engine: "SQLite", processes: 1, setupSeconds: null, floor: null, keyOrderFloor: null, measured: null, ratioToFloor: null, ratioToKeyOrderFloor: null, error: null, target: "", met: null };
  try {
    console.log(`setup (SQLite): ${members.toLocaleString("en-US")} members, E3 + EMS with ${members.toLocaleString("en-US")} units ...`);
    const s = await setup(path.join(temp.dir, "helpgate.sqlite"), members);
    result.setupSeconds = s.setupSeconds;
    console.log(`setup took ${s.setupSeconds.toFixed(1)} s; floor: raw insert of ${(2 * members).toLocaleString("en-US")} assignment rows ...`);
    // The median of three runs: one run alone moved by a third on this shared machine.
    result.floor = median([0, 1, 2].map((run) => floor(path.join(temp.dir, `floor-${run}.sqlite`), s.database, s.userIds, s.skuIds, s.groupId)));
    const keyOrder = [...s.userIds].sort();
    result.keyOrderFloor = median([0, 1, 2].map((run) => floor(path.join(temp.dir, `floor-key-${run}.sqlite`), s.database, keyOrder, s.skuIds, s.groupId)));
    console.log(`floor: ${result.floor.runs.map((f) => f.toFixed(2)).join(", ")} s (median ${result.floor.seconds.toFixed(2)}); in key order ${result.keyOrderFloor.runs.map((f) => f.toFixed(2)).join(", ")} s; measuring assignGroupLicense → ProcessingComplete in a child process ...`);
    const { userIds: _ids, ...rest } = s;
    result.measured = await measure(rest, members, 1, options);
    result.ratioToFloor = result.measured.membersPerSecond / result.floor.membersPerSecond;
    result.ratioToKeyOrderFloor = result.measured.membersPerSecond / result.keyOrderFloor.membersPerSecond;
    check(result, members);
  } catch (error) {
    result.error = error instanceof Error ? error.message : String(error);
    console.log(`run at ${members} members failed: ${result.error}`);
  } finally {
    temp.cleanup();
  }
  return { ...result, ...judge(result) };
}

/**
 * PostgreSQL: the setup once, into a database that each run copies (CREATE DATABASE … TEMPLATE),
 * then per number of processes: the COPY floor three times in the run's database (median), and
 * the measured run.
 */
async function postgresAttempts(members: number, options: GroupLicensingOptions): Promise<Attempt[]> {
  const attempts: Attempt[] = [];
  const template = await postgresDatabase(options.postgres!);
  try {
    console.log(`setup (PostgreSQL): ${members.toLocaleString("en-US")} members, E3 + EMS with ${members.toLocaleString("en-US")} units ...`);
    const s = await setup(template.url, members);
    // A directory that existed before its first group license has statistics (autovacuum gathers
    // them within a minute of a bulk load; `npm run seed` runs ANALYZE itself): the copies start
    // with them too. The licensing tables the run fills start without.
    await analyze(template.url);
    console.log(`setup took ${s.setupSeconds.toFixed(1)} s`);
    const { userIds, ...rest } = s;
    for (const processes of options.processes) {
      const result: Attempt = { members, engine: "PostgreSQL", processes, setupSeconds: s.setupSeconds, floor: null, keyOrderFloor: null, measured: null, ratioToFloor: null, ratioToKeyOrderFloor: null, error: null, target: "", met: null };
      const copy = await postgresDatabase(options.postgres!, template.name);
      try {
        const floors: Floor[] = [];
        for (const run of [0, 1, 2]) floors.push(await copyFloor(copy.url, userIds, s.skuIds, s.groupId, run));
        result.floor = median(floors);
        const keyOrder = [...userIds].sort();
        const keyOrderFloors: Floor[] = [];
        for (const run of [3, 4, 5]) keyOrderFloors.push(await copyFloor(copy.url, keyOrder, s.skuIds, s.groupId, run));
        result.keyOrderFloor = median(keyOrderFloors);
        console.log(`floor (COPY): ${result.floor.runs.map((f) => f.toFixed(2)).join(", ")} s (median ${result.floor.seconds.toFixed(2)}); in key order ${result.keyOrderFloor.runs.map((f) => f.toFixed(2)).join(", ")} s; measuring with ${processes} process(es) ...`);
        result.measured = await measure({ ...rest, database: copy.url }, members, processes, options);
        result.ratioToFloor = result.measured.membersPerSecond / result.floor.membersPerSecond;
        result.ratioToKeyOrderFloor = result.measured.membersPerSecond / result.keyOrderFloor.membersPerSecond;
        check(result, members);
      } catch (error) {
        result.error = error instanceof Error ? error.message : String(error);
        console.log(`PostgreSQL run with ${processes} process(es) failed: ${result.error}`);
      } finally {
        await copy.drop();
      }
      attempts.push({ ...result, ...judge(result) });
    }
  } finally {
    await template.drop();
  }
  return attempts;
}

export async function run(options: GroupLicensingOptions): Promise<GroupLicensingResult> {
  const attempts: Attempt[] = options.postgresOnly ? [] : [await attempt(options.members, options)];
  if (attempts[0] && !attempts[0].measured && options.fallbackMembers && options.fallbackMembers < options.members) {
    console.log(`running again at ${options.fallbackMembers} members`);
    attempts.push(await attempt(options.fallbackMembers, options));
  }
  if (options.postgres) attempts.push(...(await postgresAttempts(options.members, options)));
  const profiled = attempts.find((a) => a.measured?.profile);
  return {
    options: { ...options, postgres: withoutPassword(options.postgres) },
    attempts,
    targets: TARGETS,
    profileSummary: profiled?.measured?.profile ? summarizeProfile(profiled.measured.profile) : null,
  };
}

export function report(result: GroupLicensingResult): string {
  const lines = [
    `Group licensing: assignGroupLicense (E3 + EMS) → ProcessingComplete, batch size ${processorOptionsFor("sqlite").batchSize} (SQLite) / ${processorOptionsFor("postgres").batchSize} (PostgreSQL), in-process service calls; floor: SQLite better-sqlite3 inserts, PostgreSQL COPY FROM STDIN (same rows, one transaction)`,
  ];
  lines.push(
    table(
      ["members", "database", "processes", "members/s", "processing only", "assign s", "process s", "floor members/s", "× floor", "× key-order floor", "SQL/member", "batch p50 ms", "batch max ms", "peak RSS MiB", "target", "result"],
      result.attempts.map((a) => [
        a.members,
        a.engine,
        a.processes,
        a.measured?.membersPerSecond ?? Number.NaN,
        a.measured?.processMembersPerSecond ?? Number.NaN,
        a.measured?.assignSeconds ?? Number.NaN,
        a.measured?.processSeconds ?? Number.NaN,
        a.floor?.membersPerSecond ?? Number.NaN,
        a.ratioToFloor ?? Number.NaN,
        a.ratioToKeyOrderFloor ?? Number.NaN,
        a.measured?.sqlStatements.perMember ?? Number.NaN,
        a.measured?.batches.p50Ms ?? Number.NaN,
        a.measured?.batches.maxMs ?? Number.NaN,
        a.measured?.rss.maxRssMiB ?? Number.NaN,
        a.target,
        a.error ? "FAILED (below)" : a.met === null ? "ok" : a.met ? "ok, met" : "ok, missed",
      ]),
    ),
  );
  for (const a of result.attempts.filter((a) => a.error)) lines.push(`${a.members.toLocaleString("en-US")} members, ${a.engine}, ${a.processes} process(es): FAILED: ${a.error}`);
  for (const done of result.attempts.filter((a) => a.measured && !a.error)) {
    const m = done.measured!;
    lines.push(
      `${done.members.toLocaleString("en-US")} members, ${done.engine}, ${done.processes} process(es): floor (${done.floor!.method}) ${done.floor!.rows.toLocaleString("en-US")} rows in ${done.floor!.runs.map((f) => f.toFixed(2)).join(" / ")} s, in key order ${done.keyOrderFloor?.runs.map((f) => f.toFixed(2)).join(" / ") ?? "-"} s; batches: ${m.batches.count} (${m.batches.perProcess.join(" + ")}), first ${format(m.batches.firstMs)} ms, last ${format(m.batches.lastMs)} ms; RSS before ${format(m.rss.beforeMiB)} MiB, after assign ${format(m.rss.afterAssignMiB)} MiB, sampled peak ${format(m.rss.sampledPeakMiB)} MiB, maxRSS ${format(m.rss.maxRssMiB)} MiB; V8 heap peak used/total ${format(m.heap.peakUsedMiB)}/${format(m.heap.peakTotalMiB)} MiB, used after GC ${format(m.heap.afterGcUsedMiB ?? Number.NaN)} MiB; SQL: ${m.sqlStatements.assign} in assign, ${m.sqlStatements.process.toLocaleString("en-US")} in processing; CPU ${m.cpuSeconds.toFixed(2)} s (floor ${done.floor!.cpuSeconds.toFixed(2)} s)`,
    );
  }
  if (result.profileSummary) lines.push(result.profileSummary.text);
  return lines.join("\n");
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === "--worker") return worker(argv[1]!);
  const args = parseArgs(argv);
  const options: GroupLicensingOptions = {
    members: Math.round(numberArg(args, "members", "BENCH_MEMBERS", 100_000)),
    fallbackMembers: args.get("fallback-members") === "none" ? null : Math.round(numberArg(args, "fallback-members", "BENCH_FALLBACK_MEMBERS", 30_000)),
    postgres: args.get("postgres") ?? process.env.BENCH_POSTGRES_URL?.trim() ?? null,
    cpuProf: args.has("cpu-prof"),
    timeLimitSeconds: numberArg(args, "time-limit", "BENCH_TIME_LIMIT", 600),
    postgresOnly: args.has("postgres-only"),
    processes: (args.get("processes") ?? "1,2").split(",").map((n) => Math.max(1, Math.round(Number(n)))),
  };
  const result = await run(options);
  console.log(`\n${report(result)}`);
  // A profiled run keeps its own file: its timings carry the profiler's overhead.
  const name = options.cpuProf ? "group-licensing-profile" : options.postgresOnly ? "group-licensing-postgres" : "group-licensing";
  console.log(`\nwritten to ${writeResult(name, result)}`);
}

if (isMain(module)) runMain(main);
