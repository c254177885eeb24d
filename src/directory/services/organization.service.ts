import type { EntityManager } from "typeorm";
import type { AuditedWrites, WriteRequest } from "../../audit/audited-writes";
import { modifiedProperties } from "../../audit/diff";
import { demand, type Caller } from "../../auth/permissions";
import type { Database } from "../../db/database";
import { HelpgateError } from "../../errors";
import type { OrganizationRecord } from "../model";
import { OrganizationStore } from "../stores/organization.store";
import { parseDisplayName, parseUsageLocation } from "../validation";

export interface OrganizationInput {
  displayName?: string | null;
  defaultUsageLocation?: string | null;
}

export class OrganizationService {
  constructor(
    private readonly db: Database,
    private readonly writes: AuditedWrites,
  ) {}

  async get(caller: Caller | null): Promise<OrganizationRecord> {
    demand(caller, "directory.read");
    return this.require(this.db.manager);
  }

  /** The organization's id: the tenant (`tid`) sign-in tokens must name unless AUTH_TENANT_ID says otherwise. */
  async tenantId(): Promise<string> {
    return (await this.require(this.db.manager)).id;
  }

  /** Domains a userPrincipalName may end with. */
  async verifiedDomainNames(manager: EntityManager = this.db.manager): Promise<string[]> {
    return (await this.require(manager)).verifiedDomains.map((domain) => domain.name);
  }

  update(request: WriteRequest, input: OrganizationInput): Promise<OrganizationRecord> {
    const operation = { activityDisplayName: "Set company information", category: "DirectoryManagement", operationType: "Update" } as const;
    const target = { id: null, displayName: null, type: "Organization", userPrincipalName: null };
    return this.writes.run(request, { ...operation, target }, async (write) => {
      write.demand("organization.manage");
      const before = await this.require(write.tx);
      Object.assign(write.target, { id: before.id, displayName: before.displayName });
      const after = { ...before };
      if (input.displayName != null) after.displayName = parseDisplayName(input.displayName);
      if (input.defaultUsageLocation !== undefined) {
        after.defaultUsageLocation = parseUsageLocation(input.defaultUsageLocation, "defaultUsageLocation");
      }
      await new OrganizationStore(write.tx).update(after);
      write.modifiedProperties.push(...modifiedProperties(before, after, ["displayName", "defaultUsageLocation"]));
      const fields = write.modifiedProperties.map((property) => property.displayName);
      if (fields.length > 0) await write.publish({ kind: "organizationChanged", fields });
      return after;
    });
  }

  private async require(manager: EntityManager): Promise<OrganizationRecord> {
    const organization = await new OrganizationStore(manager).get();
    if (!organization) {
      throw new HelpgateError("INTERNAL_SERVER_ERROR", "The directory has no organization yet; start helpgate with DEMO_DATA=true or create one.");
    }
    return organization;
  }
}
