import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * A time window's audit list is in (activity_date_time, seq) order (AuditStore.windowPage), so
 * on PostgreSQL the time index has seq as its second key column, not only carried beside it: a
 * page is then one range of the index, read in order and stopped at the page's end, and a
 * cursor's own moment is a range of seq within it. SQLite's index ends in seq already (its
 * rowid).
 */
export class AuditTimeOrder1764900000000 implements MigrationInterface {
  name = "AuditTimeOrder1764900000000";

  async up(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type !== "postgres") return;
    await queryRunner.query('DROP INDEX "IX_directory_audits_time"');
    await queryRunner.query('CREATE INDEX "IX_directory_audits_time" ON "directory_audits" ("activity_date_time", "seq")');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type !== "postgres") return;
    await queryRunner.query('DROP INDEX "IX_directory_audits_time"');
    await queryRunner.query('CREATE INDEX "IX_directory_audits_time" ON "directory_audits" ("activity_date_time") INCLUDE ("seq")');
  }
}
