import { type MigrationInterface, type QueryRunner, TableIndex } from "typeorm";

/**
 * The product-centric views read license assignments by SKU (a product's users, filtered by how
 * they hold it and its state) and count those in error per SKU; the list of groups assigning a
 * SKU reads group licenses by SKU, whose primary key leads with the group. The index on
 * (sku_id, state) becomes one that also holds the source and the user, so a product's users
 * come from the index alone (one index replaced by another: no more work per write). Errors are
 * few: their index holds only rows in error (partial, on both engines), so a dashboard's
 * per-product counts read those alone and the licensing batches' writes of healthy rows never
 * touch it. The text of its condition is the one the queries use.
 */
export class ProductViews1764600000000 implements MigrationInterface {
  name = "ProductViews1764600000000";

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropIndex("license_assignments", "IX_license_assignments_sku");
    await queryRunner.createIndex(
      "license_assignments",
      new TableIndex({ name: "IX_license_assignments_sku_holders", columnNames: ["sku_id", "state", "source", "user_id"] }),
    );
    await queryRunner.createIndex(
      "license_assignments",
      new TableIndex({ name: "IX_license_assignments_errors", columnNames: ["sku_id", "source", "user_id", "state"], where: "state IN ('Error', 'ActiveWithError')" }),
    );
    await queryRunner.createIndex("group_licenses", new TableIndex({ name: "IX_group_licenses_sku", columnNames: ["sku_id", "group_id"] }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropIndex("group_licenses", "IX_group_licenses_sku");
    await queryRunner.dropIndex("license_assignments", "IX_license_assignments_errors");
    await queryRunner.dropIndex("license_assignments", "IX_license_assignments_sku_holders");
    await queryRunner.createIndex("license_assignments", new TableIndex({ name: "IX_license_assignments_sku", columnNames: ["sku_id", "state"] }));
  }
}
