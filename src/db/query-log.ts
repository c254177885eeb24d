import type { Logger as TypeOrmLogger } from "typeorm";
import type { Logger } from "pino";

/**
 * TypeORM's logger, pointed at pino. It also counts statements, which is how the tests prove
 * that a page of users costs a constant number of queries whatever its size.
 */
export class QueryLog implements TypeOrmLogger {
  count = 0;
  /** Sees every statement with its parameters (the tests that look at query plans use it). */
  onQuery: ((query: string, parameters: readonly unknown[]) => void) | null = null;

  constructor(private readonly pino: Logger) {}

  logQuery(query: string, parameters?: unknown[]): void {
    this.count += 1;
    this.onQuery?.(query, parameters ?? []);
    if (this.pino.isLevelEnabled("trace")) this.pino.trace({ query }, "sql");
  }

  logQueryError(error: string | Error, query: string): void {
    this.pino.debug({ err: error, query }, "sql failed");
  }

  logQuerySlow(time: number, query: string): void {
    this.pino.warn({ durationMs: time, query }, "slow sql");
  }

  logSchemaBuild(message: string): void {
    this.pino.debug(message);
  }

  logMigration(message: string): void {
    this.pino.info(message);
  }

  log(level: "log" | "info" | "warn", message: unknown): void {
    if (level === "warn") this.pino.warn(String(message));
    else this.pino.debug(String(message));
  }
}
