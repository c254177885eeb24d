/**
 * The names of the write tools, which spend the caller's write budget as GraphQL mutations do.
 * Apart from write-tools.ts so that the HTTP door can charge a request without loading the MCP
 * server (it is loaded at the first MCP request: see http/mcp.ts).
 */
export const WRITE_TOOL_NAMES: ReadonlySet<string> = new Set(["reprocess_user_licenses", "reprocess_group_licenses", "assign_license"]);
