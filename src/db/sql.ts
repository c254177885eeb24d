import type { EntityManager } from "typeorm";
import { isPostgres } from "./dialect";
import { runOnPostgres } from "./postgres-direct";
import { runOnSqlite } from "./sqlite-direct";

/** Rows per multi-row statement and ids per IN list: far below both engines' parameter limits. */
export const CHUNK = 200;
/** Rows per statement where PostgreSQL gets a column's values as one array parameter. */
const ARRAY_CHUNK = 2000;

/**
 * Fixed SQL text for the hot paths of bulk work (the licensing queue and its batches), where
 * building each statement through TypeORM costs far more than running it. Statements are
 * written once per shape (placeholders for a whole chunk), so each engine prepares them once.
 * Values go in as parameters only; timestamps as ISO strings and lists as JSON text, the same
 * encodings the entities use (see columns.ts).
 */
export class RawSql {
  readonly postgres: boolean;
  private static readonly shapes = new Map<string, string>();

  /**
   * With `prepared`, reads outside a transaction run on PostgreSQL as named statements, planned
   * once per connection (postgres-direct.ts): for lookups by key only, whose best plan is the
   * same whatever the values. SQLite prepares every statement anyway (sqlite-direct.ts).
   */
  constructor(
    private readonly manager: EntityManager,
    private readonly options: { prepared?: boolean } = {},
  ) {
    this.postgres = isPostgres(manager);
  }

  /** `?, ?, ?` (SQLite) or `$3, $4, $5` (PostgreSQL) for `count` values after `before` others. */
  list(count: number, before = 0): string {
    return this.shape(`l${count}/${before}`, () => Array.from({ length: count }, (_, i) => this.placeholder(before + i)).join(", "));
  }

  /** `(?, ?), (?, ?)` for `rows` tuples of `width` values after `before` others. */
  tuples(rows: number, width: number, before = 0): string {
    return this.shape(`t${rows}x${width}/${before}`, () =>
      Array.from({ length: rows }, (_, row) => `(${Array.from({ length: width }, (_, i) => this.placeholder(before + row * width + i)).join(", ")})`).join(", "),
    );
  }

  /**
   * `column IN (?, ?, …)` for `count` values after `before` others on SQLite; on PostgreSQL
   * `column = ANY($k)`, the whole list one array parameter: one short statement to parse and plan
   * whatever the list's length, where 200 placeholders cost PostgreSQL more than the query. Pass
   * the list through values() in the parameters. (rowsIn and affectedIn do both for a list of
   * any length.)
   */
  anyOf(column: string, count: number, before = 0): string {
    return this.postgres ? `${column} = ANY(${this.placeholder(before)})` : `${column} IN (${this.list(count, before)})`;
  }

  /** The parameters for anyOf(): the values themselves (SQLite) or one array of them (PostgreSQL). */
  values(list: readonly unknown[]): unknown[] {
    return this.postgres ? [[...list]] : [...list];
  }

  /**
   * The rows of `statement(condition)` for each distinct value of `list`: `condition` is anyOf()
   * on `column` for a slice of them (CHUNK values on SQLite, ARRAY_CHUNK on PostgreSQL), one
   * statement a slice, the rows in slice order.
   */
  async rowsIn<T>(column: string, list: readonly unknown[], statement: (condition: string) => string): Promise<T[]> {
    const out: T[] = [];
    for (const slice of this.slices(list)) out.push(...(await this.rows<T>(statement(this.anyOf(column, slice.length)), this.values(slice))));
    return out;
  }

  /** As rowsIn, for a write: how many rows the statements changed. */
  async affectedIn(column: string, list: readonly unknown[], statement: (condition: string) => string): Promise<number> {
    let changed = 0;
    for (const slice of this.slices(list)) changed += await this.affected(statement(this.anyOf(column, slice.length)), this.values(slice));
    return changed;
  }

  private slices<T>(list: readonly T[]): T[][] {
    return chunked([...new Set(list)], this.postgres ? ARRAY_CHUNK : CHUNK);
  }

  /**
   * Inserts rows (each `columns.length` values) in as few statements as fit: multi-row VALUES on
   * SQLite, CHUNK rows a statement; on PostgreSQL one array parameter per column through
   * unnest(), `types` naming each column's SQL type, ARRAY_CHUNK rows a statement. With
   * `returning`, the rows of `RETURNING <returning>`, in no promised order.
   */
  async insert<T = never>(table: string, columns: readonly string[], types: readonly string[], rows: readonly (readonly unknown[])[], returning?: string): Promise<T[]> {
    const out: T[] = [];
    const tail = returning ? ` RETURNING ${returning}` : "";
    if (this.postgres) {
      for (const chunk of chunked(rows, ARRAY_CHUNK)) {
        const { select, parameters } = this.unnest(types, chunk);
        out.push(...(await this.rows<T>(`INSERT INTO ${table} (${columns.join(", ")}) ${select}${tail}`, parameters)));
      }
      return out;
    }
    for (const chunk of chunked(rows)) {
      const text = `INSERT INTO ${table} (${columns.join(", ")}) VALUES ${this.tuples(chunk.length, columns.length)}${tail}`;
      out.push(...(await this.rows<T>(text, chunk.flat())));
    }
    return out;
  }

  /**
   * PostgreSQL: `SELECT … FROM unnest(…)` giving `rows` (each `types.length` values, in that
   * order), and its parameters, numbered from `$before+1`. A column whose value is the same in
   * every row (a batch's time, source, state, initiator…) goes as one scalar parameter instead
   * of an array: the driver need not escape, nor the server parse, that value once per row.
   */
  unnest(types: readonly string[], rows: readonly (readonly unknown[])[], before = 0): { select: string; parameters: unknown[] } {
    const parameters: unknown[] = [];
    const arrays: string[] = [];
    const expressions = types.map((type, i) => {
      const first = rows[0]?.[i] ?? null;
      const same = first === null || typeof first !== "object" ? rows.every((row) => (row[i] ?? null) === first) : false;
      parameters.push(same ? first : rows.map((row) => row[i]));
      const placeholder = `$${before + parameters.length}::${type}`;
      if (same) return placeholder;
      arrays.push(`${placeholder}[]`);
      return `u.c${arrays.length}`;
    });
    // At least one array, so that there is a row per element.
    if (arrays.length === 0) {
      parameters.push(rows.map(() => null));
      arrays.push(`$${before + parameters.length}::int[]`);
    }
    const names = arrays.map((_, i) => `c${i + 1}`).join(", ");
    return { select: `SELECT ${expressions.join(", ")} FROM unnest(${arrays.join(", ")}) AS u(${names})`, parameters };
  }

  /**
   * As rowsIn, each row an array of the selected columns in order. On SQLite outside a
   * transaction these come from better-sqlite3's raw mode, about a third cheaper than row objects
   * for the hundreds of rows a directory page reads; elsewhere they are the row objects' values.
   */
  async arraysIn<T extends readonly unknown[]>(column: string, list: readonly unknown[], statement: (condition: string) => string): Promise<T[]> {
    const out: T[] = [];
    for (const slice of this.slices(list)) out.push(...(await this.arrays<T>(statement(this.anyOf(column, slice.length)), this.values(slice))));
    return out;
  }

  /** As rows(), each row an array of the selected columns in order (see arraysIn). */
  async arrays<T extends readonly unknown[]>(text: string, parameters: readonly unknown[]): Promise<T[]> {
    if (!this.manager.queryRunner && !this.postgres) {
      const direct = runOnSqlite(this.manager, text, parameters, true);
      if (direct) return (direct.records ?? []) as T[];
    }
    return (await this.rows<Record<string, unknown>>(text, parameters)).map((row) => Object.values(row) as unknown as T);
  }

  /** Runs a statement and returns its rows (a SELECT, or a write with RETURNING). */
  async rows<T>(text: string, parameters: readonly unknown[]): Promise<T[]> {
    const result = await this.run(text, parameters);
    return (result.records ?? []) as T[];
  }

  /** Runs a write and returns how many rows it changed. */
  async affected(text: string, parameters: readonly unknown[]): Promise<number> {
    return (await this.run(text, parameters)).affected ?? 0;
  }

  private async run(text: string, parameters: readonly unknown[]): Promise<{ records?: unknown[]; affected?: number }> {
    const runner = this.manager.queryRunner;
    if (runner) return runner.query(text, [...parameters], true);
    if (!this.postgres) {
      const direct = runOnSqlite(this.manager, text, parameters);
      if (direct) return direct;
    } else if (this.options.prepared) {
      const direct = await runOnPostgres(this.manager, text, parameters);
      if (direct) return direct;
    }
    const own = this.manager.connection.createQueryRunner();
    try {
      return await own.query(text, [...parameters], true);
    } finally {
      await own.release();
    }
  }

  /** The placeholder of the value at `index` (from 0) of a statement's parameters: `?` or `$n`. */
  parameter(index: number): string {
    return this.placeholder(index);
  }

  private placeholder(index: number): string {
    return this.postgres ? `$${index + 1}` : "?";
  }

  private shape(key: string, build: () => string): string {
    const full = `${this.postgres ? "pg" : "sq"}:${key}`;
    let text = RawSql.shapes.get(full);
    if (text === undefined) {
      text = build();
      if (RawSql.shapes.size < 2000) RawSql.shapes.set(full, text);
    }
    return text;
  }
}

/** `items` in slices of at most `size`. */
export function chunked<T>(items: readonly T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
