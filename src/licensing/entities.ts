import { EntitySchema } from "typeorm";
import { isoDate, jsonText } from "../db/columns";
import type { AssignmentRecord, GroupLicenseRecord, GroupProcessingRecord, PlanRulesRecord, SubscriptionRecord, WorkRecord } from "./model";

export const SubscriptionEntity = new EntitySchema<SubscriptionRecord>({
  name: "Subscription",
  tableName: "subscribed_skus",
  columns: {
    skuId: { name: "sku_id", type: "varchar", length: 36, primary: true },
    skuPartNumber: { name: "sku_part_number", type: "varchar", length: 128 },
    appliesTo: { name: "applies_to", type: "varchar", length: 8 },
    capabilityStatus: { name: "capability_status", type: "varchar", length: 16 },
    enabledUnits: { name: "enabled_units", type: "integer" },
    suspendedUnits: { name: "suspended_units", type: "integer" },
    warningUnits: { name: "warning_units", type: "integer" },
    lockedOutUnits: { name: "locked_out_units", type: "integer" },
    consumedUnits: { name: "consumed_units", type: "integer" },
    createdDateTime: { name: "created_date_time", type: "varchar", length: 30, transformer: isoDate },
  },
});

export const AssignmentEntity = new EntitySchema<AssignmentRecord>({
  name: "LicenseAssignment",
  tableName: "license_assignments",
  columns: {
    userId: { name: "user_id", type: "varchar", length: 36, primary: true },
    skuId: { name: "sku_id", type: "varchar", length: 36, primary: true },
    source: { type: "varchar", length: 36, primary: true },
    disabledPlans: { name: "disabled_plans", type: "text", transformer: jsonText },
    state: { type: "varchar", length: 16 },
    error: { type: "varchar", length: 40, nullable: true },
    lastUpdatedDateTime: { name: "last_updated_date_time", type: "varchar", length: 30, transformer: isoDate },
  },
});

export const GroupLicenseEntity = new EntitySchema<GroupLicenseRecord>({
  name: "GroupLicense",
  tableName: "group_licenses",
  columns: {
    groupId: { name: "group_id", type: "varchar", length: 36, primary: true },
    skuId: { name: "sku_id", type: "varchar", length: 36, primary: true },
    disabledPlans: { name: "disabled_plans", type: "text", transformer: jsonText },
  },
});

export const GroupProcessingEntity = new EntitySchema<GroupProcessingRecord>({
  name: "GroupLicenseProcessing",
  tableName: "group_license_processing",
  columns: {
    groupId: { name: "group_id", type: "varchar", length: 36, primary: true },
    state: { type: "varchar", length: 24 },
    succeeded: { type: "integer" },
    failed: { type: "integer" },
    queued: { type: "integer", default: 0 },
    startedDateTime: { name: "started_date_time", type: "varchar", length: 30, nullable: true, transformer: isoDate },
    updatedDateTime: { name: "updated_date_time", type: "varchar", length: 30, transformer: isoDate },
  },
});

export const WorkEntity = new EntitySchema<WorkRecord>({
  name: "LicenseWork",
  tableName: "license_work",
  columns: {
    userId: { name: "user_id", type: "varchar", length: 36, primary: true },
    groupId: { name: "group_id", type: "varchar", length: 36, primary: true },
    claimedBy: { name: "claimed_by", type: "varchar", length: 64, nullable: true },
    claimedUntil: { name: "claimed_until", type: "varchar", length: 30, nullable: true, transformer: isoDate },
    enqueuedDateTime: { name: "enqueued_date_time", type: "varchar", length: 30, transformer: isoDate },
  },
});

export const PlanRulesEntity = new EntitySchema<PlanRulesRecord>({
  name: "PlanRules",
  tableName: "plan_rules",
  columns: {
    id: { type: "varchar", length: 16, primary: true },
    document: { type: "text" },
    updatedDateTime: { name: "updated_date_time", type: "varchar", length: 30, transformer: isoDate },
  },
});

export const LICENSING_ENTITIES = [SubscriptionEntity, AssignmentEntity, GroupLicenseEntity, GroupProcessingEntity, WorkEntity, PlanRulesEntity];
