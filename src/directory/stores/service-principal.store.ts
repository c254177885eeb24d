import { In, type EntityManager } from "typeorm";
import { orderByDisplayName } from "../../db/keyset";
import { AppPermissionGrantEntity, ServicePrincipalEntity } from "../entities";
import type { AppPermissionGrantRecord, ServicePrincipalRecord } from "../model";

type After = { displayName: string; id: string } | null;

/** The only code that reads or writes service principals and their application permissions. */
export class ServicePrincipalStore {
  constructor(private readonly manager: EntityManager) {}

  findById(id: string): Promise<ServicePrincipalRecord | null> {
    return this.manager.findOneBy(ServicePrincipalEntity, { id });
  }

  findByAppId(appId: string): Promise<ServicePrincipalRecord | null> {
    return this.manager.findOneBy(ServicePrincipalEntity, { appIdKey: appId.toLowerCase() });
  }

  list(after: After, limit: number, backward = false): Promise<ServicePrincipalRecord[]> {
    return orderByDisplayName(this.manager.createQueryBuilder(ServicePrincipalEntity, "sp"), "sp", after, backward).take(limit).getMany();
  }

  count(): Promise<number> {
    return this.manager.count(ServicePrincipalEntity);
  }

  async insert(servicePrincipal: ServicePrincipalRecord): Promise<void> {
    await this.manager.insert(ServicePrincipalEntity, servicePrincipal);
  }

  async delete(id: string): Promise<void> {
    await this.manager.delete(AppPermissionGrantEntity, { servicePrincipalId: id });
    await this.manager.delete(ServicePrincipalEntity, { id });
  }

  /** Grants per service principal, oldest first. */
  async grantsOf(servicePrincipalIds: readonly string[]): Promise<Map<string, AppPermissionGrantRecord[]>> {
    const bySp = new Map<string, AppPermissionGrantRecord[]>();
    if (servicePrincipalIds.length === 0) return bySp;
    const rows = await this.manager.find(AppPermissionGrantEntity, {
      where: { servicePrincipalId: In([...servicePrincipalIds]) },
      order: { grantedDateTime: "ASC", permission: "ASC" },
    });
    for (const row of rows) bySp.set(row.servicePrincipalId, [...(bySp.get(row.servicePrincipalId) ?? []), row]);
    return bySp;
  }

  async holds(servicePrincipalId: string, permission: string): Promise<boolean> {
    return (await this.manager.countBy(AppPermissionGrantEntity, { servicePrincipalId, permission })) > 0;
  }

  async grant(grant: AppPermissionGrantRecord): Promise<void> {
    await this.manager.insert(AppPermissionGrantEntity, grant);
  }

  async revoke(servicePrincipalId: string, permission: string): Promise<void> {
    await this.manager.delete(AppPermissionGrantEntity, { servicePrincipalId, permission });
  }
}
