import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * The partial index of migration UpnOtherInitial on PostgreSQL: `users(filter: { startsWith })`
 * with a short prefix now reads the names from the users' name index there too, one range per
 * way of writing the prefix, when the names sort by code point (a C collation; see
 * UserStore.prefixPage), and a one-character prefix then needs only the users whose UPN and name
 * start with different characters. Without it, every UPN starting with the character was read
 * (146,000 of a million users for "a"). The index carries the name and id, as the UPN prefix
 * index does, so the page is picked from it alone. Under another collation it is not used: it
 * holds the few users whose UPN does not follow their name.
 */
export class UpnOtherInitialPostgres1765400000000 implements MigrationInterface {
  name = "UpnOtherInitialPostgres1765400000000";

  async up(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type !== "postgres") return;
    await queryRunner.query(
      `CREATE INDEX "IX_users_upn_other_initial" ON "users" ("upn_key" text_pattern_ops) INCLUDE ("display_name", "id") WHERE lower(substr(upn_key, 1, 1)) <> lower(substr(display_name, 1, 1))`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type !== "postgres") return;
    await queryRunner.query('DROP INDEX "IX_users_upn_other_initial"');
  }
}
