import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import Sqlite from "better-sqlite3";
import { SignJWT } from "jose";
import pino from "pino";
import { openServices } from "../../src/app";
import { oneAtATime } from "./lock";
import { loadConfig } from "../../src/config";
import { GroupEntity, GroupMemberEntity, UserEntity } from "../../src/directory/entities";

/**
 * The real, built gateway as a child process (`node dist/src/main.js`), for the fault tests:
 * signals, crashes, restarts on the same SQLite file. Everything here is bounded in time, talks
 * to loopback only, and every child it starts is killed by `killAllServers` (call it in
 * afterEach/afterAll) or, at the latest, when the test process exits.
 */

export const ROOT = path.resolve(__dirname, "../..");
const MAIN = path.join(ROOT, "dist/src/main.js");

// ---------------------------------------------------------------------------------------------
// Build

/** The newest modification time under `dir` of files whose name ends with one of `extensions`. */
function newestMtime(dir: string, extensions: readonly string[]): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(full, extensions));
    else if (extensions.some((extension) => entry.name.endsWith(extension))) newest = Math.max(newest, fs.statSync(full).mtimeMs);
  }
  return newest;
}

function buildIsFresh(): boolean {
  if (!fs.existsSync(MAIN)) return false;
  const inputs = Math.max(
    newestMtime(path.join(ROOT, "src"), [".ts", ".json"]),
    ...["tsconfig.json", "tsconfig.build.json", "package-lock.json"].map((file) => fs.statSync(path.join(ROOT, file)).mtimeMs),
  );
  return fs.statSync(MAIN).mtimeMs >= inputs;
}

/**
 * Makes sure `dist/` matches `src/`: runs `npm run build` (tsc, about 10 s) when dist/src/main.js
 * is missing or older than any source file, and does nothing otherwise. Test files running in
 * parallel workers take turns through a lock directory, so only one of them builds.
 */
export async function ensureBuilt(timeoutMs = 180_000): Promise<void> {
  await oneAtATime("build", timeoutMs, () => {
    if (buildIsFresh()) return;
    const build = spawnSync("npm", ["run", "--silent", "build"], { cwd: ROOT, encoding: "utf8", timeout: timeoutMs });
    if (build.status !== 0 || !fs.existsSync(MAIN)) {
      throw new Error(
        `fault tests: \`npm run build\` failed (status ${build.status}${build.error ? `, ${build.error.message}` : ""}); ` +
          `these tests run the built server, dist/src/main.js.\n${build.stdout}\n${build.stderr}`,
      );
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Server processes

export const TOKEN_SECRET = "fault-tests-secret-0123456789-abcdefghijklmnop";

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** When the exit was seen (performance.now()). */
  at: number;
}

const running = new Set<ServerProcess>();

/** One run of `node dist/src/main.js` over a SQLite file. */
export class ServerProcess {
  stdout = "";
  stderr = "";
  /** The GraphQL endpoint, once listening. */
  url = "";
  readonly exited: Promise<Exit>;
  exit: Exit | null = null;

  private constructor(
    readonly child: ChildProcess,
    readonly databaseFile: string,
  ) {
    running.add(this);
    child.stdout!.setEncoding("utf8").on("data", (chunk: string) => (this.stdout += chunk));
    child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (this.stderr += chunk));
    this.exited = new Promise<Exit>((resolve) => {
      // "close", not "exit": by then stdout and stderr have been read to their end.
      child.on("close", (code, signal) => {
        this.exit = { code, signal, at: performance.now() };
        running.delete(this);
        resolve(this.exit);
      });
    });
  }

  /**
   * Starts the gateway on a free loopback port and waits for its "helpgate listening" log line,
   * then until /readyz says its articles are loaded. The environment is built from scratch (no
   * inherited NODE_ENV=test): the server runs as deployed.
   */
  static async start(databaseFile: string, env: Record<string, string> = {}, timeoutMs = 60_000): Promise<ServerProcess> {
    const server = await ServerProcess.startListening(databaseFile, env, timeoutMs);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const ready = await request(`${server.origin}/readyz`, { timeoutMs: 5_000 });
      const checks = ready.outcome.kind === "response" ? (ready.outcome.json as { checks?: { articles?: string } } | null)?.checks : undefined;
      if (checks?.articles === "ok") return server;
      if (server.exit) throw new Error(`the gateway exited while loading its articles (${JSON.stringify(server.exit)}):\n${server.output()}`);
      if (Date.now() > deadline) {
        server.child.kill("SIGKILL");
        throw new Error(`the gateway's articles were not loaded within ${timeoutMs} ms:\n${server.output()}`);
      }
      await sleep(50);
    }
  }

  /** Like start, but returns as soon as the gateway listens (its articles may still be loading). */
  static async startListening(databaseFile: string, env: Record<string, string> = {}, timeoutMs = 60_000): Promise<ServerProcess> {
    const child = spawn(process.execPath, [MAIN], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        NODE_ENV: "production",
        PORT: "0",
        HOST: "127.0.0.1",
        DATABASE_URL: databaseFile,
        TOKEN_SECRET,
        DEMO_DATA: "true",
        LOG_LEVEL: "info",
        ARTICLES_DIR: path.join(ROOT, "articles"),
        ARTICLES_WATCH: "false",
        ...env,
      },
    });
    const server = new ServerProcess(child, databaseFile);
    const deadline = Date.now() + timeoutMs;
    while (!server.url) {
      const line = server.logLines().find((entry) => typeof entry.url === "string" && String(entry.msg).startsWith("helpgate listening"));
      if (line) {
        server.url = String(line.url);
        break;
      }
      if (server.exit) throw new Error(`the gateway exited while starting (${JSON.stringify(server.exit)}):\n${server.output()}`);
      if (Date.now() > deadline) {
        server.child.kill("SIGKILL");
        throw new Error(`the gateway did not log "helpgate listening" within ${timeoutMs} ms:\n${server.output()}`);
      }
      await sleep(25);
    }
    const host = new URL(server.url).hostname;
    if (host !== "127.0.0.1" && host !== "[::1]") throw new Error(`the gateway listens on ${host}, not on loopback`);
    return server;
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** http://127.0.0.1:<port> */
  get origin(): string {
    return new URL(this.url).origin;
  }

  signal(signal: NodeJS.Signals): void {
    if (!this.exit) this.child.kill(signal);
  }

  /** Waits for the exit, at most `timeoutMs`; then kills the process and throws. */
  async waitForExit(timeoutMs: number): Promise<Exit> {
    const exit = await within(this.exited, timeoutMs);
    if (exit) return exit;
    this.child.kill("SIGKILL");
    await this.exited;
    throw new Error(`the gateway did not exit within ${timeoutMs} ms (killed):\n${this.output().slice(-4000)}`);
  }

  /** SIGTERM, and the exit (SIGKILL after `timeoutMs`). */
  async stop(timeoutMs = 20_000): Promise<Exit> {
    this.signal("SIGTERM");
    return this.waitForExit(timeoutMs);
  }

  async kill(): Promise<Exit> {
    this.signal("SIGKILL");
    return this.exited;
  }

  /** stdout's JSON lines, parsed (lines that are not JSON are skipped; see nonJsonLines). */
  logLines(): Record<string, unknown>[] {
    const lines: Record<string, unknown>[] = [];
    for (const line of this.stdout.split("\n")) {
      if (!line.trim()) continue;
      try {
        lines.push(JSON.parse(line));
      } catch {
        // counted by nonJsonLines
      }
    }
    return lines;
  }

  /** Lines of stdout and stderr that are not JSON objects. */
  nonJsonLines(): string[] {
    return `${this.stdout}\n${this.stderr}`.split("\n").filter((line) => {
      if (!line.trim()) return false;
      try {
        const parsed = JSON.parse(line);
        return parsed === null || typeof parsed !== "object";
      } catch {
        return true;
      }
    });
  }

  output(): string {
    return `--- stdout ---\n${this.stdout}\n--- stderr ---\n${this.stderr}`;
  }
}

/** Kills (SIGKILL) every gateway still running and waits for them, at most 5 s. */
export async function killAllServers(): Promise<void> {
  const all = [...running];
  for (const server of all) server.child.kill("SIGKILL");
  await within(Promise.all(all.map((server) => server.exited)), 5000);
}

// Last resort: a test process that goes away leaves no gateway behind.
process.once("exit", () => {
  for (const server of running) server.child.kill("SIGKILL");
});

// ---------------------------------------------------------------------------------------------
// Temporary database files

export function tempDir(): { dir: string; file: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "helpgate-fault-"));
  return { dir, file: path.join(dir, "helpgate.sqlite"), cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Reads the SQLite file the way an operator would, read-only, while or after the gateway runs. */
export function withDatabase<T>(file: string, read: (db: Sqlite.Database) => T): T {
  const db = new Sqlite(file, { readonly: true, fileMustExist: true });
  try {
    db.pragma("busy_timeout = 5000");
    return read(db);
  } finally {
    db.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Tokens and HTTP

export async function signToken(claims: { oid?: string; preferredUsername: string }, expiresInSeconds = 600, secret = TOKEN_SECRET): Promise<string> {
  return new SignJWT({ ...(claims.oid ? { oid: claims.oid } : {}), preferred_username: claims.preferredUsername })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuer("helpgate")
    .setAudience("helpgate")
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + expiresInSeconds)
    .sign(new TextEncoder().encode(secret));
}

/** A token for a user of the database, with both `oid` and `preferred_username`, as Entra issues them. */
export async function tokenFor(file: string, upn: string): Promise<string> {
  const row = withDatabase(file, (db) => db.prepare("SELECT id FROM users WHERE upn_key = ?").get(upn.toLowerCase()) as { id: string } | undefined);
  if (!row) throw new Error(`test setup: no user ${upn}`);
  return signToken({ oid: row.id, preferredUsername: upn });
}

export type Outcome =
  | { kind: "response"; status: number; headers: http.IncomingHttpHeaders; body: string; json: any; complete: boolean; reusedSocket: boolean }
  | { kind: "error"; code: string; message: string; connected: boolean; reusedSocket: boolean }
  | { kind: "timeout"; connected: boolean };

export interface Exchange {
  /** When the request was started (performance.now()). */
  startedAt: number;
  /** When the whole request had been handed to the operating system; null if it never was. */
  sentAt: number | null;
  endedAt: number;
  outcome: Outcome;
}

/**
 * One HTTP request with node:http, so that a connection refused, reset or hung up is told apart
 * from an answer, and an answer is checked to be complete (its full body, valid JSON when it
 * says it is JSON). Never hangs: after `timeoutMs` the request is destroyed and called a timeout.
 */
export function request(
  url: string,
  options: { method?: string; body?: string; headers?: Record<string, string>; agent?: http.Agent | false; timeoutMs?: number } = {},
): Promise<Exchange> {
  const target = new URL(url);
  if (target.hostname !== "127.0.0.1" && target.hostname !== "[::1]" && target.hostname !== "localhost") {
    throw new Error(`fault tests only talk to loopback, not ${target.hostname}`);
  }
  const startedAt = performance.now();
  return new Promise<Exchange>((resolve) => {
    let sentAt: number | null = null;
    let connected = false;
    let settled = false;
    const done = (outcome: Outcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ startedAt, sentAt, endedAt: performance.now(), outcome });
    };
    const req = http.request(
      {
        host: target.hostname,
        port: target.port,
        path: `${target.pathname}${target.search}`,
        method: options.method ?? (options.body === undefined ? "GET" : "POST"),
        headers: { ...(options.body === undefined ? {} : { "content-type": "application/json" }), ...options.headers },
        agent: options.agent ?? false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("error", (error: NodeJS.ErrnoException) =>
          done({ kind: "error", code: error.code ?? error.message, message: error.message, connected, reusedSocket: req.reusedSocket }),
        );
        res.on("end", () => {
          const body = Buffer.concat(chunks).toString("utf8");
          const length = res.headers["content-length"];
          let complete = res.complete && (length === undefined || Buffer.byteLength(body) === Number(length));
          let json: any = undefined;
          if (String(res.headers["content-type"] ?? "").includes("json")) {
            try {
              json = JSON.parse(body);
            } catch {
              complete = false;
            }
          }
          done({ kind: "response", status: res.statusCode ?? 0, headers: res.headers, body, json, complete, reusedSocket: req.reusedSocket });
        });
        res.on("aborted", () =>
          done({ kind: "error", code: "ABORTED", message: "the response was cut off", connected, reusedSocket: req.reusedSocket }),
        );
      },
    );
    req.on("socket", (socket) => {
      if (!socket.connecting) connected = true;
      else socket.once("connect", () => (connected = true));
    });
    req.on("finish", () => (sentAt = performance.now()));
    req.on("error", (error: NodeJS.ErrnoException) =>
      done({ kind: "error", code: error.code ?? error.message, message: error.message, connected, reusedSocket: req.reusedSocket }),
    );
    const timer = setTimeout(() => {
      done({ kind: "timeout", connected });
      req.destroy();
    }, options.timeoutMs ?? 20_000);
    req.end(options.body);
  });
}

/** A GraphQL POST; `data` and `errors` are filled when the answer is complete JSON. */
export async function graphql(
  url: string,
  token: string | null,
  query: string,
  variables: Record<string, unknown> = {},
  options: { agent?: http.Agent | false; requestId?: string; timeoutMs?: number } = {},
): Promise<Exchange & { data: any; errors: any[] | undefined }> {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (options.requestId) headers["x-request-id"] = options.requestId;
  const exchange = await request(url, { body: JSON.stringify({ query, variables }), headers, agent: options.agent, timeoutMs: options.timeoutMs });
  const json = exchange.outcome.kind === "response" ? exchange.outcome.json : undefined;
  return { ...exchange, data: json?.data ?? null, errors: json?.errors };
}

/** Like graphql, but throws unless the answer is complete and free of errors. */
export async function graphqlOk(url: string, token: string, query: string, variables: Record<string, unknown> = {}): Promise<any> {
  const result = await graphql(url, token, query, variables, { timeoutMs: 60_000 });
  if (result.outcome.kind !== "response" || !result.outcome.complete || result.errors?.length) {
    throw new Error(`GraphQL call failed: ${JSON.stringify(result.outcome).slice(0, 2000)}`);
  }
  return result.data;
}

// ---------------------------------------------------------------------------------------------
// Waiting

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** What `promise` gives, or null when it takes longer than `ms` (the timer does not outlive it). */
export async function within<T>(promise: Promise<T>, ms: number): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), ms)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `condition` every `everyMs` until it holds; throws after `timeoutMs` with `what`. */
export async function waitFor<T>(what: string, condition: () => T | Promise<T>, timeoutMs: number, everyMs = 50): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await condition();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

export const uniqueName = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

// ---------------------------------------------------------------------------------------------
// A large group, written straight into the SQLite file while no gateway runs

/** Office 365 E3 (ENTERPRISEPACK), a product of the demo tenant. */
export const E3 = "6fd2c87f-b296-42f0-b197-1e91e994b900";

/**
 * Seeds the demo tenant into `file` (through the project's own services, as the gateway would),
 * lets its own licensing queue finish, then adds one security group of `count` new users (usage
 * location US), all in one transaction through the entities, and leaves exactly `count` free
 * seats of `skuId`: a member charged twice, or processed twice, leaves another without a seat.
 * Nothing is queued: assigning the group a license does that.
 */
export async function seedLargeGroup(file: string, count: number, skuId = E3): Promise<{ groupId: string; memberIds: string[]; enabledUnits: number }> {
  const config = loadConfig({ DATABASE_URL: file, TOKEN_SECRET, DEMO_DATA: "true", LOG_LEVEL: "silent", ARTICLES_WATCH: "false" });
  const services = await openServices(config, pino({ level: "silent" }));
  try {
    await services.licensing.processor.drain();
    return await services.db.transaction(async (tx) => {
      const groupId = randomUUID();
      const batch = randomUUID().slice(0, 8);
      await tx.insert(GroupEntity, {
        id: groupId,
        displayName: `Fault group ${batch}`,
        description: null,
        securityEnabled: true,
        mailEnabled: false,
        mailNickname: null,
        groupTypes: [],
        membershipRule: null,
        membershipRuleProcessingState: null,
        createdDateTime: new Date(),
      });
      const memberIds: string[] = [];
      for (let start = 0; start < count; start += 500) {
        const users = [];
        for (let i = start; i < Math.min(count, start + 500); i++) {
          const upn = `fault${batch}.user${i}@contoso.com`;
          const id = randomUUID();
          memberIds.push(id);
          users.push({
            id,
            userPrincipalName: upn,
            upnKey: upn,
            displayName: `Fault ${batch} user ${i}`,
            mail: null,
            department: "Faults",
            jobTitle: null,
            accountEnabled: true,
            usageLocation: "US",
            createdDateTime: new Date(),
          });
        }
        await tx.insert(UserEntity, users);
        await tx.insert(GroupMemberEntity, users.map((user) => ({ groupId, userId: user.id, displayName: user.displayName })));
      }
      await tx.query("UPDATE subscribed_skus SET enabled_units = consumed_units + ? WHERE sku_id = ?", [count, skuId]);
      const [{ enabled }] = await tx.query("SELECT enabled_units AS enabled FROM subscribed_skus WHERE sku_id = ?", [skuId]);
      return { groupId, memberIds, enabledUnits: Number(enabled) };
    });
  } finally {
    await services.db.close();
  }
}

export const ASSIGN_GROUP_LICENSE = `mutation AssignGroupLicense($g: ID!, $add: [AssignedLicenseInput!]) {
  assignGroupLicense(groupId: $g, addLicenses: $add) { id licenseProcessingState { state } } }`;

// ---------------------------------------------------------------------------------------------
// What the database says about group-based licensing

export const START_ACTIVITY = "Start applying group based license to users";
export const FINISH_ACTIVITY = "Finish applying group based license to users";

export interface GroupLicensingFacts {
  members: number;
  /** Users still queued for this group (their own rows, and members within its ranges); queue rows of both kinds in all. */
  queuedForGroup: number;
  queued: number;
  processing: { state: string; succeeded: number; failed: number } | null;
  /** Members with exactly one row for (group, sku), Active without error. */
  membersActiveOnce: number;
  /** Rows of the group's source that are anything else, or not for a member. */
  strayRows: { user_id: string; sku_id: string; state: string; error: string | null }[];
  /** How many successful "Change user license" entries each member has: { count: members }. */
  licenseChangesPerMember: Record<number, number>;
  /** The group's start and finish entries, oldest first. */
  runs: { seq: number; activity: string; counts: Record<string, string | null> }[];
  /** SKUs whose consumed_units is not the number of distinct users holding them. */
  seatMismatches: { sku_id: string; consumed: number; holders: number; enabled: number }[];
  consumed: number;
}

export function groupLicensingFacts(file: string, groupId: string, skuId = E3): GroupLicensingFacts {
  return withDatabase(file, (db) => {
    const members = new Set((db.prepare("SELECT user_id FROM group_members WHERE group_id = ?").all(groupId) as { user_id: string }[]).map((row) => row.user_id));
    const rows = db.prepare("SELECT user_id, sku_id, state, error FROM license_assignments WHERE source = ?").all(groupId) as GroupLicensingFacts["strayRows"];
    const perUser = new Map<string, number>();
    for (const row of rows) perUser.set(row.user_id, (perUser.get(row.user_id) ?? 0) + 1);
    const good = (row: GroupLicensingFacts["strayRows"][number]) =>
      members.has(row.user_id) && row.sku_id === skuId && row.state === "Active" && (row.error === null || row.error === "None") && perUser.get(row.user_id) === 1;
    const changes = db
      .prepare(
        `SELECT m.user_id AS user_id, COUNT(a.seq) AS n
           FROM group_members m
           LEFT JOIN directory_audit_targets t ON t.target_id = m.user_id
           LEFT JOIN directory_audits a ON a.seq = t.audit_seq AND a.activity_display_name = 'Change user license' AND a.result = 'success'
          WHERE m.group_id = ?
          GROUP BY m.user_id`,
      )
      .all(groupId) as { user_id: string; n: number }[];
    const licenseChangesPerMember: Record<number, number> = {};
    for (const { n } of changes) licenseChangesPerMember[n] = (licenseChangesPerMember[n] ?? 0) + 1;
    const runs = (
      db
        .prepare(
          `SELECT a.seq AS seq, a.activity_display_name AS activity, a.target_resources AS targets
             FROM directory_audits a JOIN directory_audit_targets t ON t.audit_seq = a.seq
            WHERE t.target_id = ? AND a.activity_display_name IN (?, ?) ORDER BY a.seq`,
        )
        .all(groupId, START_ACTIVITY, FINISH_ACTIVITY) as { seq: number; activity: string; targets: string }[]
    ).map((row) => ({
      seq: row.seq,
      activity: row.activity,
      counts: Object.fromEntries(
        (JSON.parse(row.targets)[0]?.modifiedProperties ?? []).map((p: { displayName: string; newValue: string | null }) => [p.displayName, p.newValue]),
      ),
    }));
    const seats = db
      .prepare(
        `SELECT s.sku_id AS sku_id, s.consumed_units AS consumed, s.enabled_units AS enabled,
                (SELECT COUNT(DISTINCT a.user_id) FROM license_assignments a
                  WHERE a.sku_id = s.sku_id AND a.state IN ('Active', 'ActiveWithError')) AS holders
           FROM subscribed_skus s`,
      )
      .all() as GroupLicensingFacts["seatMismatches"];
    const processing = db.prepare("SELECT state, succeeded, failed FROM group_license_processing WHERE group_id = ?").get(groupId) as GroupLicensingFacts["processing"] | undefined;
    return {
      members: members.size,
      queuedForGroup: (
        db
          .prepare(
            `SELECT COUNT(*) AS n FROM (
               SELECT user_id FROM license_work WHERE group_id = ?
               UNION
               SELECT m.user_id FROM license_work_ranges r
                 JOIN group_members m ON m.group_id = r.group_id AND m.user_id BETWEEN r.first_user_id AND r.last_user_id
                WHERE r.group_id = ?)`,
          )
          .get(groupId, groupId) as { n: number }
      ).n,
      queued: (db.prepare("SELECT (SELECT COUNT(*) FROM license_work) + (SELECT COUNT(*) FROM license_work_ranges) AS n").get() as { n: number }).n,
      processing: processing ?? null,
      membersActiveOnce: new Set(rows.filter(good).map((row) => row.user_id)).size,
      strayRows: rows.filter((row) => !good(row)).slice(0, 20),
      licenseChangesPerMember,
      runs,
      seatMismatches: seats.filter((row) => row.consumed !== row.holders),
      consumed: seats.find((row) => row.sku_id === skuId)?.consumed ?? -1,
    };
  });
}

/** How many of the group's members hold their row for the group already (any state). */
export function processedMembers(file: string, groupId: string): number {
  return withDatabase(file, (db) => (db.prepare("SELECT COUNT(*) AS n FROM license_assignments WHERE source = ?").get(groupId) as { n: number }).n);
}

/**
 * What "processed exactly once" means for a group run, read from the database file: every member
 * one Active row and one license change, one start and one finish entry counting them all, and
 * every SKU's consumed units equal to its number of holders (E3 exactly full).
 */
export function expectProcessedExactlyOnce(facts: GroupLicensingFacts, members: number, enabledUnits: number): void {
  expect(facts.members).toBe(members);
  expect(facts.strayRows).toEqual([]);
  expect(facts.membersActiveOnce).toBe(members);
  expect(facts.licenseChangesPerMember).toEqual({ 1: members });
  expect(facts.processing).toEqual({ state: "ProcessingComplete", succeeded: members, failed: 0 });
  expect(facts.runs.map((run) => run.activity)).toEqual([START_ACTIVITY, FINISH_ACTIVITY]);
  expect(facts.runs[1].counts).toEqual({ SucceededCount: String(members), FailedCount: "0" });
  expect(facts.seatMismatches).toEqual([]);
  expect(facts.consumed).toBe(enabledUnits);
}
