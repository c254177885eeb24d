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
// letters (UserStore.prefixPage, on SQLite): every page, forward and backward, must hold what a
// plain statement over every user gives, whatever the letter case of the names.
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
  // prefix indexes, sorted), and LIKE's wildcards, which must match only themselves.
  it.each(["s", "S", "b", "x", "sa", "sam", "SAM ", "sa%", "sa_", "sa_m", "samue", "sø", "[b"])("startsWith %j, forward and backward, in pages of 2 and 5", async (prefix) => {
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
});

describe("migration UpnOtherInitial", () => {
  it("indexes, on SQLite, the users whose UPN and name start differently, and can be undone and done again", async () => {
    const db = await createTestDatabase();
    const entities = [...AUDIT_ENTITIES, ...DIRECTORY_ENTITIES, ...LICENSING_ENTITIES];
    const migrations = MIGRATIONS.slice(0, MIGRATIONS.findIndex((migration) => migration.name === "UpnOtherInitial1765300000000") + 1);
    expect(migrations.at(-1)?.name).toBe("UpnOtherInitial1765300000000");
    const source =
      db.kind === "postgres"
        ? new DataSource({ type: "postgres", url: db.url, entities, migrations })
        : new DataSource({ type: "better-sqlite3", database: db.url, entities, migrations });
    const indexes = async (): Promise<string[]> =>
      db.kind === "postgres"
        ? (await source.query("SELECT indexname AS name FROM pg_indexes WHERE tablename = 'users' AND indexname = 'IX_users_upn_other_initial'")).map((row: { name: string }) => row.name)
        : (await source.query("SELECT name FROM sqlite_master WHERE type = 'index' AND name = 'IX_users_upn_other_initial'")).map((row: { name: string }) => row.name);
    await source.initialize();
    try {
      await source.runMigrations();
      // PostgreSQL keeps the sorted plan for every prefix: nothing to index there.
      const made = db.kind === "postgres" ? [] : ["IX_users_upn_other_initial"];
      expect(await indexes()).toEqual(made);
      await source.undoLastMigration();
      expect(await indexes()).toEqual([]);
      await source.runMigrations();
      expect(await indexes()).toEqual(made);
    } finally {
      await source.destroy();
      await db.drop();
    }
  });
});
