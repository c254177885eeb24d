import http from "node:http";
import zlib from "node:zlib";
import { Client, cacheExchange, fetchExchange, gql } from "@urql/core";
import { EXAMPLE_TABS } from "../../src/http/explorer-examples";
import { ensureExplorerBundle } from "../support/explorer-bundle";
import { TestGateway } from "../support/harness";

/**
 * What a portal in a browser meets at helpgate's door, over real HTTP: CORS for its origin,
 * CSRF prevention that lets a bearer token through, compressed answers, and the explorer.
 * (test/browser drives the same door from Chromium.)
 */

interface Raw {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** One HTTP exchange as sent and received, with no decompression on the way. */
function raw(url: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: options.method ?? "GET", headers: options.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(options.body);
  });
}

const corsHeaders = (headers: http.IncomingHttpHeaders) => Object.keys(headers).filter((name) => name.startsWith("access-control-"));
const json = (reply: Raw) => JSON.parse(reply.body.toString("utf8"));
const listed = (value: string | string[] | undefined) => String(value ?? "").split(",").map((item) => item.trim().toLowerCase());

const PORTAL = "http://localhost:3000";
const preflight = (url: string, origin: string, requestHeaders = "authorization, content-type") =>
  raw(url, { method: "OPTIONS", headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": requestHeaders } });

let gateway: TestGateway;
let token: string;
beforeAll(async () => {
  await ensureExplorerBundle();
  gateway = await TestGateway.start();
  token = await gateway.tokenFor("admin");
}, 200_000);
afterAll(() => gateway.stop());

const postJson = (body: unknown, headers: Record<string, string> = {}) =>
  raw(gateway.url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });

describe("CORS (default outside production: the loopback origins on any port)", () => {
  it("answers a preflight from http://localhost:3000 with 204, the methods, the headers a portal sends, and a max age", async () => {
    const reply = await preflight(gateway.url, PORTAL, "authorization, content-type, x-request-id, apollo-require-preflight");
    expect(reply.status).toBe(204);
    expect(reply.headers["access-control-allow-origin"]).toBe(PORTAL);
    expect(listed(reply.headers["access-control-allow-methods"])).toEqual(expect.arrayContaining(["get", "post", "options"]));
    expect(listed(reply.headers["access-control-allow-headers"])).toEqual(
      expect.arrayContaining(["authorization", "content-type", "x-request-id", "apollo-require-preflight"]),
    );
    expect(Number(reply.headers["access-control-max-age"])).toBeGreaterThan(0);
    expect(listed(reply.headers.vary)).toContain("origin");
    expect(reply.headers["access-control-allow-credentials"]).toBeUndefined();
  });

  it("lets the page read the answer and its x-request-id", async () => {
    const reply = await postJson({ query: "{ me { userPrincipalName } }" }, { origin: "http://127.0.0.1:5173", authorization: `Bearer ${token}` });
    expect(reply.status).toBe(200);
    expect(json(reply).data.me.userPrincipalName).toBe("admin@contoso.com");
    expect(reply.headers["access-control-allow-origin"]).toBe("http://127.0.0.1:5173");
    expect(listed(reply.headers["access-control-expose-headers"])).toEqual(expect.arrayContaining(["x-request-id", "retry-after"]));
  });

  it("refuses a preflight from another origin without any CORS header, so the browser never sends the request", async () => {
    const reply = await preflight(gateway.url, "https://evil.example");
    expect(reply.status).toBe(403);
    expect(corsHeaders(reply.headers)).toEqual([]);
    const error = json(reply).errors[0];
    expect(error.extensions.code).toBe("CORS_ORIGIN_NOT_ALLOWED");
    expect(error.message).toMatch(/add the origin to CORS_ORIGINS/);
  });

  it("gives another origin's request no CORS header (the browser keeps the answer from the page)", async () => {
    const reply = await postJson({ query: "{ __typename }" }, { origin: "http://localhost.evil.example:3000" });
    expect(corsHeaders(reply.headers)).toEqual([]);
  });

  it("adds nothing for a request without an Origin (curl, servers)", async () => {
    const reply = await postJson({ query: "{ __typename }" });
    expect(reply.status).toBe(200);
    expect(corsHeaders(reply.headers)).toEqual([]);
  });
});

describe("CORS_ORIGINS", () => {
  it("in production allows exactly the listed origins and no loopback one; the explorer is off", async () => {
    const production = await TestGateway.start({ NODE_ENV: "production", CORS_ORIGINS: "https://portal.contoso.com" });
    try {
      const allowed = await preflight(production.url, "https://portal.contoso.com");
      expect(allowed.status).toBe(204);
      expect(allowed.headers["access-control-allow-origin"]).toBe("https://portal.contoso.com");
      const loopback = await preflight(production.url, PORTAL);
      expect(loopback.status).toBe(403);
      expect(corsHeaders(loopback.headers)).toEqual([]);

      const page = await raw(production.url, { headers: { accept: "text/html" } });
      expect(page.headers["content-type"]).toMatch(/^application\/json/);
      expect(json(page).errors[0].message).toMatch(/Cross-Site Request Forgery/);
      const index = await raw(new URL("/", production.url).href, { headers: { accept: "text/html" } });
      expect(json(index)).toMatchObject({ graphql: "/graphql", explorer: expect.stringMatching(/EXPLORER=true/) });
    } finally {
      await production.stop();
    }
  });

  it("* allows any origin (development only)", async () => {
    const open = await TestGateway.start({ CORS_ORIGINS: "*" });
    try {
      const reply = await preflight(open.url, "https://anything.example");
      expect(reply.status).toBe(204);
      expect(reply.headers["access-control-allow-origin"]).toBe("https://anything.example");
    } finally {
      await open.stop();
    }
  });
});

describe("CSRF prevention fitted to bearer tokens", () => {
  const getQuery = (query: string, headers: Record<string, string> = {}) => raw(`${gateway.url}?${new URLSearchParams({ query })}`, { headers });

  it("runs a plain GET that carries a bearer token", async () => {
    const reply = await getQuery("{ me { userPrincipalName } }", { authorization: `Bearer ${token}` });
    expect(reply.status).toBe(200);
    expect(json(reply).data.me.userPrincipalName).toBe("admin@contoso.com");
  });

  it("still refuses a plain GET without one", async () => {
    const reply = await getQuery("{ __typename }");
    expect(reply.status).toBe(400);
    expect(json(reply).errors[0].message).toMatch(/Cross-Site Request Forgery/);
  });

  it("still refuses a form-encoded POST without one", async () => {
    const reply = await raw(gateway.url, { method: "POST", headers: { "content-type": "text/plain" }, body: JSON.stringify({ query: "{ __typename }" }) });
    expect(reply.status).toBe(400);
    expect(json(reply).errors[0].message).toMatch(/Cross-Site Request Forgery/);
  });

  it("never runs a GET whose Authorization is not a valid bearer token (e.g. Basic credentials a browser attaches by itself)", async () => {
    const reply = await getQuery("{ __typename }", { authorization: "Basic YWRtaW46YWRtaW4=" });
    expect(reply.status).toBe(401);
    expect(json(reply).data).toBeUndefined();
  });

  it("serves urql's default client, which sends queries as GET", async () => {
    const methods: string[] = [];
    const client = new Client({
      url: gateway.url,
      exchanges: [cacheExchange, fetchExchange],
      fetchOptions: { headers: { authorization: `Bearer ${token}` } },
      fetch: (input, init) => {
        methods.push(init?.method ?? "GET");
        return fetch(input, init);
      },
    });
    const result = await client.query(gql`{ me { userPrincipalName } }`, {}).toPromise();
    expect(result.error).toBeUndefined();
    expect(result.data).toEqual({ me: { __typename: "User", userPrincipalName: "admin@contoso.com" } });
    expect(methods).toEqual(["GET"]);
  });
});

describe("compression", () => {
  /** Twenty articles with their HTML: about 100 KB as JSON. */
  const ARTICLES = { query: "{ articles(first: 20) { edges { node { pageTitle html markdown } } } }" };

  it.each([
    ["br", "br"],
    ["gzip, deflate", "gzip"],
    ["gzip, deflate, br", "br"],
    ["br;q=0.5, gzip", "gzip"],
  ])("answers a large result compressed for Accept-Encoding %s (%s)", async (acceptEncoding, encoding) => {
    const plain = await postJson(ARTICLES);
    const reply = await postJson(ARTICLES, { "accept-encoding": acceptEncoding });
    expect(reply.status).toBe(200);
    expect(reply.headers["content-encoding"]).toBe(encoding);
    expect(listed(reply.headers.vary)).toContain("accept-encoding");
    const decoded = encoding === "br" ? zlib.brotliDecompressSync(reply.body) : zlib.gunzipSync(reply.body);
    expect(decoded.equals(plain.body)).toBe(true);
    expect(plain.body.length).toBeGreaterThan(50_000);
    expect(reply.body.length).toBeLessThan(plain.body.length / 3);
  });

  it("sends small answers and answers to clients that accept no encoding as they are", async () => {
    const small = await postJson({ query: "{ __typename }" }, { "accept-encoding": "gzip, br" });
    expect(small.headers["content-encoding"]).toBeUndefined();
    expect(json(small)).toEqual({ data: { __typename: "Query" } });
    const identity = await postJson(ARTICLES, { "accept-encoding": "identity" });
    expect(identity.headers["content-encoding"]).toBeUndefined();
    expect(json(identity).data.articles.edges).toHaveLength(20);
  });
});

describe("the explorer", () => {
  it("is the page a browser gets at GET /graphql, with scripts from this server only", async () => {
    const reply = await raw(gateway.url, { headers: { accept: "text/html,application/xhtml+xml,*/*;q=0.8" } });
    expect(reply.status).toBe(200);
    expect(reply.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(reply.headers["content-security-policy"]).toMatch(/script-src 'self'/);
    const html = reply.body.toString("utf8");
    const references = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]).filter((reference) => reference !== "data:,");
    expect(references.length).toBeGreaterThanOrEqual(2);
    for (const reference of references) expect(reference).toMatch(/^\/graphql\/explorer\/[\w.-]+\.(js|css)$/);
    expect(html).not.toMatch(/https?:\/\//);
  });

  it("serves its bundle with a year-long cache, the right types, and brotli", async () => {
    const html = (await raw(gateway.url, { headers: { accept: "text/html" } })).body.toString("utf8");
    const config = JSON.parse(/<script id="helpgate-explorer-config" type="application\/json">(.*?)<\/script>/s.exec(html)![1]);
    const script = /<script src="([^"]+)"/.exec(html)![1];
    const style = /<link rel="stylesheet" href="([^"]+)"/.exec(html)![1];
    const origin = new URL(gateway.url).origin;
    for (const [path, type] of [[script, "text/javascript"], [style, "text/css"], ...Object.values<string>(config.workers).map((worker) => [worker, "text/javascript"])]) {
      const reply = await raw(origin + path, { headers: { "accept-encoding": "br" } });
      expect([path, reply.status]).toEqual([path, 200]);
      expect(reply.headers["content-type"]).toMatch(new RegExp(`^${type}`));
      expect(reply.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
      expect(reply.headers["content-encoding"]).toBe("br");
    }
    expect((await raw(`${origin}/graphql/explorer/nothing-here.js`)).status).toBe(404);
    expect((await raw(`${origin}/graphql/explorer/..%2Fmanifest.json`)).status).toBe(404);
  });

  it("leaves GET requests with a query, and JSON clients, to GraphQL", async () => {
    const reply = await raw(`${gateway.url}?${new URLSearchParams({ query: "{ __typename }" })}`, {
      headers: { accept: "text/html, application/json", "apollo-require-preflight": "true" },
    });
    expect(json(reply)).toEqual({ data: { __typename: "Query" } });
  });

  it("GET / sends a browser to the explorer and tells other clients where things are", async () => {
    const origin = new URL(gateway.url).origin;
    const browser = await raw(`${origin}/`, { headers: { accept: "text/html" } });
    expect(browser.status).toBe(302);
    expect(browser.headers.location).toBe("/graphql");
    const client = await raw(`${origin}/`);
    expect(json(client)).toMatchObject({ graphql: "/graphql", health: "/healthz" });
  });

  it("opens with example operations that run against the real schema", async () => {
    const [supportTopic, withErrors, preview] = EXAMPLE_TABS;
    const topic = await gateway.ok(null, supportTopic.query);
    expect(topic.supportTopic.articles.length).toBeGreaterThan(0);

    await gateway.settle();
    const groups = await gateway.ok("admin", withErrors.query);
    const inError = groups.groups.edges.flatMap((edge: any) => edge.node.membersWithLicenseErrors.edges);
    expect(inError.length).toBeGreaterThan(0);

    const found = await gateway.ok("admin", `${preview.query}`.replace(/query PreviewLicense[\s\S]*/, ""));
    const variables = { ...JSON.parse(preview.variables!), userId: found.user.id };
    const response = await gateway.post(JSON.stringify({ query: preview.query, variables, operationName: "PreviewLicense" }), {
      "content-type": "application/json",
      authorization: `Bearer ${token}`,
    });
    expect(response.errors).toBeUndefined();
    expect(response.data.previewLicenseAssignment.problems.map((problem: any) => problem.error)).toContain("InvalidUsageLocation");
  });
});
