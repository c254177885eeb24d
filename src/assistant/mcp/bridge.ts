import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";

/**
 * helpgate for desktop chat hosts that start MCP servers as programs: this speaks MCP on stdin
 * and stdout and relays every message to a running gateway's /mcp, with the token from
 * HELPGATE_TOKEN. It never opens the database (one SQLite file serves one process): the gateway
 * does the work, checks the token and the roles, and audits the writes.
 *
 *   HELPGATE_TOKEN=… npm run -s mcp -- --url http://127.0.0.1:4000
 */
export const TOKEN_VARIABLE = "HELPGATE_TOKEN";
const USAGE = `usage: ${TOKEN_VARIABLE}=<token> npm run -s mcp -- [--url http://127.0.0.1:4000]`;

export function parseArguments(argv: string[]): { endpoint: URL } {
  let url = "http://127.0.0.1:4000";
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--url" && argv[i + 1] !== undefined) url = argv[++i];
    else if (argv[i].startsWith("--url=")) url = argv[i].slice("--url=".length);
    else throw new Error(`unknown argument '${argv[i]}'\n${USAGE}`);
  }
  let endpoint: URL;
  try {
    endpoint = new URL(url);
  } catch {
    throw new Error(`--url '${url}' is not a URL; give the gateway's address, e.g. http://127.0.0.1:4000\n${USAGE}`);
  }
  // The gateway's address alone (or its /graphql) means its /mcp.
  if (endpoint.pathname === "/" || endpoint.pathname === "/graphql") endpoint.pathname = "/mcp";
  return { endpoint };
}

/** Relays MCP messages between this process's stdio and the gateway until stdin closes. */
export async function runBridge(endpoint: URL, token: string): Promise<void> {
  const upstream = new StreamableHTTPClientTransport(endpoint, { requestInit: { headers: { authorization: `Bearer ${token}` } } });
  const local = new StdioServerTransport();
  const initializing = new Set<string | number>();

  local.onmessage = (message: JSONRPCMessage) => {
    if ("method" in message && message.method === "initialize" && "id" in message) initializing.add(message.id);
    upstream.send(message).catch(async (error: unknown) => {
      const reason = describe(error, endpoint);
      process.stderr.write(`helpgate mcp: ${reason}\n`);
      // A request the gateway never answered still gets an answer, so the host is not left waiting.
      if ("method" in message && "id" in message) await local.send({ jsonrpc: "2.0", id: message.id, error: { code: -32000, message: reason } });
    });
  };
  upstream.onmessage = (message: JSONRPCMessage) => {
    if ("id" in message && "result" in message && initializing.delete(message.id)) {
      const version = (message.result as { protocolVersion?: unknown }).protocolVersion;
      if (typeof version === "string") upstream.setProtocolVersion(version);
    }
    void local.send(message);
  };
  upstream.onerror = (error) => process.stderr.write(`helpgate mcp: ${describe(error, endpoint)}\n`);
  const closed = new Promise<void>((resolve) => {
    local.onclose = () => resolve();
    process.stdin.on("end", () => resolve());
  });
  await upstream.start();
  await local.start();
  await closed;
  await upstream.close();
}

function describe(error: unknown, endpoint: URL): string {
  const message = error instanceof Error ? error.message : String(error);
  // The SDK's HTTP errors carry the status as `code` and the gateway's answer in the message.
  if ((error as { code?: unknown }).code === 401) {
    const said = /"message":"((?:[^"\\]|\\.)*)"/.exec(message)?.[1] ?? message;
    return `the gateway at ${endpoint.href} refused the token in ${TOKEN_VARIABLE} (401): ${said}`;
  }
  if (/ECONNREFUSED|fetch failed/i.test(message)) return `no gateway answers at ${endpoint.href} (start it with \`npm start\`): ${message}`;
  return message;
}

if (require.main === module) {
  try {
    const { endpoint } = parseArguments(process.argv.slice(2));
    const token = process.env[TOKEN_VARIABLE]?.trim();
    if (!token) throw new Error(`${TOKEN_VARIABLE} is not set; put a gateway token there (\`npm run -s token -- you@contoso.com\`).\n${USAGE}`);
    runBridge(endpoint, token).then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`helpgate mcp: ${describe(error, endpoint)}\n`);
        process.exit(1);
      },
    );
  } catch (error) {
    process.stderr.write(`helpgate mcp: ${(error as Error).message}\n`);
    process.exit(2);
  }
}
