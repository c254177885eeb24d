import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { createMcpServer } from "../../src/assistant/mcp/server";
import { DEFAULT_LIMITS } from "../../src/config";
import { TestGateway } from "../support/harness";
import { call, mcpClient, mcpUrl, textOf } from "../support/mcp-client";

const READ_TOOLS = [
  "diagnose_user_licenses",
  "explain_license_error",
  "preview_license_assignment",
  "list_license_errors",
  "search_articles",
  "get_article",
  "get_support_topic",
];
const WRITE_TOOLS = ["reprocess_user_licenses", "reprocess_group_licenses", "assign_license"];

let gateway: TestGateway;
let admin: Client;
const clients: Client[] = [];

async function as(upn: string): Promise<Client> {
  const client = await mcpClient(gateway, upn);
  clients.push(client);
  return client;
}

/** The helpgate code a tool error carries, and its text. */
function refusalOf(result: Awaited<ReturnType<typeof call>>): { code: string; text: string } {
  expect(result.isError).toBe(true);
  return { code: (result._meta as Record<string, string>)["helpgate/code"], text: textOf(result) };
}

beforeAll(async () => {
  gateway = await TestGateway.start({ MCP_WRITE_TOOLS: "true" });
  await gateway.settle();
  admin = await as("admin");
});

afterAll(async () => {
  await Promise.all(clients.map((client) => client.close()));
  await gateway?.stop();
});

describe("the MCP door at /mcp", () => {
  it("refuses a request without a token with 401 and a Bearer challenge", async () => {
    const response = await fetch(mcpUrl(gateway), {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toMatch(/^Bearer realm="helpgate"/);
    expect(((await response.json()) as { error: { data: { code: string } } }).error.data.code).toBe("UNAUTHENTICATED");
  });

  it("refuses a bad token with 401 invalid_token, and the SDK client cannot connect with it", async () => {
    const response = await fetch(mcpUrl(gateway), {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream", authorization: "Bearer not-a-token" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toMatch(/error="invalid_token"/);
    const client = new Client({ name: "t", version: "1" });
    const transport = new StreamableHTTPClientTransport(mcpUrl(gateway), { requestInit: { headers: { authorization: "Bearer not-a-token" } } });
    await expect(client.connect(transport)).rejects.toThrow();
  });

  it("refuses a body that is not JSON, or larger than MAX_BODY_BYTES, before any tool runs", async () => {
    const headers = { "content-type": "application/json", accept: "application/json, text/event-stream", authorization: `Bearer ${await gateway.tokenFor("admin")}` };
    const malformed = await fetch(mcpUrl(gateway), { method: "POST", headers, body: "{ not json" });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { error: { data: { code: string } } }).error.data.code).toBe("BAD_REQUEST");
    const huge = await fetch(mcpUrl(gateway), { method: "POST", headers, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping", params: { pad: "x".repeat(1_100_000) } }) });
    expect(huge.status).toBe(413);
  });

  it("offers only POST: there are no sessions to stream or end", async () => {
    const response = await fetch(mcpUrl(gateway), { method: "GET", headers: { authorization: `Bearer ${await gateway.tokenFor("admin")}` } });
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("POST");
  });

  it("lists the tools by their names, each with an input and an output schema; the write tools carry their hints", async () => {
    const { tools } = await admin.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual([...READ_TOOLS, ...WRITE_TOOLS].sort());
    for (const tool of tools) {
      expect(tool.inputSchema.type).toBe("object");
      expect(tool.outputSchema?.type).toBe("object");
      expect(tool.description!.length).toBeGreaterThan(20);
    }
    const byName = new Map(tools.map((tool) => [tool.name, tool]));
    expect(byName.get("assign_license")!.annotations).toMatchObject({ destructiveHint: true, idempotentHint: false });
    expect(byName.get("reprocess_user_licenses")!.annotations).toMatchObject({ destructiveHint: false, idempotentHint: true });
    expect(byName.get("diagnose_user_licenses")!.annotations).toMatchObject({ readOnlyHint: true });
  });

  it("leaves the write tools out unless MCP_WRITE_TOOLS is true", async () => {
    const server = createMcpServer(
      { services: gateway.app.services, caller: null, requestId: "test", limits: DEFAULT_LIMITS, onInternal: () => undefined },
      { writeTools: false },
    );
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await server.connect(serverSide);
    const client = new Client({ name: "t", version: "1" });
    await client.connect(clientSide);
    expect((await client.listTools()).tools.map((tool) => tool.name).sort()).toEqual([...READ_TOOLS].sort());
    await client.close();
  });

  it("lists the articles and support topics as resources, and reads them as Markdown", async () => {
    const templates = (await admin.listResourceTemplates()).resourceTemplates.map((t) => t.uriTemplate).sort();
    expect(templates).toEqual(["helpgate://articles/{articleId}", "helpgate://support-topics/{id}"]);
    const { resources } = await admin.listResources();
    const articles = resources.filter((r) => r.uri.startsWith("helpgate://articles/"));
    const topics = resources.filter((r) => r.uri.startsWith("helpgate://support-topics/"));
    expect(articles).toHaveLength(gateway.app.services.content.articles({}).length);
    expect(topics.length).toBeGreaterThan(0);
    const countViolation = articles.find((r) => /CountViolation/.test(r.title ?? ""))!;
    const read = await admin.readResource({ uri: countViolation.uri });
    const [first] = read.contents as { mimeType: string; text: string }[];
    expect(first.mimeType).toBe("text/markdown");
    expect(first.text).toMatch(/^# CountViolation/);
    const topic = await admin.readResource({ uri: topics[0].uri });
    expect((topic.contents[0] as { text: string }).text).toMatch(/helpgate:\/\/articles\//);
    await expect(admin.readResource({ uri: "helpgate://articles/no-such-article" })).rejects.toThrow(/does not exist/);
  });

  it("offers the troubleshoot_license_problem prompt, which names the tools and the user", async () => {
    const { prompts } = await admin.listPrompts();
    expect(prompts.map((prompt) => prompt.name)).toEqual(["troubleshoot_license_problem"]);
    expect(prompts[0].arguments).toEqual([expect.objectContaining({ name: "user", required: true })]);
    const prompt = await admin.getPrompt({ name: "troubleshoot_license_problem", arguments: { user: "emma.wilson@contoso.com" } });
    const text = (prompt.messages[0].content as { text: string }).text;
    expect(text).toMatch(/diagnose_user_licenses with user "emma.wilson@contoso.com"/);
    expect(text).toMatch(/preview_license_assignment/);
  });
});

describe("diagnose_user_licenses", () => {
  it("names the conflicting plans, the group they come from, and the steps with their article", async () => {
    const result = await call(admin, "diagnose_user_licenses", { user: "emma.wilson@contoso.com" });
    expect(result.isError).toBeFalsy();
    const { user, problemFound, problems, groups } = result.structuredContent;
    expect(user.displayName).toBe("Emma Wilson");
    expect(problemFound).toBe(true);
    const conflict = problems.find((p: { code: string }) => p.code === "MutuallyExclusiveViolation");
    expect(conflict.message).toMatch(/ENTERPRISEPACK from group 'All Sales'/);
    expect(conflict.message).toMatch(/EXCHANGE_S_ENTERPRISE.*EXCHANGE_S_STANDARD/);
    expect(conflict.troubleshooting.article.pageTitle).toMatch(/MutuallyExclusiveViolation/);
    expect(conflict.troubleshooting.steps.length).toBeGreaterThan(2);
    expect(groups).toEqual([{ id: conflict.groupId, displayName: "All Sales" }]);
    expect(textOf(result)).toMatch(/What blocks Emma Wilson/);
  });

  it("takes an object id as well as a userPrincipalName, and reports a missing usage location", async () => {
    const john = await gateway.userId("john.smith");
    const result = await call(admin, "diagnose_user_licenses", { user: john });
    const codes = result.structuredContent.problems.map((p: { code: string }) => p.code);
    expect(codes).toContain("InvalidUsageLocation");
    expect(textOf(result)).toMatch(/John Smith has no usage location/);
  });

  it("takes a display name that one user has, in any letter case, and lists the users a name may mean otherwise", async () => {
    const emma = await call(admin, "diagnose_user_licenses", { user: "emma WILSON" });
    expect(emma.isError).toBeFalsy();
    expect(emma.structuredContent.user.userPrincipalName).toBe("emma.wilson@contoso.com");
    expect(textOf(emma)).toMatch(/What blocks Emma Wilson/);

    expect(refusalOf(await call(admin, "diagnose_user_licenses", { user: "Emma" }))).toEqual({
      code: "NOT_FOUND",
      text: "NOT_FOUND: No user is named 'Emma'; the users whose name or userPrincipalName starts so: emma.wilson@contoso.com (Emma Wilson). Give a userPrincipalName or an object id.",
    });
    expect(refusalOf(await call(admin, "diagnose_user_licenses", { user: "Nobody At All" })).text).toBe("NOT_FOUND: User 'Nobody At All' does not exist in this directory.");

    // Two users with one name: neither is taken.
    const twin = await gateway.ok<{ createUser: { id: string } }>("admin", "mutation($input: CreateUserInput!) { createUser(input: $input) { id } }", {
      input: { userPrincipalName: "emma.wilson2@contoso.com", displayName: "Emma Wilson" },
    });
    try {
      const refused = refusalOf(await call(admin, "diagnose_user_licenses", { user: "Emma Wilson" }));
      expect(refused.code).toBe("BAD_USER_INPUT");
      expect(((await call(admin, "diagnose_user_licenses", { user: "emma wilson" }))._meta as { candidates: string[] }).candidates.sort()).toEqual(["emma.wilson2@contoso.com", "emma.wilson@contoso.com"]);
      expect(refused.text).toMatch(/^BAD_USER_INPUT: 2 users are named 'Emma Wilson': emma\.wilson2?@contoso\.com \(Emma Wilson\), emma\.wilson2?@contoso\.com \(Emma Wilson\); give the userPrincipalName/);
    } finally {
      await gateway.ok("admin", "mutation($id: ID!) { deleteUser(id: $id) }", { id: twin.createUser.id });
    }
  });

  it("says plainly when nothing stands in the way", async () => {
    const result = await call(admin, "diagnose_user_licenses", { user: "admin@contoso.com" });
    expect(result.structuredContent).toMatchObject({ problemFound: false, problems: [] });
    expect(textOf(result)).toMatch(/^No problem found/);
  });

  it("answers bad arguments with tool errors carrying helpgate's codes", async () => {
    expect(refusalOf(await call(admin, "diagnose_user_licenses", { user: "nobody@contoso.com" }))).toEqual({
      code: "NOT_FOUND",
      text: "NOT_FOUND: User 'nobody@contoso.com' does not exist in this directory.",
    });
    expect(refusalOf(await call(admin, "diagnose_user_licenses", { user: "  " })).code).toBe("BAD_USER_INPUT");
    const missing = await call(admin, "diagnose_user_licenses", {});
    expect(missing.isError).toBe(true);
    expect(textOf(missing)).toMatch(/user/);
  });

  it("lets a member without a role diagnose themself but not another user, saying which role is needed", async () => {
    const ada = await as("ada.lovelace");
    const own = await call(ada, "diagnose_user_licenses", { user: "ada.lovelace@contoso.com" });
    expect(own.isError).toBeFalsy();
    const other = refusalOf(await call(ada, "diagnose_user_licenses", { user: "emma.wilson@contoso.com" }));
    expect(other.code).toBe("FORBIDDEN");
    expect(other.text).toMatch(/needs a directory role: Directory Readers/);
    // The articles stay open to them.
    expect((await call(ada, "search_articles", { query: "usage location" })).structuredContent.hits.length).toBeGreaterThan(0);
    expect(refusalOf(await call(ada, "list_license_errors", {})).code).toBe("FORBIDDEN");
  });

  it("names the colliding address with its holder, and a paused dynamic group the user matches", async () => {
    const sales = await gateway.groupId("Sales US");
    await gateway.ok("admin", "mutation($id: ID!, $input: UpdateGroupInput!) { updateGroup(id: $id, input: $input) { id } }", {
      id: sales,
      input: { membershipRuleProcessingState: "Paused" },
    });
    const create = "mutation($input: CreateUserInput!) { createUser(input: $input) { id } }";
    await gateway.ok("admin", create, {
      input: { userPrincipalName: "kai.holder@contoso.com", displayName: "Kai Holder", proxyAddresses: ["SMTP:kai.holder@contoso.com", "smtp:kai.new@contoso.com"] },
    });
    await gateway.ok("admin", create, {
      input: { userPrincipalName: "kai.new@contoso.com", displayName: "Kai New", department: "Sales", usageLocation: "US", proxyAddresses: [] },
    });
    const result = await call(admin, "diagnose_user_licenses", { user: "kai.new@contoso.com" });
    const byCode = new Map(result.structuredContent.problems.map((p: { code: string }) => [p.code, p]));
    expect((byCode.get("UniquenessViolation") as { message: string }).message).toMatch(/kai\.new@contoso\.com is already used by kai\.holder@contoso\.com/);
    expect((byCode.get("DynamicMembershipPaused") as { message: string }).message).toMatch(/dynamic group 'Sales US'.*Paused/);
    expect(result.structuredContent.groups).toEqual([{ id: sales, displayName: "Sales US" }]);
  });

  it("lets a Directory Readers member diagnose anyone", async () => {
    const priya = await as("priya.nair");
    expect((await call(priya, "diagnose_user_licenses", { user: "emma.wilson@contoso.com" })).structuredContent.problemFound).toBe(true);
  });
});

describe("explain_license_error", () => {
  it("gives the steps and the article for an error code", async () => {
    const result = await call(admin, "explain_license_error", { errorCode: "CountViolation" });
    expect(result.structuredContent.article.pageTitle).toMatch(/^CountViolation/);
    expect(result.structuredContent.steps.length).toBeGreaterThan(1);
    expect(textOf(result)).toMatch(/^### CountViolation/);
  });

  it("refuses an unknown code, listing the known ones", async () => {
    const refused = refusalOf(await call(admin, "explain_license_error", { errorCode: "NoSuchError" }));
    expect(refused.code).toBe("BAD_USER_INPUT");
    expect(refused.text).toMatch(/Known codes: .*CountViolation/);
  });
});

describe("preview_license_assignment", () => {
  it("lists every problem the change would meet, by part number, and writes nothing", async () => {
    const result = await call(admin, "preview_license_assignment", { user: "john.smith@contoso.com", addLicenses: ["STANDARDPACK"] });
    expect(result.structuredContent.succeeded).toBe(false);
    expect(result.structuredContent.problems[0]).toMatchObject({ error: "InvalidUsageLocation", skuPartNumber: "STANDARDPACK" });
    expect(result.structuredContent.problems[0].troubleshooting.article.pageTitle).toMatch(/usage location/i);
    const after = await call(admin, "diagnose_user_licenses", { user: "john.smith@contoso.com" });
    expect(after.structuredContent.problems.map((p: { code: string }) => p.code)).toEqual(["InvalidUsageLocation"]);
  });

  it("names the missing prerequisite of an add-on, and says when the change would succeed", async () => {
    const alone = await call(admin, "preview_license_assignment", { user: "omar.haddad@contoso.com", addLicenses: ["MCOMEETADV"] });
    expect(alone.structuredContent.problems).toEqual([expect.objectContaining({ error: "DependencyViolation", servicePlanNames: ["MCOMEETADV", "MCOSTANDARD"] })]);
    const together = await call(admin, "preview_license_assignment", { user: "omar.haddad@contoso.com", addLicenses: ["MCOSTANDARD", "MCOMEETADV"] });
    expect(together.structuredContent).toMatchObject({ succeeded: true, problems: [] });
    expect(textOf(together)).toMatch(/would succeed/);
  });

  it("refuses unknown and ambiguous part numbers and an empty change", async () => {
    expect(refusalOf(await call(admin, "preview_license_assignment", { user: "omar.haddad@contoso.com", addLicenses: ["NOPE"] })).text).toMatch(
      /addLicenses\[0\]: 'NOPE' is neither a SKU id nor a part number/,
    );
    expect(refusalOf(await call(admin, "preview_license_assignment", { user: "omar.haddad@contoso.com", addLicenses: ["MCOPSTN5"] })).text).toMatch(/names 2 products/);
    expect(refusalOf(await call(admin, "preview_license_assignment", { user: "omar.haddad@contoso.com" })).text).toMatch(/Nothing to change/);
  });
});

describe("list_license_errors", () => {
  it("lists the groups with members in error, then one group's members a page at a time", async () => {
    const { groups } = (await call(admin, "list_license_errors", {})).structuredContent;
    const engineering = groups.find((g: { displayName: string }) => g.displayName === "Engineering");
    expect(engineering.membersInError).toBe(2);
    const first = (await call(admin, "list_license_errors", { groupId: engineering.id, first: 1 })).structuredContent;
    expect(first.totalCount).toBe(2);
    expect(first.members).toHaveLength(1);
    // No E5 seat left; and a group's products are assigned all together, so EMS is held back too.
    expect(first.members[0].errors).toEqual([
      expect.objectContaining({ skuPartNumber: "ENTERPRISEPREMIUM", error: "CountViolation" }),
      expect.objectContaining({ skuPartNumber: "EMS", error: "Other" }),
    ]);
    const second = (await call(admin, "list_license_errors", { groupId: engineering.id, first: 1, after: first.nextCursor })).structuredContent;
    expect(second.members[0].user.id).not.toBe(first.members[0].user.id);
    expect(second.nextCursor).toBeNull();
  });

  it("refuses a bad group id and a cursor without a group", async () => {
    expect(refusalOf(await call(admin, "list_license_errors", { groupId: "not-a-guid" })).code).toBe("BAD_USER_INPUT");
    expect(refusalOf(await call(admin, "list_license_errors", { after: "x" })).text).toMatch(/give groupId too/);
    expect((await call(admin, "list_license_errors", { groupId: "x", first: 1000 })).isError).toBe(true);
  });
});

describe("the article tools", () => {
  it("search_articles ranks articles and refuses an empty query", async () => {
    const { hits } = (await call(admin, "search_articles", { query: "usage location", first: 3 })).structuredContent;
    expect(hits.length).toBeGreaterThan(0);
    expect(hits.length).toBeLessThanOrEqual(3);
    expect(hits[0].uri).toMatch(/^helpgate:\/\/articles\//);
    expect(refusalOf(await call(admin, "search_articles", { query: " " })).code).toBe("BAD_USER_INPUT");
  });

  it("get_article returns the steps and the body, and NOT_FOUND for an unknown id", async () => {
    const [hit] = (await call(admin, "search_articles", { query: "CountViolation", first: 1 })).structuredContent.hits;
    const article = (await call(admin, "get_article", { id: hit.articleId })).structuredContent;
    expect(article.article.articleId).toBe(hit.articleId);
    expect(article.steps.length).toBeGreaterThan(0);
    expect(article.truncated).toBe(false);
    expect(refusalOf(await call(admin, "get_article", { id: "nope" })).code).toBe("NOT_FOUND");
  });

  it("get_support_topic lists a topic's articles and NOT_FOUND for an unknown topic", async () => {
    const topicId = gateway.app.services.content.supportTopicIds()[0];
    const topic = (await call(admin, "get_support_topic", { supportTopicId: topicId })).structuredContent;
    expect(topic.articles.length).toBeGreaterThan(0);
    expect(refusalOf(await call(admin, "get_support_topic", { supportTopicId: "0" })).code).toBe("NOT_FOUND");
  });
});

describe("the write tools", () => {
  const AUDITS = `query($f: DirectoryAuditFilter) { directoryAudits(filter: $f, first: 5) { edges { node { activityDisplayName result initiatedBy { user { userPrincipalName } } } } } }`;

  it("refuse a caller without a licensing role, naming the roles that may", async () => {
    const refused = refusalOf(await call(await as("grace.kim"), "assign_license", { user: "omar.haddad@contoso.com", addLicenses: ["MCOMEETADV"] }));
    expect(refused.code).toBe("FORBIDDEN");
    expect(refused.text).toMatch(/assign_license needs one of these directory roles: Global Administrator, User Administrator, License Administrator/);
  });

  it("assign_license changes the licenses, says what changed, and is audited like assignLicense", async () => {
    const omar = await as("omar.haddad");
    const result = await call(omar, "assign_license", { user: "omar.haddad@contoso.com", addLicenses: ["MCOSTANDARD", "MCOMEETADV"] });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent.licenses.map((l: { skuPartNumber: string }) => l.skuPartNumber).sort()).toEqual(["MCOMEETADV", "MCOSTANDARD"]);
    expect(result.structuredContent.licenses.every((l: { source: string; state: string }) => l.source === "direct" && l.state === "Active")).toBe(true);
    expect(textOf(result)).toMatch(/added MCOSTANDARD, MCOMEETADV/);
    const audits = await gateway.ok("admin", AUDITS, { f: { activityDisplayName: "Change user license" } });
    expect(audits.directoryAudits.edges[0].node).toMatchObject({ result: "success", initiatedBy: { user: { userPrincipalName: "omar.haddad@contoso.com" } } });
  });

  it("assign_license refuses a change a rule forbids with the licensing error", async () => {
    const refused = refusalOf(await call(admin, "assign_license", { user: "john.smith@contoso.com", addLicenses: ["STANDARDPACK"] }));
    expect(refused.code).toBe("LICENSE_ASSIGNMENT_FAILED");
    expect(refused.text).toMatch(/usage location/i);
  });

  it("reprocess_user_licenses and reprocess_group_licenses queue the work and are audited", async () => {
    const omar = await as("omar.haddad");
    const user = await call(omar, "reprocess_user_licenses", { user: "emma.wilson@contoso.com" });
    expect(user.structuredContent).toMatchObject({ queued: true, user: { displayName: "Emma Wilson" } });
    const engineering = await gateway.groupId("Engineering");
    const group = await call(omar, "reprocess_group_licenses", { groupId: engineering });
    expect(group.structuredContent).toMatchObject({ queued: true, group: { displayName: "Engineering" } });
    const audits = await gateway.ok("admin", AUDITS, { f: { activityDisplayName: "Trigger user license recalculation" } });
    expect(audits.directoryAudits.edges[0].node.initiatedBy.user.userPrincipalName).toBe("omar.haddad@contoso.com");
    expect(refusalOf(await call(omar, "reprocess_group_licenses", { groupId: "00000000-0000-0000-0000-000000000000" })).code).toBe("NOT_FOUND");
    expect(refusalOf(await call(omar, "reprocess_user_licenses", { user: "nobody@contoso.com" })).code).toBe("NOT_FOUND");
    expect(refusalOf(await call(await as("ada.lovelace"), "reprocess_user_licenses", { user: "ada.lovelace@contoso.com" })).text).toMatch(/needs one of these directory roles/);
    await gateway.settle();
  });
});
