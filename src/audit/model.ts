/** Directory audit entries, shaped like Microsoft Graph's directoryAudit resource. */

export type AuditCategory =
  | "UserManagement"
  | "GroupManagement"
  | "RoleManagement"
  | "DirectoryManagement"
  | "LicenseManagement"
  | "ApplicationManagement";

export type AuditResult = "success" | "failure";

export interface ModifiedProperty {
  displayName: string;
  /** JSON text, as Graph reports it (e.g. `"US"`, `["SMTP:ada@contoso.com"]`); null when there was no value. */
  oldValue: string | null;
  newValue: string | null;
}

export interface TargetResource {
  id: string | null;
  displayName: string | null;
  /** "User", "Group", "ServicePrincipal", "Organization", "Subscription", "PlanRules". */
  type: string;
  userPrincipalName: string | null;
  modifiedProperties: ModifiedProperty[];
}

export type Initiator =
  | { kind: "user"; id: string; userPrincipalName: string; displayName: string }
  | { kind: "app"; displayName: string; appId: string | null; servicePrincipalId?: string | null };

export interface AuditEntry {
  activityDisplayName: string;
  category: AuditCategory;
  operationType: "Add" | "Update" | "Delete" | "Assign" | "Unassign";
  initiatedBy: Initiator;
  targetResources: TargetResource[];
  result: AuditResult;
  resultReason: string;
  correlationId: string | null;
}

export interface AuditRecord extends AuditEntry {
  /** Insertion order: ties on activityDateTime still page in a stable order. */
  seq: number;
  id: string;
  activityDateTime: Date;
  loggedByService: string;
  /** Copy of the initiator's id, kept in its own column so it can be filtered. */
  initiatorId: string | null;
}

export interface AuditTargetRecord {
  auditSeq: number;
  targetId: string;
}

/** Builds a modified property from plain values, encoded as JSON text as Graph does; no value is null. */
export function changed(displayName: string, oldValue: unknown, newValue: unknown): ModifiedProperty {
  const encode = (value: unknown) => (value === undefined || value === null ? null : JSON.stringify(value));
  return { displayName, oldValue: encode(oldValue), newValue: encode(newValue) };
}
