import type { DataSource, DataSourceOptions, EntityManager } from "typeorm";
import type { Logger } from "pino";
import type { ReplicaConfig } from "../config";
import type { Notifications } from "./notifications";
import { currentReadScope } from "./read-scope";
import { message, Replica, type ReplicaState } from "./replica";

export type { ReplicaState } from "./replica";

/** Where the gateways on one database tell each other whose reads stay on the primary. */
const WRITERS_CHANNEL = "helpgate_replica_writers";

/** How often the primary's WAL position and each replica's replay position are read. */
export const REPLICA_CHECK_MS = 250;

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
