import { In, type EntityManager } from "typeorm";
import { RoleAssignmentEntity } from "../entities";

/** The only code that reads or writes directory role assignments. */
export class RoleStore {
  constructor(private readonly manager: EntityManager) {}

  async rolesOf(userIds: readonly string[]): Promise<Map<string, string[]>> {
    const byUser = new Map<string, string[]>();
    if (userIds.length === 0) return byUser;
    const rows = await this.manager.find(RoleAssignmentEntity, { where: { userId: In([...userIds]) } });
    for (const { userId, roleTemplateId } of rows) byUser.set(userId, [...(byUser.get(userId) ?? []), roleTemplateId]);
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
