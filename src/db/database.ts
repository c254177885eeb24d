import path from "node:path";
import { DataSource, type DataSourceOptions, type EntityManager } from "typeorm";
import type { Logger } from "pino";
import { DEFAULT_SQLITE_CACHE_MIB, type Database as DatabaseConfig } from "../config";
import { AUDIT_ENTITIES } from "../audit/entities";
import { DIRECTORY_ENTITIES } from "../directory/entities";
import { LICENSING_ENTITIES } from "../licensing/entities";
import { MIGRATIONS } from "./migrations";
import { Checkpointer } from "./checkpointer";
import { runUnnamed } from "./postgres-direct";
import { QueryLog } from "./query-log";
import { ReplicaSet } from "./replicas";
import { serviceUnavailable } from "../errors";
import { createPrivateFile, makeFilePrivate, makePrivateFolder } from "../common/private-files";

const ENTITIES = [...DIRECTORY_ENTITIES, ...AUDIT_ENTITIES, ...LICENSING_ENTITIES];

/**
 * The one handle the stores use. Reads go to `reader`, which only ever sees committed data;
 * writes go through `transaction`, one transaction per mutation.
 *
 * SQLite has a single writer connection and TypeORM does not queue transactions on it, so they
 * are serialised here; readers use a second, read-only connection (WAL lets it read while a write
 * is open without seeing uncommitted rows). PostgreSQL's pool gives both for free.
 */
export class Database {
  private tail: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly kind: DatabaseConfig["kind"],
    readonly writer: DataSource,
    readonly reader: DataSource,
    readonly queryLog: QueryLog,
    private readonly checkpointer: Checkpointer | null = null,
    /** PostgreSQL read replicas (DATABASE_REPLICA_URLS) for the reads of GraphQL queries; null without them. */
    readonly replicas: ReplicaSet | null = null,
  ) {}

  static async open(config: DatabaseConfig, log: Logger): Promise<Database> {
    const queryLog = new QueryLog(log);
    if (config.kind === "postgres") {
      const source = new DataSource({ ...common(queryLog), type: "postgres", url: config.url });
      if (config.preparedStatements === false) runUnnamed(source);
      await source.initialize();
      // Several processes may start at once on a new database: one migrates, the others wait.
      const session = source.createQueryRunner();
      try {
        await session.query("SELECT pg_advisory_lock($1)", [SETUP_LOCK]);
        try {
          await source.runMigrations({ transaction: "each" });
        } finally {
          await session.query("SELECT pg_advisory_unlock($1)", [SETUP_LOCK]);
        }
      } catch (error) {
        await session.release().catch(() => undefined);
        await source.destroy();
        throw error;
      }
      await session.release();
      // Checked from the first time the app starts them (after seeding); until then they take no reads.
      const replicas = config.replicas ? new ReplicaSet(source, config.replicas, common(queryLog), log) : null;
      return new Database("postgres", source, source, queryLog, null, replicas);
    }
    const inMemory = config.file === ":memory:";
    if (!inMemory) makeSqliteFilesPrivate(config.file);
    // Each connection's page cache, in KiB. better-sqlite3 builds SQLite with 16 MiB, which each
    // connection fills as the database is read and written (the soak's process grew by tens of
    // MB over ten minutes that way); the operating system caches the file's pages besides.
    const cacheSize = `cache_size = -${(config.cacheMib ?? DEFAULT_SQLITE_CACHE_MIB) * 1024}`;
    const writer = new DataSource({
      ...common(queryLog),
      type: "better-sqlite3",
      database: config.file,
      enableWAL: !inMemory,
      timeout: config.busyTimeoutMs ?? 5000,
      prepareDatabase: (connection: { pragma(source: string): unknown }) => {
        // Checkpoints run on a thread of their own (checkpointer.ts). The writer checkpoints
        // only should the log pass 16,000 pages (64 MiB; SQLite's default is 1,000 pages, which
        // in group licensing meant nearly every batch's commit), and the log is cut back to that
        // size afterwards.
        connection.pragma("wal_autocheckpoint = 16000");
        connection.pragma(`journal_size_limit = ${64 * 1024 * 1024}`);
        connection.pragma(cacheSize);
      },
    });
    await initialise(writer);
    // An in-memory database exists on one connection only, so there it reads from the writer.
    const reader = inMemory
      ? writer
      : await new DataSource({
          ...common(queryLog),
          type: "better-sqlite3",
          database: config.file,
          readonly: true,
          prepareDatabase: (connection: { pragma(source: string): unknown }) => {
            connection.pragma(cacheSize);
          },
        }).initialize();
    return new Database("sqlite", writer, reader, queryLog, inMemory ? null : Checkpointer.start(config.file));
  }

  /**
   * Runs `work` in one transaction: all of it is written, or none of it. A transaction that
   * failed because the database was busy or the connection dropped was rolled back whole, so it
   * is run again, a few times with growing pauses; then the caller hears it may retry later.
   */
  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    const run = () => withRetries(() => this.writer.transaction(work), this.kind);
    if (this.kind !== "sqlite") return run();
    const result = this.tail.then(run, run);
    this.tail = result.catch(() => undefined);
    return result;
  }

  /**
   * A transaction that no other process runs at the same time (first-start seeding): on
   * PostgreSQL it waits for a transaction-level advisory lock; SQLite's writer is exclusive anyway.
   */
  setupTransaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.transaction(async (tx) => {
      if (this.kind === "postgres") await tx.query("SELECT pg_advisory_xact_lock($1)", [SETUP_LOCK]);
      return work(tx);
    });
  }

  /** Where reads go: a read replica's manager for a GraphQL query's reads when one can take them (replicas.ts), else the reader. */
  get manager(): EntityManager {
    return this.replicas?.managerForRead() ?? this.reader.manager;
  }

  async close(): Promise<void> {
    await this.tail.catch(() => undefined);
    await this.checkpointer?.stop();
    await this.replicas?.close();
    if (this.reader !== this.writer && this.reader.isInitialized) await this.reader.destroy();
    if (this.writer.isInitialized) await this.writer.destroy();
  }
}

/** The advisory lock key that migrations and seeding take on PostgreSQL (any fixed number; this one spells "helpgate"). */
const SETUP_LOCK = 0x68656c70;

const RETRY_PAUSES_MS = [50, 200, 800];
// SQLite: busy or locked. PostgreSQL: connection lost or refused, server shutting down,
// serialization failure, deadlock.
const TRANSIENT = new Set(["SQLITE_BUSY", "SQLITE_BUSY_SNAPSHOT", "SQLITE_LOCKED", "ECONNRESET", "ECONNREFUSED", "EPIPE", "57P01", "57P02", "57P03", "08000", "08003", "08006", "40001", "40P01"]);

// PostgreSQL's unique_violation. Its transactions run side by side (READ COMMITTED), so two that
// check "no such row yet" and then insert it can both pass the check (SQLite runs them one after
// the other); the loser fails on the unique key. Run again, it sees the winner's row and answers
// as it would have on SQLite. Still failing after the retries, it is a real error and reported so.
const LOST_RACE = "23505";

function errorCode(error: unknown): string {
  const candidate = error as { code?: unknown; driverError?: { code?: unknown } };
  return String(candidate?.driverError?.code ?? candidate?.code ?? "");
}

async function withRetries<T>(attempt: () => Promise<T>, kind: DatabaseConfig["kind"]): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await attempt();
    } catch (error) {
      const code = errorCode(error);
      const lostRace = kind === "postgres" && code === LOST_RACE;
      if (!TRANSIENT.has(code) && !lostRace) throw error;
      if (i >= RETRY_PAUSES_MS.length) {
        if (lostRace) throw error;
        throw serviceUnavailable("The database is busy or unreachable right now; nothing was changed. Retry the request shortly.");
      }
      await new Promise((resolve) => setTimeout(resolve, RETRY_PAUSES_MS[i]));
    }
  }
}

function common(queryLog: QueryLog): Pick<DataSourceOptions, "entities" | "migrations" | "logger" | "maxQueryExecutionTime"> {
  return { entities: ENTITIES, migrations: MIGRATIONS, logger: queryLog, maxQueryExecutionTime: 500 };
}

async function initialise(source: DataSource): Promise<void> {
  await source.initialize();
  await source.runMigrations({ transaction: "each" });
}

/**
 * The database and its -wal and -shm files are 0600: SQLite gives the -wal and -shm files the
 * mode of the database file, so the database file is created (or tightened) first.
 */
function makeSqliteFilesPrivate(file: string): void {
  makePrivateFolder(path.dirname(file));
  createPrivateFile(file);
  for (const suffix of ["-wal", "-shm", "-journal"]) makeFilePrivate(file + suffix);
}
