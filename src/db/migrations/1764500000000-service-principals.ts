import { type MigrationInterface, type QueryRunner, Table } from "typeorm";

/**
 * Applications registered in the directory (service principals) and the application permissions
 * granted to them, for app-only tokens. Schema builder only, so it runs on SQLite and PostgreSQL.
 */
export class ServicePrincipals1764500000000 implements MigrationInterface {
  name = "ServicePrincipals1764500000000";

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: "service_principals",
        columns: [
          { name: "id", type: "varchar", length: "36", isPrimary: true },
          { name: "app_id", type: "varchar", length: "128" },
          { name: "app_id_key", type: "varchar", length: "128" },
          { name: "display_name", type: "varchar", length: "256" },
          { name: "created_date_time", type: "varchar", length: "30" },
        ],
        uniques: [{ name: "UQ_service_principals_app_id_key", columnNames: ["app_id_key"] }],
        indices: [{ name: "IX_service_principals_display_name", columnNames: ["display_name", "id"] }],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: "service_principal_permissions",
        columns: [
          { name: "service_principal_id", type: "varchar", length: "36", isPrimary: true },
          { name: "permission", type: "varchar", length: "64", isPrimary: true },
          { name: "granted_date_time", type: "varchar", length: "30" },
        ],
        foreignKeys: [
          { columnNames: ["service_principal_id"], referencedTableName: "service_principals", referencedColumnNames: ["id"], onDelete: "CASCADE" },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable("service_principal_permissions");
    await queryRunner.dropTable("service_principals");
  }
}
