import { type MigrationInterface, type QueryRunner, TableIndex } from "typeorm";

/**
 * Directory lists at a million users. Each filter of `users` gets an index that leads with the
 * filtered column and goes on in the list's order (displayName, id), so a first page and a deep
 * keyset page read about one page of index entries instead of sorting every match. `startsWith`
 * gets indexes a prefix LIKE can use on each engine: SQLite uses an index for `LIKE 'ab%'` only
 * when the column itself is compared and the index is NOCASE (LIKE ignores ASCII case there);
 * PostgreSQL uses one for `lower(x) LIKE 'ab%'` only with text_pattern_ops (or the C collation),
 * whatever the database's collation. (The audit log's category and result filters got theirs in
 * AuditFilters.)
 */
export class LargeTenantReads1764700000000 implements MigrationInterface {
  name = "LargeTenantReads1764700000000";

  async up(queryRunner: QueryRunner): Promise<void> {
    const postgres = queryRunner.connection.options.type === "postgres";
    const statements = postgres
      ? [
          'CREATE INDEX "IX_users_department_name" ON "users" (lower("department"), "display_name", "id")',
          'CREATE INDEX "IX_users_display_name_prefix" ON "users" (lower("display_name") text_pattern_ops)',
          'CREATE INDEX "IX_users_upn_prefix" ON "users" ("upn_key" text_pattern_ops)',
          'CREATE INDEX "IX_directory_groups_display_name_prefix" ON "directory_groups" (lower("display_name") text_pattern_ops)',
        ]
      : [
          'CREATE INDEX "IX_users_department_name" ON "users" ("department" COLLATE NOCASE, "display_name", "id")',
          'CREATE INDEX "IX_users_display_name_prefix" ON "users" ("display_name" COLLATE NOCASE)',
          'CREATE INDEX "IX_users_upn_prefix" ON "users" ("upn_key" COLLATE NOCASE)',
          'CREATE INDEX "IX_directory_groups_display_name_prefix" ON "directory_groups" ("display_name" COLLATE NOCASE)',
        ];
    for (const statement of statements) await queryRunner.query(statement);
    await queryRunner.createIndices("users", [
      new TableIndex({ name: "IX_users_usage_location_name", columnNames: ["usage_location", "display_name", "id"] }),
      new TableIndex({ name: "IX_users_enabled_name", columnNames: ["account_enabled", "display_name", "id"] }),
    ]);
    await queryRunner.dropIndex("users", "IX_users_department");
    await queryRunner.dropIndex("users", "IX_users_usage_location");
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createIndices("users", [
      new TableIndex({ name: "IX_users_department", columnNames: ["department"] }),
      new TableIndex({ name: "IX_users_usage_location", columnNames: ["usage_location"] }),
    ]);
    for (const index of ["IX_users_enabled_name", "IX_users_usage_location_name", "IX_users_upn_prefix", "IX_users_display_name_prefix", "IX_users_department_name"]) {
      await queryRunner.query(`DROP INDEX "${index}"`);
    }
    await queryRunner.query('DROP INDEX "IX_directory_groups_display_name_prefix"');
  }
}
