import type { HelpgateError } from "../errors";

/**
 * How a door answers when `authenticate` refuses a request: 401 with a Bearer challenge for a bad
 * token, or 503 with Retry-After when the identity provider can't be reached (the client should
 * try again, and is never let in meanwhile).
 */
export function authRefusal(error: HelpgateError): { status: number; headers: Record<string, string>; extensions: Record<string, unknown> } {
  if (error.code === "SERVICE_UNAVAILABLE") {
    const retryAfter = Number(error.details.retryAfterSeconds ?? 5);
    return { status: 503, headers: { "retry-after": String(retryAfter) }, extensions: { retryable: true } };
  }
  return { status: 401, headers: { "www-authenticate": 'Bearer error="invalid_token"' }, extensions: {} };
}
