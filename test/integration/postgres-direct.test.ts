import { QueryFailedError } from "typeorm";
import { Database } from "../../src/db/database";
import { MAX_NAMED_STATEMENTS } from "../../src/db/postgres-direct";
import { RawSql } from "../../src/db/sql";
import { createTestDatabase, postgresOnly, type TestDatabase } from "../support/database";
import { silentLog } from "../support/temp";

// Lookups by key run on PostgreSQL as named statements (src/db/postgres-direct.ts): parsed once
// per connection and, after a few runs, planned once. The pool hands back the connection it was
// given last (node-postgres keeps its idle clients last in, first out), so statements run one
// after another here all land on one connection, whose pg_prepared_statements tells what it kept.

const LOOKUP = "SELECT id, display_name FROM users WHERE id = $1";
const PREPARED = "SELECT statement, generic_plans FROM pg_prepared_statements";

postgresOnly("named statements are PostgreSQL's")("reads by key as named statements", () => {
  let database: TestDatabase;
  let db: Database;
  const lookup = (on: Database = db) => new RawSql(on.manager, { prepared: true });
  const kept = async (on: Database = db) => lookup(on).rows<{ statement: string; generic_plans: string }>(PREPARED, []);

  beforeAll(async () => {
    database = await createTestDatabase();
    db = await Database.open({ kind: "postgres", url: database.url }, silentLog);
    await db.writer.query("INSERT INTO users (id, user_principal_name, upn_key, display_name, account_enabled, created_date_time) VALUES ($1, $2, $2, $3, true, $4)", [
      "00000000-0000-4000-8000-000000000001",
      "ada@contoso.com",
      "Ada",
      "2026-01-01T00:00:00.000Z",
    ]);
  });
  afterAll(async () => {
    await db?.close();
    await database?.drop();
  });

  it("keeps a lookup prepared, planned once for all its values, each run counted in the query log", async () => {
    const before = db.queryLog.count;
    for (let i = 0; i < 10; i++) {
      const rows = await lookup().rows<{ id: string; display_name: string }>(LOOKUP, [i % 2 ? "00000000-0000-4000-8000-000000000001" : "00000000-0000-4000-8000-00000000ffff"]);
      expect(rows).toEqual(i % 2 ? [{ id: "00000000-0000-4000-8000-000000000001", display_name: "Ada" }] : []);
    }
    expect(db.queryLog.count - before).toBe(10);
    const statement = (await kept()).find((row) => row.statement === LOOKUP);
    expect(statement).toBeDefined();
    expect(Number(statement!.generic_plans)).toBeGreaterThan(0);
  });

  it("gives the same rows unnamed when DATABASE_PREPARED_STATEMENTS=false, and keeps nothing", async () => {
    const unnamed = await Database.open({ kind: "postgres", url: database.url, preparedStatements: false }, silentLog);
    try {
      for (let i = 0; i < 3; i++) {
        expect(await lookup(unnamed).rows(LOOKUP, ["00000000-0000-4000-8000-000000000001"])).toEqual([{ id: "00000000-0000-4000-8000-000000000001", display_name: "Ada" }]);
      }
      expect(await kept(unnamed)).toEqual([]);
    } finally {
      await unnamed.close();
    }
  });

  it("throws a failure as TypeORM's QueryFailedError with PostgreSQL's code, and the connection serves the next read", async () => {
    const failure = await lookup()
      .rows("SELECT 1 / $1::int AS n", [0])
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(QueryFailedError);
    expect((failure as QueryFailedError & { driverError: { code: string } }).driverError.code).toBe("22012");
    expect(await lookup().rows("SELECT 1 / $1::int AS n", [1])).toEqual([{ n: 1 }]);
  });

  it(`names at most ${MAX_NAMED_STATEMENTS} texts in a process; past that they run unnamed, with the same answers`, async () => {
    for (let i = 0; i < MAX_NAMED_STATEMENTS + 40; i++) {
      expect(await lookup().rows(`SELECT $1::int + ${i} AS n`, [1])).toEqual([{ n: 1 + i }]);
    }
    const statements = await kept();
    expect(statements.length).toBeLessThanOrEqual(MAX_NAMED_STATEMENTS);
    expect(statements.some((row) => row.statement === `SELECT $1::int + ${MAX_NAMED_STATEMENTS + 39} AS n`)).toBe(false);
  });
});
