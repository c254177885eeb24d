import type { EntityManager } from "typeorm";
import { RawSql } from "../../db/sql";
import { RoleAssignmentEntity } from "../entities";

/** The only code that reads or writes directory role assignments. */
export class RoleStore {
  constructor(private readonly manager: EntityManager) {}

  async rolesOf(userIds: readonly string[]): Promise<Map<string, string[]>> {
    const byUser = new Map<string, string[]>();
    if (userIds.length === 0) return byUser;
    // Fixed SQL (a page of users with their directoryRoles asks it once), in the order the engine reads them.
    // Sign-in reads the caller's roles with the user instead (UserStore.findForSignIn).
    const rows = await new RawSql(this.manager, { prepared: true }).rowsIn<{ role_template_id: string; user_id: string }>(
      "user_id",
      userIds,
      (holders) => `SELECT role_template_id, user_id FROM directory_role_assignments WHERE ${holders}`,
    );
    for (const { user_id: userId, role_template_id: roleTemplateId } of rows) {
      const held = byUser.get(userId);
      if (held) held.push(roleTemplateId);
      else byUser.set(userId, [roleTemplateId]);
    }
    return byUser;
  }

  async holds(userId: string, roleTemplateId: string): Promise<boolean> {
    return (await this.manager.countBy(RoleAssignmentEntity, { userId, roleTemplateId })) > 0;
  }

  countHolders(roleTemplateId: string): Promise<number> {
    return this.manager.countBy(RoleAssignmentEntity, { roleTemplateId });
  }

  async holderIds(roleTemplateId: string): Promise<string[]> {
    const rows = await this.manager.findBy(RoleAssignmentEntity, { roleTemplateId });
    return rows.map((row) => row.userId);
  }

  async add(userId: string, roleTemplateId: string): Promise<void> {
    await this.manager.insert(RoleAssignmentEntity, { userId, roleTemplateId });
  }

  async remove(userId: string, roleTemplateId: string): Promise<void> {
    await this.manager.delete(RoleAssignmentEntity, { userId, roleTemplateId });
  }
}
