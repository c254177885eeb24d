/**
 * A million-user tenant: how long `npm run seed` takes to write it, then how fast helpgate answers
 * every directory list and each of its filters on it, a first page and a deep one.
 *
 * Seeding: `seedLargeTenant` (src/demo/large-tenant) writes --users (1,000,000) users and
 * --groups (5,000) groups with their memberships, licenses and a year of audit entries (at least
 * --audit-entries of them, as `npm run seed --audit-entries`; default only the seed's own), into
 * --database-url (a SQLite file or a postgres:// URL), or into a new database that the bench
 * creates on --postgres-admin-url and drops at the end, or else into a temporary SQLite file.
 * --reuse FILE_OR_URL skips seeding and measures an already seeded database (a SQLite file is
 * copied first, so the original is never changed, unless --in-place; a PostgreSQL database is
 * used as it is).
 *
 * Reads: helpgate in a child process (bench/server.ts: NODE_ENV=production, LOG_LEVEL=silent, no
 * throttling, AUDIT_RETENTION_DAYS=0 so the year of audit entries stays), migrated first in this
 * process (the time is reported: on a database seeded before a migration, the migration builds
 * its indexes over the million rows). Then for each case, with autocannon at --connections (10)
 * for --duration seconds (3) after --warmup seconds (1): the first page of 50 without
 * totalCount, and a deep page: 50 pages of keyset paging first (sequential requests, each
 * page's endCursor to the next), then page 51 with that cursor, measured the same way. A list
 * shorter than 51 pages gets its last page as the deep one (the table says which page). Then
 * totalCount (an exact count, made only when asked) on users, with and without a filter.
 * The server's RSS is read after every case (peak: VmHWM). Baseline, first and last: `me { id
 * displayName }` (the token's user read by id) through the same server, token check and
 * autocannon, so the load the shared host was under at the time shows beside the lists.
 *
 * Licensing (after the lists; with --only, when it names `licensing`), with --processes gateway
 * processes (PostgreSQL; SQLite has one): Power BI Pro bought for 250,000 users and given to the
 * 200,000-member group, then the plan rules edited (the default rules less their one example
 * conflict), which requeues every user any group licenses, then Power BI Pro taken back from the
 * group (its mutation's time shows what it reads to find members whose own licenses depend on
 * it). Each run is followed as a portal
 * follows it, by the groups' licenseProcessingState every second, until every group is
 * ProcessingComplete (--licensing-timeout seconds at most, 1800): users, users/s, the progress
 * seen, and each process's RSS (sampled, and VmHWM reset at the run's start). Target: complete,
 * RSS < 400 MiB per process. The runs change the tenant: a reused SQLite file is measured on a
 * copy, a reused PostgreSQL database as it is.
 *
 * --replica-urls: the servers read from these PostgreSQL streaming replicas of the tenant's
 * database (DATABASE_REPLICA_URLS; README "Read replicas"), writes going to the primary.
 *
 * Writes bench/results/million.json (or million-<engine>.json with --name) and prints a table.
 *
 *   node dist/bench-build/bench/million.js [--users 1000000] [--groups 5000] [--audit-entries N] [--database-url URL]
 *     [--postgres-admin-url postgres://user:pass@host:5432/postgres] [--reuse FILE_OR_URL [--in-place]]
 *     [--duration 3] [--warmup 1] [--connections 10] [--deep-pages 50] [--only users,groups,licensing,...] [--name million]
 *     [--processes 1] [--licensing-timeout 1800] [--replica-urls postgres://…replica1,postgres://…replica2]
 */
import "reflect-metadata";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Sqlite from "better-sqlite3";
import { Client } from "pg";
import { parseDatabaseUrl } from "../src/config";
import { Database } from "../src/db/database";
import { seedLargeTenant, type SeedReport } from "../src/demo/large-tenant/seed-cli";
import { Tokens } from "../src/auth/tokens";
import { appEnv, type ChildServer, graphqlRequest, isMain, mib, numberArg, parseArgs, repositoryRoot, runMain, silentLog, startServer, table, tempDir, withoutPassword, writeResult } from "./common";
import { load } from "./http-read";

const PAGE = 50;
/** ENTERPRISEPACK (Office 365 E3), which the seeded tenant gives a fifth of its users through a group. */
const E3 = "6fd2c87f-b296-42f0-b197-1e91e994b900";
const TARGET_P99_MS = 20;

export interface MillionOptions {
  users: number;
  groups: number;
  /** The seeded audit log's size at least (0: the seed's own entries). */
  auditEntries: number;
  databaseUrl: string | null;
  postgresAdminUrl: string | null;
  reuse: string | null;
  /** With a reused SQLite file: measure it where it is (it gets migrated) instead of a copy. */
  inPlace: boolean;
  durationSeconds: number;
  warmupSeconds: number;
  connections: number;
  deepPages: number;
  only: string[] | null;
  name: string;
  /** Gateway processes for the licensing runs (PostgreSQL only; SQLite has one). */
  processes: number;
  licensingTimeoutSeconds: number;
  /** PostgreSQL streaming replicas the servers read from (DATABASE_REPLICA_URLS), comma-separated. */
  replicaUrls: string | null;
}

export interface CaseResult {
  list: string;
  filter: string;
  page: string;
  /** The page number measured (1 for a first page; deepPages + 1 for a deep one, or the last page if the list is shorter). */
  pageNumber: number;
  items: number;
  /** Sequential time of the 50 pages of paging before a deep page (ms). */
  pagingMs: number | null;
  requests: number;
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  non2xx: number;
  errors: number;
  met: boolean;
  /** CPU time per request over the measured run (µs); see CpuPerRequest. */
  cpuPerRequestUs: CpuPerRequest;
}

/**
 * Where a case's CPU went, per request: the gateway process (all its threads), PostgreSQL's
 * processes on this machine (null for SQLite, or when the server is not local), and this bench
 * process, which runs autocannon. They share the host's cores, so their sum bounds the requests
 * a second the host can answer; and the gateway's own share bounds what its one event loop can:
 * at `connections` requests in flight, Little's law puts the mean wait at no less than
 * connections × that share once its thread is the busy one.
 */
export interface CpuPerRequest {
  server: number | null;
  postgres: number | null;
  loadGenerator: number;
}

export interface MillionResult {
  options: MillionOptions;
  engine: "SQLite" | "PostgreSQL";
  tenant: { users: number; groups: number; seeded: boolean; note: string };
  seed: (SeedReport & { rowsPerSecond: number }) | null;
  migrateSeconds: number;
  cases: CaseResult[];
  /** Licensing at a million (not with --only unless it names licensing). */
  licensing: LicensingRun[];
  rss: { afterStartMiB: number; lastMiB: number; peakMiB: number | null };
  /** With --replica-urls: statements the replicas answered, and those the primary answered for them (from /metrics). */
  replicaQueries: { replica: number; fallback: number } | null;
  missed: string[];
  notes: string[];
}

interface Lookups {
  adminId: string;
  adminUpn: string;
  bigGroup: { id: string; members: number };
  smallGroup: { id: string; members: number };
  mediumGroup: { id: string; members: number };
  e5Group: { id: string; errors: number };
  user: string;
  window: { since: string; until: string };
}

/** One list of the directory: a query taking $after and returning the connection at `path`. */
interface ListCase {
  list: string;
  filter: string;
  query: string;
  variables: Record<string, unknown>;
  path: string[];
  /** Whether the case pages (memberOf does not). */
  pages: boolean;
}

const USER_NODE = "id displayName userPrincipalName department usageLocation accountEnabled";
const GROUP_NODE = "id displayName securityEnabled membershipRule";
/** A group's members are users and groups (groups hold groups): the user's fields as for users, a group's as for groups. */
const MEMBER_NODE = `__typename id displayName ... on User { ${USER_NODE} } ... on Group { ${GROUP_NODE} }`;
const AUDIT_NODE = "id activityDateTime activityDisplayName category result";
const PAGE_INFO = "pageInfo { hasNextPage endCursor }";

function cases(l: Lookups): ListCase[] {
  const connection = (node: string) => `edges { node { ${node} } } ${PAGE_INFO}`;
  const users = (label: string, literal: string): ListCase => ({
    list: "users",
    filter: label,
    query: `query($after: String) { list: users(first: ${PAGE}, after: $after${literal ? `, filter: { ${literal} }` : ""}) { ${connection(USER_NODE)} } }`,
    variables: {},
    path: ["list"],
    pages: true,
  });
  const groups = (label: string, literal: string): ListCase => ({
    list: "groups",
    filter: label,
    query: `query($after: String) { list: groups(first: ${PAGE}, after: $after${literal ? `, filter: { ${literal} }` : ""}) { ${connection(GROUP_NODE)} } }`,
    variables: {},
    path: ["list"],
    pages: true,
  });
  const audits = (label: string, filter: string, variables: Record<string, unknown> = {}, declared = ""): ListCase => ({
    list: "directoryAudits",
    filter: label,
    query: `query($after: String${declared}) { list: directoryAudits(first: ${PAGE}, after: $after${filter ? `, filter: { ${filter} }` : ""}) { ${connection(AUDIT_NODE)} } }`,
    variables,
    path: ["list"],
    pages: true,
  });
  const members = (label: string, field: string, id: string): ListCase => ({
    list: field,
    filter: label,
    query: `query($after: String, $id: ID!) { group(id: $id) { list: ${field}(first: ${PAGE}, after: $after) { ${connection(field === "membersWithLicenseErrors" ? USER_NODE : MEMBER_NODE)} } } }`,
    variables: { id },
    path: ["group", "list"],
    pages: true,
  });
  return [
    {
      list: "baseline",
      filter: "me { id displayName } (one user by id)",
      query: `query { me { id displayName } }`,
      variables: {},
      path: ["me"],
      pages: false,
    },
    users("none", ""),
    users('startsWith "zoe s" (displayName)', 'startsWith: "zoe s"'),
    // What a search box sends after its first keystrokes: many matches, names and UPNs.
    users('startsWith "a" (one letter)', 'startsWith: "a"'),
    users('startsWith "zoe" (a first name)', 'startsWith: "zoe"'),
    users('startsWith "ada.abe" (userPrincipalName)', 'startsWith: "ada.abe"'),
    users('department "Sales"', 'department: "Sales"'),
    users('usageLocation "DE"', 'usageLocation: "DE"'),
    users("hasUsageLocation false", "hasUsageLocation: false"),
    users("accountEnabled false", "accountEnabled: false"),
    users("skuId E3 (a fifth of the users hold it)", `skuId: "${E3}"`),
    users("hasLicenseErrors true", "hasLicenseErrors: true"),
    {
      list: "licensedUsers",
      filter: "E3 (a fifth of the users hold it)",
      query: `query($after: String) { subscribedSku(skuId: "${E3}") { list: licensedUsers(first: ${PAGE}, after: $after) { ${connection(`user { ${USER_NODE} } assignedDirectly error`)} } } }`,
      variables: {},
      path: ["subscribedSku", "list"],
      pages: true,
    },
    groups("none", ""),
    groups('startsWith "sales"', 'startsWith: "sales"'),
    groups("dynamicMembership true", "dynamicMembership: true"),
    groups("hasMembersWithLicenseErrors true", "hasMembersWithLicenseErrors: true"),
    members(`group of ${l.bigGroup.members.toLocaleString("en-US")}`, "members", l.bigGroup.id),
    members(`group of ${l.mediumGroup.members.toLocaleString("en-US")}`, "members", l.mediumGroup.id),
    members(`group of ${l.smallGroup.members.toLocaleString("en-US")}`, "members", l.smallGroup.id),
    members(`E5 group (${l.e5Group.errors.toLocaleString("en-US")} in error)`, "membersWithLicenseErrors", l.e5Group.id),
    members(`group of ${l.bigGroup.members.toLocaleString("en-US")}`, "transitiveMembers", l.bigGroup.id),
    {
      list: "memberOf",
      filter: "a member of the largest group",
      query: `query($id: ID!) { user(id: $id) { memberOf { id displayName } } }`,
      variables: { id: l.user },
      path: ["user"],
      pages: false,
    },
    audits("none", ""),
    audits("category UserManagement", "category: UserManagement"),
    audits('activityDisplayName "Update user"', 'activityDisplayName: "Update user"'),
    audits("targetId (a user)", "targetId: $target", { target: l.user }, ", $target: ID!"),
    audits("initiatedById (the administrator)", "initiatedById: $admin", { admin: l.adminId }, ", $admin: ID!"),
    audits("result failure", "result: failure"),
    audits("since/until (one day)", `since: "${l.window.since}", until: "${l.window.until}"`),
  ];
}

const COUNT_CASES = [
  { list: "users", filter: "none, totalCount (1 connection)", query: `query { list: users(first: ${PAGE}) { totalCount edges { node { ${USER_NODE} } } } }` },
  { list: "users", filter: 'department "Sales", totalCount (1 connection)', query: `query { list: users(first: ${PAGE}, filter: { department: "Sales" }) { totalCount edges { node { ${USER_NODE} } } } }` },
];

function dig(data: any, keys: string[]): any {
  return keys.reduce((value, key) => value?.[key], data);
}

async function ask(server: ChildServer, token: string, query: string, variables: Record<string, unknown>): Promise<any> {
  return (JSON.parse(await graphqlRequest(server.url, query, token, variables)) as { data: unknown }).data;
}

/** A size from a process's /proc status (VmHWM: peak RSS; VmRSS: RSS now), MiB; null where /proc is not there. */
function statusMiB(pid: number, field: "VmHWM" | "VmRSS"): number | null {
  try {
    const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** Linux's clock ticks a second for /proc's CPU times (USER_HZ, 100 on every architecture Node runs on). */
const TICKS_PER_SECOND = 100;

/** CPU time a process has used, all threads (user and system), in µs; null where /proc is not there. */
function processCpuUs(pid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    // The fields after the command name, which may hold spaces: utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1_000_000) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

const isLoopback = (host: string) => host === "localhost" || host === "::1" || host === "[::1]" || host.startsWith("127.");

/** The processes of the PostgreSQL servers on this machine (the postmaster, its backends and helpers, a local replica's too). */
function postgresPids(): number[] {
  let entries: string[];
  try {
    entries = fs.readdirSync("/proc").filter((name) => /^\d+$/.test(name));
  } catch {
    return [];
  }
  return entries
    .filter((name) => {
      try {
        return fs.readFileSync(`/proc/${name}/cmdline`, "utf8").startsWith("postgres");
      } catch {
        return false;
      }
    })
    .map(Number);
}

/**
 * Starts counting CPU for one measured run: the server's, PostgreSQL's (when `postgres`), this
 * process's. PostgreSQL's is summed over the processes alive at the end: each one's CPU since the
 * start, or all of it for one started within the run. A process that ended within the run (a
 * parallel worker of one statement, a backend closed) is not counted, so PostgreSQL's figure
 * is low for statements that run in parallel (a count over a million rows).
 */
function cpuMeter(serverPid: number, postgres: boolean): (requests: number) => CpuPerRequest {
  const before = new Map(postgres ? postgresPids().map((pid) => [pid, processCpuUs(pid) ?? 0]) : []);
  const server = processCpuUs(serverPid);
  const own = process.cpuUsage();
  return (requests) => {
    const serverAfter = processCpuUs(serverPid);
    const spent = process.cpuUsage(own);
    let pg = 0;
    if (postgres) {
      for (const pid of postgresPids()) {
        const now = processCpuUs(pid);
        if (now !== null) pg += now - (before.get(pid) ?? 0);
      }
    }
    const per = (us: number) => Math.round(us / Math.max(requests, 1));
    return {
      server: server === null || serverAfter === null ? null : per(serverAfter - server),
      postgres: postgres ? per(pg) : null,
      loadGenerator: per(spent.user + spent.system),
    };
  };
}

const peakRss = (pid: number) => statusMiB(pid, "VmHWM");
const currentRss = (pid: number) => statusMiB(pid, "VmRSS");

/** A small SQL door into the measured database, for what the bench must know before it has a token. */
async function sqlDoor(url: string): Promise<{ all(sql: string, params?: unknown[]): Promise<any[]>; close(): Promise<void> }> {
  const database = parseDatabaseUrl(url);
  if (database.kind === "sqlite") {
    const handle = new Sqlite(database.file, { readonly: true });
    return { all: async (sql, params = []) => handle.prepare(sql).all(...params), close: async () => void handle.close() };
  }
  const client = new Client({ connectionString: database.url });
  await client.connect();
  return {
    all: async (sql, params = []) => {
      let n = 0;
      return (await client.query(sql.replace(/\?/g, () => `$${++n}`), params)).rows;
    },
    close: () => client.end(),
  };
}

async function lookups(server: ChildServer, url: string, token: (id: string, upn: string) => Promise<string>): Promise<{ lookups: Lookups; token: string }> {
  const sql = await sqlDoor(url);
  let adminId: string;
  let adminUpn: string;
  let latest: string;
  try {
    const [admin] = await sql.all("SELECT id, user_principal_name AS upn FROM users WHERE upn_key = ?", ["admin@contoso.com"]);
    if (!admin) throw new Error("the tenant has no admin@contoso.com: was it written by npm run seed?");
    adminId = String(admin.id);
    adminUpn = String(admin.upn);
    const [last] = await sql.all("SELECT activity_date_time AS at FROM directory_audits ORDER BY seq DESC LIMIT 1");
    latest = last ? new Date(last.at).toISOString() : new Date().toISOString();
  } finally {
    await sql.close();
  }
  const bearer = await token(adminId, adminUpn);
  // Groups: the seed's 200,000-member group is "<department> team 5" (at a million users), its
  // E5 group is named so; a small group is looked for among the many teams.
  const groups: { id: string; displayName: string }[] = [];
  for (let after: string | null = null; ; ) {
    const data = await ask(server, bearer, `query($after: String) { groups(first: 100, after: $after) { edges { node { id displayName } } ${PAGE_INFO} } }`, { after });
    groups.push(...data.groups.edges.map((edge: any) => edge.node));
    if (!data.groups.pageInfo.hasNextPage) break;
    after = data.groups.pageInfo.endCursor;
  }
  const count = async (id: string, field = "members") =>
    (await ask(server, bearer, `query($id: ID!) { group(id: $id) { list: ${field}(first: 1) { totalCount edges { node { id } } } } }`, { id })).group.list;
  const big = groups.find((group) => / team 5$/.test(group.displayName));
  const e5 = groups.find((group) => group.displayName.includes("E5"));
  if (!big || !e5) throw new Error("the tenant has no '… team 5' group or no E5 licensing group: was it written by npm run seed?");
  const bigList = await count(big.id);
  // Among 200 teams: the first of 5 to 100 members, and the largest (a page of it is read from
  // its memberships, not along the name index, so its deep page shows what that costs).
  let small: { id: string; members: number } | null = null;
  let medium: { id: string; members: number } = { id: "", members: 0 };
  for (const group of groups.filter((g) => / team \d{3,}$/.test(g.displayName)).slice(0, 200)) {
    const members = (await count(group.id)).totalCount as number;
    if (!small && members >= 5 && members <= 100) small = { id: group.id, members };
    if (members > medium.members) medium = { id: group.id, members };
  }
  if (!small) throw new Error("no group of 5 to 100 members among the first 200 teams");
  const errors = (await count(e5.id, "membersWithLicenseErrors")).totalCount as number;
  const until = new Date(new Date(latest).getTime() - 180 * 24 * 3600_000);
  until.setUTCHours(0, 0, 0, 0);
  const since = new Date(until.getTime() - 24 * 3600_000);
  return {
    token: bearer,
    lookups: {
      adminId,
      adminUpn,
      bigGroup: { id: big.id, members: bigList.totalCount },
      smallGroup: small,
      mediumGroup: medium,
      e5Group: { id: e5.id, errors },
      user: bigList.edges[0].node.id,
      window: { since: since.toISOString(), until: until.toISOString() },
    },
  };
}

async function measure(server: ChildServer, token: string, c: ListCase, options: MillionOptions, postgres: boolean): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  const headers = { authorization: `Bearer ${token}` };
  const run = async (page: string, pageNumber: number, variables: Record<string, unknown>, items: number, pagingMs: number | null) => {
    const body = JSON.stringify({ query: c.query, variables });
    if (options.warmupSeconds > 0) await load(server.url, body, headers, options.connections, options.warmupSeconds);
    const meter = cpuMeter(server.pid, postgres);
    const figures = await load(server.url, body, headers, options.connections, options.durationSeconds);
    const cpuPerRequestUs = meter(figures.requests);
    const row: CaseResult = {
      list: c.list,
      filter: c.filter,
      page,
      pageNumber,
      items,
      pagingMs,
      requests: figures.requests,
      reqPerSec: figures.reqPerSec,
      p50Ms: figures.p50Ms,
      p99Ms: figures.p99Ms,
      maxMs: figures.maxMs,
      non2xx: figures.non2xx,
      errors: figures.errors + figures.timeouts,
      met: figures.p99Ms < TARGET_P99_MS && figures.non2xx === 0 && figures.errors + figures.timeouts === 0,
      cpuPerRequestUs,
    };
    results.push(row);
    console.log(
      `${c.list.padEnd(24)} ${c.filter.padEnd(40)} ${page.padEnd(5)} p${String(pageNumber).padEnd(3)} ${String(items).padStart(3)} items  ` +
        `p50 ${row.p50Ms.toFixed(2)} ms  p99 ${row.p99Ms.toFixed(2)} ms  ${Math.round(row.reqPerSec)} req/s  CPU/req ${describeCpu(cpuPerRequestUs)}` +
        `${row.non2xx || row.errors ? `  ${row.non2xx} non-2xx, ${row.errors} errors` : ""}`,
    );
  };
  const first = dig(await ask(server, token, c.query, { ...c.variables, after: null }), c.path);
  if (!c.pages) {
    await run("first", 1, { ...c.variables, after: null }, first.memberOf?.length ?? 1, null);
    return results;
  }
  await run("first", 1, { ...c.variables, after: null }, first.edges.length, null);
  // Keyset paging to the deep page, one request after the other as a client does.
  let cursor: string | null = null;
  let page = first;
  let pageNumber = 1;
  const started = performance.now();
  while (pageNumber <= options.deepPages && page.pageInfo.hasNextPage) {
    cursor = page.pageInfo.endCursor;
    page = dig(await ask(server, token, c.query, { ...c.variables, after: cursor }), c.path);
    pageNumber += 1;
  }
  const pagingMs = performance.now() - started;
  if (pageNumber === 1) return results;
  await run("deep", pageNumber, { ...c.variables, after: cursor }, page.edges.length, pagingMs);
  return results;
}

/**
 * The lowest mean latency a case's CPU allows at `connections` requests in flight (Little's law:
 * mean = in flight / requests a second): the host's cores shared by the server, PostgreSQL and the
 * load generator, or the server's event loop, one thread, whichever is tighter (only the server's
 * main thread is that one thread, and its CPU here counts all its threads, so the second is a
 * little high). A run whose mean (connections / req/s) is at this floor was bound by CPU, not by
 * waiting on anything; its p99 is that mean plus whatever stretched the slowest requests. With one
 * connection, the server's and PostgreSQL's CPU in turn. `-` without the server's CPU.
 */
export function meanFloorMs(r: CaseResult, connections: number): number | string {
  const { server, postgres, loadGenerator } = r.cpuPerRequestUs;
  if (server === null) return "-";
  // One request at a time passes through the server and PostgreSQL in turn.
  if (r.filter.includes("(1 connection)")) return Number(((server + (postgres ?? 0)) / 1000).toFixed(1));
  const sharedUs = (server + (postgres ?? 0) + loadGenerator) / os.availableParallelism();
  return Number(((connections * Math.max(sharedUs, server)) / 1000).toFixed(1));
}

/** "server 850 + PostgreSQL 346 + load 94 µs". */
function describeCpu(cpu: CpuPerRequest): string {
  const part = (name: string, us: number | null) => (us === null ? [] : [`${name} ${us}`]);
  return `${[...part("server", cpu.server), ...part("PostgreSQL", cpu.postgres), ...part("load", cpu.loadGenerator)].join(" + ")} µs`;
}

/** One licensing run at a million: from the mutation to every group it queued ProcessingComplete. */
export interface LicensingRun {
  name: string;
  what: string;
  processes: number;
  /** Users the run queued, summed over its groups (queuedCount once complete). */
  users: number;
  succeeded: number;
  failed: number;
  /** From the mutation's answer to the last group's ProcessingComplete. */
  mutationMs: number;
  seconds: number;
  usersPerSecond: number;
  /** The processed and queued counts summed over the groups, as a portal polling them saw them. */
  progress: { atSeconds: number; processed: number; queued: number; rssMiB: number[] }[];
  /** Per gateway process: the highest RSS sampled during the run, and VmHWM since the run began. */
  rssPeakMiB: number[];
  vmHwmMiB: (number | null)[];
  completed: boolean;
}

const PROCESSING = "licenseProcessingState { state queuedCount processedCount succeededCount failedCount }";
/** The target for licensing at a million: RSS per gateway process below this. */
const LICENSING_RSS_LIMIT_MIB = 400;

/** Resets a process's VmHWM to its current RSS (Linux: clear_refs 5), so the peak is this run's own. */
function resetPeakRss(pid: number): void {
  try {
    fs.writeFileSync(`/proc/${pid}/clear_refs`, "5");
  } catch {
    // Not Linux, or not allowed: the sampled peak still holds.
  }
}

/** The groups that give any license, from the products' licensedGroups. */
async function licensedGroupIds(server: ChildServer, token: string): Promise<Map<string, string>> {
  const data = await ask(server, token, `{ subscribedSkus { skuPartNumber licensedGroups(first: 100) { edges { node { group { id displayName } } } } } }`, {});
  const groups = new Map<string, string>();
  for (const sku of data.subscribedSkus) for (const edge of sku.licensedGroups.edges) groups.set(edge.node.group.id, edge.node.group.displayName);
  return groups;
}

/**
 * Starts a licensing change (`start`, a mutation) and follows `groupIds` as a portal does, by their
 * licenseProcessingState every second, until every one is ProcessingComplete; samples each
 * gateway process's RSS meanwhile.
 */
async function followLicensing(
  servers: ChildServer[],
  token: string,
  name: string,
  what: string,
  groupIds: () => Promise<string[]>,
  start: () => Promise<void>,
  timeoutSeconds: number,
): Promise<LicensingRun> {
  const [server] = servers as [ChildServer];
  for (const s of servers) resetPeakRss(s.pid);
  const rssPeak = servers.map((s) => currentRss(s.pid) ?? 0);
  const began = performance.now();
  await start();
  const mutationMs = performance.now() - began;
  const ids = await groupIds();
  const query = `query { ${ids.map((id, i) => `g${i}: group(id: "${id}") { ${PROCESSING} }`).join(" ")} }`;
  const progress: LicensingRun["progress"] = [];
  let states: any[] = [];
  let lastPrinted = 0;
  for (;;) {
    const data = await ask(server, token, query, {});
    states = ids.map((_, i) => data[`g${i}`].licenseProcessingState);
    const seconds = (performance.now() - began) / 1000;
    const rss = servers.map((s, i) => {
      const now = currentRss(s.pid) ?? 0;
      rssPeak[i] = Math.max(rssPeak[i]!, now);
      return Math.round(now);
    });
    const processed = states.reduce((sum, state) => sum + (state?.processedCount ?? 0), 0);
    const queued = states.reduce((sum, state) => sum + (state?.queuedCount ?? 0), 0);
    progress.push({ atSeconds: Math.round(seconds * 10) / 10, processed, queued, rssMiB: rss });
    const done = states.every((state) => state?.state === "ProcessingComplete");
    if (done || seconds - lastPrinted >= 10) {
      lastPrinted = seconds;
      console.log(`  ${name}: ${processed.toLocaleString("en-US")} of ${queued.toLocaleString("en-US")} users after ${seconds.toFixed(0)} s (${Math.round(processed / Math.max(seconds, 0.001)).toLocaleString("en-US")}/s); RSS ${rss.join(" + ")} MiB`);
    }
    if (done || seconds > timeoutSeconds) break;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  const seconds = (performance.now() - began) / 1000;
  const last = progress[progress.length - 1]!;
  return {
    name,
    what,
    processes: servers.length,
    users: last.queued,
    succeeded: states.reduce((sum, state) => sum + (state?.succeededCount ?? 0), 0),
    failed: states.reduce((sum, state) => sum + (state?.failedCount ?? 0), 0),
    mutationMs,
    seconds,
    usersPerSecond: last.processed / seconds,
    progress,
    rssPeakMiB: rssPeak.map((value) => Math.round(value)),
    vmHwmMiB: servers.map((s) => peakRss(s.pid)),
    completed: states.every((state) => state?.state === "ProcessingComplete"),
  };
}

/**
 * Licensing at a million, through the API: (1) Power BI Pro bought for 250,000 and given to the
 * 200,000-member group (a new license for every member: assignment rows and audit entries);
 * (2) a tenant-wide change: the plan rules edited (the default rules less their one example
 * conflict), which requeues every user licensed by any group; (3) Power BI Pro taken back from
 * the group (every member's seat released).
 */
async function measureLicensing(servers: ChildServer[], token: string, bigGroup: { id: string; members: number }, timeoutSeconds: number): Promise<LicensingRun[]> {
  const [server] = servers as [ChildServer];
  const bigGroupId = bigGroup.id;
  const runs: LicensingRun[] = [];
  // On a tenant measured before (a reused PostgreSQL database), the product is there already, and
  // the group may give it: it is taken back first (not measured), so the run licenses everyone anew.
  const owned = (await ask(server, token, `{ subscribedSkus { skuId skuPartNumber } }`, {})).subscribedSkus.find((sku: any) => sku.skuPartNumber === "POWER_BI_PRO");
  const skuId = (owned?.skuId ?? (await ask(server, token, `mutation { addSubscription(skuPartNumber: "POWER_BI_PRO", enabledUnits: 250000) { skuId } }`, {})).addSubscription.skuId) as string;
  const given = (await ask(server, token, `query($id: ID!) { group(id: $id) { assignedLicenses { skuId } } }`, { id: bigGroupId })).group.assignedLicenses;
  if (given.some((license: any) => license.skuId === skuId)) {
    console.log("  taking Power BI Pro back from the group first (a tenant measured before) ...");
    await followLicensing(servers, token, "undo", "", async () => [bigGroupId], async () => {
      await ask(server, token, `mutation($id: ID!, $sku: ID!) { assignGroupLicense(groupId: $id, removeLicenses: [$sku]) { id } }`, { id: bigGroupId, sku: skuId });
    }, timeoutSeconds);
  }
  runs.push(
    await followLicensing(
      servers,
      token,
      "group",
      `assignGroupLicense: Power BI Pro to the ${bigGroup.members.toLocaleString("en-US")}-member group`,
      async () => [bigGroupId],
      async () => {
        await ask(server, token, `mutation($id: ID!, $sku: ID!) { assignGroupLicense(groupId: $id, addLicenses: [{ skuId: $sku }]) { id } }`, { id: bigGroupId, sku: skuId });
      },
      timeoutSeconds,
    ),
  );
  const rules = JSON.parse(fs.readFileSync(path.join(repositoryRoot(), "src/licensing/catalog/plan-rules.json"), "utf8")) as { mutuallyExclusive: unknown[] };
  runs.push(
    await followLicensing(
      servers,
      token,
      "tenant",
      "setPlanRules: the default rules less their one conflict (every group-licensed user requeued)",
      async () => [...(await licensedGroupIds(server, token)).keys()],
      async () => {
        await ask(server, token, `mutation($rules: PlanRulesInput!) { setPlanRules(rules: $rules) { mutuallyExclusive { note } } }`, { rules: { ...rules, mutuallyExclusive: [] } });
      },
      timeoutSeconds,
    ),
  );
  // (3) Power BI Pro taken back from the group: the mutation looks for members whose own
  // licenses depend on it (none here) before the run releases every seat.
  runs.push(
    await followLicensing(
      servers,
      token,
      "remove",
      `assignGroupLicense: Power BI Pro taken back from the ${bigGroup.members.toLocaleString("en-US")}-member group`,
      async () => [bigGroupId],
      async () => {
        await ask(server, token, `mutation($id: ID!, $sku: ID!) { assignGroupLicense(groupId: $id, removeLicenses: [$sku]) { id } }`, { id: bigGroupId, sku: skuId });
      },
      timeoutSeconds,
    ),
  );
  return runs;
}

/** helpgate_database_replica_queries from the server's /metrics, summed over its replicas. */
async function replicaStatements(server: ChildServer): Promise<{ replica: number; fallback: number }> {
  const text = await (await fetch(new URL("/metrics", server.url))).text();
  const sum = (answered: string) =>
    text
      .split("\n")
      .filter((line) => line.startsWith("helpgate_database_replica_queries{") && line.includes(`answered="${answered}"`))
      .reduce((total, line) => total + Number(line.split(" ").pop()), 0);
  return { replica: sum("replica"), fallback: sum("fallback") };
}

function adminUrlFor(adminUrl: string, database: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

async function adminQuery(adminUrl: string, sql: string): Promise<void> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export async function run(options: MillionOptions): Promise<MillionResult> {
  const temp = tempDir("million");
  const notes: string[] = [];
  let server: ChildServer | null = null;
  const others: ChildServer[] = [];
  let createdDatabase: string | null = null;
  try {
    // Where the tenant lives.
    let url: string;
    let seeded = false;
    if (options.reuse) {
      if (/^postgres(ql)?:\/\//i.test(options.reuse)) url = options.reuse;
      else if (options.inPlace) url = options.reuse;
      else {
        url = path.join(temp.dir, "tenant.sqlite");
        console.log(`copying ${options.reuse} (the original is left as it is) ...`);
        fs.copyFileSync(options.reuse, url);
      }
    } else if (options.postgresAdminUrl) {
      createdDatabase = `helpgate_million_${process.pid}_${Date.now().toString(36)}`;
      await adminQuery(options.postgresAdminUrl, `CREATE DATABASE ${createdDatabase}`);
      url = adminUrlFor(options.postgresAdminUrl, createdDatabase);
      seeded = true;
    } else {
      url = options.databaseUrl ?? path.join(temp.dir, "tenant.sqlite");
      seeded = true;
    }
    const engine = /^postgres(ql)?:\/\//i.test(url) ? "PostgreSQL" : "SQLite";

    let seed: MillionResult["seed"] = null;
    if (seeded) {
      console.log(`seeding ${options.users.toLocaleString("en-US")} users and ${options.groups.toLocaleString("en-US")} groups (${engine}) ...`);
      let lastLogged = 0;
      const report = await seedLargeTenant({ users: options.users, groups: options.groups, auditEntries: options.auditEntries, databaseUrl: url }, (line, final) => {
        if (final || Date.now() - lastLogged > 10_000) {
          lastLogged = Date.now();
          console.log(`  ${line}`);
        }
      });
      seed = { ...report, rowsPerSecond: report.rows / Math.max(report.seconds, 0.001) };
      console.log(`seeded ${report.rows.toLocaleString("en-US")} rows in ${report.seconds.toFixed(1)} s (${Math.round(seed.rowsPerSecond).toLocaleString("en-US")} rows/s)`);
    }

    // Migrations (on a tenant seeded before the newest ones, they build indexes over it), timed
    // here rather than inside the server's start-up time limit.
    const migrateStarted = performance.now();
    const db = await Database.open(parseDatabaseUrl(url), silentLog);
    await db.close();
    const migrateSeconds = (performance.now() - migrateStarted) / 1000;
    console.log(`migrations: ${migrateSeconds.toFixed(1)} s`);

    if (options.replicaUrls && engine !== "PostgreSQL") throw new Error("--replica-urls needs a PostgreSQL tenant");
    const env = appEnv(url, { AUDIT_RETENTION_DAYS: "0", ...(options.replicaUrls ? { DATABASE_REPLICA_URLS: options.replicaUrls } : {}) });
    server = await startServer("helpgate", env);
    const afterStart = (await server.stats()).rss;
    const tokens = new Tokens(env.TOKEN_SECRET!);
    const { lookups: found, token } = await lookups(server, url, (oid, upn) => tokens.sign({ oid, preferredUsername: upn }, 3600));
    const [{ users: userCount, groups: groupCount }] = [
      {
        users: (await ask(server, token, `{ users(first: 1) { totalCount } }`, {})).users.totalCount as number,
        groups: (await ask(server, token, `{ groups(first: 1) { totalCount } }`, {})).groups.totalCount as number,
      },
    ];
    console.log(`${engine}: ${userCount.toLocaleString("en-US")} users, ${groupCount.toLocaleString("en-US")} groups; largest group ${found.bigGroup.members.toLocaleString("en-US")}, small group ${found.smallGroup.members}`);

    const results: CaseResult[] = [];
    const missed: string[] = [];
    let lastRss = afterStart;
    // PostgreSQL's CPU is counted when its servers run on this machine (the primary and any replica).
    const postgresHere = engine === "PostgreSQL" && [url, ...(options.replicaUrls?.split(",") ?? [])].every((each) => isLoopback(new URL(each.trim()).hostname));
    for (const c of cases(found)) {
      if (options.only && c.list !== "baseline" && !options.only.includes(c.list)) continue;
      results.push(...(await measure(server, token, c, options, postgresHere)));
      lastRss = (await server.stats()).rss;
    }
    if (!options.only || options.only.includes("totalCount")) {
      for (const c of COUNT_CASES) {
        const data = await ask(server, token, c.query, {});
        const body = JSON.stringify({ query: c.query });
        const headers = { authorization: `Bearer ${token}` };
        // One connection: a count over a million rows takes longer than a short run at 10
        // connections lets any request finish; what it costs is one request's time.
        const meter = cpuMeter(server.pid, postgresHere);
        const figures = await load(server.url, body, headers, 1, Math.max(options.durationSeconds, 5));
        const cpuPerRequestUs = meter(figures.requests);
        results.push({
          list: c.list,
          filter: c.filter,
          page: "first",
          pageNumber: 1,
          items: data.list.totalCount,
          pagingMs: null,
          requests: figures.requests,
          reqPerSec: figures.reqPerSec,
          p50Ms: figures.p50Ms,
          p99Ms: figures.p99Ms,
          maxMs: figures.maxMs,
          non2xx: figures.non2xx,
          errors: figures.errors + figures.timeouts,
          met: figures.p99Ms < TARGET_P99_MS && figures.non2xx === 0 && figures.errors + figures.timeouts === 0,
          cpuPerRequestUs,
        });
        console.log(`${c.list.padEnd(24)} ${c.filter.padEnd(40)} 1 connection, totalCount ${data.list.totalCount}  p50 ${figures.p50Ms.toFixed(1)} ms  p99 ${figures.p99Ms.toFixed(1)} ms`);
        lastRss = (await server.stats()).rss;
      }
    }
    let licensing: LicensingRun[] = [];
    if (!options.only || options.only.includes("licensing")) {
      const processes = engine === "SQLite" ? 1 : options.processes;
      if (processes !== options.processes) notes.push("licensing: SQLite serves one process; measured with one");
      while (others.length < processes - 1) others.push(await startServer("helpgate", env));
      console.log(`licensing with ${processes} gateway process(es) ...`);
      licensing = await measureLicensing([server, ...others], token, found.bigGroup, options.licensingTimeoutSeconds);
      for (const run of licensing) {
        if (!run.completed) missed.push(`licensing ${run.name}: not complete after ${options.licensingTimeoutSeconds} s`);
        const over = run.rssPeakMiB.filter((value) => value >= LICENSING_RSS_LIMIT_MIB);
        if (over.length > 0) missed.push(`licensing ${run.name}: RSS ${over.join(", ")} MiB (limit ${LICENSING_RSS_LIMIT_MIB} per process)`);
      }
    }
    // The floor again: the host's load moves during a run.
    const floor = cases(found)[0]!;
    results.push(...(await measure(server, token, { ...floor, filter: `${floor.filter}, again at the end` }, options, postgresHere)));
    const peak = peakRss(server.pid);
    const replicaQueries = options.replicaUrls ? await replicaStatements(server) : null;
    missed.unshift(...results.filter((r) => !r.met && r.list !== "baseline").map((r) => `${r.list} ${r.filter} ${r.page}: p99 ${r.p99Ms.toFixed(1)} ms`));
    notes.push("autocannon runs in the bench process, on the same two cores as the server; the host is shared, so figures are pessimistic");
    return {
      options,
      engine,
      tenant: { users: userCount, groups: groupCount, seeded, note: options.reuse ? "an already seeded database (--reuse)" : "seeded by this run" },
      seed,
      migrateSeconds,
      cases: results,
      licensing,
      replicaQueries,
      rss: { afterStartMiB: mib(afterStart), lastMiB: mib(lastRss), peakMiB: peak },
      missed,
      notes,
    };
  } finally {
    for (const other of others) await other.stop().catch(() => undefined);
    await server?.stop().catch(() => undefined);
    temp.cleanup();
    if (createdDatabase && options.postgresAdminUrl) {
      await adminQuery(options.postgresAdminUrl, `DROP DATABASE IF EXISTS ${createdDatabase} WITH (FORCE)`).catch((error: unknown) => console.error(`could not drop ${createdDatabase}: ${String(error)}`));
    }
  }
}

export function report(result: MillionResult): string {
  const seed = result.seed
    ? `seed: ${result.seed.rows.toLocaleString("en-US")} rows in ${result.seed.seconds.toFixed(1)} s (${Math.round(result.seed.rowsPerSecond).toLocaleString("en-US")} rows/s)`
    : "seed: not measured (--reuse)";
  return [
    `${result.engine}${result.options.replicaUrls ? " (reads from a streaming replica)" : ""}, ${result.tenant.users.toLocaleString("en-US")} users, ${result.tenant.groups.toLocaleString("en-US")} groups (${result.tenant.note}); ${seed}; migrations ${result.migrateSeconds.toFixed(1)} s`,
    `${result.options.connections} connections, ${result.options.durationSeconds} s per case after ${result.options.warmupSeconds} s warm-up; pages of ${PAGE}; deep page after ${result.options.deepPages} pages of keyset paging`,
    table(
      ["list", "filter", "page", "#", "items", "p50 ms", "p99 ms", "req/s", "p99 < 20 ms", "CPU µs/req: server", "PostgreSQL", "load", "mean floor ms"],
      result.cases.map((r) => {
        const cpu = r.cpuPerRequestUs;
        return [r.list, r.filter, r.page, String(r.pageNumber), r.items.toLocaleString("en-US"), r.p50Ms, r.p99Ms, r.reqPerSec, r.met ? "met" : "MISSED", cpu.server ?? "-", cpu.postgres ?? "-", cpu.loadGenerator, meanFloorMs(r, result.options.connections)];
      }),
    ),
    "CPU µs/req: each process's CPU time (all its threads) over the run, per request; mean floor: the mean latency that CPU allows, connections × (server + PostgreSQL + load) / cores, or connections × server where the server alone fills a core sooner (its event loop is one thread); at one connection, server + PostgreSQL",
    ...result.licensing.map(
      (run) =>
        `licensing ${run.name} (${run.what}), ${run.processes} process(es): ${run.users.toLocaleString("en-US")} users (${run.succeeded.toLocaleString("en-US")} succeeded, ${run.failed.toLocaleString("en-US")} failed) in ${run.seconds.toFixed(1)} s = ${Math.round(run.usersPerSecond).toLocaleString("en-US")} users/s${run.completed ? "" : " (NOT COMPLETE)"}; mutation ${run.mutationMs.toFixed(0)} ms; RSS peak ${run.rssPeakMiB.join(" + ")} MiB (VmHWM ${run.vmHwmMiB.map((v) => (v === null ? "-" : v.toFixed(0))).join(" + ")})`,
    ),
    ...(result.replicaQueries ? [`statements answered by the replica: ${result.replicaQueries.replica.toLocaleString("en-US")}; by the primary for it: ${result.replicaQueries.fallback.toLocaleString("en-US")}`] : []),
    `server RSS: ${result.rss.afterStartMiB.toFixed(0)} MiB after start, ${result.rss.lastMiB.toFixed(0)} MiB at the end, peak ${result.rss.peakMiB === null ? "-" : result.rss.peakMiB.toFixed(0)} MiB`,
    result.missed.length === 0 ? "every target measured was met (lists p99 < 20 ms; licensing complete, RSS < 400 MiB per process)" : `missed (${result.missed.length}):\n${result.missed.map((line) => `  ${line}`).join("\n")}`,
    ...result.notes.map((note) => `note: ${note}`),
  ].join("\n");
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const options: MillionOptions = {
    users: numberArg(args, "users", "BENCH_MILLION_USERS", 1_000_000),
    groups: numberArg(args, "groups", "BENCH_MILLION_GROUPS", 5000),
    auditEntries: numberArg(args, "audit-entries", "BENCH_MILLION_AUDIT_ENTRIES", 0),
    databaseUrl: args.get("database-url") ?? null,
    postgresAdminUrl: args.get("postgres-admin-url") ?? null,
    reuse: args.get("reuse") ?? null,
    inPlace: args.has("in-place"),
    durationSeconds: numberArg(args, "duration", "BENCH_DURATION", 3),
    warmupSeconds: args.get("warmup") === "0" ? 0 : numberArg(args, "warmup", "BENCH_WARMUP", 1),
    connections: numberArg(args, "connections", "BENCH_CONNECTIONS", 10),
    deepPages: numberArg(args, "deep-pages", "BENCH_DEEP_PAGES", 50),
    only: args.get("only")?.split(",").map((name) => name.trim()) ?? null,
    name: args.get("name") ?? "million",
    processes: numberArg(args, "processes", "BENCH_PROCESSES", 1),
    licensingTimeoutSeconds: numberArg(args, "licensing-timeout", "BENCH_LICENSING_TIMEOUT", 1800),
    replicaUrls: args.get("replica-urls") ?? null,
  };
  if (options.reuse && !/^postgres(ql)?:\/\//i.test(options.reuse) && !fs.existsSync(options.reuse)) throw new Error(`--reuse ${options.reuse}: no such file`);
  const result = await run(options);
  console.log(`\n${report(result)}`);
  // The result file names no local paths or passwords: a file by its name, a URL without its password.
  const shown = (value: string | null) => {
    if (value === null) return null;
    return /^postgres(ql)?:\/\//i.test(value) ? withoutPassword(value) : path.basename(value);
  };
  const recorded = {
    ...options,
    databaseUrl: shown(options.databaseUrl),
    postgresAdminUrl: shown(options.postgresAdminUrl),
    reuse: shown(options.reuse),
    replicaUrls: options.replicaUrls?.split(",").map(shown).join(",") ?? null,
  };
  console.log(`\nwritten to ${writeResult(options.name, { ...result, options: recorded })}`);
}

if (isMain(module)) runMain(main);
