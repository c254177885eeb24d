import { randomUUID } from "node:crypto";
import type { AuditedWrites, Write, WriteRequest } from "../../audit/audited-writes";
import { changed } from "../../audit/model";
import { APP_PERMISSION_NAMES, demand, isAppPermission, type AppPermission, type Caller } from "../../auth/permissions";
import type { Database } from "../../db/database";
import { badInput, conflict, notFound } from "../../errors";
import type { AppPermissionGrantRecord, ServicePrincipalRecord } from "../model";
import { ServicePrincipalStore } from "../stores/service-principal.store";
import { parseDisplayName, parseGuid } from "../validation";

type After = { displayName: string; id: string } | null;

/** An application (client) id as identity providers issue them: Entra's GUIDs, or names such as "licensing-bot". */
const APP_ID = /^[A-Za-z0-9][A-Za-z0-9._:@/-]{0,127}$/;

/** A registered application and what it may do, as app-only sign-in needs it. */
export interface RegisteredApp {
  servicePrincipal: ServicePrincipalRecord;
  granted: AppPermission[];
}

/**
 * Applications registered in the directory (service principals) and the application permissions
 * granted to them. Anyone who may read the directory may read them; only a Global Administrator
 * registers, deletes, grants or revokes.
 */
export class ServicePrincipalService {
  constructor(
    private readonly db: Database,
    private readonly writes: AuditedWrites,
  ) {}

  async get(caller: Caller | null, key: { id?: string | null; appId?: string | null }): Promise<ServicePrincipalRecord | null> {
    demand(caller, "directory.read");
    const store = new ServicePrincipalStore(this.db.manager);
    if (key.id != null && key.appId != null) throw badInput("Give id or appId, not both.", { field: "id" });
    if (key.id != null) return store.findById(parseGuid(key.id, "id"));
    if (key.appId != null) return store.findByAppId(key.appId.trim());
    throw badInput("Name the service principal by id or by appId.", { field: "id" });
  }

  list(caller: Caller | null, after: After, limit: number, backward = false): Promise<ServicePrincipalRecord[]> {
    demand(caller, "directory.read");
    return new ServicePrincipalStore(this.db.manager).list(after, limit, backward);
  }

  count(caller: Caller | null): Promise<number> {
    demand(caller, "directory.read");
    return new ServicePrincipalStore(this.db.manager).count();
  }

  /** Grants per service principal, for the appPermissions loader (the parent field checked the right to read). */
  grantsOf(servicePrincipalIds: readonly string[]): Promise<Map<string, AppPermissionGrantRecord[]>> {
    return new ServicePrincipalStore(this.db.manager).grantsOf(servicePrincipalIds);
  }

  /** The registered app an app-only token names, with its grants; null when it is not registered. */
  async findForSignIn(appId: string): Promise<RegisteredApp | null> {
    const store = new ServicePrincipalStore(this.db.manager);
    const servicePrincipal = await store.findByAppId(appId);
    if (!servicePrincipal) return null;
    const grants = (await store.grantsOf([servicePrincipal.id])).get(servicePrincipal.id) ?? [];
    return { servicePrincipal, granted: grants.map((grant) => grant.permission).filter(isAppPermission) };
  }

  create(request: WriteRequest, input: { appId: string; displayName: string }): Promise<ServicePrincipalRecord> {
    const operation = { activityDisplayName: "Add service principal", category: "ApplicationManagement", operationType: "Add" } as const;
    const target = { id: null, displayName: input.displayName ?? null, type: "ServicePrincipal", userPrincipalName: null };
    return this.writes.run(request, { ...operation, target }, async (write) => {
      write.demand("apps.manage");
      const appId = parseAppId(input.appId);
      const displayName = parseDisplayName(input.displayName);
      const store = new ServicePrincipalStore(write.tx);
      const existing = await store.findByAppId(appId);
      if (existing) {
        throw conflict(`The application '${appId}' is already registered as service principal ${existing.id} ('${existing.displayName}').`, { field: "appId" });
      }
      const servicePrincipal: ServicePrincipalRecord = { id: randomUUID(), appId, appIdKey: appId.toLowerCase(), displayName, createdDateTime: new Date() };
      await store.insert(servicePrincipal);
      Object.assign(write.target, { id: servicePrincipal.id, displayName });
      write.modifiedProperties.push(changed("AppId", null, appId), changed("DisplayName", null, displayName));
      return servicePrincipal;
    });
  }

  delete(request: WriteRequest, id: string): Promise<ServicePrincipalRecord> {
    const operation = { activityDisplayName: "Remove service principal", category: "ApplicationManagement", operationType: "Delete" } as const;
    const target = { id, displayName: null, type: "ServicePrincipal", userPrincipalName: null };
    return this.writes.run(request, { ...operation, target }, async (write) => {
      write.demand("apps.manage");
      const servicePrincipal = await this.loadTarget(write, id);
      await new ServicePrincipalStore(write.tx).delete(servicePrincipal.id);
      write.modifiedProperties.push(changed("AppId", servicePrincipal.appId, null));
      return servicePrincipal;
    });
  }

  grant(request: WriteRequest, servicePrincipalId: string, permission: AppPermission): Promise<ServicePrincipalRecord> {
    const operation = { activityDisplayName: "Add app role assignment to service principal", category: "ApplicationManagement", operationType: "Assign" } as const;
    return this.changeGrant(request, operation, servicePrincipalId, permission, async (store, servicePrincipal) => {
      if (await store.holds(servicePrincipal.id, permission)) {
        throw conflict(`'${servicePrincipal.displayName}' already holds the application permission ${permission}.`);
      }
      await store.grant({ servicePrincipalId: servicePrincipal.id, permission, grantedDateTime: new Date() });
    });
  }

  revoke(request: WriteRequest, servicePrincipalId: string, permission: AppPermission): Promise<ServicePrincipalRecord> {
    const operation = { activityDisplayName: "Remove app role assignment from service principal", category: "ApplicationManagement", operationType: "Unassign" } as const;
    return this.changeGrant(request, operation, servicePrincipalId, permission, async (store, servicePrincipal) => {
      if (!(await store.holds(servicePrincipal.id, permission))) {
        throw notFound(`${permission} grant for service principal`, servicePrincipal.id);
      }
      await store.revoke(servicePrincipal.id, permission);
    });
  }

  private changeGrant(
    request: WriteRequest,
    operation: { activityDisplayName: string; category: "ApplicationManagement"; operationType: "Assign" | "Unassign" },
    servicePrincipalId: string,
    permission: AppPermission,
    apply: (store: ServicePrincipalStore, servicePrincipal: ServicePrincipalRecord) => Promise<void>,
  ): Promise<ServicePrincipalRecord> {
    const target = { id: servicePrincipalId, displayName: null, type: "ServicePrincipal", userPrincipalName: null };
    return this.writes.run(request, { ...operation, target }, async (write) => {
      write.demand("apps.manage");
      if (!isAppPermission(permission)) {
        throw badInput(`'${permission}' is not an application permission; use one of ${APP_PERMISSION_NAMES.join(", ")}.`, { field: "permission" });
      }
      const servicePrincipal = await this.loadTarget(write, servicePrincipalId);
      await apply(new ServicePrincipalStore(write.tx), servicePrincipal);
      const adding = operation.operationType === "Assign";
      write.modifiedProperties.push(changed("AppRole.Value", adding ? null : permission, adding ? permission : null));
      return servicePrincipal;
    });
  }

  private async loadTarget(write: Write, id: string): Promise<ServicePrincipalRecord> {
    const servicePrincipal = await new ServicePrincipalStore(write.tx).findById(parseGuid(id, "servicePrincipalId"));
    if (!servicePrincipal) throw notFound("Service principal", id);
    Object.assign(write.target, { id: servicePrincipal.id, displayName: servicePrincipal.displayName });
    return servicePrincipal;
  }
}

function parseAppId(value: string): string {
  const appId = value.trim();
  if (!APP_ID.test(appId)) {
    throw badInput(
      `appId '${value}' is not an application id; use the client id your identity provider gives the app (a GUID in Entra ID, or 1 to 128 letters, digits and . _ : @ / -).`,
      { field: "appId" },
    );
  }
  return /^[0-9a-f-]{36}$/i.test(appId) ? appId.toLowerCase() : appId;
}
