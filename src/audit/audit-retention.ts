import type { Logger } from "pino";
import type { Database } from "../db/database";
import { AuditStore } from "./audit.store";

export interface RetentionOptions {
  /** Entries older than this many days are deleted; 0 keeps every entry (AUDIT_RETENTION_DAYS). */
  days: number;
  /** Entries deleted per transaction. */
  batchSize?: number;
  /** The pause between two batches, so that writers (and the licensing processor) get their turn. */
  pauseMs?: number;
  /** How often a sweep runs (hourly by default). */
  intervalMs?: number;
  /** The clock, in milliseconds (tests pass their own). */
  now?: () => number;
}

const DAY_MS = 86_400_000;
/** The advisory lock key of a sweep on PostgreSQL ("audr"): one process sweeps at a time. */
const SWEEP_LOCK = 0x61756472;

/**
 * Keeps the audit log to AUDIT_RETENTION_DAYS, as Entra keeps its audit log for a limited time:
 * a background sweep deletes the entries older than the window, oldest first, in small
 * transactions with a pause between them, so a write never waits long behind it (on SQLite it
 * queues for the one writer like any other transaction; on PostgreSQL it locks only the old rows
 * it deletes, which nobody writes). With several processes on one PostgreSQL database, a batch
 * that finds another process's batch under way ends this process's sweep (that one carries on).
 */
export class AuditRetention {
  private readonly batchSize: number;
  private readonly pauseMs: number;
  private readonly intervalMs: number;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<number> | null = null;
  private stopped = false;
  /** Entries deleted since start. */
  deletedTotal = 0;

  constructor(
    private readonly db: Database,
    private readonly log: Logger,
    private readonly options: RetentionOptions,
  ) {
    this.batchSize = options.batchSize ?? 1000;
    this.pauseMs = options.pauseMs ?? 100;
    this.intervalMs = options.intervalMs ?? 3_600_000;
    this.now = options.now ?? Date.now;
  }

  get enabled(): boolean {
    return this.options.days > 0;
  }

  /** Sweeps a minute after this call (not during start-up), then every `intervalMs`. Nothing with AUDIT_RETENTION_DAYS=0. */
  start(delayMs = Math.min(60_000, this.intervalMs)): void {
    if (!this.enabled || this.stopped) return;
    this.timer = setTimeout(() => {
      this.sweep()
        .catch((error: unknown) => this.log.warn({ err: error }, "audit retention: the sweep failed; it runs again later"))
        .finally(() => this.start(this.intervalMs));
    }, delayMs);
    this.timer.unref();
  }

  /**
   * Deletes every entry older than the window, a batch at a time; resolves with how many it
   * deleted. A sweep already under way is joined, not doubled.
   */
  sweep(): Promise<number> {
    this.running ??= this.sweepAll().finally(() => (this.running = null));
    return this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
  }

  private async sweepAll(): Promise<number> {
    if (!this.enabled) return 0;
    const before = new Date(this.now() - this.options.days * DAY_MS);
    let deleted = 0;
    for (;;) {
      if (this.stopped) break;
      const batch = await this.db.transaction(async (tx) => {
        if (this.db.kind === "postgres") {
          const [{ locked }] = (await tx.query("SELECT pg_try_advisory_xact_lock($1) AS locked", [SWEEP_LOCK])) as { locked: boolean }[];
          if (!locked) return -1;
        }
        return new AuditStore(tx).deleteOlderThan(before, this.batchSize);
      });
      if (batch < 0) break;
      deleted += batch;
      this.deletedTotal += batch;
      if (batch < this.batchSize) break;
      await new Promise((resolve) => setTimeout(resolve, this.pauseMs));
    }
    if (deleted > 0) this.log.info({ deleted, before: before.toISOString() }, "audit retention: deleted entries older than the window");
    return deleted;
  }
}
