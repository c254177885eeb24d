import { refusal, TestGateway } from "../support/harness";

/**
 * The gateway answers from the moment it listens, while its articles load: liveness at once,
 * readiness "loading (n of N)" until every body is in, lookups on the headers, each article's
 * steps parsed on demand, and search (which ranks on every body) refused as retryable until the
 * bodies are in. The bodies are held back here until the test lets them go, so every step below
 * happens, deterministically, while the articles are loading.
 */

jest.setTimeout(60_000);

const TOPIC = "32570959";
const TOPIC_QUERY = `{ supportTopic(id: "${TOPIC}") { articles { id path pageTitle errorCodes recommendedSteps { number text group } sections { title kind steps { text } } problems { kind line } } } }`;
const TROUBLESHOOT_QUERY = '{ troubleshoot(errorCode: "CountViolation") { article { id } steps { number text } } }';
const SEARCH_QUERY = '{ searchArticles(query: "usage location") { article { id } } }';

let gateway: TestGateway;
let release!: () => void;

beforeAll(async () => {
  const held = new Promise<void>((resolve) => (release = resolve));
  gateway = await TestGateway.start({}, { waitForArticles: false, holdArticleBodies: held });
});
afterAll(async () => {
  release();
  await gateway.stop();
});

async function get(path: string): Promise<{ status: number; json: any }> {
  const response = await fetch(new URL(path, gateway.url));
  return { status: response.status, json: await response.json() };
}

describe("a gateway whose articles are still loading", () => {
  let during: { topic: any; troubleshoot: any };

  it("is live at once and not ready, saying how many article bodies are in", async () => {
    expect(await get("/healthz")).toEqual({ status: 200, json: { status: "ok" } });
    const ready = await get("/readyz");
    expect(ready.status).toBe(503);
    expect(ready.json.status).toBe("not ready");
    expect(ready.json.checks).toMatchObject({ database: "ok", migrations: "ok" });
    expect(ready.json.checks.articles).toMatch(/^loading \(\d+ of (\d+|\?)\)$/);
  });

  it("answers supportTopic from the headers, with each article's steps parsed for it (never an empty list for want of a body)", async () => {
    const topic = await gateway.ok(null, TOPIC_QUERY);
    const [article] = topic.supportTopic.articles;
    expect(article.pageTitle).toMatch(/assign/i);
    expect(article.errorCodes).toContain("InvalidUsageLocation");
    expect(article.recommendedSteps.length).toBeGreaterThanOrEqual(3);
    expect(article.sections.some((section: { kind: string; steps: unknown[] }) => section.kind === "recommendedSteps" && section.steps.length > 0)).toBe(true);
    const troubleshoot = await gateway.ok(null, TROUBLESHOOT_QUERY);
    expect(troubleshoot.troubleshoot.steps.length).toBeGreaterThan(0);
    during = { topic, troubleshoot };
    // Still loading: these answers came before the bodies.
    expect((await get("/readyz")).status).toBe(503);
  });

  it("refuses search as retryable, with the progress, until every body is in", async () => {
    const refused = refusal(await gateway.gql(null, SEARCH_QUERY));
    expect(refused.code).toBe("SERVICE_UNAVAILABLE");
    expect(refused.extensions.retryable).toBe(true);
    expect(refused.message).toMatch(/^articles are still loading \(\d+ of \d+\); ask again in a few seconds\.$/);
  });

  it("once the bodies are in: ready, the same answers as during the load, and search", async () => {
    release();
    await gateway.app.articles;
    expect(await get("/readyz")).toEqual({ status: 200, json: { status: "ready", checks: { database: "ok", migrations: "ok", articles: "ok" } } });
    expect(await gateway.ok(null, TOPIC_QUERY)).toEqual(during.topic);
    expect(await gateway.ok(null, TROUBLESHOOT_QUERY)).toEqual(during.troubleshoot);
    const found = await gateway.ok(null, SEARCH_QUERY);
    expect(found.searchArticles.length).toBeGreaterThan(0);
  });
});
