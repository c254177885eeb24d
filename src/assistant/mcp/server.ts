import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { McpContext } from "./context";
import { registerReadTools } from "./read-tools";
import { registerPrompts, registerResources } from "./resources";
import { registerWriteTools } from "./write-tools";

export const MCP_SERVER_NAME = "helpgate";

/** helpgate as an MCP server for one caller: the tools, the article resources and the prompt. */
export function createMcpServer(ctx: McpContext, options: { writeTools: boolean }): McpServer {
  const server = new McpServer(
    { name: MCP_SERVER_NAME, title: "helpgate license troubleshooting", version: "0.1.0" },
    {
      instructions:
        "helpgate holds a Microsoft Entra-style directory's live licensing states and the self-help articles that fix license problems. " +
        "Start with diagnose_user_licenses for a named user, explain_license_error for an error code, and search_articles for anything else.",
    },
  );
  registerReadTools(server, ctx);
  if (options.writeTools) registerWriteTools(server, ctx);
  registerResources(server, ctx);
  registerPrompts(server);
  return server;
}
