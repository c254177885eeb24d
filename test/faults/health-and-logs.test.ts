import { randomUUID } from "node:crypto";
import { ServerProcess, ensureBuilt, graphql, killAllServers, request, tempDir, tokenFor, type Exchange } from "../support/process";

/**
 * What an operator sees of the real gateway: liveness, readiness, Prometheus metrics, and JSON
 * log lines that name each request and never carry a credential.
 */

jest.setTimeout(120_000);

function answer(exchange: Exchange) {
  if (exchange.outcome.kind !== "response") throw new Error(`no answer: ${JSON.stringify(exchange.outcome)}`);
  expect(exchange.outcome.complete).toBe(true);
  return exchange.outcome;
}

/** Every line of the Prometheus text exposition format (0.0.4): comments, or `name{labels} value`. */
const SAMPLE = /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\.)*",?)*\})? (-?[0-9.]+(e[+-]?[0-9]+)?|NaN|[+-]Inf)( -?[0-9]+)?$/;
const COMMENT = /^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .*$/;

describe.each(["info", "trace"])("the gateway's health, metrics and logs (LOG_LEVEL=%s)", (logLevel) => {
  const temp = tempDir();
  let server: ServerProcess;
  let token: string;

  beforeAll(async () => {
    await ensureBuilt();
    server = await ServerProcess.start(temp.file, { LOG_LEVEL: logLevel });
    token = await tokenFor(temp.file, "admin@contoso.com");
  }, 200_000);
  afterAll(async () => {
    await killAllServers();
    temp.cleanup();
  });

  it("answers /healthz and /readyz while up", async () => {
    const health = answer(await request(`${server.origin}/healthz`));
    expect(health.status).toBe(200);
    expect(health.json).toEqual({ status: "ok" });

    const ready = answer(await request(`${server.origin}/readyz`));
    expect(ready.status).toBe(200);
    expect(ready.json).toEqual({ status: "ready", checks: { database: "ok", migrations: "ok", articles: "ok" } });
  });

  it("serves Prometheus metrics with the request counter, the latency histogram and the queue depth", async () => {
    answer(await graphql(server.url, token, "query FaultMetrics { organization { displayName } }"));
    answer(await request(`${server.origin}/healthz`));

    const metrics = answer(await request(`${server.origin}/metrics`));
    expect(metrics.status).toBe(200);
    expect(metrics.headers["content-type"]).toMatch(/^text\/plain; version=0\.0\.4/);
    const lines = metrics.body.split("\n").filter((line) => line.length > 0);
    const malformed = lines.filter((line) => !COMMENT.test(line) && !SAMPLE.test(line));
    expect(malformed).toEqual([]);

    expect(lines).toContain("# TYPE helpgate_graphql_requests_total counter");
    expect(lines).toContain('helpgate_graphql_requests_total{operation="FaultMetrics",outcome="ok"} 1');
    expect(lines).toContain("# TYPE helpgate_http_request_duration_seconds histogram");
    expect(lines.some((line) => /^helpgate_http_request_duration_seconds_bucket\{le="\+Inf",route="\/graphql"\} [1-9]/.test(line))).toBe(true);
    expect(lines.some((line) => /^helpgate_http_request_duration_seconds_count\{route="\/healthz"\} [1-9]/.test(line))).toBe(true);
    expect(lines).toContain("# TYPE helpgate_licensing_queue_depth gauge");
    expect(lines.some((line) => /^helpgate_licensing_queue_depth \d+$/.test(line))).toBe(true);
    // The heap growth cap in force (heap-growth.ts): a fresh, lightly loaded server's is 1.2 once its articles are in.
    expect(lines).toContain("helpgate_heap_growth_cap 1.2");
    // V8's full collections (heap-growth.ts), with the time they held the event loop.
    expect(lines.some((line) => /^helpgate_nodejs_gc_duration_seconds_sum\{kind="major"\} [\d.e-]+$/.test(line))).toBe(true);
    expect(lines.some((line) => /^helpgate_nodejs_gc_duration_seconds_count\{kind="major"\} \d+$/.test(line))).toBe(true);
  });

  it("logs each GraphQL request as one JSON line with its request id, operation, duration and caller, and never the token", async () => {
    const ids = { probe: `fault-${randomUUID()}`, create: `fault-${randomUUID()}`, refused: `fault-${randomUUID()}`, unnamed: `fault-${randomUUID()}` };

    const probe = await graphql(server.url, token, "query FaultProbe { me { userPrincipalName } }", {}, { requestId: ids.probe });
    expect(answer(probe).json).toEqual({ data: { me: { userPrincipalName: "admin@contoso.com" } } });
    expect(answer(probe).headers["x-request-id"]).toBe(ids.probe);

    const upn = `fault.logs.${randomUUID().slice(0, 8)}@contoso.com`;
    const created = await graphql(
      server.url,
      token,
      "mutation CreateFaultUser($input: CreateUserInput!) { createUser(input: $input) { userPrincipalName } }",
      { input: { userPrincipalName: upn, displayName: "Fault logs" } },
      { requestId: ids.create },
    );
    expect(answer(created).json).toEqual({ data: { createUser: { userPrincipalName: upn } } });

    // A tampered token: refused with 401, and neither it nor the good one may be logged.
    const tampered = `${token.slice(0, -4)}${token.slice(-4) === "AAAA" ? "BBBB" : "AAAA"}`;
    const refused = await graphql(server.url, tampered, "query FaultRefused { me { id } }", {}, { requestId: ids.refused });
    expect(answer(refused).status).toBe(401);
    expect(answer(refused).json.errors[0].extensions).toMatchObject({ code: "UNAUTHENTICATED", requestId: ids.refused });

    const unnamed = await graphql(server.url, token, "{ organization { displayName } }", {}, { requestId: ids.unnamed });
    expect(answer(unnamed).status).toBe(200);

    // The token in places a careless logger would print: a cookie, a custom header, the URL.
    const sneaky = await request(`${server.url}?access_token=${token}`, {
      body: JSON.stringify({ query: "query FaultSneaky { me { id } }" }),
      headers: { authorization: `Bearer ${token}`, cookie: `session=${token}`, "x-api-key": token, "x-request-id": `fault-${randomUUID()}` },
    });
    expect(answer(sneaky).status).toBe(200);

    // Pino writes each line synchronously, but give the pipe a moment.
    const lineFor = async (requestId: string) => {
      for (let attempt = 0; attempt < 100; attempt++) {
        const line = server.logLines().find((entry) => entry.requestId === requestId && entry.msg === "graphql request");
        if (line) return line;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      throw new Error(`no log line for ${requestId}:\n${server.output().slice(-3000)}`);
    };
    expect(await lineFor(ids.probe)).toMatchObject({
      requestId: ids.probe,
      operationName: "FaultProbe",
      caller: "admin@contoso.com",
      status: 200,
      durationMs: expect.any(Number),
    });
    expect(await lineFor(ids.create)).toMatchObject({ operationName: "CreateFaultUser", caller: "admin@contoso.com", status: 200 });
    expect(await lineFor(ids.refused)).toMatchObject({ caller: null, status: 401, durationMs: expect.any(Number) });
    expect(await lineFor(ids.unnamed)).toMatchObject({ operationName: "anonymous", caller: "admin@contoso.com" });
    for (const id of Object.values(ids)) expect((await lineFor(id)).durationMs).toBeGreaterThanOrEqual(0);

    // The audit entry carries the same request id as its correlationId.
    const audit = await graphql(
      server.url,
      token,
      "{ directoryAudits(filter: { activityDisplayName: \"Add user\" }, first: 100) { edges { node { correlationId targetResources { userPrincipalName } } } } }",
    );
    const entries = answer(audit).json.data.directoryAudits.edges.map((edge: { node: any }) => edge.node);
    expect(entries.find((entry: any) => entry.targetResources[0]?.userPrincipalName === upn)?.correlationId).toBe(ids.create);

    // Stop, so that everything the process will ever write has been written, then search it all.
    const exit = await server.stop();
    expect(exit).toMatchObject({ code: 0, signal: null });
    const everything = `${server.stdout}\n${server.stderr}`;
    const [header, payload, signature] = token.split(".");
    for (const secret of [token, tampered, `${header}.${payload}`, signature, tampered.split(".")[2]]) {
      expect(everything.includes(secret)).toBe(false);
    }
    expect(everything).not.toMatch(/bearer\s+ey/i);
    // Every line, on stdout and stderr, is a JSON log line.
    expect(server.nonJsonLines()).toEqual([]);
    expect(server.logLines().length).toBeGreaterThan(5);
  });
});
