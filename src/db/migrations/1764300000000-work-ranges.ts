import { type MigrationInterface, type QueryRunner, Table } from "typeorm";

/**
 * A whole group queued for licensing (its licenses set or changed, or reprocessed) used to be one
 * license_work row per member, written when the group changed, read when claimed and deleted
 * when done: for a large group that was most of the queue's cost, and the mutation itself wrote
 * a row for every member. A range row stands for the group's members whose ids lie between two
 * ids, in key order; a batch takes some of them and moves `first_user_id` past them, or deletes
 * the row when none are left. Members who join later, and anyone else a group change concerns,
 * still get a license_work row of their own.
 */
export class WorkRanges1764300000000 implements MigrationInterface {
  name = "WorkRanges1764300000000";

  async up(queryRunner: QueryRunner): Promise<void> {
    const id = (name: string, extra: { isPrimary?: boolean } = {}) => ({ name, type: "varchar", length: "36", ...extra });
    await queryRunner.createTable(
      new Table({
        name: "license_work_ranges",
        columns: [
          id("group_id", { isPrimary: true }),
          id("last_user_id", { isPrimary: true }),
          id("first_user_id"),
          { name: "members", type: "integer" },
          { name: "enqueued_date_time", type: "varchar", length: "30" },
        ],
        indices: [{ name: "IX_license_work_ranges_order", columnNames: ["enqueued_date_time", "group_id", "last_user_id"] }],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable("license_work_ranges");
  }
}
