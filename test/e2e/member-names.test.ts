import "reflect-metadata";
import { DataSource } from "typeorm";
import { AUDIT_ENTITIES } from "../../src/audit/entities";
import { MIGRATIONS } from "../../src/db/migrations";
import { DIRECTORY_ENTITIES } from "../../src/directory/entities";
import { LICENSING_ENTITIES } from "../../src/licensing/entities";
import { GroupStore } from "../../src/directory/stores/group.store";
import { UserStore } from "../../src/directory/stores/user.store";
import { createTestDatabase, onPostgres, type TestDatabase } from "../support/database";
import { TestGateway } from "../support/harness";

// Each membership keeps its user's display name, which orders a page of the group's members
// (migration MemberNames): it must follow every change of the user's name.
describe("a group's members are ordered by their names as they are now", () => {
  let db: TestDatabase;
  let gateway: TestGateway;

  beforeAll(async () => {
    db = await createTestDatabase();
    gateway = await TestGateway.start({ DATABASE_URL: db.url });
  });

  afterAll(async () => {
    await gateway?.stop();
    await db?.drop();
  });

  const MEMBERS = "query($id: ID!, $first: Int, $last: Int) { group(id: $id) { members(first: $first, last: $last) { edges { node { id displayName } } } } }";

  /** Memberships whose name is not their user's, as the database holds them. */
  async function stale(): Promise<unknown[]> {
    return gateway.app.services.db.manager.query("SELECT m.group_id, m.user_id, m.display_name FROM group_members m JOIN users u ON u.id = m.user_id WHERE m.display_name <> u.display_name");
  }

  it("a member renamed moves to their new place in every group, first and last", async () => {
    const groupId = await gateway.groupId("Engineering");
    // The member who comes last by name, made first, then last again.
    const before = await gateway.ok("admin", MEMBERS, { id: groupId, last: 1 });
    const userId = before.group.members.edges[0].node.id;
    const update = "mutation($id: ID!, $name: String!) { updateUser(id: $id, input: { displayName: $name }) { id } }";

    await gateway.ok("admin", update, { id: userId, name: "Aaaa First By Name" });
    const first = await gateway.ok("admin", MEMBERS, { id: groupId, first: 1 });
    expect(first.group.members.edges[0].node).toEqual({ id: userId, displayName: "Aaaa First By Name" });

    await gateway.ok("admin", update, { id: userId, name: "Zzzz Last By Name" });
    const last = await gateway.ok("admin", MEMBERS, { id: groupId, last: 1 });
    expect(last.group.members.edges[0].node).toEqual({ id: userId, displayName: "Zzzz Last By Name" });
    const firstAgain = await gateway.ok("admin", MEMBERS, { id: groupId, first: 1 });
    expect(firstAgain.group.members.edges[0].node.id).not.toBe(userId);
    expect(await stale()).toEqual([]);
  });

  it("members added by hand and by a dynamic rule carry their names", async () => {
    const { createUser } = await gateway.ok("admin", "mutation($input: CreateUserInput!) { createUser(input: $input) { id } }", {
      input: { displayName: "Aaab Newcomer", userPrincipalName: "aaab.newcomer@contoso.com", department: "Marketing" },
    });
    const { createGroup } = await gateway.ok("admin", 'mutation { createGroup(input: { displayName: "Named members", securityEnabled: true }) { id } }');
    await gateway.ok("admin", "mutation($g: ID!, $m: ID!) { addGroupMember(groupId: $g, memberId: $m) { id } }", { g: createGroup.id, m: createUser.id });
    const page = await gateway.ok("admin", MEMBERS, { id: createGroup.id, first: 5 });
    expect(page.group.members.edges.map((edge: any) => edge.node)).toEqual([{ id: createUser.id, displayName: "Aaab Newcomer" }]);

    const { createGroup: dynamic } = await gateway.ok("admin", 'mutation { createGroup(input: { displayName: "Marketing by rule", securityEnabled: true, groupTypes: ["DynamicMembership"], membershipRule: "user.department -eq \\"Marketing\\"" }) { id } }');
    await gateway.settle();
    const ruled = await gateway.ok("admin", MEMBERS, { id: dynamic.id, first: 1 });
    expect(ruled.group.members.edges[0].node).toEqual({ id: createUser.id, displayName: "Aaab Newcomer" });
    expect(await stale()).toEqual([]);
  });
});

// PostgreSQL runs transactions side by side: a rename and an insert of the same user's membership
// must not leave the membership with the old name. (SQLite's one writer runs them one after the other.)
(onPostgres ? describe : describe.skip)("a rename while the user is being added to a group (PostgreSQL)", () => {
  it("waits for the insert and renames the new membership too", async () => {
    const gateway = await TestGateway.start();
    try {
      const { createUser } = await gateway.ok("admin", "mutation($input: CreateUserInput!) { createUser(input: $input) { id } }", {
        input: { displayName: "Old Name", userPrincipalName: "old.name@contoso.com" },
      });
      const { createGroup } = await gateway.ok("admin", 'mutation { createGroup(input: { displayName: "Side by side", securityEnabled: true }) { id } }');
      const { db } = gateway.app.services;
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      let inserted!: () => void;
      const insertedYet = new Promise<void>((resolve) => (inserted = resolve));
      // The insert, its transaction held open...
      const adding = db.transaction(async (tx) => {
        await new GroupStore(tx).addMembers(createGroup.id, [createUser.id]);
        inserted();
        await held;
      });
      await insertedYet;
      // ...while another renames the user; the insert then commits.
      const renaming = db.transaction(async (tx) => {
        const user = (await new UserStore(tx).findById(createUser.id))!;
        await new UserStore(tx).update({ ...user, displayName: "New Name" });
      });
      await new Promise((resolve) => setTimeout(resolve, 200));
      release();
      await Promise.all([adding, renaming]);
      expect(await db.manager.query("SELECT display_name FROM group_members WHERE user_id = $1", [createUser.id])).toEqual([{ display_name: "New Name" }]);
    } finally {
      await gateway.stop();
    }
  });
});

describe("migration MemberNames", () => {
  it("gives every existing membership its user's name, and can be undone and done again", async () => {
    const db = await createTestDatabase();
    const entities = [...AUDIT_ENTITIES, ...DIRECTORY_ENTITIES, ...LICENSING_ENTITIES];
    // Every migration up to this one, so that undoing the last undoes it.
    const migrations = MIGRATIONS.slice(0, MIGRATIONS.findIndex((migration) => migration.name === "MemberNames1765200000000") + 1);
    expect(migrations.at(-1)?.name).toBe("MemberNames1765200000000");
    const source =
      db.kind === "postgres"
        ? new DataSource({ type: "postgres", url: db.url, entities, migrations })
        : new DataSource({ type: "better-sqlite3", database: db.url, entities, migrations });
    await source.initialize();
    try {
      await source.runMigrations();
      const p = (n: number) => (db.kind === "postgres" ? `$${n}` : "?");
      await source.query(`INSERT INTO users (id, user_principal_name, upn_key, display_name, account_enabled, created_date_time) VALUES (${[1, 2, 3, 4, 5, 6].map(p).join(", ")})`, [
        "00000000-0000-4000-8000-000000000001", "ann@contoso.com", "ann@contoso.com", "Ann Before", true, "2026-12-01T00:00:00.000Z",
      ]);
      await source.query(`INSERT INTO directory_groups (id, display_name, security_enabled, mail_enabled, mail_nickname, group_types, created_date_time) VALUES (${[1, 2, 3, 4, 5, 6, 7].map(p).join(", ")})`, [
        "00000000-0000-4000-8000-0000000000a1", "Group", true, false, "group", "[]", "2026-12-01T00:00:00.000Z",
      ]);
      // Undone: the memberships have no names; the user is renamed meanwhile; done again: the name is the user's.
      await source.undoLastMigration();
      await source.query(`INSERT INTO group_members (group_id, user_id) VALUES (${p(1)}, ${p(2)})`, ["00000000-0000-4000-8000-0000000000a1", "00000000-0000-4000-8000-000000000001"]);
      await source.query(`UPDATE users SET display_name = ${p(1)}`, ["Ann After"]);
      await source.runMigrations();
      expect(await source.query("SELECT group_id, user_id, display_name FROM group_members")).toEqual([
        { group_id: "00000000-0000-4000-8000-0000000000a1", user_id: "00000000-0000-4000-8000-000000000001", display_name: "Ann After" },
      ]);
    } finally {
      await source.destroy();
      await db.drop();
    }
  });
});
