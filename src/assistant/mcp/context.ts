import type { Caller } from "../../auth/permissions";
import type { Limits } from "../../config";
import type { Services } from "../../services";

/** What one MCP request's tools work with: who asks, in which request, and the services. */
export interface McpContext {
  services: Services;
  caller: Caller | null;
  requestId: string;
  limits: Limits;
  /** Reports an unexpected failure (logged with the request id); the caller sees an internal error. */
  onInternal: (error: unknown) => void;
}
