import { createHash } from "node:crypto";
import { QueryFailedError, type DataSource, type EntityManager } from "typeorm";

/** What node-postgres gives a query, and the pool a TypeORM PostgreSQL data source keeps (its `master`). */
interface PgClient {
  query(config: { name?: string; text: string; values: unknown[] }): Promise<{ rows: unknown[]; rowCount: number | null }>;
  release(error?: Error | boolean): void;
}
interface PgPool {
  connect(): Promise<PgClient>;
}

/**
 * Statements named per text, at most this many in a process (each connection prepares those it
 * runs, and PostgreSQL keeps them for the connection's life): past it, texts run unnamed.
 */
export const MAX_NAMED_STATEMENTS = 256;
const names = new Map<string, string>();

/** Data sources whose reads run unnamed (DATABASE_PREPARED_STATEMENTS=false). */
const unnamed = new WeakSet<DataSource>();

/**
 * Makes this data source's reads run unnamed: for a connection pooler between helpgate and
 * PostgreSQL that hands each statement to any server connection and cannot keep named ones
 * (PgBouncer in transaction mode before 1.21, or without max_prepared_statements).
 */
export function runUnnamed(source: DataSource): void {
  unnamed.add(source);
}

export function runsUnnamed(source: DataSource): boolean {
  return unnamed.has(source);
}

/**
 * The data source a replica falls back from (replica.ts): a read that fails on the replica is
 * answered by the primary, as for every other statement the replica's manager runs.
 */
export interface ReadFallback {
  answered(): void;
  /** Notes the failure; the data source to run the statement on instead. */
  failed(error: unknown): DataSource;
}
const fallbacks = new WeakMap<DataSource, ReadFallback>();

export function setReadFallback(source: DataSource, fallback: ReadFallback): void {
  fallbacks.set(source, fallback);
}

/**
 * Runs a read of a manager in no transaction straight on a pooled node-postgres client of its
 * data source (the primary's, or a read replica's), as a named statement: PostgreSQL parses it
 * once per connection and, after its first few runs, keeps one plan for it. Parsing and planning
 * were most of PostgreSQL's CPU for the short lookups every request makes (a user by id with
 * their roles: about 160 µs a run unnamed, 45 µs named, on this project's 2-core host). A
 * generic plan is chosen without the values, so only statements whose best plan does not
 * depend on them come here (lookups by key: see RawSql's `prepared`); a page with a filter,
 * whose plan turns on how many rows the value matches, stays unnamed.
 *
 * What TypeORM's query runner did that matters is kept: the statement goes to the query log, a
 * slow one is logged, a failure is thrown as QueryFailedError, and a replica's failure is
 * answered by the primary. Returns null when the manager is not on PostgreSQL or is in a
 * transaction.
 */
export async function runOnPostgres(manager: EntityManager, text: string, parameters: readonly unknown[]): Promise<{ records: unknown[]; affected: number } | null> {
  if (manager.queryRunner) return null;
  const source = manager.connection;
  const fallback = fallbacks.get(source);
  const values = [...parameters];
  try {
    const result = await run(source, text, values);
    fallback?.answered();
    return result;
  } catch (error) {
    if (!fallback) throw error;
    return run(fallback.failed(error), text, values);
  }
}

async function run(source: DataSource, text: string, values: unknown[]): Promise<{ records: unknown[]; affected: number }> {
  const pool = (source.driver as unknown as { master?: PgPool }).master;
  if (!pool) throw new Error("runOnPostgres: the data source has no PostgreSQL pool");
  const logger = source.logger;
  logger.logQuery(text, values);
  const client = await pool.connect();
  const started = Date.now();
  let broken: Error | undefined;
  try {
    const result = await client.query({ name: unnamed.has(source) ? undefined : nameOf(text), text, values });
    const slowAfter = source.options.maxQueryExecutionTime;
    const took = Date.now() - started;
    if (slowAfter && took > slowAfter) logger.logQuerySlow(took, text, values);
    return { records: result.rows, affected: result.rowCount ?? 0 };
  } catch (error) {
    // A connection that failed is not given back to the pool for another statement.
    if (!(error as { code?: unknown }).code) broken = error as Error;
    logger.logQueryError(error as Error, text, values);
    throw new QueryFailedError(text, values, error as Error);
  } finally {
    client.release(broken);
  }
}

function nameOf(text: string): string | undefined {
  let name = names.get(text);
  if (name === undefined && names.size < MAX_NAMED_STATEMENTS) {
    name = `hg_${createHash("sha1").update(text).digest("base64url").slice(0, 16)}`;
    names.set(text, name);
  }
  return name;
}
