import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * The audit log's time index carries seq on PostgreSQL, so a time window's entries are read and
 * sorted by seq from the index alone (AuditStore.windowPage), and the retention sweep picks the
 * oldest entries' seqs without reading their rows. SQLite's index holds seq already: it is the
 * table's rowid. Building it on a log of 20 million entries took 22 s, at start-up.
 */
export class AuditTimeWindow1764810000000 implements MigrationInterface {
  name = "AuditTimeWindow1764810000000";

  async up(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type !== "postgres") return;
    await queryRunner.query('DROP INDEX "IX_directory_audits_time"');
    await queryRunner.query('CREATE INDEX "IX_directory_audits_time" ON "directory_audits" ("activity_date_time") INCLUDE ("seq")');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type !== "postgres") return;
    await queryRunner.query('DROP INDEX "IX_directory_audits_time"');
    await queryRunner.query('CREATE INDEX "IX_directory_audits_time" ON "directory_audits" ("activity_date_time")');
  }
}
