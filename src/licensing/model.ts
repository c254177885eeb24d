import type { AssignmentStateName, CapabilityStatus, LicenseError } from "./engine";

/** Licensing's records as stored. Plain data. */

export interface SubscriptionRecord {
  skuId: string;
  skuPartNumber: string;
  appliesTo: "User" | "Company";
  capabilityStatus: CapabilityStatus;
  enabledUnits: number;
  suspendedUnits: number;
  warningUnits: number;
  lockedOutUnits: number;
  /** One per user holding the SKU, however many sources; kept by conditional updates. */
  consumedUnits: number;
  createdDateTime: Date;
}

/** The source column: a group id, or DIRECT. */
export const DIRECT = "direct";

export interface AssignmentRecord {
  userId: string;
  skuId: string;
  source: string;
  disabledPlans: string[];
  state: AssignmentStateName;
  error: LicenseError | null;
  lastUpdatedDateTime: Date;
}

export interface GroupLicenseRecord {
  groupId: string;
  skuId: string;
  disabledPlans: string[];
}

export type LicenseProcessingState = "QueuedForProcessing" | "ProcessingInProgress" | "ProcessingComplete";

export interface GroupProcessingRecord {
  groupId: string;
  state: LicenseProcessingState;
  /** Counts for the current run, reported when it finishes. */
  succeeded: number;
  failed: number;
  /**
   * Users the current run has queued in all (processed or still waiting). Exact once the run is
   * complete; while it runs, a member who leaves the group before their turn counts twice.
   */
  queued: number;
  /** When the processor started on the current run; null while it is only queued. */
  startedDateTime: Date | null;
  updatedDateTime: Date;
}

/** A user whose licenses must be recomputed, because of a change to `groupId` ("" for the user alone). */
export interface WorkRecord {
  userId: string;
  groupId: string;
  /** Which process holds it, until when; null while it waits. */
  claimedBy: string | null;
  claimedUntil: Date | null;
  enqueuedDateTime: Date;
}

/**
 * A whole group's members queued at once: those whose ids lie between `firstUserId` and
 * `lastUserId` (the database's key order), as they are when a batch takes them.
 */
export interface WorkRange {
  groupId: string;
  firstUserId: string;
  lastUserId: string;
  /** How many members it stood for when queued, less those taken since: for the queue's depth. */
  members: number;
  enqueuedDateTime: Date;
}

export interface PlanRulesRecord {
  id: string;
  document: string;
  updatedDateTime: Date;
}
