import { once } from "node:events";
import type BetterSqlite3 from "better-sqlite3";
import { Client } from "pg";
import { from as copyFrom } from "pg-copy-streams";
import type { TableRows } from "./plan";

/** Called every few thousand rows with the rows written so far in this table. */
export type Progress = (written: number) => void;

/** Writes a table's rows by the engine's fastest plain path. */
export interface BulkWriter {
  write(table: TableRows, progress: Progress): Promise<void>;
  close(): Promise<void>;
}

const PROGRESS_EVERY = 5000;

/** SQLite: one prepared INSERT, run in transactions of 50,000 rows. */
export class SqliteBulkWriter implements BulkWriter {
  constructor(private readonly db: BetterSqlite3.Database) {}

  async write(table: TableRows, progress: Progress): Promise<void> {
    const statement = this.db.prepare(`INSERT INTO "${table.table}" (${table.columns.map((c) => `"${c}"`).join(", ")}) VALUES (${table.columns.map(() => "?").join(", ")})`);
    const booleans = table.types.map((type) => type === "boolean");
    const begin = this.db.prepare("BEGIN");
    const commit = this.db.prepare("COMMIT");
    let written = 0;
    begin.run();
    try {
      for (const row of table.rows()) {
        for (let c = 0; c < row.length; c++) if (booleans[c] && row[c] !== null) row[c] = row[c] ? 1 : 0;
        statement.run(row);
        written++;
        if (written % 50_000 === 0) {
          commit.run();
          begin.run();
        }
        if (written % PROGRESS_EVERY === 0) {
          progress(written);
          // Let the progress line be drawn.
          if (written % 50_000 === 0) await new Promise((resolve) => setImmediate(resolve));
        }
      }
      commit.run();
    } catch (error) {
      if (this.db.inTransaction) this.db.prepare("ROLLBACK").run();
      throw error;
    }
    progress(written);
  }

  async close(): Promise<void> {
    this.db.pragma("optimize");
    this.db.exec("ANALYZE");
  }
}

/** PostgreSQL: `COPY … FROM STDIN` in text format, a table at a time, each in one transaction. */
export class PostgresBulkWriter implements BulkWriter {
  private constructor(private readonly client: Client) {}

  static async connect(url: string): Promise<PostgresBulkWriter> {
    const client = new Client({ connectionString: url });
    await client.connect();
    return new PostgresBulkWriter(client);
  }

  async write(table: TableRows, progress: Progress): Promise<void> {
    await this.client.query("BEGIN");
    try {
      const stream = this.client.query(copyFrom(`COPY "${table.table}" (${table.columns.map((c) => `"${c}"`).join(", ")}) FROM STDIN`));
      const done = once(stream, "finish");
      let written = 0;
      let chunk = "";
      for (const row of table.rows()) {
        chunk += row.map(copyText).join("\t") + "\n";
        written++;
        if (written % PROGRESS_EVERY === 0) {
          if (!stream.write(chunk)) await once(stream, "drain");
          chunk = "";
          progress(written);
        }
      }
      stream.end(chunk);
      await done;
      await this.client.query("COMMIT");
      progress(written);
    } catch (error) {
      await this.client.query("ROLLBACK").catch(() => undefined);
      throw error;
    }
  }

  /** Moves a serial column's sequence past the values written explicitly. */
  async advanceSequence(table: string, column: string): Promise<void> {
    await this.client.query(`SELECT setval(pg_get_serial_sequence($1, $2), (SELECT COALESCE(MAX("${column}"), 1) FROM "${table}"))`, [table, column]);
  }

  async close(): Promise<void> {
    try {
      await this.client.query("ANALYZE");
    } finally {
      await this.client.end();
    }
  }
}

/** A value in COPY's text format: \N for null, t/f for booleans, the specials escaped. */
export function copyText(value: unknown): string {
  if (value === null || value === undefined) return "\\N";
  if (typeof value === "boolean") return value ? "t" : "f";
  if (typeof value === "number") return String(value);
  return String(value).replace(/[\\\t\n\r]/g, (c) => (c === "\\" ? "\\\\" : c === "\t" ? "\\t" : c === "\n" ? "\\n" : "\\r"));
}
