/**
 * Benchmark 2: group-based licensing throughput, from assignGroupLicense to ProcessingComplete.
 *
 * Setup (this process, not timed): a fresh SQLite file or PostgreSQL database (DEMO_DATA=false: the organization and
 * its administrator), N users (usage location US, a primary SMTP proxy address each) and one
 * security group holding all of them, inserted through the entities in one transaction, 500 rows
 * per INSERT; then addSubscription ENTERPRISEPACK (E3) and EMS with enabledUnits N, through the
 * subscription service.
 *
 * Measured (a fresh child process of this file, so its peak RSS is the run's own): the
 * service's assignGroupLicense (GroupLicensingService.assign, which queues the N members), then
 * LicenseProcessor.runBatch in a loop until it processes nobody (what drain() does, with the
 * default batch size of 500), then a check that the group is ProcessingComplete with N
 * succeeded and 2N Active assignment rows. Reported: members/s over both, the processing alone,
 * SQL statements per member (queryLog.count), batch times (each batch is one transaction that
 * holds the event loop), peak RSS (process.resourceUsage().maxRSS, and sampled between batches).
 *
 * Floor, same run: a raw better-sqlite3 insert of 2N rows into a table shaped like
 * license_assignments (same columns, primary key and two indexes, WAL like helpgate's file),
 * one transaction, one prepared statement; members/s = N / its time. Run three times (each
 * into a new file), the median taken.
 *
 * PostgreSQL: with --postgres URL (or BENCH_POSTGRES_URL; an admin URL of a role that may create
 * databases, e.g. what scripts/ci-postgres.sh prints), the same run is made a second time on a
 * fresh PostgreSQL database (created and dropped by the bench). Its ratio is to the same SQLite
 * floor; the targets are judged on the SQLite run.
 *
 * Options: --members N (or BENCH_MEMBERS; default 100000), --fallback-members M (default 30000:
 * run again at M when the run at N fails; "none" to skip), --postgres URL, --cpu-prof (write a
 * V8 CPU profile of the measured process to dist/bench-profiles/ and print its top functions),
 * --time-limit S (default 600: give up processing after S seconds).
 *
 *   node dist/bench-build/bench/group-licensing.js [--members 100000] [--postgres URL] [--cpu-prof]
 */
import "reflect-metadata";
import { fork } from "node:child_process";
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import Sqlite from "better-sqlite3";
import { Client } from "pg";
import { openServices } from "../src/app";
import { authenticate } from "../src/auth/authenticate";
import { loadConfig } from "../src/config";
import { GroupEntity, GroupMemberEntity, ProxyAddressEntity, UserEntity } from "../src/directory/entities";
import type { UserRecord } from "../src/directory/model";
import { UserStore } from "../src/directory/stores/user.store";
import { proxyAddressKey } from "../src/directory/validation";
import { loadProducts } from "../src/licensing/catalog";
import { DEFAULT_PROCESSOR_OPTIONS } from "../src/services";
import { summarizeProfile, type ProfileSummary } from "./cpu-profile";
import { appEnv, format, isMain, mib, numberArg, parseArgs, percentile, profilesDir, runMain, silentLog, table, tempDir, writeResult } from "./common";

export interface GroupLicensingOptions {
  members: number;
  fallbackMembers: number | null;
  /** Admin URL of a PostgreSQL server for a second run there, or null. */
  postgres: string | null;
  cpuProf: boolean;
  timeLimitSeconds: number;
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
  assignSeconds: number;
  processSeconds: number;
  totalSeconds: number;
  membersPerSecond: number;
  processMembersPerSecond: number;
  sqlStatements: { assign: number; process: number; perMember: number };
  /** CPU time (user + system, all threads) of assign + processing: steadier than wall time on a shared machine. */
  cpuSeconds: number;
  batches: { count: number; size: number; p50Ms: number; maxMs: number; firstMs: number; lastMs: number };
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
  setupSeconds: number | null;
  floor: { rows: number; seconds: number; membersPerSecond: number; cpuSeconds: number } | null;
  measured: Measured | null;
  ratioToFloor: number | null;
  error: string | null;
}

export interface GroupLicensingResult {
  options: GroupLicensingOptions;
  attempts: Attempt[];
  targets: { membersPerSecond: number; ratioToFloor: number; rssMiB: number; met: { membersPerSecond: boolean; ratioToFloor: boolean; rss: boolean } | null };
  profileSummary: ProfileSummary | null;
}

const GROUP_NAME = "Bench licensed group";

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
        await tx.insert(GroupMemberEntity, users.map((user) => ({ groupId, userId: user.id })));
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

/** 2N rows into a table shaped like license_assignments, one transaction, one prepared statement. */
function floor(file: string, userIds: readonly string[], skuIds: readonly string[], groupId: string): { rows: number; seconds: number; membersPerSecond: number; cpuSeconds: number } {
  const db = new Sqlite(file);
  try {
    db.pragma("journal_mode = WAL");
    db.pragma("foreign_keys = ON");
    db.exec(`CREATE TABLE license_assignments (
      user_id varchar(36) NOT NULL, sku_id varchar(36) NOT NULL, source varchar(36) NOT NULL, disabled_plans text NOT NULL,
      state varchar(16) NOT NULL, error varchar(40), last_updated_date_time varchar(30) NOT NULL,
      PRIMARY KEY (user_id, sku_id, source))`);
    db.exec('CREATE INDEX "IX_license_assignments_source_state" ON license_assignments (source, state, user_id)');
    db.exec('CREATE INDEX "IX_license_assignments_sku" ON license_assignments (sku_id, state)');
    const insert = db.prepare("INSERT INTO license_assignments VALUES (?, ?, ?, ?, ?, ?, ?)");
    const now = new Date().toISOString();
    const started = performance.now();
    const cpu = process.cpuUsage();
    db.transaction(() => {
      for (const userId of userIds) for (const skuId of skuIds) insert.run(userId, skuId, groupId, "[]", "Active", null, now);
    })();
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    return { rows: userIds.length * skuIds.length, seconds, membersPerSecond: userIds.length / seconds, cpuSeconds: (used.user + used.system) / 1e6 };
  } finally {
    db.close();
  }
}

/** The measured part, in a child process (see worker()). */
function measure(s: Setup, members: number, options: GroupLicensingOptions): Promise<Measured> {
  const profileDir = profilesDir();
  if (options.cpuProf) fs.mkdirSync(profileDir, { recursive: true });
  // --expose-gc only to read the heap after a full collection at the very end.
  const execArgv = ["--expose-gc", ...(options.cpuProf ? ["--cpu-prof", "--cpu-prof-dir", profileDir, "--cpu-prof-name", `group-licensing-${members}-${Date.now()}.cpuprofile`] : [])];
  const child = fork(__filename, ["--worker", JSON.stringify({ ...s, members, timeLimitSeconds: options.timeLimitSeconds })], {
    execArgv,
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  return new Promise((resolve, reject) => {
    let result: Measured | null = null;
    let failure: string | null = null;
    const guard = setTimeout(() => child.kill("SIGKILL"), (options.timeLimitSeconds + 300) * 1000);
    child.on("message", (message: { type: string; result?: Measured; error?: string }) => {
      if (message.type === "result") result = message.result!;
      else failure = message.error ?? "unknown failure";
    });
    child.on("exit", (code, signal) => {
      clearTimeout(guard);
      if (result) {
        if (options.cpuProf) {
          const profiles = fs.readdirSync(profileDir).filter((file) => file.startsWith(`group-licensing-${members}-`)).sort();
          result.profile = profiles.length > 0 ? path.join(profileDir, profiles[profiles.length - 1]!) : null;
        }
        resolve(result);
      } else reject(new Error(failure ?? `the measuring process exited with ${signal ?? code}`));
    });
  });
}

async function worker(raw: string): Promise<void> {
  const s = JSON.parse(raw) as Setup & { members: number; timeLimitSeconds: number };
  const services = await openServices(loadConfig(appEnv(s.database, { DEMO_DATA: "false" })), silentLog);
  try {
    const admin = (await new UserStore(services.db.manager).findById(s.adminId))!;
    const caller = await authenticate(`Bearer ${await services.tokens.sign({ oid: admin.id, preferredUsername: admin.userPrincipalName }, 3600)}`, services);
    const processor = services.licensing.processor;
    const { batchSize } = DEFAULT_PROCESSOR_OPTIONS;
    const rssBefore = process.memoryUsage.rss();
    let peak = rssBefore;
    const sql0 = services.db.queryLog.count;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await services.licensing.groups.assign({ caller, requestId: "bench" }, s.groupId, { addLicenses: s.skuIds.map((skuId) => ({ skuId })) });
    const t1 = performance.now();
    const sql1 = services.db.queryLog.count;
    const rssAfterAssign = process.memoryUsage.rss();
    const heapAfterAssign = process.memoryUsage();
    peak = Math.max(peak, rssAfterAssign);
    let peakHeapUsed = heapAfterAssign.heapUsed;
    let peakHeapTotal = heapAfterAssign.heapTotal;
    const batchMs: number[] = [];
    const maxBatches = Math.ceil(s.members / batchSize) * 3 + 10;
    for (let i = 0; i < maxBatches; i++) {
      if ((performance.now() - t1) / 1000 > s.timeLimitSeconds) throw new Error(`processing did not finish within ${s.timeLimitSeconds} s (${batchMs.length} batches done)`);
      const started = performance.now();
      const processed = await processor.runBatch();
      if (processed === 0) break;
      batchMs.push(performance.now() - started);
      const memory = process.memoryUsage();
      peak = Math.max(peak, memory.rss);
      peakHeapUsed = Math.max(peakHeapUsed, memory.heapUsed);
      peakHeapTotal = Math.max(peakHeapTotal, memory.heapTotal);
      if (batchMs.length % 20 === 0) {
        process.stdout.write(`  ${batchMs.length * batchSize} members processed, ${((performance.now() - t1) / 1000).toFixed(1)} s; RSS ${mib(memory.rss).toFixed(0)} MiB, V8 heap ${mib(memory.heapUsed).toFixed(0)}/${mib(memory.heapTotal).toFixed(0)} MiB\n`);
      }
      // Between batches, as the processor's timer does in the server.
      await new Promise((resolve) => setImmediate(resolve));
    }
    const t2 = performance.now();
    const cpu = process.cpuUsage(cpu0);
    const sql2 = services.db.queryLog.count;
    const processing = (await services.licensing.groups.processing([s.groupId])).get(s.groupId);
    const rows = (await services.db.manager.query("SELECT state, COUNT(*) AS n FROM license_assignments GROUP BY state")) as { state: string; n: number }[];
    const sorted = [...batchMs].sort((a, b) => a - b);
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    const afterGc = process.memoryUsage();
    const result: Measured = {
      members: s.members,
      assignSeconds: (t1 - t0) / 1000,
      processSeconds: (t2 - t1) / 1000,
      totalSeconds: (t2 - t0) / 1000,
      membersPerSecond: s.members / ((t2 - t0) / 1000),
      processMembersPerSecond: s.members / ((t2 - t1) / 1000),
      sqlStatements: { assign: sql1 - sql0, process: sql2 - sql1, perMember: (sql2 - sql0) / s.members },
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      batches: { count: batchMs.length, size: batchSize, p50Ms: percentile(sorted, 50), maxMs: sorted[sorted.length - 1] ?? 0, firstMs: batchMs[0] ?? 0, lastMs: batchMs[batchMs.length - 1] ?? 0 },
      rss: { beforeMiB: mib(rssBefore), afterAssignMiB: mib(rssAfterAssign), sampledPeakMiB: mib(peak), maxRssMiB: process.resourceUsage().maxRSS / 1024 },
      heap: { peakUsedMiB: mib(peakHeapUsed), peakTotalMiB: mib(peakHeapTotal), afterGcUsedMiB: gc ? mib(afterGc.heapUsed) : null, externalMiB: mib(afterGc.external) },
      final: { state: processing?.state ?? null, succeeded: processing?.succeeded ?? 0, failed: processing?.failed ?? 0, assignmentRows: Object.fromEntries(rows.map((row) => [row.state, Number(row.n)])) },
      profile: null,
    };
    process.send!({ type: "result", result });
  } catch (error) {
    // The message and the helpgate frames of the stack: where it failed.
    const frames = error instanceof Error ? (error.stack ?? "").split("\n").filter((line) => /\/src\//.test(line)).slice(0, 4).map((line) => line.trim().replace(/^at /, "").replace(/\(.*\/(src\/[^)]*)\)/, "($1)")) : [];
    process.send!({ type: "error", error: `${error instanceof Error ? error.message : String(error)}${frames.length ? ` at ${frames.join(" < ")}` : ""}` });
  } finally {
    await services.db.close();
  }
}

/** A fresh PostgreSQL database on the server of `adminUrl`: its URL, and how to drop it. */
async function postgresDatabase(adminUrl: string): Promise<{ url: string; drop: () => Promise<void> }> {
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
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

async function attempt(members: number, engine: Engine, options: GroupLicensingOptions): Promise<Attempt> {
  const temp = tempDir("group");
  const postgres = engine === "PostgreSQL" ? await postgresDatabase(options.postgres!) : null;
  const result: Attempt = { members, engine, setupSeconds: null, floor: null, measured: null, ratioToFloor: null, error: null };
  try {
    console.log(`setup (${engine}): ${members.toLocaleString("en-US")} members, E3 + EMS with ${members.toLocaleString("en-US")} units ...`);
    const s = await setup(postgres?.url ?? path.join(temp.dir, "helpgate.sqlite"), members);
    result.setupSeconds = s.setupSeconds;
    console.log(`setup took ${s.setupSeconds.toFixed(1)} s; floor: raw insert of ${(2 * members).toLocaleString("en-US")} assignment rows ...`);
    // The median of three runs: one run alone moved by a third on this shared machine.
    const floors = [0, 1, 2].map((run) => floor(path.join(temp.dir, `floor-${run}.sqlite`), s.userIds, s.skuIds, s.groupId)).sort((a, b) => a.seconds - b.seconds);
    result.floor = floors[1]!;
    console.log(`floor: ${floors.map((f) => f.seconds.toFixed(2)).join(", ")} s (median ${result.floor.seconds.toFixed(2)}); measuring assignGroupLicense → ProcessingComplete in a child process ...`);
    const { userIds: _ids, ...rest } = s;
    result.measured = await measure(rest, members, options);
    result.ratioToFloor = result.measured.membersPerSecond / result.floor.membersPerSecond;
    const final = result.measured.final;
    if (final.state !== "ProcessingComplete" || final.succeeded !== members || (final.assignmentRows.Active ?? 0) !== 2 * members) {
      result.error = `unexpected end state: ${JSON.stringify(final)}`;
    }
  } catch (error) {
    result.error = error instanceof Error ? error.message : String(error);
    console.log(`run at ${members} members failed: ${result.error}`);
  } finally {
    temp.cleanup();
    await postgres?.drop();
  }
  return result;
}

export async function run(options: GroupLicensingOptions): Promise<GroupLicensingResult> {
  const attempts = [await attempt(options.members, "SQLite", options)];
  if (!attempts[0]!.measured && options.fallbackMembers && options.fallbackMembers < options.members) {
    console.log(`running again at ${options.fallbackMembers} members`);
    attempts.push(await attempt(options.fallbackMembers, "SQLite", options));
  }
  if (options.postgres) attempts.push(await attempt(options.members, "PostgreSQL", options));
  // Targets are judged on the largest SQLite run that went through.
  const done = attempts.find((a) => a.measured && !a.error && a.engine === "SQLite") ?? null;
  const targets = { membersPerSecond: 20_000, ratioToFloor: 0.5, rssMiB: 300 };
  const profile = done?.measured?.profile ? summarizeProfile(done.measured.profile) : null;
  return {
    options,
    attempts,
    targets: {
      ...targets,
      met: done?.measured
        ? {
            membersPerSecond: done.measured.membersPerSecond >= targets.membersPerSecond,
            ratioToFloor: (done.ratioToFloor ?? 0) >= targets.ratioToFloor,
            rss: done.measured.rss.maxRssMiB < targets.rssMiB,
          }
        : null,
    },
    profileSummary: profile,
  };
}

export function report(result: GroupLicensingResult): string {
  const lines = [`Group licensing: assignGroupLicense (E3 + EMS) → ProcessingComplete, batch size ${DEFAULT_PROCESSOR_OPTIONS.batchSize}, in-process service calls; floor: raw better-sqlite3 insert`];
  lines.push(
    table(
      ["members", "database", "members/s", "processing only", "assign s", "process s", "floor members/s", "× floor", "SQL/member", "batch p50 ms", "batch max ms", "peak RSS MiB", "result"],
      result.attempts.map((a) => [
        a.members,
        a.engine,
        a.measured?.membersPerSecond ?? Number.NaN,
        a.measured?.processMembersPerSecond ?? Number.NaN,
        a.measured?.assignSeconds ?? Number.NaN,
        a.measured?.processSeconds ?? Number.NaN,
        a.floor?.membersPerSecond ?? Number.NaN,
        a.ratioToFloor ?? Number.NaN,
        a.measured?.sqlStatements.perMember ?? Number.NaN,
        a.measured?.batches.p50Ms ?? Number.NaN,
        a.measured?.batches.maxMs ?? Number.NaN,
        a.measured?.rss.maxRssMiB ?? Number.NaN,
        a.error ? "FAILED (below)" : "ok",
      ]),
    ),
  );
  for (const a of result.attempts.filter((a) => a.error)) lines.push(`${a.members.toLocaleString("en-US")} members, ${a.engine}: FAILED: ${a.error}`);
  for (const done of result.attempts.filter((a) => a.measured && !a.error)) {
    if (!done.measured) continue;
    const m = done.measured;
    lines.push(
      `${done.members.toLocaleString("en-US")} members, ${done.engine}: floor ${done.floor!.rows.toLocaleString("en-US")} rows in ${done.floor!.seconds.toFixed(3)} s; batches: ${m.batches.count}, first ${format(m.batches.firstMs)} ms, last ${format(m.batches.lastMs)} ms; RSS before ${format(m.rss.beforeMiB)} MiB, after assign ${format(m.rss.afterAssignMiB)} MiB, sampled peak ${format(m.rss.sampledPeakMiB)} MiB, maxRSS ${format(m.rss.maxRssMiB)} MiB; V8 heap peak used/total ${format(m.heap.peakUsedMiB)}/${format(m.heap.peakTotalMiB)} MiB, used after GC ${format(m.heap.afterGcUsedMiB ?? Number.NaN)} MiB; SQL: ${m.sqlStatements.assign} in assign, ${m.sqlStatements.process.toLocaleString("en-US")} in processing; CPU ${m.cpuSeconds.toFixed(2)} s (floor ${done.floor!.cpuSeconds.toFixed(2)} s: ${(done.floor!.cpuSeconds / m.cpuSeconds).toFixed(2)}× by CPU time)`,
    );
  }
  if (result.targets.met) {
    const met = result.targets.met;
    lines.push(`targets: ≥ ${result.targets.membersPerSecond.toLocaleString("en-US")} members/s ${met.membersPerSecond ? "met" : "missed"}; ≥ ${result.targets.ratioToFloor}× floor ${met.ratioToFloor ? "met" : "missed"}; RSS < ${result.targets.rssMiB} MB ${met.rss ? "met" : "missed"}`);
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
  };
  const result = await run(options);
  console.log(`\n${report(result)}`);
  // A profiled run keeps its own file: its timings carry the profiler's overhead.
  const name = options.cpuProf ? "group-licensing-profile" : "group-licensing";
  console.log(`\nwritten to ${writeResult(name, result)}`);
}

if (isMain(module)) runMain(main);
