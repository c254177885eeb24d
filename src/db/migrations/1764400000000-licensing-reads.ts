import { type MigrationInterface, type QueryRunner, TableIndex } from "typeorm";

/**
 * A licensing batch reads, for every user it evaluates, a few of the user's columns, which groups
 * they are in and what their proxy addresses are. The indexes on the user's id led to each row
 * for the rest: on SQLite a visit to a random page of the table per user (rows lie in the order
 * they were created). With the columns asked for in the index, the answer comes from the index
 * alone, read in the batch's key order.
 */
export class LicensingReads1764400000000 implements MigrationInterface {
  name = "LicensingReads1764400000000";

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createIndex(
      "users",
      new TableIndex({ name: "IX_users_licensee", columnNames: ["id", "usage_location", "user_principal_name", "display_name", "mail"] }),
    );
    await queryRunner.createIndex("group_members", new TableIndex({ name: "IX_group_members_user_group", columnNames: ["user_id", "group_id"] }));
    await queryRunner.dropIndex("group_members", "IX_group_members_user");
    await queryRunner.createIndex(
      "user_proxy_addresses",
      new TableIndex({ name: "IX_user_proxy_addresses_user_position", columnNames: ["user_id", "position", "address", "address_key"] }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropIndex("users", "IX_users_licensee");
    await queryRunner.dropIndex("user_proxy_addresses", "IX_user_proxy_addresses_user_position");
    await queryRunner.createIndex("group_members", new TableIndex({ name: "IX_group_members_user", columnNames: ["user_id"] }));
    await queryRunner.dropIndex("group_members", "IX_group_members_user_group");
  }
}
