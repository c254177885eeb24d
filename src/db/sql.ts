import type { EntityManager } from "typeorm";
import { isPostgres } from "./dialect";

/** Rows per multi-row statement and ids per IN list: far below both engines' parameter limits. */
export const CHUNK = 200;

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

  constructor(private readonly manager: EntityManager) {
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
    const own = this.manager.connection.createQueryRunner();
    try {
      return await own.query(text, [...parameters], true);
    } finally {
      await own.release();
    }
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
