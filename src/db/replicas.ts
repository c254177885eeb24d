import { DataSource, type DataSourceOptions, type EntityManager, type QueryRunner } from "typeorm";
import type { Logger } from "pino";
import type { ReplicaConfig } from "../config";
import type { Notifications } from "./notifications";
import { currentReadScope } from "./read-scope";

/** Where the gateways on one database tell each other whose reads stay on the primary. */
const WRITERS_CHANNEL = "helpgate_replica_writers";

/** How often the primary's WAL position and each replica's replay position are read. */
export const REPLICA_CHECK_MS = 250;

export type ReplicaState = "connecting" | "ok" | "behind" | "down";

/** What /readyz and /metrics say of a replica. */
export interface ReplicaStatus {
  /** host:port/database, never the password. */
  name: string;
  state: ReplicaState;
  /** How far behind the primary it was at the last check (null until it was first reached). */
  lagMs: number | null;
  /** Why it is down, when it is. */
  error: string | null;
  /** Statements it has answered since start. */
  queries: number;
  /** Statements sent to it that the primary answered instead (it failed or went away meanwhile). */
  fallbacks: number;
}

interface Sample {
  at: number;
  lsn: bigint;
}

/**
 * PostgreSQL streaming replicas that take the reads of GraphQL queries (see read-scope.ts), with
 * the primary as the fallback for everything they cannot answer.
 *
 * Lag: every REPLICA_CHECK_MS the primary's WAL insert position is noted with the time, and each
 * replica's replay position read. A replica has "caught up to" time t when it has replayed what
 * the primary had written at t; its lag is now − t. A replica whose lag passes `maxLagMs`, that
 * cannot be reached, that fails a statement or that is no longer in recovery takes no reads
 * until a later check finds it well again: its reads go to the primary meanwhile, and nothing a
 * caller sent fails.
 *
 * Read-your-writes: after a caller's mutation, that caller's reads go to the primary for
 * `stickyMs` (longer than `maxLagMs`, so any replica still taking reads by then has replayed the
 * write). Every process on the database hears of the write (NOTIFY, see shareWrites), so the
 * caller's next request reads from the primary wherever a load balancer sends it; that message
 * travels while the mutation's answer does, so only a load balancer that keeps a caller on one
 * process makes it certain.
 */
export class ReplicaSet {
  private readonly replicas: Replica[];
  private readonly samples: Sample[] = [];
  private readonly recentWriters = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private checking: Promise<void> | null = null;
  private closed = false;
  private next = 0;
  private notifications: Notifications | null = null;
  private segmentBytes = 16n * 1024n * 1024n;
  private stopListening: (() => void) | null = null;

  constructor(
    private readonly primary: DataSource,
    private readonly config: ReplicaConfig,
    private readonly baseOptions: Partial<DataSourceOptions>,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.replicas = config.urls.map((url) => new Replica(url));
  }

  /** Checks at once (a reachable replica takes reads from the first query), then every REPLICA_CHECK_MS. */
  async start(): Promise<void> {
    try {
      const [row] = (await this.primary.query("SELECT setting FROM pg_settings WHERE name = 'wal_segment_size'")) as { setting: string }[];
      this.segmentBytes = BigInt(row.setting);
    } catch {
      // PostgreSQL's default, 16 MB, stays.
    }
    await this.check();
    this.schedule();
  }

  /**
   * The manager for a read made now: a replica's when the read belongs to a GraphQL query, the
   * caller has not written within `stickyMs`, and a replica is well and within `maxLagMs`;
   * otherwise null (the primary).
   */
  managerForRead(): EntityManager | null {
    const scope = currentReadScope();
    if (!scope || scope.writing) return null;
    const now = this.now();
    const wrote = this.recentWriters.get(scope.callerKey);
    if (wrote !== undefined) {
      if (now - wrote < this.config.stickyMs) return null;
      this.recentWriters.delete(scope.callerKey);
    }
    for (let i = 0; i < this.replicas.length; i++) {
      const replica = this.replicas[(this.next + i) % this.replicas.length];
      if (replica.usable(now, this.config.maxLagMs)) {
        this.next = (this.next + i + 1) % this.replicas.length;
        return replica.source!.manager;
      }
    }
    return null;
  }

  /** Tells the other processes on the database of each caller's write, and hears of theirs. */
  shareWrites(notifications: Notifications): void {
    this.notifications = notifications;
    this.stopListening = notifications.listen(WRITERS_CHANNEL, (callerKey) => this.remember(callerKey));
  }

  /** A caller's mutation has committed: their reads stay on the primary for `stickyMs`, in every process. */
  async wrote(callerKey: string): Promise<void> {
    this.remember(callerKey);
    // A lost message costs the other processes' read-your-writes for this write, never the write.
    await this.notifications?.notify(WRITERS_CHANNEL, callerKey).catch((error: unknown) => this.log.warn({ err: error }, "could not tell the other processes of a write"));
  }

  private remember(callerKey: string): void {
    const now = this.now();
    this.recentWriters.delete(callerKey);
    this.recentWriters.set(callerKey, now);
    // Oldest first (a Map keeps insertion order): drop the windows that have ended.
    for (const [key, at] of this.recentWriters) {
      if (now - at < this.config.stickyMs) break;
      this.recentWriters.delete(key);
    }
  }

  status(): ReplicaStatus[] {
    const now = this.now();
    return this.replicas.map((replica) => ({
      name: replica.name,
      state: replica.stateAt(now, this.config.maxLagMs),
      lagMs: replica.caughtUpTo === null ? null : Math.max(0, now - replica.caughtUpTo),
      error: replica.error,
      queries: replica.queries,
      fallbacks: replica.fallbacks,
    }));
  }

  /** Runs a check now (tests, and /readyz when asked to be exact); checks never overlap. */
  check(): Promise<void> {
    this.checking ??= this.checkAll().finally(() => (this.checking = null));
    return this.checking;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.stopListening?.();
    if (this.timer) clearTimeout(this.timer);
    await this.checking?.catch(() => undefined);
    await Promise.all(this.replicas.map((replica) => replica.close()));
  }

  private schedule(): void {
    if (this.closed) return;
    this.timer = setTimeout(() => {
      this.check().finally(() => this.schedule());
    }, REPLICA_CHECK_MS);
    this.timer.unref();
  }

  private async checkAll(): Promise<void> {
    const at = this.now();
    try {
      // The insert position: every commit that has returned is before it (with
      // synchronous_commit=off too, where the write position can trail a commit for a while).
      const [row] = (await this.primary.query("SELECT pg_current_wal_insert_lsn()::text AS lsn")) as { lsn: string }[];
      this.samples.push({ at, lsn: pageStart(parseLsn(row.lsn), this.segmentBytes) });
    } catch (error) {
      // Without the primary's position no lag can be told; the replicas' last verdicts age out.
      this.log.warn({ err: error }, "replica check: the primary's WAL position could not be read");
    }
    // Samples older than the lag bound (and a margin) can no longer make a replica usable.
    const horizon = at - this.config.maxLagMs - 4 * REPLICA_CHECK_MS;
    while (this.samples.length > 1 && this.samples[0].at < horizon) this.samples.shift();
    await Promise.all(this.replicas.map((replica) => this.checkReplica(replica)));
  }

  private async checkReplica(replica: Replica): Promise<void> {
    try {
      const source = await replica.connect(this.primary, this.baseOptions);
      if (this.closed) return;
      const [row] = await replica.probe<{ recovery: boolean; lsn: string | null }>(source, "SELECT pg_is_in_recovery() AS recovery, pg_last_wal_replay_lsn()::text AS lsn");
      if (!row.recovery || row.lsn === null) {
        replica.down("it is not in recovery (not a streaming replica, or it was promoted)");
        return;
      }
      const replayed = parseLsn(row.lsn);
      let caughtUpTo: number | null = null;
      for (let i = this.samples.length - 1; i >= 0; i--) {
        if (this.samples[i].lsn <= replayed) {
          caughtUpTo = this.samples[i].at;
          break;
        }
      }
      const wasDown = replica.healthy === false;
      replica.reached(caughtUpTo);
      if (wasDown) this.log.info({ replica: replica.name }, "read replica reachable again");
    } catch (error) {
      if (replica.healthy !== false) this.log.warn({ replica: replica.name, err: error }, "read replica unreachable; its reads go to the primary");
      replica.down(message(error));
    }
  }
}

class Replica {
  readonly name: string;
  source: DataSource | null = null;
  private connecting: Promise<DataSource> | null = null;
  private createUncounted: DataSource["createQueryRunner"] | null = null;
  /** Null until the first check; false while down. */
  healthy: boolean | null = null;
  caughtUpTo: number | null = null;
  error: string | null = null;
  queries = 0;
  fallbacks = 0;

  constructor(private readonly url: string) {
    const parsed = new URL(url);
    this.name = `${parsed.hostname}:${parsed.port || "5432"}${parsed.pathname}`;
  }

  usable(now: number, maxLagMs: number): boolean {
    return this.stateAt(now, maxLagMs) === "ok";
  }

  stateAt(now: number, maxLagMs: number): ReplicaState {
    if (this.healthy === null) return "connecting";
    if (!this.healthy || this.source === null) return "down";
    return this.caughtUpTo !== null && now - this.caughtUpTo <= maxLagMs ? "ok" : "behind";
  }

  reached(caughtUpTo: number | null): void {
    this.healthy = true;
    this.error = null;
    // Replay only moves forward: an older sample never sets it back.
    if (caughtUpTo !== null && (this.caughtUpTo === null || caughtUpTo > this.caughtUpTo)) this.caughtUpTo = caughtUpTo;
  }

  down(error: string): void {
    this.healthy = false;
    this.error = error;
  }

  /** The replica's own pool, opened on first use and again after a failed attempt. */
  connect(primary: DataSource, base: Partial<DataSourceOptions>): Promise<DataSource> {
    if (this.source) return Promise.resolve(this.source);
    this.connecting ??= this.open(primary, base).finally(() => (this.connecting = null));
    return this.connecting;
  }

  private async open(primary: DataSource, base: Partial<DataSourceOptions>): Promise<DataSource> {
    const source = new DataSource({
      ...base,
      type: "postgres",
      url: this.url,
      migrations: [],
      migrationsRun: false,
      synchronize: false,
      // A replica is read-only: no CREATE EXTENSION.
      installExtensions: false,
      // A replica that does not answer is given up on quickly; the primary answers instead.
      connectTimeoutMS: 2000,
      applicationName: "helpgate (reads)",
    } as DataSourceOptions);
    await source.initialize();
    this.answerFromPrimaryOnFailure(source, primary);
    this.source = source;
    return source;
  }

  /**
   * Every statement the replica's manager runs goes through a query runner of its own (reads
   * run outside transactions). One that fails on the replica (gone away, conflict with
   * recovery, not replayed yet) runs again on the primary, whose answer (or error) the caller
   * gets; a connection failure also marks the replica down until a check finds it well.
   */
  private answerFromPrimaryOnFailure(source: DataSource, primary: DataSource): void {
    const create = source.createQueryRunner.bind(source);
    this.createUncounted = create;
    source.createQueryRunner = (mode) => {
      const runner = create(mode);
      const query = runner.query.bind(runner) as QueryRunner["query"];
      runner.query = (async (sql: string, parameters?: unknown[], structured?: boolean) => {
        try {
          const result = await query(sql, parameters, structured as true);
          this.queries += 1;
          return result;
        } catch (error) {
          if (runner.isTransactionActive) throw error;
          this.fallbacks += 1;
          if (isConnectionFailure(error)) this.down(message(error));
          const fallback = primary.createQueryRunner();
          try {
            return await fallback.query(sql, parameters, structured as true);
          } finally {
            await fallback.release();
          }
        }
      }) as QueryRunner["query"];
      return runner;
    };
  }

  /** A check's statement: neither counted among the reads nor answered by the primary instead. */
  async probe<T>(source: DataSource, sql: string): Promise<T[]> {
    const runner = (this.createUncounted ?? source.createQueryRunner.bind(source))();
    try {
      return (await runner.query(sql)) as T[];
    } finally {
      await runner.release();
    }
  }

  async close(): Promise<void> {
    await this.connecting?.catch(() => undefined);
    if (this.source?.isInitialized) await this.source.destroy().catch(() => undefined);
    this.source = null;
  }
}

/** "16/B374D848" → a number that orders as WAL positions do. */
export function parseLsn(text: string): bigint {
  const [high, low] = text.split("/");
  return (BigInt(`0x${high}`) << 32n) + BigInt(`0x${low}`);
}

const WAL_PAGE = 8192n;

/**
 * An idle primary's insert position can sit just past the header of a page no record has used
 * yet (24 bytes; 40 on a segment's first page), where a replica's replay position stops at the
 * page's start: the two mean the same place.
 */
export function pageStart(lsn: bigint, segmentBytes: bigint): bigint {
  const offset = lsn % WAL_PAGE;
  const header = lsn % segmentBytes < WAL_PAGE ? 40n : 24n;
  return offset === header ? lsn - offset : lsn;
}

// Connection exceptions (08), operator intervention (57: shutdown, cannot connect now), an
// unknown database (3D000: not replayed yet), and the driver's socket errors.
function isConnectionFailure(error: unknown): boolean {
  const candidate = error as { code?: unknown; driverError?: { code?: unknown }; message?: unknown };
  const code = String(candidate?.driverError?.code ?? candidate?.code ?? "");
  if (/^(08|57)/.test(code) || code === "3D000" || code.startsWith("E")) return true;
  return /terminated|timeout|ECONN|socket/i.test(String(candidate?.message ?? ""));
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
