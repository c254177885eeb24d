import type http from "node:http";
import type { CorsOrigins } from "../config";

/**
 * Cross-origin calls from browser portals (CORS). An allowed origin gets its own origin back in
 * Access-Control-Allow-Origin and may read x-request-id and retry-after; a preflight from it is
 * answered here with 204. Any other origin gets no CORS header at all, so the browser keeps the
 * answer from the page, and its preflight is refused here, so the request it asked about is
 * never sent. No cookies are involved (helpgate takes bearer tokens only), so credentials are
 * never allowed.
 *
 * Any route a browser may call runs `answerCors` first and stops when it returns true.
 */

const ALLOWED_METHODS = "GET, POST, OPTIONS";
/**
 * What portals send: the bearer token, the JSON content type, a request id to correlate with
 * the audit log, Apollo's CSRF header, the headers Apollo Client adds when given a client name
 * and version, graphql-sse's stream token, and the protocol version an MCP client sends to /mcp.
 */
const ALLOWED_HEADERS = [
  "authorization",
  "content-type",
  "accept",
  "x-request-id",
  "apollo-require-preflight",
  "x-apollo-operation-name",
  "apollographql-client-name",
  "apollographql-client-version",
  "x-graphql-event-stream-token",
  "mcp-protocol-version",
].join(", ");
const EXPOSED_HEADERS = "x-request-id, retry-after, www-authenticate";
/** How long a browser may reuse a preflight's answer (Chromium caps it at two hours). */
const PREFLIGHT_MAX_AGE_SECONDS = 600;

const LOOPBACK_ORIGIN = /^http:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d{1,5})?$/;

export function originAllowed(origin: string, allowed: CorsOrigins): boolean {
  if (allowed === "*") return true;
  if (allowed === "loopback") return LOOPBACK_ORIGIN.test(origin);
  return allowed.includes(origin.toLowerCase());
}

/**
 * Adds the CORS headers the request's origin is entitled to, and answers a preflight. Returns
 * true when the request has been answered (a preflight) and the route must not go on.
 */
export function answerCors(req: http.IncomingMessage, res: http.ServerResponse, allowed: CorsOrigins): boolean {
  const origin = req.headers.origin;
  const preflight = req.method === "OPTIONS" && req.headers["access-control-request-method"] !== undefined;
  // The answer depends on the Origin header (even with "*", the origin is echoed): caches must
  // keep one per origin.
  res.appendHeader("vary", "Origin");
  if (origin === undefined) return false;
  const permitted = originAllowed(origin, allowed);
  if (permitted) {
    res.setHeader("access-control-allow-origin", origin);
    res.setHeader("access-control-expose-headers", EXPOSED_HEADERS);
  }
  if (!preflight) return false;
  if (!permitted) {
    res.statusCode = 403;
    res.setHeader("content-type", "application/json; charset=utf-8");
    res.end(
      JSON.stringify({
        errors: [
          {
            message: `Browser pages on ${origin} may not call helpgate; add the origin to CORS_ORIGINS (comma-separated, e.g. ${origin}).`,
            extensions: { code: "CORS_ORIGIN_NOT_ALLOWED", requestId: res.getHeader("x-request-id") },
          },
        ],
      }),
    );
    return true;
  }
  res.statusCode = 204;
  res.setHeader("access-control-allow-methods", ALLOWED_METHODS);
  res.setHeader("access-control-allow-headers", ALLOWED_HEADERS);
  res.setHeader("access-control-max-age", String(PREFLIGHT_MAX_AGE_SECONDS));
  res.end();
  return true;
}
