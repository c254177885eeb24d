import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * `users(filter: { hasLicenseErrors: true })` on a large tenant walks the users' name index and
 * asks, for each user, whether any of their license sources is in error (UserStore.probesIds).
 * The assignments' key starts with the user, but holds no state: each walked user's rows were
 * read from the table to find one in error (a million users with 20,000 in error: about 2,500
 * users walked, and their rows read, for a page of 50). This partial index holds only the
 * sources in error, by user and SKU, with their state so that nothing else is read: each probe is
 * one look into a small index. Its condition is the licensing stores' IN_ERROR, written the same
 * way, which is what lets either engine use it.
 */
export class UserErrors1765100000000 implements MigrationInterface {
  name = "UserErrors1765100000000";

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX "IX_license_assignments_user_errors" ON "license_assignments" ("user_id", "sku_id", "state") WHERE "state" IN ('Error', 'ActiveWithError')`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX "IX_license_assignments_user_errors"');
  }
}
