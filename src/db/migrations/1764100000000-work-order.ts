import { type MigrationInterface, type QueryRunner, TableIndex } from "typeorm";

/**
 * The licensing queue is taken oldest first. Without an index in that order every batch sorted
 * the whole queue, so draining a queue of n users cost n² / batch size row visits; with it a
 * batch reads its rows in order and stops. The index on (claimed_until, enqueued_date_time) served
 * no query in that order and only slowed every write to the queue.
 */
export class WorkOrder1764100000000 implements MigrationInterface {
  name = "WorkOrder1764100000000";

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createIndex("license_work", new TableIndex({ name: "IX_license_work_order", columnNames: ["enqueued_date_time", "user_id", "group_id"] }));
    await queryRunner.dropIndex("license_work", "IX_license_work_claim");
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createIndex("license_work", new TableIndex({ name: "IX_license_work_claim", columnNames: ["claimed_until", "enqueued_date_time"] }));
    await queryRunner.dropIndex("license_work", "IX_license_work_order");
  }
}
