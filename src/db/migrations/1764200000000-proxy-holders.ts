import { type MigrationInterface, type QueryRunner, TableIndex } from "typeorm";

/**
 * Who holds an address is asked for every user a licensing batch evaluates (a mailbox's
 * addresses must be unique). With user_id in the index the answer comes from the index alone,
 * without a visit to each row.
 */
export class ProxyHolders1764200000000 implements MigrationInterface {
  name = "ProxyHolders1764200000000";

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createIndex("user_proxy_addresses", new TableIndex({ name: "IX_user_proxy_addresses_holder", columnNames: ["address_key", "user_id"] }));
    await queryRunner.dropIndex("user_proxy_addresses", "IX_user_proxy_addresses_key");
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createIndex("user_proxy_addresses", new TableIndex({ name: "IX_user_proxy_addresses_key", columnNames: ["address_key"] }));
    await queryRunner.dropIndex("user_proxy_addresses", "IX_user_proxy_addresses_holder");
  }
}
