import type http from "node:http";
import type { Logger } from "pino";
import { WRITE_TOOL_NAMES } from "../assistant/mcp/tool-names";
import { authenticate } from "../auth/authenticate";
import type { Caller } from "../auth/permissions";
import type { Config } from "../config";
import { HelpgateError } from "../errors";
import type { Services } from "../services";
import { authRefusal } from "./auth-refusal";
import { HttpError, readBody } from "./body";
import type { Throttle } from "./throttle";

export const MCP_PATH = "/mcp";

type McpConfig = Pick<Config, "limits" | "mcpWriteTools">;

/**
 * The Model Context Protocol door (Streamable HTTP, stateless, JSON answers): every POST is
 * authenticated like GraphQL, then served by a fresh MCP server for that caller. There are no
 * sessions, so GET (a server-to-client stream) and DELETE (ending a session) are not offered.
 */
export async function handleMcp(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  requestId: string,
  services: Services,
  config: McpConfig,
  log: Logger,
  throttle: Throttle,
): Promise<Caller | null> {
  if (req.method !== "POST") {
    res.setHeader("allow", "POST");
    return refuse(res, 405, "METHOD_NOT_ALLOWED", `${MCP_PATH} takes MCP messages by POST (Streamable HTTP without sessions).`, requestId);
  }
  let body: unknown;
  let caller: Caller | null;
  try {
    // Unlike GraphQL's public article queries, the MCP door always wants a token: an MCP host
    // that gets 401 knows to ask its user for credentials.
    if (!req.headers.authorization?.trim()) {
      res.setHeader("www-authenticate", 'Bearer realm="helpgate"');
      return refuse(res, 401, "UNAUTHENTICATED", "Send 'Authorization: Bearer <token>' (see `npm run token`).", requestId);
    }
    caller = await authenticate(req.headers.authorization, services);
    body = await readBody(req, config.limits.maxBodyBytes);
  } catch (error) {
    if (error instanceof HttpError) return refuse(res, error.status, error.code, error.message, requestId);
    if (!(error instanceof HelpgateError)) throw error;
    const refusal = authRefusal(error);
    for (const [name, value] of Object.entries(refusal.headers)) res.setHeader(name, value);
    if (refusal.status === 401) {
      res.setHeader("www-authenticate", `Bearer realm="helpgate", error="invalid_token", error_description="${error.message.replace(/["\\]/g, "'")}"`);
    }
    return refuse(res, refusal.status, error.code, error.message, requestId);
  }
  // The caller's budgets are GraphQL's: a read unit per message, a write unit per write tool called.
  const verdict = throttle.charge(throttle.keyOf(caller, req), unitsOf(body));
  if (!verdict.ok) {
    res.setHeader("retry-after", String(verdict.retryAfterSeconds));
    return refuse(res, 429, verdict.error.code, verdict.error.message, requestId);
  }

  const onInternal = (error: unknown) => log.error({ err: error, requestId }, "MCP tool failed");
  // The MCP SDK and its schemas (zod) are loaded at the first MCP request, not at start-up
  // (about a fifth of the server's modules).
  const { createMcpServer } = require("../assistant/mcp/server") as typeof import("../assistant/mcp/server");
  const { StreamableHTTPServerTransport } = require("@modelcontextprotocol/sdk/server/streamableHttp.js") as typeof import("@modelcontextprotocol/sdk/server/streamableHttp.js");
  const server = createMcpServer({ services, caller, requestId, limits: config.limits, onInternal }, { writeTools: config.mcpWriteTools });
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
  res.on("close", () => {
    void transport.close();
    void server.close();
  });
  await server.connect(transport);
  await transport.handleRequest(req, res, body);
  return caller;
}

function unitsOf(body: unknown): { read: number; write: number } {
  const messages = (Array.isArray(body) ? body : [body]) as { method?: unknown; params?: { name?: unknown } }[];
  const writes = messages.filter((message) => message?.method === "tools/call" && WRITE_TOOL_NAMES.has(String(message.params?.name))).length;
  return { read: Math.max(1, messages.length), write: writes };
}

/** A refusal before MCP runs, as a JSON-RPC error with helpgate's code and the request id. */
function refuse(res: http.ServerResponse, status: number, code: string, message: string, requestId: string): null {
  res.statusCode = status;
  res.setHeader("content-type", "application/json; charset=utf-8");
  res.end(JSON.stringify({ jsonrpc: "2.0", error: { code: -32000, message: `${code}: ${message}`, data: { code, requestId } }, id: null }));
  return null;
}
