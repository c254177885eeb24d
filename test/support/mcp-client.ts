import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type { TestGateway } from "./harness";

/** The gateway's /mcp address. */
export function mcpUrl(gateway: TestGateway): URL {
  return new URL("/mcp", gateway.url);
}

/** An MCP client (the SDK's own) connected to the gateway's /mcp as `as` (a UPN or nickname). */
export async function mcpClient(gateway: TestGateway, as: string): Promise<Client> {
  const token = await gateway.tokenFor(as);
  const transport = new StreamableHTTPClientTransport(mcpUrl(gateway), { requestInit: { headers: { authorization: `Bearer ${token}` } } });
  const client = new Client({ name: "helpgate-tests", version: "1.0.0" });
  await client.connect(transport);
  return client;
}

/** The text of a tool result (its first content item). */
export function textOf(result: unknown): string {
  const content = (result as CallToolResult).content;
  const first = content[0];
  return first?.type === "text" ? first.text : "";
}

/** A tool call's result, typed for reading its structured content. */
export async function call(client: Client, name: string, args: Record<string, unknown>): Promise<CallToolResult & { structuredContent?: any }> {
  return (await client.callTool({ name, arguments: args })) as CallToolResult & { structuredContent?: any };
}
