import { type MigrationInterface, type QueryRunner, TableIndex } from "typeorm";

/**
 * The audit log's category and result filters, index-backed like the others: each index ends in
 * seq, so a filtered page newest first reads the index in order and stops at the page's end,
 * however many entries a year holds. (activity_date_time's index already serves the since/until
 * filters and the retention sweep, which deletes the oldest entries first.)
 */
export class AuditFilters1764630000000 implements MigrationInterface {
  name = "AuditFilters1764630000000";

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createIndices("directory_audits", [
      new TableIndex({ name: "IX_directory_audits_category", columnNames: ["category", "seq"] }),
      new TableIndex({ name: "IX_directory_audits_result", columnNames: ["result", "seq"] }),
    ]);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropIndex("directory_audits", "IX_directory_audits_result");
    await queryRunner.dropIndex("directory_audits", "IX_directory_audits_category");
  }
}
