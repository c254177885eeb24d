import "reflect-metadata";
import pino from "pino";
import type BetterSqlite3 from "better-sqlite3";
import { ConfigError, describeDatabase, parseDatabaseUrl } from "../../config";
import { Database } from "../../db/database";
import { SubscriptionStore } from "../../licensing/stores/subscription.store";
import { seedIfEmpty } from "../demo-tenant";
import { PostgresBulkWriter, SqliteBulkWriter, type BulkWriter } from "./bulk";
import { LargeTenantPlan, type TableRows } from "./plan";

const USAGE = `usage: npm run seed -- [--users N] [--groups N] [--audit-entries N] [--database-url URL]

Writes a large tenant into an empty database: N users (default 100,000; up to 5,000,000) spread
over departments and countries, groups from 5 to 200,000 members (default 5,000 groups), a few
dynamic groups, four subscriptions, direct and group-based licenses with some errors, and a year
of audit entries: about one and a half per user, or with --audit-entries (up to 100,000,000) at
least that many, the year's other administration (user and group updates, group members added,
licenses assigned, some failing) spread over it. The database is DATABASE_URL's (or
--database-url: a SQLite file path or a postgres:// URL); it must hold no users yet.`;

export interface SeedArguments {
  users: number;
  groups: number;
  /** The audit log's size at least (0: only the entries every tenant gets). */
  auditEntries?: number;
  databaseUrl: string | undefined;
}

/** Reads the command line; throws a message that says what to fix. */
export function parseSeedArguments(argv: readonly string[], env: NodeJS.ProcessEnv): SeedArguments {
  const parsed: SeedArguments = { users: 100_000, groups: 5000, auditEntries: 0, databaseUrl: env.DATABASE_URL };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = argv[i + 1];
    if (flag === "--help" || flag === "-h") throw new UsageError(USAGE, 0);
    if (value === undefined) throw new UsageError(`${flag} needs a value.\n\n${USAGE}`);
    if (flag === "--users") parsed.users = count(flag, value, 100, 5_000_000);
    else if (flag === "--groups") parsed.groups = count(flag, value, 5, 100_000);
    else if (flag === "--audit-entries") parsed.auditEntries = count(flag, value, 0, 100_000_000);
    else if (flag === "--database-url") parsed.databaseUrl = value;
    else throw new UsageError(`unknown option '${flag}'.\n\n${USAGE}`);
    i++;
  }
  if (parsed.groups > parsed.users) throw new UsageError(`--groups ${parsed.groups} is more than --users ${parsed.users}; a tenant has fewer groups than users.`);
  return parsed;
}

function count(flag: string, raw: string, min: number, max: number): number {
  const value = Number(raw.replace(/[_,]/g, ""));
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new UsageError(`${flag} '${raw}' is not a count; give a whole number from ${min.toLocaleString("en-US")} to ${max.toLocaleString("en-US")}.`);
  }
  return value;
}

export class UsageError extends Error {
  constructor(message: string, readonly exitCode = 2) {
    super(message);
  }
}

export interface SeedReport {
  rows: number;
  seconds: number;
  tables: { table: string; rows: number; seconds: number }[];
  admin: string;
}

/** Seeds the tenant; `say` gets progress lines (a terminal gets them redrawn in place). */
export async function seedLargeTenant(args: SeedArguments, say: (line: string, final: boolean) => void, now = new Date()): Promise<SeedReport> {
  const database = parseDatabaseUrl(args.databaseUrl);
  const db = await Database.open(database, pino({ level: "silent" }));
  let writer: BulkWriter | null = null;
  try {
    const [{ n }] = await db.manager.query("SELECT COUNT(*) AS n FROM users");
    if (Number(n) > 0) {
      throw new UsageError(
        `${describeDatabase(database)} holds ${Number(n)} users already; the seed writes a whole tenant into an empty database. ` +
          `Give another --database-url (a new SQLite file, or an empty PostgreSQL database).`,
      );
    }
    const plan = new LargeTenantPlan({ users: args.users, groups: args.groups, auditEntries: args.auditEntries, now });
    // The organization and its Global Administrator, as a new installation has them.
    const admin = await db.setupTransaction(async (tx) => {
      await seedIfEmpty(tx, { demoData: false });
      const subscriptions = new SubscriptionStore(tx);
      for (const subscription of plan.subscriptions()) await subscriptions.insert(subscription);
      const [row] = await tx.query("SELECT id, user_principal_name, display_name FROM users");
      return { id: String(row.id), userPrincipalName: String(row.user_principal_name), displayName: String(row.display_name) };
    });
    const [{ seq }] = await db.manager.query("SELECT COALESCE(MAX(seq), 0) AS seq FROM directory_audits");
    writer =
      database.kind === "postgres"
        ? await PostgresBulkWriter.connect(database.url)
        : new SqliteBulkWriter((db.writer.driver as unknown as { databaseConnection: BetterSqlite3.Database }).databaseConnection);
    const tables = [...plan.tables(), ...plan.auditTables(Number(seq) + 1, admin)];
    const started = Date.now();
    const report: SeedReport = { rows: 0, seconds: 0, tables: [], admin: admin.userPrincipalName };
    for (const table of tables) {
      const tableStarted = Date.now();
      await writer.write(table, (written) => say(progressLine(table, written, tableStarted), false));
      const seconds = (Date.now() - tableStarted) / 1000;
      say(progressLine(table, table.count, tableStarted), true);
      report.tables.push({ table: table.table, rows: table.count, seconds });
      report.rows += table.count;
    }
    if (writer instanceof PostgresBulkWriter) await writer.advanceSequence("directory_audits", "seq");
    say("analyzing the tables for the query planner", true);
    await writer.close();
    writer = null;
    report.seconds = (Date.now() - started) / 1000;
    return report;
  } finally {
    if (writer) await writer.close().catch(() => undefined);
    await db.close();
  }
}

function progressLine(table: TableRows, written: number, started: number): string {
  const seconds = Math.max(0.001, (Date.now() - started) / 1000);
  const share = table.count === 0 ? 1 : written / table.count;
  const bar = "#".repeat(Math.round(share * 20)).padEnd(20, ".");
  return `${table.table.padEnd(26)} [${bar}] ${written.toLocaleString("en-US").padStart(11)} of ${table.count.toLocaleString("en-US")}  ${Math.round(written / seconds).toLocaleString("en-US")} rows/s`;
}

async function main(): Promise<void> {
  const args = parseSeedArguments(process.argv.slice(2), process.env);
  const tty = process.stderr.isTTY;
  let lastLogged = 0;
  const report = await seedLargeTenant(args, (line, final) => {
    if (tty) process.stderr.write(`\r${line}${final ? "\n" : ""}`);
    else if (final || Date.now() - lastLogged > 5000) {
      lastLogged = Date.now();
      process.stderr.write(`${line}\n`);
    }
  });
  const rate = Math.round(report.rows / Math.max(report.seconds, 0.001)).toLocaleString("en-US");
  process.stdout.write(
    `seeded ${report.rows.toLocaleString("en-US")} rows in ${report.seconds.toFixed(1)} s (${rate} rows/s); ` +
      `sign in as ${report.admin} (npm run token -- ${report.admin})\n`,
  );
}

if (require.main === module) {
  main().catch((error: unknown) => {
    if (error instanceof UsageError || error instanceof ConfigError) {
      process.stderr.write(`seed: ${error.message}\n`);
      process.exit(error instanceof UsageError ? error.exitCode : 2);
    }
    process.stderr.write(`seed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
