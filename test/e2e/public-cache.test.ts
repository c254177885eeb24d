import { createHash } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { TestGateway } from "../support/harness";

/**
 * Public reads: a GET of an operation made only of public content (articles, support topics,
 * search, troubleshooting) is answered with Cache-Control public and a strong ETag, revalidated
 * with 304, and repeated from memory; anything else answers no-store and is never kept.
 */

const TOPIC = '{ supportTopic(id: "32570959") { id articles { pageTitle markdown recommendedSteps { text } } } }';

interface Raw {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** A request with node:http, so the bytes are as sent (fetch would decompress them). */
function request(url: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: options.method ?? "GET", headers: options.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(options.body);
  });
}

function getUrl(gateway: TestGateway, params: { query?: string; variables?: unknown; hash?: string }): string {
  const search = new URLSearchParams();
  if (params.query !== undefined) search.set("query", params.query);
  if (params.variables !== undefined) search.set("variables", JSON.stringify(params.variables));
  if (params.hash !== undefined) search.set("extensions", JSON.stringify({ persistedQuery: { version: 1, sha256Hash: params.hash } }));
  return `${gateway.url}?${search}`;
}

/** A GET as a browser client sends it: a preflight header (CSRF prevention), no compression unless asked. */
function get(gateway: TestGateway, params: Parameters<typeof getUrl>[1], headers: Record<string, string> = {}): Promise<Raw> {
  return request(getUrl(gateway, params), { headers: { "apollo-require-preflight": "true", ...headers } });
}

async function cacheCount(gateway: TestGateway, result: "hit" | "miss"): Promise<number> {
  const text = await (await fetch(new URL("/metrics", gateway.url))).text();
  const line = text.split("\n").find((l) => l.startsWith(`helpgate_response_cache_requests_total{result="${result}"}`));
  return line ? Number(line.split(" ").pop()) : 0;
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

describe("public reads over GET", () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await TestGateway.start();
  });
  afterAll(() => gateway.stop());

  it("answers a support topic with Cache-Control public, a strong ETag, and the same bytes from memory the second time", async () => {
    const hits = await cacheCount(gateway, "hit");
    const first = await get(gateway, { query: TOPIC });
    expect(first.status).toBe(200);
    expect(first.headers["cache-control"]).toBe("public, max-age=300");
    expect(first.headers.etag).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
    expect(first.headers.vary).toMatch(/\baccept\b.*\baccept-encoding\b/i);
    expect(JSON.parse(first.body.toString()).data.supportTopic.articles.length).toBeGreaterThan(0);

    const second = await get(gateway, { query: TOPIC });
    expect(second.status).toBe(200);
    expect(second.body.equals(first.body)).toBe(true);
    expect(second.headers.etag).toBe(first.headers.etag);
    expect(second.headers["cache-control"]).toBe("public, max-age=300");
    expect(second.headers["content-type"]).toBe(first.headers["content-type"]);
    expect(second.headers.vary).toBe(first.headers.vary);
    expect(await cacheCount(gateway, "hit")).toBe(hits + 1);
  });

  it("reads a query string sent as it is (quotes and braces unencoded) as it reads the same one percent-encoded", async () => {
    const query = '{ supportTopic(id: "32570959") { id } }';
    const encoded = await get(gateway, { query });
    expect(encoded.status).toBe(200);
    // Only what a client may send raw: spaces are percent-encoded, quotes, braces and colons not;
    // the quotes are what the URL parser would encode, so this target takes the parser's path.
    const raw = `${gateway.url}?query=${query.replace(/ /g, "%20")}`;
    const answers = [await request(raw, { headers: { "apollo-require-preflight": "true" } }), await request(raw, { headers: { "apollo-require-preflight": "true" } })];
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.body.toString())).toEqual(JSON.parse(encoded.body.toString()));
      expect(answer.headers["cache-control"]).toBe("public, max-age=300");
    }
  });

  it("answers 304 without a body to If-None-Match naming the ETag (weak or strong), and 200 to another tag", async () => {
    const { headers } = await get(gateway, { query: TOPIC });
    for (const tag of [headers.etag!, `W/${headers.etag}`, `"other", ${headers.etag}`, "*"]) {
      const revalidated = await get(gateway, { query: TOPIC }, { "if-none-match": tag });
      expect(revalidated.status).toBe(304);
      expect(revalidated.body.length).toBe(0);
      expect(revalidated.headers.etag).toBe(headers.etag);
      expect(revalidated.headers["cache-control"]).toBe("public, max-age=300");
    }
    const changed = await get(gateway, { query: TOPIC }, { "if-none-match": '"not-this-one"' });
    expect(changed.status).toBe(200);
    expect(changed.body.length).toBeGreaterThan(0);
  });

  it("keys the answer by its encoding: brotli, gzip and none are each their own bytes and ETag, with the same JSON", async () => {
    const plain = await get(gateway, { query: TOPIC });
    const br = await get(gateway, { query: TOPIC }, { "accept-encoding": "br" });
    const gzip = await get(gateway, { query: TOPIC }, { "accept-encoding": "gzip" });
    expect(br.headers["content-encoding"]).toBe("br");
    expect(gzip.headers["content-encoding"]).toBe("gzip");
    expect(plain.headers["content-encoding"]).toBeUndefined();
    expect(new Set([plain.headers.etag, br.headers.etag, gzip.headers.etag]).size).toBe(3);
    expect(zlib.brotliDecompressSync(br.body).equals(plain.body)).toBe(true);
    expect(zlib.gunzipSync(gzip.body).equals(plain.body)).toBe(true);
    // And from memory, each still in its own encoding.
    const brAgain = await get(gateway, { query: TOPIC }, { "accept-encoding": "br" });
    expect(brAgain.headers["content-encoding"]).toBe("br");
    expect(brAgain.body.equals(br.body)).toBe(true);
  });

  it("caches a persisted query sent by its hash alone, once the hash is known", async () => {
    const query = '{ supportTopic(id: "32570959") { articles { pageTitle } } }';
    const hash = sha256(query);
    const unknown = await get(gateway, { hash });
    expect(JSON.parse(unknown.body.toString()).errors[0].extensions.code).toBe("PERSISTED_QUERY_NOT_FOUND");
    expect(unknown.headers["cache-control"]).toBe("no-store");
    const registered = await get(gateway, { query, hash });
    expect(registered.headers["cache-control"]).toBe("public, max-age=300");
    const hits = await cacheCount(gateway, "hit");
    const byHash = await get(gateway, { hash });
    const again = await get(gateway, { hash });
    expect(JSON.parse(byHash.body.toString())).toEqual(JSON.parse(registered.body.toString()));
    expect(again.body.equals(byHash.body)).toBe(true);
    expect(again.headers.etag).toBe(byHash.headers.etag);
    expect(await cacheCount(gateway, "hit")).toBe(hits + 1);
  });

  it("keeps variables apart: another topic is another answer", async () => {
    const query = "query Topic($id: ID!) { supportTopic(id: $id) { id } }";
    const a = await get(gateway, { query, variables: { id: "32570959" } });
    const b = await get(gateway, { query, variables: { id: "another-topic" } });
    expect(JSON.parse(a.body.toString()).data.supportTopic.id).toBe("32570959");
    expect(JSON.parse(b.body.toString()).data.supportTopic.id).toBe("another-topic");
    expect(a.headers.etag).not.toBe(b.headers.etag);
    const bAgain = await get(gateway, { query, variables: { id: "another-topic" } });
    expect(bAgain.body.equals(b.body)).toBe(true);
  });

  it("caches search and troubleshooting, which are public too", async () => {
    for (const query of ['{ searchArticles(query: "license seats", first: 3) { score article { pageTitle } } }', '{ troubleshoot(errorCode: "CountViolation") { steps { text } } }']) {
      const first = await get(gateway, { query });
      expect(first.headers["cache-control"]).toBe("public, max-age=300");
      const hits = await cacheCount(gateway, "hit");
      const again = await get(gateway, { query });
      expect(again.body.equals(first.body)).toBe(true);
      expect(await cacheCount(gateway, "hit")).toBe(hits + 1);
    }
  });

  it("reads the policy through connections, fragments and inline fragments: a page of articles is public, a Node lookup is not", async () => {
    const page = await get(gateway, { query: "{ articles(first: 2) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { ...Title } } } } fragment Title on Article { pageTitle }" });
    expect(JSON.parse(page.body.toString()).data.articles.edges).toHaveLength(2);
    expect(page.headers["cache-control"]).toBe("public, max-age=300");
    const id = JSON.parse((await get(gateway, { query: '{ supportTopic(id: "32570959") { articles { id } } }' })).body.toString()).data.supportTopic.articles[0].id;
    const node = await get(gateway, { query: "query($id: ID!) { node(id: $id) { ... on Article { pageTitle } } }", variables: { id } });
    expect(node.headers["cache-control"]).toBe("no-store");
    const introspection = await get(gateway, { query: '{ supportTopic(id: "32570959") { id } __type(name: "Article") { name } }' });
    expect(introspection.headers["cache-control"]).toBe("no-store");
  });

  it("never caches an operation with a directory field beside the public ones: no-store, no ETag, run every time", async () => {
    const token = await gateway.tokenFor("admin");
    const query = '{ supportTopic(id: "32570959") { articles { pageTitle } } users(first: 1) { edges { node { displayName } } } }';
    const hits = await cacheCount(gateway, "hit");
    for (let i = 0; i < 2; i++) {
      const answer = await get(gateway, { query }, { authorization: `Bearer ${token}` });
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.body.toString()).data.users.edges).toHaveLength(1);
      expect(answer.headers["cache-control"]).toBe("no-store");
      expect(answer.headers.etag).toBeUndefined();
    }
    // Through a fragment, too.
    const viaFragment = await get(gateway, { query: '{ supportTopic(id: "32570959") { id } ...Me } fragment Me on Query { me { displayName } }' }, { authorization: `Bearer ${token}` });
    expect(viaFragment.headers["cache-control"]).toBe("no-store");
    expect(await cacheCount(gateway, "hit")).toBe(hits);
  });

  it("never caches a signed-in caller's Article.metadata, and answers the same public bytes to signed-in and anonymous callers", async () => {
    const token = await gateway.tokenFor("admin");
    const personal = '{ supportTopic(id: "32570959") { articles { pageTitle metadata } } }';
    const hits = await cacheCount(gateway, "hit");
    for (let i = 0; i < 2; i++) {
      const answer = await get(gateway, { query: personal }, { authorization: `Bearer ${token}` });
      expect(JSON.parse(answer.body.toString()).errors).toBeUndefined();
      expect(answer.headers["cache-control"]).toBe("no-store");
    }
    expect(await cacheCount(gateway, "hit")).toBe(hits);
    // Without a token metadata is refused (an error): not cached either.
    const anonymous = await get(gateway, { query: personal });
    expect(JSON.parse(anonymous.body.toString()).errors[0].extensions.code).toBe("UNAUTHENTICATED");
    expect(anonymous.headers["cache-control"]).toBe("no-store");

    const query = '{ supportTopic(id: "32570959") { articles { articleId } } }';
    const signedIn = await get(gateway, { query }, { authorization: `Bearer ${token}` });
    const shared = await get(gateway, { query });
    expect(signedIn.headers["cache-control"]).toBe("public, max-age=300");
    expect(shared.body.equals(signedIn.body)).toBe(true);
    expect(shared.headers.etag).toBe(signedIn.headers.etag);
    // A bad token is refused before the cache is looked at.
    const refused = await get(gateway, { query }, { authorization: "Bearer not-a-token" });
    expect(refused.status).toBe(401);
  });

  it("answers errors with no-store and keeps none of them", async () => {
    const query = "{ article { pageTitle } }";
    const hits = await cacheCount(gateway, "hit");
    for (let i = 0; i < 2; i++) {
      const answer = await get(gateway, { query });
      expect(JSON.parse(answer.body.toString()).errors[0].extensions.code).toBe("BAD_USER_INPUT");
      expect(answer.headers["cache-control"]).toBe("no-store");
      expect(answer.headers.etag).toBeUndefined();
    }
    expect(await cacheCount(gateway, "hit")).toBe(hits);
  });

  it("runs a POST every time and answers it no-store, public or not", async () => {
    const hits = await cacheCount(gateway, "hit");
    for (let i = 0; i < 2; i++) {
      const answer = await request(gateway.url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query: TOPIC }) });
      expect(answer.status).toBe(200);
      expect(answer.headers["cache-control"]).toBe("no-store");
      expect(answer.headers.etag).toBeUndefined();
    }
    expect(await cacheCount(gateway, "hit")).toBe(hits);
  });

  it("leaves a GET without a preflight header to CSRF prevention, even when its answer is cached", async () => {
    await get(gateway, { query: TOPIC });
    const simple = await request(getUrl(gateway, { query: TOPIC }));
    expect(simple.status).toBe(400);
    expect(simple.body.toString()).toMatch(/CSRF/);
  });
});

describe("the public response cache and the library", () => {
  let dir: string;
  let gateway: TestGateway;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "helpgate-public-cache-"));
    fs.cpSync(path.resolve(__dirname, "..", "..", "articles"), dir, { recursive: true });
    gateway = await TestGateway.start({ ARTICLES_DIR: dir });
  });
  afterAll(async () => {
    await gateway.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("drops what it keeps when the library reloads: the new text, a new ETag, no 304 for the old one", async () => {
    const query = '{ supportTopic(id: "32570959") { articles { pageTitle } } }';
    const before = await get(gateway, { query });
    expect(before.headers["cache-control"]).toBe("public, max-age=300");
    const file = path.join(dir, "licensing", "cant-assign-license-to-user.md");
    const text = fs.readFileSync(file, "utf8");
    const title = JSON.parse(before.body.toString()).data.supportTopic.articles[0].pageTitle as string;
    expect(text).toContain(title);
    fs.writeFileSync(file, text.replace(title, `${title} (revised)`));
    await gateway.app.services.content.load();

    const after = await get(gateway, { query }, { "if-none-match": before.headers.etag! });
    expect(after.status).toBe(200);
    expect(after.body.toString()).toContain(`${title} (revised)`);
    expect(after.headers.etag).not.toBe(before.headers.etag);
    const again = await get(gateway, { query });
    expect(again.body.equals(after.body)).toBe(true);
  });
});

describe("RESPONSE_CACHE_BYTES=0", () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await TestGateway.start({ RESPONSE_CACHE_BYTES: "0" });
  });
  afterAll(() => gateway.stop());

  it("keeps nothing in memory, but still answers Cache-Control, the ETag and 304", async () => {
    const first = await get(gateway, { query: TOPIC });
    expect(first.headers["cache-control"]).toBe("public, max-age=300");
    const second = await get(gateway, { query: TOPIC }, { "if-none-match": first.headers.etag! });
    expect(second.status).toBe(304);
    const third = await get(gateway, { query: TOPIC });
    expect(third.body.equals(first.body)).toBe(true);
    expect(await cacheCount(gateway, "hit")).toBe(0);
    const metrics = await (await fetch(new URL("/metrics", gateway.url))).text();
    expect(metrics).toMatch(/^helpgate_response_cache_bytes 0$/m);
  });
});

describe("RESPONSE_CACHE_BYTES bounds the memory", () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await TestGateway.start({ RESPONSE_CACHE_BYTES: "4000" });
  });
  afterAll(() => gateway.stop());

  it("lets the least recently used answers go first, and never holds more than the bound", async () => {
    const topic = (n: number) => ({ query: `{ supportTopic(id: "topic-${n}") { id } }` });
    const hit = async (n: number) => {
      const before = await cacheCount(gateway, "hit");
      await get(gateway, topic(n));
      return (await cacheCount(gateway, "hit")) === before + 1;
    };
    for (let n = 1; n <= 3; n++) await get(gateway, topic(n));
    expect(await hit(1)).toBe(true); // 1 is now the most recently used
    for (let n = 4; n <= 12; n++) {
      await get(gateway, topic(n));
      if (n < 8) expect(await hit(1)).toBe(true); // kept in use, 1 stays
    }
    expect(await hit(12)).toBe(true);
    expect(await hit(2)).toBe(false); // unused since: gone
    const metrics = await (await fetch(new URL("/metrics", gateway.url))).text();
    const bytes = Number(/^helpgate_response_cache_bytes (\d+)$/m.exec(metrics)![1]);
    expect(bytes).toBeGreaterThan(0);
    expect(bytes).toBeLessThanOrEqual(4000);
  });
});
