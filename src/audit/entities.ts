import { EntitySchema } from "typeorm";
import { isoDate, jsonText } from "../db/columns";
import type { AuditRecord, AuditTargetRecord } from "./model";

export const AuditEntity = new EntitySchema<AuditRecord>({
  name: "DirectoryAudit",
  tableName: "directory_audits",
  columns: {
    seq: { type: "integer", primary: true, generated: "increment" },
    id: { type: "varchar", length: 36, unique: true },
    activityDateTime: { name: "activity_date_time", type: "varchar", length: 30, transformer: isoDate },
    activityDisplayName: { name: "activity_display_name", type: "varchar", length: 128 },
    category: { type: "varchar", length: 32 },
    operationType: { name: "operation_type", type: "varchar", length: 16 },
    loggedByService: { name: "logged_by_service", type: "varchar", length: 64 },
    initiatorId: { name: "initiator_id", type: "varchar", length: 36, nullable: true },
    initiatedBy: { name: "initiated_by", type: "text", transformer: jsonText },
    targetResources: { name: "target_resources", type: "text", transformer: jsonText },
    result: { type: "varchar", length: 16 },
    resultReason: { name: "result_reason", type: "text" },
    correlationId: { name: "correlation_id", type: "varchar", length: 128, nullable: true },
  },
});

export const AuditTargetEntity = new EntitySchema<AuditTargetRecord>({
  name: "DirectoryAuditTarget",
  tableName: "directory_audit_targets",
  columns: {
    auditSeq: { name: "audit_seq", type: "integer", primary: true },
    targetId: { name: "target_id", type: "varchar", length: 36, primary: true },
  },
});

export const AUDIT_ENTITIES = [AuditEntity, AuditTargetEntity];
