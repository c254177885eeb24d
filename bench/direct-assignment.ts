/**
 * Benchmark 3: direct license assignment latency (assignLicense).
 *
 * Setup (not timed): a fresh SQLite file (DEMO_DATA=false), --users (10,000) users (usage
 * location US, a primary SMTP proxy address each) inserted through the entities in one
 * transaction, and 20 products subscribed through the subscription service's addSubscription
 * with --users units each: the first 20 of a list of common SKUs whose assignment to a fresh
 * user previews as successful (previewLicenseAssignment).
 *
 * Measured, one request at a time, every sample a different user given one product (user i
 * gets product i mod 20), so every assignment succeeds and takes a seat:
 *   service   --samples (3,000) in-process calls of AssignmentService.assign (what the
 *             assignLicense resolver calls), after --warmup (200) discarded calls
 *   http      --http-samples (1,000) assignLicense mutations over HTTP to helpgate in a child
 *             process (bench/server.ts) on the same file, after 100 discarded; the client is
 *             this process's fetch, one request in flight
 *   floor     the same number of raw better-sqlite3 transactions on the same file, each doing
 *             the minimum such an assignment writes: take the seat (conditional UPDATE), insert
 *             the assignment row, insert the audit entry and its target row
 * Reported: p50/p90/p99/max in ms, the ratio of each p50/p99 to the floor's, SQL statements per
 * call (queryLog.count).
 *
 *   node dist/bench-build/bench/direct-assignment.js [--users 10000] [--samples 3000] [--http-samples 1000]
 */
import "reflect-metadata";
import { randomUUID } from "node:crypto";
import path from "node:path";
import Sqlite from "better-sqlite3";
import { openServices } from "../src/app";
import { authenticate } from "../src/auth/authenticate";
import type { Caller } from "../src/auth/permissions";
import { loadConfig } from "../src/config";
import { ProxyAddressEntity, UserEntity } from "../src/directory/entities";
import type { UserRecord } from "../src/directory/model";
import { UserStore } from "../src/directory/stores/user.store";
import { proxyAddressKey } from "../src/directory/validation";
import { loadProducts } from "../src/licensing/catalog";
import type { Services } from "../src/services";
import { appEnv, graphqlRequest, isMain, latencySummary, numberArg, parseArgs, runMain, silentLog, startServer, table, tempDir, writeResult } from "./common";

/** Common products, tried in this order; the first 20 that a fresh user can be given are used. */
const CANDIDATES = [
  "ENTERPRISEPACK", "STANDARDPACK", "ENTERPRISEPREMIUM", "EMS", "EMSPREMIUM", "SPE_E3", "SPE_E5", "POWER_BI_PRO", "PROJECTPREMIUM",
  "PROJECTPROFESSIONAL", "VISIOCLIENT", "O365_BUSINESS_PREMIUM", "O365_BUSINESS_ESSENTIALS", "SPB", "DESKLESSPACK", "EXCHANGESTANDARD",
  "EXCHANGEENTERPRISE", "AAD_PREMIUM", "AAD_PREMIUM_P2", "MCOSTANDARD", "INTUNE_A", "ATP_ENTERPRISE", "SPE_F1", "RIGHTSMANAGEMENT",
  "THREAT_INTELLIGENCE", "WIN10_VDA_E3", "WIN10_VDA_E5", "POWERAPPS_PER_USER", "FLOW_PER_USER",
];
const PRODUCTS = 20;

export interface DirectAssignmentOptions {
  users: number;
  samples: number;
  warmup: number;
  httpSamples: number;
}

type Latency = ReturnType<typeof latencySummary>;

export interface DirectRow {
  path: "service" | "http" | "floor";
  description: string;
  latency: Latency;
  sqlPerCall: number | null;
  p50RatioToFloor: number;
  p99RatioToFloor: number;
  failures: number;
}

export interface DirectAssignmentResult {
  options: DirectAssignmentOptions;
  products: string[];
  rows: DirectRow[];
  notes: string[];
}

const ASSIGN_MUTATION = "mutation Assign($userId: ID!, $skuId: ID!) { assignLicense(userId: $userId, addLicenses: [{ skuId: $skuId }]) { id } }";

async function insertUsers(services: Services, count: number): Promise<string[]> {
  const ids: string[] = [];
  await services.db.transaction(async (tx) => {
    const now = new Date();
    for (let start = 0; start < count; start += 500) {
      const users: UserRecord[] = [];
      for (let i = start; i < Math.min(count, start + 500); i++) {
        const upn = `direct${String(i).padStart(6, "0")}@contoso.com`;
        users.push({ id: randomUUID(), userPrincipalName: upn, upnKey: upn, displayName: `Direct ${String(i).padStart(6, "0")}`, mail: upn, department: "Engineering", jobTitle: null, accountEnabled: true, usageLocation: "US", createdDateTime: now });
      }
      await tx.insert(UserEntity, users);
      await tx.insert(ProxyAddressEntity, users.map((user) => ({ userId: user.id, address: `SMTP:${user.userPrincipalName}`, addressKey: proxyAddressKey(`SMTP:${user.userPrincipalName}`), isPrimary: true, position: 0 })));
      ids.push(...users.map((user) => user.id));
    }
  });
  return ids;
}

/** Subscribes candidates until PRODUCTS of them preview as assignable to `probeUserId`. */
async function subscribeProducts(services: Services, caller: Caller, probeUserId: string, units: number): Promise<{ skuIds: string[]; names: string[]; skipped: string[] }> {
  const products = loadProducts();
  const skuIds: string[] = [];
  const names: string[] = [];
  const skipped: string[] = [];
  for (const partNumber of CANDIDATES) {
    if (skuIds.length === PRODUCTS) break;
    const skuId = products.byPartNumber.get(partNumber)?.[0];
    if (!skuId) {
      skipped.push(`${partNumber} (not in the catalog)`);
      continue;
    }
    await services.licensing.subscriptions.add({ caller, requestId: "bench-setup" }, { skuId }, units);
    const preview = await services.licensing.assignments.preview(caller, probeUserId, { addLicenses: [{ skuId }] });
    if (!preview.succeeded) {
      skipped.push(`${partNumber} (${preview.problems.map((p) => p.error).join(", ")})`);
      continue;
    }
    skuIds.push(skuId);
    names.push(partNumber);
  }
  if (skuIds.length < PRODUCTS) throw new Error(`only ${skuIds.length} assignable products found; skipped: ${skipped.join("; ")}`);
  return { skuIds, names, skipped };
}

/** The minimum a direct assignment writes, raw, one transaction per sample. */
function floorSamples(databaseFile: string, userIds: readonly string[], skuIds: readonly string[]): number[] {
  const db = new Sqlite(databaseFile, { timeout: 5000 });
  try {
    db.pragma("journal_mode = WAL");
    db.pragma("foreign_keys = ON");
    const takeSeat = db.prepare("UPDATE subscribed_skus SET consumed_units = consumed_units + 1 WHERE sku_id = ? AND consumed_units < enabled_units");
    const insertRow = db.prepare("INSERT INTO license_assignments (user_id, sku_id, source, disabled_plans, state, error, last_updated_date_time) VALUES (?, ?, 'direct', '[]', 'Active', NULL, ?)");
    const insertAudit = db.prepare(
      "INSERT INTO directory_audits (id, activity_date_time, activity_display_name, category, operation_type, logged_by_service, initiator_id, initiated_by, target_resources, result, result_reason, correlation_id) VALUES (?, ?, 'Change user license', 'UserManagement', 'Assign', 'Core Directory', NULL, '{}', ?, 'success', '', ?)",
    );
    const insertTarget = db.prepare("INSERT INTO directory_audit_targets (audit_seq, target_id) VALUES (?, ?)");
    const assign = db.transaction((userId: string, skuId: string) => {
      if (takeSeat.run(skuId).changes !== 1) throw new Error("no seat left");
      const now = new Date().toISOString();
      insertRow.run(userId, skuId, now);
      const audit = insertAudit.run(randomUUID(), now, JSON.stringify([{ id: userId, type: "User", modifiedProperties: [] }]), randomUUID());
      insertTarget.run(audit.lastInsertRowid, userId);
    });
    const samples: number[] = [];
    userIds.forEach((userId, i) => {
      const started = performance.now();
      assign(userId, skuIds[i % skuIds.length]!);
      samples.push(performance.now() - started);
    });
    return samples;
  } finally {
    db.close();
  }
}

export async function run(options: DirectAssignmentOptions): Promise<DirectAssignmentResult> {
  const needed = 1 + options.warmup + options.samples + 100 + options.httpSamples + options.samples;
  if (needed > options.users) throw new Error(`--users ${options.users} is too few: the samples need ${needed} fresh users`);
  const temp = tempDir("direct");
  const notes: string[] = [];
  try {
    const databaseFile = path.join(temp.dir, "helpgate.sqlite");
    const services = await openServices(loadConfig(appEnv(databaseFile, { DEMO_DATA: "false" })), silentLog);
    let userIds: string[];
    let skuIds: string[];
    let names: string[];
    let token: string;
    const rows: Omit<DirectRow, "p50RatioToFloor" | "p99RatioToFloor">[] = [];
    try {
      console.log(`setup: ${options.users.toLocaleString("en-US")} users, ${PRODUCTS} products ...`);
      userIds = await insertUsers(services, options.users);
      const admin = (await new UserStore(services.db.manager).findByUpn("admin@contoso.com"))!;
      token = await services.tokens.sign({ oid: admin.id, preferredUsername: admin.userPrincipalName }, 3600);
      const caller = (await authenticate(`Bearer ${token}`, services))!;
      const subscribed = await subscribeProducts(services, caller, userIds[0]!, options.users);
      ({ skuIds, names } = subscribed);
      if (subscribed.skipped.length > 0) notes.push(`products skipped: ${subscribed.skipped.join("; ")}`);

      console.log(`service: ${options.warmup} warm-up + ${options.samples} sequential AssignmentService.assign calls ...`);
      let next = 1;
      let failures = 0;
      const assign = async (i: number) => {
        try {
          await services.licensing.assignments.assign({ caller, requestId: `bench-${i}` }, userIds[i]!, { addLicenses: [{ skuId: skuIds[i % PRODUCTS]! }] });
        } catch (error) {
          failures += 1;
          if (failures === 1) notes.push(`service: first failure: ${error instanceof Error ? error.message : String(error)}`);
        }
      };
      for (let i = 0; i < options.warmup; i++) await assign(next++);
      const samples: number[] = [];
      const sql0 = services.db.queryLog.count;
      for (let i = 0; i < options.samples; i++) {
        const index = next++;
        const started = performance.now();
        await assign(index);
        samples.push(performance.now() - started);
      }
      rows.push({ path: "service", description: "AssignmentService.assign, in-process", latency: latencySummary(samples), sqlPerCall: (services.db.queryLog.count - sql0) / options.samples, failures });
      userIds = userIds.slice(next);
    } finally {
      await services.db.close();
    }

    console.log(`http: 100 warm-up + ${options.httpSamples} sequential assignLicense mutations to a helpgate child process ...`);
    const server = await startServer("helpgate", appEnv(databaseFile, { DEMO_DATA: "false" }));
    try {
      let failures = 0;
      const mutate = async (i: number) => {
        try {
          await graphqlRequest(server.url, ASSIGN_MUTATION, token, { userId: userIds[i], skuId: skuIds[i % PRODUCTS] });
        } catch (error) {
          failures += 1;
          if (failures === 1) notes.push(`http: first failure: ${error instanceof Error ? error.message : String(error)}`);
        }
      };
      for (let i = 0; i < 100; i++) await mutate(i);
      const samples: number[] = [];
      const sql0 = (await server.stats()).queryCount;
      for (let i = 100; i < 100 + options.httpSamples; i++) {
        const started = performance.now();
        await mutate(i);
        samples.push(performance.now() - started);
      }
      const sql = ((await server.stats()).queryCount - sql0) / options.httpSamples;
      rows.push({ path: "http", description: "assignLicense over HTTP (child process, 1 in flight)", latency: latencySummary(samples), sqlPerCall: sql, failures });
      userIds = userIds.slice(100 + options.httpSamples);
    } finally {
      await server.stop();
    }

    console.log(`floor: ${options.samples} raw better-sqlite3 transactions ...`);
    const floor = latencySummary(floorSamples(databaseFile, userIds.slice(0, options.samples), skuIds));
    rows.push({ path: "floor", description: "raw better-sqlite3: seat UPDATE + row + audit + target, 1 tx", latency: floor, sqlPerCall: 4, failures: 0 });
    return {
      options,
      products: names,
      rows: rows.map((row) => ({ ...row, p50RatioToFloor: row.latency.p50 / floor.p50, p99RatioToFloor: row.latency.p99 / floor.p99 })),
      notes,
    };
  } finally {
    temp.cleanup();
  }
}

export function report(result: DirectAssignmentResult): string {
  return [
    `Direct assignment: one product per fresh user, ${result.options.users.toLocaleString("en-US")} users, ${result.products.length} products (${result.products.join(", ")}), sequential`,
    table(
      ["path", "samples", "p50 ms", "p90 ms", "p99 ms", "max ms", "p50 × floor", "p99 × floor", "SQL/call", "failures"],
      result.rows.map((row) => [row.description, row.latency.count, row.latency.p50, row.latency.p90, row.latency.p99, row.latency.max, row.p50RatioToFloor, row.p99RatioToFloor, row.sqlPerCall ?? Number.NaN, row.failures]),
    ),
    ...result.notes.map((note) => `note: ${note}`),
  ].join("\n");
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const options: DirectAssignmentOptions = {
    users: Math.round(numberArg(args, "users", "BENCH_DIRECT_USERS", 10_000)),
    samples: Math.round(numberArg(args, "samples", "BENCH_DIRECT_SAMPLES", 3_000)),
    warmup: Math.round(numberArg(args, "warmup", "BENCH_DIRECT_WARMUP", 200)),
    httpSamples: Math.round(numberArg(args, "http-samples", "BENCH_DIRECT_HTTP_SAMPLES", 1_000)),
  };
  const result = await run(options);
  console.log(`\n${report(result)}`);
  console.log(`\nwritten to ${writeResult("direct-assignment", result)}`);
}

if (isMain(module)) runMain(main);
