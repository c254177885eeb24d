import { EntitySchema } from "typeorm";
import { isoDate, jsonText } from "../db/columns";
import type {
  GroupMemberRecord,
  GroupRecord,
  OrganizationRecord,
  ProxyAddressRecord,
  AppPermissionGrantRecord,
  RoleAssignmentRecord,
  ServicePrincipalRecord,
  UserRecord,
} from "./model";

// Persistence mapping only: the records themselves are plain objects (see model.ts).

export const OrganizationEntity = new EntitySchema<OrganizationRecord>({
  name: "Organization",
  tableName: "organizations",
  columns: {
    id: { type: "varchar", length: 36, primary: true },
    displayName: { name: "display_name", type: "varchar", length: 256 },
    verifiedDomains: { name: "verified_domains", type: "text", transformer: jsonText },
    defaultUsageLocation: { name: "default_usage_location", type: "varchar", length: 2, nullable: true },
    createdDateTime: { name: "created_date_time", type: "varchar", length: 30, transformer: isoDate },
  },
});

export const UserEntity = new EntitySchema<UserRecord>({
  name: "User",
  tableName: "users",
  columns: {
    id: { type: "varchar", length: 36, primary: true },
    userPrincipalName: { name: "user_principal_name", type: "varchar", length: 113 },
    upnKey: { name: "upn_key", type: "varchar", length: 113, unique: true },
    displayName: { name: "display_name", type: "varchar", length: 256 },
    mail: { type: "varchar", length: 320, nullable: true },
    department: { type: "varchar", length: 64, nullable: true },
    jobTitle: { name: "job_title", type: "varchar", length: 128, nullable: true },
    accountEnabled: { name: "account_enabled", type: "boolean" },
    usageLocation: { name: "usage_location", type: "varchar", length: 2, nullable: true },
    createdDateTime: { name: "created_date_time", type: "varchar", length: 30, transformer: isoDate },
  },
});

export const ProxyAddressEntity = new EntitySchema<ProxyAddressRecord>({
  name: "ProxyAddress",
  tableName: "user_proxy_addresses",
  columns: {
    userId: { name: "user_id", type: "varchar", length: 36, primary: true },
    addressKey: { name: "address_key", type: "varchar", length: 330, primary: true },
    address: { type: "varchar", length: 335 },
    isPrimary: { name: "is_primary", type: "boolean" },
    position: { type: "integer" },
  },
});

export const GroupEntity = new EntitySchema<GroupRecord>({
  name: "Group",
  tableName: "directory_groups",
  columns: {
    id: { type: "varchar", length: 36, primary: true },
    displayName: { name: "display_name", type: "varchar", length: 256 },
    description: { type: "text", nullable: true },
    securityEnabled: { name: "security_enabled", type: "boolean" },
    mailEnabled: { name: "mail_enabled", type: "boolean" },
    mailNickname: { name: "mail_nickname", type: "varchar", length: 64, nullable: true },
    groupTypes: { name: "group_types", type: "text", transformer: jsonText },
    membershipRule: { name: "membership_rule", type: "text", nullable: true },
    membershipRuleProcessingState: {
      name: "membership_rule_processing_state",
      type: "varchar",
      length: 10,
      nullable: true,
    },
    createdDateTime: { name: "created_date_time", type: "varchar", length: 30, transformer: isoDate },
  },
});

export const GroupMemberEntity = new EntitySchema<GroupMemberRecord>({
  name: "GroupMember",
  tableName: "group_members",
  columns: {
    groupId: { name: "group_id", type: "varchar", length: 36, primary: true },
    userId: { name: "user_id", type: "varchar", length: 36, primary: true },
    displayName: { name: "display_name", type: "varchar", length: 256 },
  },
});

export const RoleAssignmentEntity = new EntitySchema<RoleAssignmentRecord>({
  name: "RoleAssignment",
  tableName: "directory_role_assignments",
  columns: {
    roleTemplateId: { name: "role_template_id", type: "varchar", length: 36, primary: true },
    userId: { name: "user_id", type: "varchar", length: 36, primary: true },
  },
});

export const ServicePrincipalEntity = new EntitySchema<ServicePrincipalRecord>({
  name: "ServicePrincipal",
  tableName: "service_principals",
  columns: {
    id: { type: "varchar", length: 36, primary: true },
    appId: { name: "app_id", type: "varchar", length: 128 },
    appIdKey: { name: "app_id_key", type: "varchar", length: 128, unique: true },
    displayName: { name: "display_name", type: "varchar", length: 256 },
    createdDateTime: { name: "created_date_time", type: "varchar", length: 30, transformer: isoDate },
  },
});

export const AppPermissionGrantEntity = new EntitySchema<AppPermissionGrantRecord>({
  name: "AppPermissionGrant",
  tableName: "service_principal_permissions",
  columns: {
    servicePrincipalId: { name: "service_principal_id", type: "varchar", length: 36, primary: true },
    permission: { type: "varchar", length: 64, primary: true },
    grantedDateTime: { name: "granted_date_time", type: "varchar", length: 30, transformer: isoDate },
  },
});

export const DIRECTORY_ENTITIES = [
  OrganizationEntity,
  UserEntity,
  ProxyAddressEntity,
  GroupEntity,
  GroupMemberEntity,
  RoleAssignmentEntity,
  ServicePrincipalEntity,
  AppPermissionGrantEntity,
];
