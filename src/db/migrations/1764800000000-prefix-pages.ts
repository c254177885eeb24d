import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * `users(filter: { startsWith })` at a million users. The prefix indexes of LargeTenantReads
 * found the matches, but each match's row was then read, on its own page of the table, to sort
 * them by (displayName, id): 3,000 matches were 3,000 random reads for a page of 50. These
 * indexes also carry display_name and id, so a page is picked from index entries alone and only
 * its own rows are read (UserStore.list). The leading column stays what each engine's prefix
 * LIKE needs: NOCASE on SQLite, text_pattern_ops on PostgreSQL.
 */
export class PrefixPages1764800000000 implements MigrationInterface {
  name = "PrefixPages1764800000000";

  async up(queryRunner: QueryRunner): Promise<void> {
    await replacePrefixIndexes(queryRunner, true);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await replacePrefixIndexes(queryRunner, false);
  }
}

/** Drops the two prefix indexes and makes them again, carrying (display_name, id) or not. */
async function replacePrefixIndexes(queryRunner: QueryRunner, covering: boolean): Promise<void> {
  const postgres = queryRunner.connection.options.type === "postgres";
  await queryRunner.query('DROP INDEX "IX_users_display_name_prefix"');
  await queryRunner.query('DROP INDEX "IX_users_upn_prefix"');
  const [included, trailing] = covering ? [' INCLUDE ("display_name", "id")', ', "display_name", "id"'] : ["", ""];
  const statements = postgres
    ? [
        `CREATE INDEX "IX_users_display_name_prefix" ON "users" (lower("display_name") text_pattern_ops)${included}`,
        `CREATE INDEX "IX_users_upn_prefix" ON "users" ("upn_key" text_pattern_ops)${included}`,
      ]
    : [
        `CREATE INDEX "IX_users_display_name_prefix" ON "users" ("display_name" COLLATE NOCASE${trailing})`,
        `CREATE INDEX "IX_users_upn_prefix" ON "users" ("upn_key" COLLATE NOCASE${trailing})`,
      ];
  for (const statement of statements) await queryRunner.query(statement);
}
