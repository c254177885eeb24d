/** The directory's records as the rest of helpgate sees them: plain data, no ORM or GraphQL. */

export interface VerifiedDomain {
  name: string;
  isDefault: boolean;
  isInitial: boolean;
}

export interface OrganizationRecord {
  id: string;
  displayName: string;
  verifiedDomains: VerifiedDomain[];
  defaultUsageLocation: string | null;
  createdDateTime: Date;
}

export interface UserRecord {
  id: string;
  userPrincipalName: string;
  /** Lower-cased UPN: sign-in names are unique whatever their letter case. */
  upnKey: string;
  displayName: string;
  mail: string | null;
  department: string | null;
  jobTitle: string | null;
  accountEnabled: boolean;
  usageLocation: string | null;
  createdDateTime: Date;
}

/** What licensing reads of a user: a batch reads thousands, so only these columns (all in IX_users_licensee). */
export type Licensee = Pick<UserRecord, "id" | "userPrincipalName" | "displayName" | "mail" | "usageLocation">;

/** A run of a group's members in key order: its first and last member id, and how many it holds. */
export interface MemberRun {
  firstUserId: string;
  lastUserId: string;
  members: number;
}

export interface ProxyAddressRecord {
  userId: string;
  /** The address after the prefix, lower-cased: what must be unique in the tenant. */
  addressKey: string;
  address: string;
  isPrimary: boolean;
  position: number;
}

export type MembershipRuleProcessingState = "On" | "Paused";
export const DYNAMIC_MEMBERSHIP = "DynamicMembership";
export const UNIFIED = "Unified";

export interface GroupRecord {
  id: string;
  displayName: string;
  description: string | null;
  securityEnabled: boolean;
  mailEnabled: boolean;
  mailNickname: string | null;
  groupTypes: string[];
  membershipRule: string | null;
  membershipRuleProcessingState: MembershipRuleProcessingState | null;
  createdDateTime: Date;
}

export interface GroupMemberRecord {
  groupId: string;
  userId: string;
  /**
   * The user's displayName, kept with the membership (migration MemberNames) so that a page of
   * the group's members is read in order from one index; UserStore.update keeps it the same.
   */
  displayName: string;
}

export interface RoleAssignmentRecord {
  roleTemplateId: string;
  userId: string;
}

/** An application registered in the directory, which may act on its own with an app-only token. */
export interface ServicePrincipalRecord {
  id: string;
  /** The application (client) id its tokens carry in azp / appid. */
  appId: string;
  /** Lower-cased appId: an app is registered once whatever its letter case. */
  appIdKey: string;
  displayName: string;
  createdDateTime: Date;
}

/** An application permission (Graph's name, e.g. User.ReadWrite.All) granted to a service principal. */
export interface AppPermissionGrantRecord {
  servicePrincipalId: string;
  permission: string;
  grantedDateTime: Date;
}

export function isDynamic(group: Pick<GroupRecord, "groupTypes">): boolean {
  return group.groupTypes.includes(DYNAMIC_MEMBERSHIP);
}

/** A member of a group, or a row of any list of directory objects: a user or a group (Graph's directoryObject). */
export type DirectoryObjectRecord = UserRecord | GroupRecord;

export function isUserRecord(object: DirectoryObjectRecord): object is UserRecord {
  return "userPrincipalName" in object;
}
