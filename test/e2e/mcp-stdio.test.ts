import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { TestGateway } from "../support/harness";
import { call, textOf } from "../support/mcp-client";
import { ensureBuilt, ROOT } from "../support/process";

/**
 * The stdio bridge as a desktop chat host starts it: `npm run -s mcp -- --url <gateway>` with the
 * token in HELPGATE_TOKEN, spoken to by the SDK's own client over the child's stdin and stdout.
 */
let gateway: TestGateway;
const clients: Client[] = [];

async function bridge(token: string): Promise<{ client: Client; stderr: () => string }> {
  const transport = new StdioClientTransport({
    command: "npm",
    args: ["run", "-s", "mcp", "--", "--url", new URL(gateway.url).origin],
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", HELPGATE_TOKEN: token },
    stderr: "pipe",
  });
  let stderr = "";
  transport.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  const client = new Client({ name: "helpgate-stdio-tests", version: "1.0.0" });
  clients.push(client);
  await client.connect(transport);
  return { client, stderr: () => stderr };
}

beforeAll(async () => {
  await ensureBuilt();
  gateway = await TestGateway.start();
  await gateway.settle();
}, 240_000);

afterAll(async () => {
  await Promise.all(clients.map((client) => client.close().catch(() => undefined)));
  await gateway?.stop();
});

describe("the MCP stdio bridge", () => {
  it("relays listing, tools, resources and the prompt to the gateway", async () => {
    const { client } = await bridge(await gateway.tokenFor("grace.kim"));
    expect(client.getServerVersion()?.name).toBe("helpgate");
    const tools = (await client.listTools()).tools.map((tool) => tool.name);
    expect(tools).toContain("diagnose_user_licenses");
    expect(tools).not.toContain("assign_license");
    const diagnosis = await call(client, "diagnose_user_licenses", { user: "emma.wilson@contoso.com" });
    expect(diagnosis.structuredContent.problems.map((p: { code: string }) => p.code)).toContain("MutuallyExclusiveViolation");
    expect(textOf(diagnosis)).toMatch(/What blocks Emma Wilson/);
    const refused = await call(client, "explain_license_error", { errorCode: "NoSuchError" });
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toMatch(/^BAD_USER_INPUT: No article explains the error code 'NoSuchError'/);
    const { resources } = await client.listResources();
    const article = await client.readResource({ uri: resources[0].uri });
    expect((article.contents[0] as { text: string }).text).toMatch(/^# /);
    const prompt = await client.getPrompt({ name: "troubleshoot_license_problem", arguments: { user: "john.smith@contoso.com" } });
    expect((prompt.messages[0].content as { text: string }).text).toMatch(/john.smith@contoso.com/);
  });

  it("passes the caller's roles through: a member without a role may not diagnose another user", async () => {
    const { client } = await bridge(await gateway.tokenFor("ada.lovelace"));
    const refused = await call(client, "diagnose_user_licenses", { user: "emma.wilson@contoso.com" });
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toMatch(/^FORBIDDEN: .*needs a directory role/);
  });

  it("fails to start with a message naming HELPGATE_TOKEN when the gateway refuses the token", async () => {
    const attempt = bridge("not-a-token");
    await expect(attempt).rejects.toThrow(/refused the token in HELPGATE_TOKEN \(401\)/);
  });
});
