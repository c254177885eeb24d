import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * `groups(filter: { dynamicMembership: true })` walked every group in name order to find the
 * few dynamic ones (a tenant of 5,000 groups had 3). A partial index holds only those groups, in
 * the list's order. Its condition is the list's own (GroupStore's DYNAMIC_GROUPS_CONDITION),
 * written the same way, which is what lets either engine use it.
 */
export class DynamicGroups1765000000000 implements MigrationInterface {
  name = "DynamicGroups1765000000000";

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX "IX_directory_groups_dynamic" ON "directory_groups" ("display_name", "id") WHERE "group_types" LIKE '%"DynamicMembership"%'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX "IX_directory_groups_dynamic"');
  }
}
