import type { AuditedWrites, WriteRequest } from "../../audit/audited-writes";
import { changed } from "../../audit/model";
import { demand, type Caller } from "../../auth/permissions";
import type { Database } from "../../db/database";
import { conflict, HelpgateError, notFound } from "../../errors";
import type { UserRecord } from "../model";
import { DIRECTORY_ROLES, findRole, GLOBAL_ADMINISTRATOR, type DirectoryRoleDefinition } from "../roles";
import { RoleStore } from "../stores/role.store";
import { parseGuid } from "../validation";
import type { UserService } from "./user.service";

export class RoleService {
  constructor(
    private readonly db: Database,
    private readonly writes: AuditedWrites,
    private readonly users: UserService,
  ) {}

  list(caller: Caller | null): readonly DirectoryRoleDefinition[] {
    demand(caller, "directory.read");
    return DIRECTORY_ROLES;
  }

  /** Role template ids per user, for the directoryRoles loader. */
  rolesOf(userIds: readonly string[]): Promise<Map<string, string[]>> {
    return new RoleStore(this.db.manager).rolesOf(userIds);
  }

  async holderIds(caller: Caller | null, roleTemplateId: string): Promise<string[]> {
    demand(caller, "directory.read");
    return new RoleStore(this.db.manager).holderIds(roleTemplateId);
  }

  assign(request: WriteRequest, userId: string, roleTemplateId: string): Promise<UserRecord> {
    return this.change(request, "Add member to role", userId, roleTemplateId, async (store, user, role) => {
      if (await store.holds(user.id, role.roleTemplateId)) {
        throw conflict(`${user.userPrincipalName} already holds the ${role.displayName} role.`);
      }
      await store.add(user.id, role.roleTemplateId);
    });
  }

  remove(request: WriteRequest, userId: string, roleTemplateId: string): Promise<UserRecord> {
    return this.change(request, "Remove member from role", userId, roleTemplateId, async (store, user, role) => {
      if (!(await store.holds(user.id, role.roleTemplateId))) {
        throw notFound(`${role.displayName} role assignment for user`, user.userPrincipalName);
      }
      if (role.roleTemplateId === GLOBAL_ADMINISTRATOR && (await store.countHolders(GLOBAL_ADMINISTRATOR)) === 1) {
        throw conflict("This is the organization's last Global Administrator; assign the role to someone else first.");
      }
      await store.remove(user.id, role.roleTemplateId);
    });
  }

  private change(
    request: WriteRequest,
    activityDisplayName: "Add member to role" | "Remove member from role",
    userId: string,
    roleTemplateId: string,
    apply: (store: RoleStore, user: UserRecord, role: DirectoryRoleDefinition) => Promise<void>,
  ): Promise<UserRecord> {
    const operationType = activityDisplayName === "Add member to role" ? "Assign" : "Unassign";
    const operation = { activityDisplayName, category: "RoleManagement", operationType } as const;
    const target = { id: userId, displayName: null, type: "User", userPrincipalName: null };
    return this.writes.run(request, { ...operation, target }, async (write) => {
      write.demand("roles.manage");
      const role = findRole(parseGuid(roleTemplateId, "roleTemplateId"));
      if (!role) {
        const known = DIRECTORY_ROLES.map((r) => `${r.displayName} (${r.roleTemplateId})`).join(", ");
        throw new HelpgateError("NOT_FOUND", `Directory role '${roleTemplateId}' does not exist; known roles: ${known}.`, { resource: "Directory role" });
      }
      const user = await this.users.loadTarget(write, parseGuid(userId, "userId"));
      await apply(new RoleStore(write.tx), user, role);
      const adding = activityDisplayName === "Add member to role";
      write.modifiedProperties.push(
        changed("Role.DisplayName", adding ? null : role.displayName, adding ? role.displayName : null),
        changed("Role.TemplateId", adding ? null : role.roleTemplateId, adding ? role.roleTemplateId : null),
      );
      return user;
    });
  }
}
