import { randomBytes } from "node:crypto";
import { Client } from "pg";
import { Database } from "../../src/db/database";
import { silentLog, tempDatabaseFile } from "./temp";

/**
 * Which database the tests run on. By default each gateway gets a fresh SQLite file; with
 * TEST_POSTGRES_URL set (an admin URL of a role that may create databases, e.g.
 * postgres://helpgate:helpgate@127.0.0.1:5432/postgres from scripts/ci-postgres.sh), each gets a
 * fresh PostgreSQL database instead, created before and dropped after.
 */
export const TEST_POSTGRES_URL: string | null = process.env.TEST_POSTGRES_URL?.trim() || null;
export const onPostgres = TEST_POSTGRES_URL !== null;

/** The token secret of test gateways on PostgreSQL, where the server requires TOKEN_SECRET. */
export const TEST_TOKEN_SECRET = "helpgate-test-secret-0123456789-abcdefghijklmnop";

export interface TestDatabase {
  kind: "sqlite" | "postgres";
  /** What DATABASE_URL should say. */
  url: string;
  /** Removes the database; call it once every connection to it is closed. */
  drop(): Promise<void>;
}

/** A new, empty database of the kind this run uses. */
export async function createTestDatabase(): Promise<TestDatabase> {
  if (!TEST_POSTGRES_URL) {
    const temp = tempDatabaseFile();
    return { kind: "sqlite", url: temp.file, drop: async () => temp.cleanup() };
  }
  const name = `helpgate_test_${randomBytes(6).toString("hex")}`;
  // The cluster's default locale (scripts/ci-postgres.sh makes C.UTF-8: code-point order, as SQLite).
  // The suite also passes on an ICU 'en-US' database, where display names sort case-insensitively.
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(TEST_POSTGRES_URL);
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    kind: "postgres",
    url: url.toString(),
    async drop() {
      if (dropped) return;
      dropped = true;
      // FORCE: a test that failed half-way may have left a connection open. An autovacuum worker
      // in it can also refuse to be ended (a role without pg_signal_backend): it finishes soon.
      for (let attempt = 1; ; attempt++) {
        try {
          await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
          return;
        } catch (error) {
          if ((error as { code?: string }).code !== INSUFFICIENT_PRIVILEGE || attempt >= 20) throw error;
          await new Promise((resolve) => setTimeout(resolve, 250));
        }
      }
    },
  };
}

const INSUFFICIENT_PRIVILEGE = "42501";

/**
 * A Database (no gateway) on a new test database of this run's kind, opened before the
 * enclosing block's tests and closed and dropped after them. Read `db` and `kind` inside tests.
 */
export function openedTestDatabase(): { readonly db: Database; readonly kind: TestDatabase["kind"] } {
  let target: TestDatabase | undefined;
  let db: Database | undefined;
  beforeAll(async () => {
    target = await createTestDatabase();
    db = await Database.open(target.kind === "sqlite" ? { kind: "sqlite", file: target.url } : { kind: "postgres", url: target.url }, silentLog);
  });
  afterAll(async () => {
    await db?.close();
    await target?.drop();
  });
  return {
    get db() {
      return db!;
    },
    get kind() {
      return target!.kind;
    },
  };
}

async function admin(sql: string): Promise<void> {
  const client = new Client({ connectionString: TEST_POSTGRES_URL! });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * `describe` for tests that are about SQLite itself: skipped when the suite runs on PostgreSQL,
 * with the reason in the skipped block's name.
 *
 *   sqliteOnly("the reader and writer are two SQLite connections")("the embedded database", () => { ... });
 */
export function sqliteOnly(reason: string): (name: string, body: () => void) => void {
  return (name, body) => (onPostgres ? describe.skip(`${name} [SQLite only: ${reason}]`, body) : describe(name, body));
}

/** `describe` for tests that need PostgreSQL: skipped unless TEST_POSTGRES_URL is set. */
export function postgresOnly(reason: string): (name: string, body: () => void) => void {
  return (name, body) => (onPostgres ? describe(name, body) : describe.skip(`${name} [PostgreSQL only, set TEST_POSTGRES_URL: ${reason}]`, body));
}
