import { DataSource, type DataSourceOptions, type QueryRunner } from "typeorm";
import { runsUnnamed, runUnnamed, setReadFallback } from "./postgres-direct";

export type ReplicaState = "connecting" | "ok" | "behind" | "down";

/** One read replica: its pool, what the last check found, and what it answered (see replicas.ts). */
export class Replica {
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
    if (runsUnnamed(primary)) runUnnamed(source);
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
    // The same for the reads that skip the query runner (postgres-direct.ts).
    setReadFallback(source, {
      answered: () => {
        this.queries += 1;
      },
      failed: (error) => {
        this.fallbacks += 1;
        if (isConnectionFailure(error)) this.down(message(error));
        return primary;
      },
    });
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

// Connection exceptions (08), operator intervention (57: shutdown, cannot connect now), an
// unknown database (3D000: not replayed yet), and the driver's socket errors.
function isConnectionFailure(error: unknown): boolean {
  const candidate = error as { code?: unknown; driverError?: { code?: unknown }; message?: unknown };
  const code = String(candidate?.driverError?.code ?? candidate?.code ?? "");
  if (/^(08|57)/.test(code) || code === "3D000" || code.startsWith("E")) return true;
  return /terminated|timeout|ECONN|socket/i.test(String(candidate?.message ?? ""));
}

export function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
