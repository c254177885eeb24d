import { QueryFailedError, type EntityManager } from "typeorm";

interface Statement {
  readonly reader: boolean;
  raw(toggle: boolean): Statement;
  all(...values: unknown[]): unknown[];
  run(...values: unknown[]): { changes: number };
}

interface Connection {
  prepare(text: string): Statement;
  readonly readonly?: boolean;
  pragma?(source: string, options: { simple: true }): unknown;
}

/** Prepared statements kept per connection, first in first out (TypeORM keeps 100). */
const CACHED_STATEMENTS = 200;
const statements = new WeakMap<Connection, Map<string, Statement>>();
/** The same, for statements that return each row as an array of its columns. */
const arrayStatements = new WeakMap<Connection, Map<string, Statement>>();

/**
 * Runs a statement straight on the better-sqlite3 connection of a manager that is in no
 * transaction (the reader, for the read paths), instead of through TypeORM's query runner: the
 * runner's per-statement bookkeeping (broadcaster events, parameter copies, three awaits) cost a
 * directory page about as much as SQLite's own work. What TypeORM did that matters is kept: the
 * statement goes to the query log (counted, traced at trace level), booleans are bound as 0/1,
 * a slow statement is logged as slow, and a failure is thrown as TypeORM's QueryFailedError.
 * With `arrays`, a SELECT returns each row as an array of its columns in order (better-sqlite3's
 * raw mode), which costs less to make than an object per row.
 * Returns null when the manager is not on better-sqlite3.
 */
export function runOnSqlite(manager: EntityManager, text: string, parameters: readonly unknown[], arrays = false): { records?: unknown[]; affected?: number } | null {
  const connection = (manager.connection.driver as unknown as { databaseConnection?: Connection }).databaseConnection;
  if (!connection || typeof connection.prepare !== "function") return null;
  const values = parameters.map((value) => (typeof value === "boolean" ? (value ? 1 : 0) : value));
  const logger = manager.connection.logger;
  logger.logQuery(text, values);
  const started = Date.now();
  try {
    const statement = prepared(connection, text, arrays);
    const result = statement.reader ? { records: statement.all(...values) } : { affected: statement.run(...values).changes };
    const slowAfter = manager.connection.options.maxQueryExecutionTime;
    const took = Date.now() - started;
    if (slowAfter && took > slowAfter) logger.logQuerySlow(took, text, values);
    return result;
  } catch (error) {
    logger.logQueryError(error as Error, text, values);
    throw new QueryFailedError(text, values, error as Error);
  }
}

function prepared(connection: Connection, text: string, arrays: boolean): Statement {
  const caches = arrays ? arrayStatements : statements;
  let cache = caches.get(connection);
  if (!cache) caches.set(connection, (cache = new Map()));
  let statement = cache.get(text);
  if (statement === undefined) {
    statement = connection.prepare(text);
    if (arrays && statement.reader) statement.raw(true);
    cache.set(text, statement);
    if (cache.size > CACHED_STATEMENTS) cache.delete(cache.keys().next().value!);
  }
  return statement;
}

/** Each reader's `PRAGMA data_version`, prepared once: better-sqlite3's pragma() prepares it again on every call, which doubles its cost. */
const versionStatements = new WeakMap<Connection, Statement>();

/**
 * The read-only better-sqlite3 connection under `manager` (the gateway's reader, outside any
 * transaction) and its `PRAGMA data_version`, which changes whenever another connection commits
 * to the file: what lets a reader keep something it learned of the database until the next
 * change. Null for any other manager (the writer, whose own commits leave its number alone; a
 * transaction; an in-memory database; PostgreSQL). The pragma reads no table and goes to no log.
 */
export function readerVersion(manager: EntityManager): { connection: object; version: number } | null {
  if (manager.queryRunner) return null;
  const connection = (manager.connection.driver as unknown as { databaseConnection?: Connection }).databaseConnection;
  if (!connection?.readonly || typeof connection.prepare !== "function") return null;
  let statement = versionStatements.get(connection);
  if (!statement) versionStatements.set(connection, (statement = connection.prepare("PRAGMA data_version")));
  const [row] = statement.all() as { data_version: number | bigint }[];
  return { connection, version: Number(row!.data_version) };
}

/** What each reader remembered (rememberedRead), by kind and key, and the data_version it was read at. */
const remembered = new WeakMap<object, { version: number; kinds: Map<string, Map<string, unknown>> }>();
/** At most this many answers of one kind are kept at once; then that kind's are dropped and read again. */
const MAX_REMEMBERED = 1000;

/**
 * `read()`'s answer for `key`, read once and kept on SQLite's reader until another connection
 * commits (readerVersion): for what requests read again and again and only a write changes.
 * Elsewhere (PostgreSQL, a transaction, the writer) it is read every time. A write that commits
 * while `read()` runs changes the version, so the next call reads again: nothing older than the
 * last commit is ever answered. The answer is shared by every call until then: callers must not
 * change it. `kind` keeps one sort of answer from crowding out another.
 */
export async function rememberedRead<T>(manager: EntityManager, kind: string, key: string, read: () => Promise<T>): Promise<T> {
  const reader = readerVersion(manager);
  if (!reader) return read();
  let kept = remembered.get(reader.connection);
  if (!kept || kept.version !== reader.version) remembered.set(reader.connection, (kept = { version: reader.version, kinds: new Map() }));
  let answers = kept.kinds.get(kind);
  if (!answers || answers.size >= MAX_REMEMBERED) kept.kinds.set(kind, (answers = new Map()));
  if (answers.has(key)) return answers.get(key) as T;
  const answer = await read();
  answers.set(key, answer);
  return answer;
}
