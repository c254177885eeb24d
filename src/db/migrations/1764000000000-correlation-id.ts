import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * A request id (the audit's correlationId) may be up to 128 characters (http/request-id.ts), but
 * its column said 64. SQLite ignores varchar lengths; PostgreSQL enforces them, and refused every
 * write of a request with a longer id. Widened in place there (TypeORM's changeColumn would drop
 * and re-add the column, losing its values); SQLite has nothing to change.
 */
export class CorrelationId1764000000000 implements MigrationInterface {
  name = "CorrelationId1764000000000";

  async up(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type !== "postgres") return;
    await queryRunner.query('ALTER TABLE "directory_audits" ALTER COLUMN "correlation_id" TYPE varchar(128)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type !== "postgres") return;
    await queryRunner.query('ALTER TABLE "directory_audits" ALTER COLUMN "correlation_id" TYPE varchar(64)');
  }
}
