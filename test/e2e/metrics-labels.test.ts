import { TestGateway } from "../support/harness";

/**
 * `helpgate_graphql_requests_total{operation}` is labelled with a name the client chooses, and
 * Prometheus keeps every label value as a series for the life of the process: a client making up
 * names must not be able to grow `/metrics` (and the process) without bound. The first
 * METRICS_MAX_OPERATIONS (100) distinct names are labels; every later one counts as `other`.
 */

const NAMES = 5_000;
const name = (i: number) => `op${String(i).padStart(4, "0")}`;

async function metricsText(gateway: TestGateway): Promise<string> {
  const response = await fetch(gateway.url.replace(/\/graphql$/, "/metrics"));
  expect(response.status).toBe(200);
  return response.text();
}

/** The `helpgate_graphql_requests_total` series: label set → value. */
function requestSeries(text: string): Map<string, number> {
  const series = new Map<string, number>();
  for (const line of text.split("\n")) {
    const match = /^helpgate_graphql_requests_total(\{[^}]*\}) (\d+)$/.exec(line);
    if (match) series.set(match[1], Number(match[2]));
  }
  return series;
}

async function postBatch(gateway: TestGateway, operations: { query: string }[]): Promise<void> {
  const response = await fetch(gateway.url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(operations) });
  expect(response.status).toBe(200);
  const results = (await response.json()) as { data?: unknown }[];
  expect(results.every((result) => result.data !== undefined)).toBe(true);
}

jest.setTimeout(120_000);

describe("operation names on /metrics", () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    // This file is about labels; the callers' budgets stay out of it.
    gateway = await TestGateway.start({ THROTTLE_READ_UNITS_PER_10S: "0" });
  });
  afterAll(() => gateway.stop());

  it(`keeps the series bounded when ${NAMES} distinct operation names arrive`, async () => {
    const sizeBefore = (await metricsText(gateway)).length;
    for (let start = 0; start < NAMES; start += 10) {
      await postBatch(gateway, Array.from({ length: 10 }, (_, i) => ({ query: `query ${name(start + i)} { __typename }` })));
    }
    await postBatch(gateway, [{ query: "{ __typename }" }, { query: `query ${"x".repeat(200)} { __typename }` }]);

    const text = await metricsText(gateway);
    const series = requestSeries(text);
    // 100 names, `other` and `anonymous`, all with outcome ok.
    expect(series.size).toBe(102);
    expect(series.get('{operation="other",outcome="ok"}')).toBe(NAMES - 100 + 1);
    expect(series.get('{operation="anonymous",outcome="ok"}')).toBe(1);
    for (const i of [0, 57, 99]) expect(series.get(`{operation="${name(i)}",outcome="ok"}`)).toBe(1);
    expect(series.has(`{operation="${name(100)}",outcome="ok"}`)).toBe(false);
    expect(text).not.toContain(name(NAMES - 1));
    // 100 short series more than at start: a few kilobytes, not megabytes.
    expect(text.length - sizeBefore).toBeLessThan(16_000);
  });

  it("labels a failed operation by its outcome, under a label already known", async () => {
    const response = await fetch(gateway.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: "query op0001 { me { id } }" }),
    });
    expect(response.status).toBe(200);
    const series = requestSeries(await metricsText(gateway));
    expect(series.get('{operation="op0001",outcome="UNAUTHENTICATED"}')).toBe(1);
  });
});
