import type { CapabilityStatus, Subscription } from "./types";

/**
 * A subscription's units by lifecycle state, as Graph's prepaidUnits (licenseUnitsDetail) counts
 * them: bought and active (enabled), expired but in their grace period (warning), cancelled but
 * still reactivatable (suspended), and locked out after cancellation (lockedOut).
 */
export interface PrepaidUnits {
  enabled: number;
  warning: number;
  suspended: number;
  lockedOut: number;
}

/**
 * capabilityStatus follows the units: Enabled while any unit is enabled, else the most usable
 * state that still has units (Warning, then Suspended, then LockedOut). A subscription with no
 * unit in any state is Deleted once it was deleted; otherwise it is still Enabled, with nothing
 * to assign (every unit taken back, or none bought yet).
 */
export function capabilityStatusOf(units: PrepaidUnits, deleted = false): CapabilityStatus {
  if (units.enabled > 0) return "Enabled";
  if (units.warning > 0) return "Warning";
  if (units.suspended > 0) return "Suspended";
  if (units.lockedOut > 0) return "LockedOut";
  return deleted ? "Deleted" : "Enabled";
}

/** Only Enabled and Warning subscriptions give new licenses; the others keep the ones they gave. */
export function acceptsNewAssignments(status: CapabilityStatus): boolean {
  return status === "Enabled" || status === "Warning";
}

/** Units in their grace period still count: free seats are enabled + warning - consumed (never below zero). */
export function availableUnits(subscription: Subscription): number {
  if (!acceptsNewAssignments(subscription.capabilityStatus)) return 0;
  return Math.max(0, subscription.enabledUnits + subscription.warningUnits - subscription.consumedUnits);
}

/**
 * The units after the subscription moves to `status`, as the commerce side moves them: expiring
 * puts the enabled units in their grace period (Warning); cancelling suspends every usable unit
 * (Suspended); locking out takes every unit not yet locked out (LockedOut); deleting leaves none
 * (Deleted); renewing or reactivating enables every unit that is not (Enabled). Null when no unit
 * could take that status (e.g. reactivating a subscription with no units left).
 */
export function unitsAfterLifecycle(units: PrepaidUnits, status: CapabilityStatus): PrepaidUnits | null {
  const total = units.enabled + units.warning + units.suspended + units.lockedOut;
  const none: PrepaidUnits = { enabled: 0, warning: 0, suspended: 0, lockedOut: 0 };
  switch (status) {
    case "Enabled":
      return total > 0 ? { ...none, enabled: total } : null;
    case "Warning":
      return units.enabled + units.warning > 0 ? { ...units, enabled: 0, warning: units.enabled + units.warning } : null;
    case "Suspended":
      return units.enabled + units.warning + units.suspended > 0 ? { ...units, enabled: 0, warning: 0, suspended: units.enabled + units.warning + units.suspended } : null;
    case "LockedOut":
      return total > 0 ? { ...none, lockedOut: total } : null;
    case "Deleted":
      return none;
  }
}
