import { type MigrationInterface, type QueryRunner, TableColumn } from "typeorm";

/**
 * Live progress of a group's license processing: how many users its run has queued in all, and
 * when the processor started on it. Kept on the group's processing row, next to the succeeded
 * and failed counts the batches already add to in their own transaction, so a portal reads its
 * "4,200 of 10,000" from one row instead of counting the queue.
 */
export class LicensingProgress1764560000000 implements MigrationInterface {
  name = "LicensingProgress1764560000000";

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumns("group_license_processing", [
      new TableColumn({ name: "queued", type: "integer", default: 0 }),
      new TableColumn({ name: "started_date_time", type: "varchar", length: "30", isNullable: true }),
    ]);
    // Runs recorded before: everything they queued is what they processed so far.
    await queryRunner.query("UPDATE group_license_processing SET queued = succeeded + failed");
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn("group_license_processing", "started_date_time");
    await queryRunner.dropColumn("group_license_processing", "queued");
  }
}
