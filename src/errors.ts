/**
 * Every failure helpgate reports is a HelpgateError made here, so the same failure reads the same
 * to a portal, a chatbot and a log. The HTTP layer maps `code` to `extensions.code`.
 */
export type ErrorCode =
  | "BAD_USER_INPUT"
  | "NOT_FOUND"
  | "CONFLICT"
  | "UNAUTHENTICATED"
  | "FORBIDDEN"
  | "LICENSE_ASSIGNMENT_FAILED"
  | "SERVICE_UNAVAILABLE"
  | "THROTTLED"
  | "INTERNAL_SERVER_ERROR";

export class HelpgateError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Extra machine-readable facts, copied into `extensions` next to `code`. */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = "HelpgateError";
  }
}

export const INSUFFICIENT_PRIVILEGES = "Insufficient privileges to complete the operation.";

export function badInput(message: string, details: Record<string, unknown> = {}): HelpgateError {
  return new HelpgateError("BAD_USER_INPUT", message, details);
}

export function notFound(kind: string, key: string): HelpgateError {
  return new HelpgateError("NOT_FOUND", `${kind} '${key}' does not exist in this directory.`, {
    resource: kind,
  });
}

export function conflict(message: string, details: Record<string, unknown> = {}): HelpgateError {
  return new HelpgateError("CONFLICT", message, details);
}

export function unauthenticated(message: string): HelpgateError {
  return new HelpgateError("UNAUTHENTICATED", message);
}

export function forbidden(): HelpgateError {
  return new HelpgateError("FORBIDDEN", INSUFFICIENT_PRIVILEGES);
}

/** FORBIDDEN with a message that names the role the caller lacks (for doors that can say more than Graph's wording). */
export function roleRequired(message: string): HelpgateError {
  return new HelpgateError("FORBIDDEN", message);
}

/** A refused license change: the Graph error value, the SKU and the plans involved, with names. */
export function licenseAssignmentFailed(problem: {
  error: string;
  skuId: string;
  message: string;
  servicePlans: { servicePlanId: string; servicePlanName: string }[];
}): HelpgateError {
  return new HelpgateError("LICENSE_ASSIGNMENT_FAILED", problem.message, {
    licenseError: problem.error,
    skuId: problem.skuId,
    servicePlans: problem.servicePlans,
  });
}

/** The database is busy or out of reach for now; the same request may succeed later. */
export function serviceUnavailable(message: string): HelpgateError {
  return new HelpgateError("SERVICE_UNAVAILABLE", message, { retryable: true });
}

/**
 * The articles a request needs are still being read at start (the server answers from the
 * moment it listens); the same request succeeds once they are in.
 */
export function articlesLoading(done: number, total: number | null): HelpgateError {
  return new HelpgateError("SERVICE_UNAVAILABLE", `articles are still loading (${done} of ${total ?? "?"}); ask again in a few seconds.`, {
    retryable: true,
    retryAfterSeconds: 2,
  });
}

/**
 * The caller has spent its budget of resource units for now (as Microsoft Graph's 429): the
 * same request succeeds after `retryAfterSeconds`, which the HTTP answer repeats in Retry-After.
 */
export function throttled(message: string, retryAfterSeconds: number): HelpgateError {
  return new HelpgateError("THROTTLED", message, { retryAfterSeconds });
}
