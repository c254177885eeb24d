import { type MigrationInterface, type QueryRunner, Table } from "typeorm";

/**
 * Groups as members of groups (nested groups, as in Entra). Kept apart from group_members, which
 * holds users only: group-based licensing reads group_members alone, so a license on a group
 * reaches its direct user members and never the members of a group nested in it. Deleting
 * either group removes the link. Schema builder only, so it runs on SQLite and PostgreSQL.
 */
export class NestedGroups1764620000000 implements MigrationInterface {
  name = "NestedGroups1764620000000";

  async up(queryRunner: QueryRunner): Promise<void> {
    const toGroup = (column: string) => ({ columnNames: [column], referencedTableName: "directory_groups", referencedColumnNames: ["id"], onDelete: "CASCADE" });
    await queryRunner.createTable(
      new Table({
        name: "group_member_groups",
        columns: [
          { name: "group_id", type: "varchar", length: "36", isPrimary: true },
          { name: "member_group_id", type: "varchar", length: "36", isPrimary: true },
        ],
        // The primary key walks down (a group's member groups); this index walks up (memberOf).
        indices: [{ name: "IX_group_member_groups_member", columnNames: ["member_group_id", "group_id"] }],
        foreignKeys: [toGroup("group_id"), toGroup("member_group_id")],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable("group_member_groups");
  }
}
