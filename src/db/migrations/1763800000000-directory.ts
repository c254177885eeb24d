import { type MigrationInterface, type QueryRunner, Table, TableForeignKey, TableIndex } from "typeorm";
import type { TableColumnOptions } from "typeorm/schema-builder/options/TableColumnOptions";

// Written with TypeORM's schema builder rather than SQL so the same migration runs on SQLite and
// PostgreSQL. Timestamps are ISO-8601 strings (see db/columns.ts).

const id = (name = "id"): TableColumnOptions => ({ name, type: "varchar", length: "36", isPrimary: true });
const ref = (name: string): TableColumnOptions => ({ name, type: "varchar", length: "36" });
const text = (name: string, length: number, nullable = false): TableColumnOptions => ({
  name,
  type: "varchar",
  length: String(length),
  isNullable: nullable,
});
const timestamp = (name: string): TableColumnOptions => text(name, 30);
const flag = (name: string): TableColumnOptions => ({ name, type: "boolean" });

function cascadeTo(table: string, column: string): TableForeignKey {
  return new TableForeignKey({
    columnNames: [column],
    referencedTableName: table,
    referencedColumnNames: ["id"],
    onDelete: "CASCADE",
  });
}

export class Directory1763800000000 implements MigrationInterface {
  name = "Directory1763800000000";

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: "organizations",
        columns: [
          id(),
          text("display_name", 256),
          { name: "verified_domains", type: "text" },
          text("default_usage_location", 2, true),
          timestamp("created_date_time"),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: "users",
        columns: [
          id(),
          text("user_principal_name", 113),
          text("upn_key", 113),
          text("display_name", 256),
          text("mail", 320, true),
          text("department", 64, true),
          text("job_title", 128, true),
          flag("account_enabled"),
          text("usage_location", 2, true),
          timestamp("created_date_time"),
        ],
        uniques: [{ name: "UQ_users_upn_key", columnNames: ["upn_key"] }],
        indices: [
          { name: "IX_users_display_name", columnNames: ["display_name", "id"] },
          { name: "IX_users_department", columnNames: ["department"] },
          { name: "IX_users_usage_location", columnNames: ["usage_location"] },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: "user_proxy_addresses",
        columns: [
          { ...ref("user_id"), isPrimary: true },
          { ...text("address_key", 330), isPrimary: true },
          text("address", 335),
          flag("is_primary"),
          { name: "position", type: "integer" },
        ],
        // Not unique: addresses synchronised from elsewhere can collide, and the licensing rules
        // must be able to see and report such a collision (UniquenessViolation).
        indices: [{ name: "IX_user_proxy_addresses_key", columnNames: ["address_key"] }],
        foreignKeys: [cascadeTo("users", "user_id")],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: "directory_groups",
        columns: [
          id(),
          text("display_name", 256),
          { name: "description", type: "text", isNullable: true },
          flag("security_enabled"),
          flag("mail_enabled"),
          text("mail_nickname", 64, true),
          { name: "group_types", type: "text" },
          { name: "membership_rule", type: "text", isNullable: true },
          text("membership_rule_processing_state", 10, true),
          timestamp("created_date_time"),
        ],
        indices: [{ name: "IX_directory_groups_display_name", columnNames: ["display_name", "id"] }],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: "group_members",
        columns: [
          { ...ref("group_id"), isPrimary: true },
          { ...ref("user_id"), isPrimary: true },
        ],
        indices: [{ name: "IX_group_members_user", columnNames: ["user_id"] }],
        foreignKeys: [cascadeTo("directory_groups", "group_id"), cascadeTo("users", "user_id")],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: "directory_role_assignments",
        columns: [
          { ...ref("role_template_id"), isPrimary: true },
          { ...ref("user_id"), isPrimary: true },
        ],
        indices: [{ name: "IX_directory_role_assignments_user", columnNames: ["user_id"] }],
        foreignKeys: [cascadeTo("users", "user_id")],
      }),
    );
    await this.createAuditTables(queryRunner);
  }

  private async createAuditTables(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: "directory_audits",
        columns: [
          { name: "seq", type: "integer", isPrimary: true, isGenerated: true, generationStrategy: "increment" },
          ref("id"),
          timestamp("activity_date_time"),
          text("activity_display_name", 128),
          text("category", 32),
          text("operation_type", 16),
          text("logged_by_service", 64),
          text("initiator_id", 36, true),
          { name: "initiated_by", type: "text" },
          { name: "target_resources", type: "text" },
          text("result", 16),
          { name: "result_reason", type: "text" },
          text("correlation_id", 64, true),
        ],
        uniques: [{ name: "UQ_directory_audits_id", columnNames: ["id"] }],
      }),
    );
    await queryRunner.createIndices("directory_audits", [
      new TableIndex({ name: "IX_directory_audits_time", columnNames: ["activity_date_time"] }),
      new TableIndex({ name: "IX_directory_audits_initiator", columnNames: ["initiator_id", "seq"] }),
      new TableIndex({ name: "IX_directory_audits_activity", columnNames: ["activity_display_name", "seq"] }),
    ]);
    // Audit entries outlive the objects they name, so no foreign key here.
    await queryRunner.createTable(
      new Table({
        name: "directory_audit_targets",
        columns: [
          { name: "audit_seq", type: "integer", isPrimary: true },
          { ...ref("target_id"), isPrimary: true },
        ],
        indices: [{ name: "IX_directory_audit_targets_target", columnNames: ["target_id", "audit_seq"] }],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of [
      "directory_audit_targets",
      "directory_audits",
      "directory_role_assignments",
      "group_members",
      "directory_groups",
      "user_proxy_addresses",
      "users",
      "organizations",
    ]) {
      await queryRunner.dropTable(table);
    }
  }
}
