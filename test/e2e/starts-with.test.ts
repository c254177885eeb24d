import "reflect-metadata";
import { DataSource } from "typeorm";
import { AUDIT_ENTITIES } from "../../src/audit/entities";
import { MIGRATIONS } from "../../src/db/migrations";
import { DIRECTORY_ENTITIES } from "../../src/directory/entities";
import { caseVariantRanges } from "../../src/directory/stores/user.store";
import { LICENSING_ENTITIES } from "../../src/licensing/entities";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { TestGateway } from "../support/harness";

// users(filter: { startsWith }) reads a short prefix's names as one range per way of writing its
// letters (UserStore.prefixPage: on SQLite, and on PostgreSQL under a C collation): every page,
// forward and backward, must hold what a plain statement over every user gives, whatever the
// letter case of the names and whichever characters the engine's LOWER folds.
describe("users startsWith pages hold every user whose name or UPN starts with the prefix, in order", () => {
  let db: TestDatabase;
  let gateway: TestGateway;

  // Names in every letter case, names equal to the prefix, LIKE's own wildcards as plain
  // characters, a name that differs only past the prefix in a non-ASCII letter, a user found by
  // UPN alone and one found by both.
  const PEOPLE: [string, string][] = [
    ["sam lower", "sam.lower"],
    ["SAM UPPER", "sam.upper"],
    ["Sam Mixed", "sam.mixed"],
    ["sAm Odd", "odd.sam"],
    ["Sa", "sa.short"],
    ["sa", "sa.lower.short"],
    ["Samuel Long", "samuel.long"],
    ["Søren Sørensen", "soren"],
    ["Sa%m Percent", "percent"],
    ["Sa_m Underscore", "underscore"],
    ["SA_M Shouting", "shouting"],
    ["Xavier Other", "samantha.x"],
    ["Sam Both", "sam.both"],
    ["Zed Nobody", "zed"],
    ["[Bracket] Sam", "bracket"],
    // Characters PostgreSQL's LOWER may fold into an ASCII letter (İ into i, the Kelvin sign into
    // k), found by name alone if it does, and a prefix with two such letters ("ki": nine ranges).
    ["\u0130lker \u0130nce", "ince.ilker"],
    ["\u212aelvin Sign", "sign.kelvin"],
    ["Kim Kirk", "kirk.kim"],
    // A UPN that shares the name's first character but not its next two (found by UPN alone for
    // "st"), and one that follows its name (found by name).
    ["Sandra Tee", "st.sandra"],
    ["Stan Lee", "stan.lee"],
  ];

  beforeAll(async () => {
    db = await createTestDatabase();
    gateway = await TestGateway.start({ DATABASE_URL: db.url });
    for (const [displayName, upn] of PEOPLE) {
      await gateway.ok("admin", "mutation($input: CreateUserInput!) { createUser(input: $input) { id } }", {
        input: { displayName, userPrincipalName: `${upn}@contoso.com` },
      });
    }
  });

  afterAll(async () => {
    await gateway?.stop();
    await db?.drop();
  });

  /** The users a plain statement over every user finds for the prefix, in the list's order. */
  async function expected(prefix: string): Promise<string[]> {
    const like = `${prefix.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const postgres = db.kind === "postgres";
    const name = postgres ? "LOWER(display_name)" : "display_name";
    const rows: { id: string }[] = await gateway.app.services.db.manager.query(
      `SELECT id FROM users WHERE ${name} LIKE ${postgres ? "$1" : "?"} ESCAPE '\\' OR upn_key LIKE ${postgres ? "$2" : "?"} ESCAPE '\\' ORDER BY display_name, id`,
      [like, like],
    );
    return rows.map((row) => row.id);
  }

  async function forward(prefix: string, first: number): Promise<string[]> {
    const ids: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 100; page++) {
      const data: any = await gateway.ok(
        "admin",
        "query($p: String!, $first: Int!, $after: String) { users(first: $first, after: $after, filter: { startsWith: $p }) { edges { node { id } } pageInfo { hasNextPage endCursor } } }",
        { p: prefix, first, after },
      );
      ids.push(...data.users.edges.map((edge: any) => edge.node.id));
      if (!data.users.pageInfo.hasNextPage) return ids;
      after = data.users.pageInfo.endCursor;
    }
    throw new Error("more than 100 pages");
  }

  async function backward(prefix: string, last: number): Promise<string[]> {
    const ids: string[] = [];
    let before: string | null = null;
    for (let page = 0; page < 100; page++) {
      const data: any = await gateway.ok(
        "admin",
        "query($p: String!, $last: Int!, $before: String) { users(last: $last, before: $before, filter: { startsWith: $p }) { edges { node { id } } pageInfo { hasPreviousPage startCursor } } }",
        { p: prefix, last, before },
      );
      ids.unshift(...data.users.edges.map((edge: any) => edge.node.id));
      if (!data.users.pageInfo.hasPreviousPage) return ids;
      before = data.users.pageInfo.startCursor;
    }
    throw new Error("more than 100 pages");
  }

  // One letter (whose users found by UPN alone come from an index of their own: "b" finds one,
  // "[Bracket] Sam") to four (ranges), five letters and a prefix ending in a non-ASCII letter (the
  // prefix indexes, sorted), LIKE's wildcards, which must match only themselves, and the letters
  // LOWER may fold other characters into.
  it.each(["s", "S", "b", "x", "sa", "sam", "SAM ", "sa%", "sa_", "sa_m", "samue", "sø", "[b", "i", "I", "k", "ki", "KIM", "st", "St.", "sta"])("startsWith %j, forward and backward, in pages of 2 and 5", async (prefix) => {
    const want = await expected(prefix);
    expect(want.length).toBeGreaterThan(0);
    for (const size of [2, 5]) {
      expect(await forward(prefix, size)).toEqual(want);
      expect(await backward(prefix, size)).toEqual(want);
    }
  });

  it("a prefix whose users were renamed and removed pages as the plain statement does", async () => {
    const found = await forward("sam", 50);
    const [first, second] = found;
    await gateway.ok("admin", "mutation($id: ID!) { updateUser(id: $id, input: { displayName: \"zzz renamed away\" }) { id } }", { id: first });
    await gateway.ok("admin", "mutation($id: ID!) { deleteUser(id: $id) }", { id: second });
    const want = await expected("sam");
    // The first is still found by its UPN; the second is gone.
    expect(want).toContain(first);
    expect(want).not.toContain(second);
    expect(await forward("sam", 2)).toEqual(want);
    expect(await backward("sam", 3)).toEqual(want);
  });

  it("case variant ranges cover each way of writing the prefix's ASCII letters, in order, or none past four letters", () => {
    expect(caseVariantRanges("Zo")).toEqual([
      ["ZO", "ZP"],
      ["Zo", "Zp"],
      ["zO", "zP"],
      ["zo", "zp"],
    ]);
    expect(caseVariantRanges("a b")).toEqual([
      ["A B", "A C"],
      ["A b", "A c"],
      ["a B", "a C"],
      ["a b", "a c"],
    ]);
    expect(caseVariantRanges("abcd")).toHaveLength(16);
    expect(caseVariantRanges("abcde")).toBeNull();
    expect(caseVariantRanges("12")).toBeNull();
    expect(caseVariantRanges("sø")).toBeNull();
    expect(caseVariantRanges("")).toBeNull();
  });

  it("on PostgreSQL, i and k are also written as the characters LOWER may fold into them, and only an ASCII prefix has ranges", () => {
    expect(caseVariantRanges("Zo", { postgres: true })).toEqual(caseVariantRanges("Zo"));
    expect(caseVariantRanges("k", { postgres: true })).toEqual([
      ["K", "L"],
      ["k", "l"],
      ["\u212a", "\u212b"],
    ]);
    expect(caseVariantRanges("i.", { postgres: true })).toEqual([
      ["I.", "I/"],
      ["i.", "i/"],
      ["\u0130.", "\u0130/"],
    ]);
    expect(caseVariantRanges("kim", { postgres: true })).toHaveLength(18);
    // 81 ways to write "kiki": sorted instead.
    expect(caseVariantRanges("kiki", { postgres: true })).toBeNull();
    // LOWER folds "Ø" into "ø", which a range of "ø" alone would miss; SQLite's LIKE does not.
    expect(caseVariantRanges("søren", { postgres: true })).toBeNull();
    expect(caseVariantRanges("sø x", { postgres: true })).toBeNull();
    expect(caseVariantRanges("sø x")).toHaveLength(4);
  });
});

describe("migrations UpnOtherInitial, UpnOtherInitialPostgres and UpnOtherStart", () => {
  it("index the users whose UPN and name start differently, each on its engine, and can be undone and done again", async () => {
    const names = ["UpnOtherInitial1765300000000", "UpnOtherInitialPostgres1765400000000", "UpnOtherStart1765500000000"];
    expect(MIGRATIONS.slice(0, MIGRATIONS.findIndex((migration) => migration.name === names.at(-1)) + 1).slice(-3).map((migration) => migration.name)).toEqual(names);
    await withMigrationsUpTo(names.at(-1)!, "IX_users_upn_other_", async (source, indexes, kind) => {
      const both = ["IX_users_upn_other_initial", "IX_users_upn_other_start"];
      await source.runMigrations();
      expect(await indexes()).toEqual(both);
      await source.undoLastMigration();
      expect(await indexes()).toEqual(["IX_users_upn_other_initial"]);
      // The one before makes the first-character index on PostgreSQL only, the one before that on SQLite only.
      await source.undoLastMigration();
      expect(await indexes()).toEqual(kind === "postgres" ? [] : ["IX_users_upn_other_initial"]);
      await source.undoLastMigration();
      expect(await indexes()).toEqual([]);
      await source.runMigrations();
      expect(await indexes()).toEqual(both);
    });
  });
});

describe("migration UsersWithoutUsageLocation", () => {
  it("indexes the users without a usage location on PostgreSQL only, and can be undone and done again", async () => {
    await withMigrationsUpTo("UsersWithoutUsageLocation1765600000000", "IX_users_without_usage_location", async (source, indexes, kind) => {
      const made = kind === "postgres" ? ["IX_users_without_usage_location"] : [];
      await source.runMigrations();
      expect(await indexes()).toEqual(made);
      await source.undoLastMigration();
      expect(await indexes()).toEqual([]);
      await source.runMigrations();
      expect(await indexes()).toEqual(made);
    });
  });
});

/**
 * A new database migrated up to the migration named last, for a test of the last ones: `body`
 * gets its data source and a reader of the names of the users' indexes that start with `prefix`.
 */
async function withMigrationsUpTo(last: string, prefix: string, body: (source: DataSource, indexes: () => Promise<string[]>, kind: TestDatabase["kind"]) => Promise<void>): Promise<void> {
  const db = await createTestDatabase();
  const entities = [...AUDIT_ENTITIES, ...DIRECTORY_ENTITIES, ...LICENSING_ENTITIES];
  const migrations = MIGRATIONS.slice(0, MIGRATIONS.findIndex((migration) => migration.name === last) + 1);
  expect(migrations.at(-1)?.name).toBe(last);
  const source =
    db.kind === "postgres"
      ? new DataSource({ type: "postgres", url: db.url, entities, migrations })
      : new DataSource({ type: "better-sqlite3", database: db.url, entities, migrations });
  const indexes = async (): Promise<string[]> =>
    (
      db.kind === "postgres"
        ? await source.query("SELECT indexname AS name FROM pg_indexes WHERE tablename = 'users' ORDER BY 1")
        : await source.query("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'users' ORDER BY 1")
    )
      .map((row: { name: string }) => row.name)
      .filter((name: string) => name.startsWith(prefix));
  await source.initialize();
  try {
    await body(source, indexes, db.kind);
  } finally {
    await source.destroy();
    await db.drop();
  }
}
