import { type MigrationInterface, type QueryRunner, Table, TableForeignKey } from "typeorm";
import type { TableColumnOptions } from "typeorm/schema-builder/options/TableColumnOptions";

const text = (name: string, length: number, extra: Partial<TableColumnOptions> = {}): TableColumnOptions => ({
  name,
  type: "varchar",
  length: String(length),
  ...extra,
});
const count = (name: string): TableColumnOptions => ({ name, type: "integer", default: 0 });
const cascade = (column: string, table: string) =>
  new TableForeignKey({ columnNames: [column], referencedTableName: table, referencedColumnNames: ["id"], onDelete: "CASCADE" });

export class Licensing1763900000000 implements MigrationInterface {
  name = "Licensing1763900000000";

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: "subscribed_skus",
        columns: [
          text("sku_id", 36, { isPrimary: true }),
          text("sku_part_number", 128),
          text("applies_to", 8),
          text("capability_status", 16),
          count("enabled_units"),
          count("suspended_units"),
          count("warning_units"),
          count("locked_out_units"),
          count("consumed_units"),
          text("created_date_time", 30),
        ],
        // The database itself refuses over-assignment, whatever the code does.
        checks: [{ name: "CK_subscribed_skus_consumed", expression: "consumed_units >= 0" }],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: "license_assignments",
        columns: [
          text("user_id", 36, { isPrimary: true }),
          text("sku_id", 36, { isPrimary: true }),
          text("source", 36, { isPrimary: true }),
          { name: "disabled_plans", type: "text" },
          text("state", 16),
          text("error", 40, { isNullable: true }),
          text("last_updated_date_time", 30),
        ],
        indices: [
          { name: "IX_license_assignments_source_state", columnNames: ["source", "state", "user_id"] },
          { name: "IX_license_assignments_sku", columnNames: ["sku_id", "state"] },
        ],
        foreignKeys: [cascade("user_id", "users")],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: "group_licenses",
        columns: [text("group_id", 36, { isPrimary: true }), text("sku_id", 36, { isPrimary: true }), { name: "disabled_plans", type: "text" }],
        foreignKeys: [cascade("group_id", "directory_groups")],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: "group_license_processing",
        columns: [text("group_id", 36, { isPrimary: true }), text("state", 24), count("succeeded"), count("failed"), text("updated_date_time", 30)],
        foreignKeys: [cascade("group_id", "directory_groups")],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: "license_work",
        columns: [
          text("user_id", 36, { isPrimary: true }),
          text("group_id", 36, { isPrimary: true }),
          text("claimed_by", 64, { isNullable: true }),
          text("claimed_until", 30, { isNullable: true }),
          text("enqueued_date_time", 30),
        ],
        indices: [
          { name: "IX_license_work_claim", columnNames: ["claimed_until", "enqueued_date_time"] },
          { name: "IX_license_work_group", columnNames: ["group_id"] },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: "plan_rules",
        columns: [text("id", 16, { isPrimary: true }), { name: "document", type: "text" }, text("updated_date_time", 30)],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ["plan_rules", "license_work", "group_license_processing", "group_licenses", "license_assignments", "subscribed_skus"]) {
      await queryRunner.dropTable(table);
    }
  }
}
