import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * `users(filter: { startsWith })` with a one-character prefix on SQLite (UserStore.prefixPage)
 * reads the names from the users' name index, one range per letter case, and then needs the
 * users found by their UPN alone: those whose UPN starts with the prefix and whose name does not.
 * For one character, those are exactly the users whose UPN and name start with different
 * characters (in any ASCII letter case, as LIKE and lower() fold it), which this partial index
 * holds: a few in a directory whose UPNs follow the names. Without it, the UPN prefix index was
 * read for every UPN that starts with the character (146,000 of a million users for "a", 10 ms
 * a page) to find them. SQLite only here; migration UpnOtherInitialPostgres makes the same index
 * on PostgreSQL.
 */
export class UpnOtherInitial1765300000000 implements MigrationInterface {
  name = "UpnOtherInitial1765300000000";

  async up(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type === "postgres") return;
    await queryRunner.query(
      `CREATE INDEX "IX_users_upn_other_initial" ON "users" ("upn_key" COLLATE NOCASE, "display_name", "id") WHERE lower(substr(upn_key, 1, 1)) <> lower(substr(display_name, 1, 1))`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type === "postgres") return;
    await queryRunner.query('DROP INDEX "IX_users_upn_other_initial"');
  }
}
