import { documentedEnum } from "../../common/enums";
import type { AuditCategory as AuditCategoryName, AuditEntry, AuditResult } from "../model";

// The audit log's fixed value lists, spelled as Microsoft Graph's directoryAudit spells them.

export const OperationResult = documentedEnum("OperationResult", "How an audited operation ended (Graph's operationResult).", {
  success: "The change was made.",
  failure: "The change was attempted and failed (see resultReason).",
} satisfies Record<AuditResult, string>);

export const AuditCategory = documentedEnum("AuditCategory", "What kind of object an audited change concerns (Graph's directoryAudit.category).", {
  UserManagement: "Users: creating, updating and deleting them, their licenses and roles.",
  GroupManagement: "Groups and their members, and group-based licensing.",
  RoleManagement: "Directory role assignments.",
  DirectoryManagement: "The organization, its subscriptions and the plan rules.",
  LicenseManagement: "Licensing (Graph's category; helpgate files license changes under the object they concern).",
  ApplicationManagement: "Service principals and their application permissions.",
} satisfies Record<AuditCategoryName, string>);

export const AuditOperationType = documentedEnum("AuditOperationType", "The kind of change (Graph's directoryAudit.operationType).", {
  Add: "An object was created, or a member added.",
  Update: "An object's properties changed.",
  Delete: "An object was deleted, or a member removed.",
  Assign: "A role, license or permission was given.",
  Unassign: "A role, license or permission was taken back.",
} satisfies Record<AuditEntry["operationType"], string>);
