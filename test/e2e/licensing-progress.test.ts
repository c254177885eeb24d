import { createClient, NetworkError, type Client, type ExecutionResult } from "graphql-sse";
import { createTestDatabase, postgresOnly } from "../support/database";
import { GroupLicensingApi, SKU } from "../support/group-licensing-api";
import { TestGateway } from "../support/harness";
import { processorOptionsFor } from "../../src/services";

/**
 * Live progress of group-based licensing: licenseProcessingState's counts, and the
 * groupLicenseProcessing subscription over Server-Sent Events, followed with graphql-sse's own
 * client as a portal would.
 */

// Thousands of members written (one statement each) and processed per test, on PostgreSQL too, on a busy machine.
jest.setTimeout(240_000);

const FIELDS = "state queuedCount processedCount succeededCount failedCount startedDateTime";
const FOLLOW = `subscription($g: ID!) { groupLicenseProcessing(groupId: $g) { ${FIELDS} } }`;
const READ = `query($id: ID!) { group(id: $id) { licenseProcessingState { ${FIELDS} } } }`;

interface ProcessingState {
  state: string;
  queuedCount: number;
  processedCount: number;
  succeededCount: number;
  failedCount: number;
  startedDateTime: string | null;
}

interface GraphQLErrorShape {
  message: string;
  extensions: { code: string };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** graphql-sse's client for the gateway's stream endpoint, signed in as `as` (null: no token). */
async function streamClient(gateway: TestGateway, as: string | null, token?: string): Promise<Client> {
  const bearer = token ?? (as === null ? null : await gateway.tokenFor(as));
  return createClient({
    url: gateway.url.replace(/\/graphql$/, "/graphql/stream"),
    headers: bearer ? { authorization: `Bearer ${bearer}` } : {},
    fetchFn: fetch,
    retryAttempts: 0,
  });
}

/** One subscription to a group's processing: every state received, and when it ended. */
function follow(client: Client, groupId: string) {
  const states: ProcessingState[] = [];
  const errors: GraphQLErrorShape[] = [];
  const waiting: { until: (state: ProcessingState) => boolean; resolve: (state: ProcessingState) => void }[] = [];
  let unsubscribe = () => {};
  const ended = new Promise<void>((resolve, reject) => {
    unsubscribe = client.subscribe<{ groupLicenseProcessing: ProcessingState }>(
      { query: FOLLOW, variables: { g: groupId } },
      {
        next(result: ExecutionResult<{ groupLicenseProcessing: ProcessingState }>) {
          if (result.errors) errors.push(...(result.errors as unknown as GraphQLErrorShape[]));
          const state = result.data?.groupLicenseProcessing;
          if (!state) return;
          states.push(state);
          for (const waiter of [...waiting]) {
            if (!waiter.until(state)) continue;
            waiting.splice(waiting.indexOf(waiter), 1);
            waiter.resolve(state);
          }
        },
        error: reject,
        complete: resolve,
      },
    );
  });
  return {
    states,
    errors,
    ended,
    unsubscribe: () => unsubscribe(),
    /** The first state received (now or later) for which `until` holds. */
    received(until: (state: ProcessingState) => boolean): Promise<ProcessingState> {
      const seen = states.find(until);
      return seen ? Promise.resolve(seen) : new Promise((resolve) => waiting.push({ until, resolve }));
    },
  };
}

/** A group of `members` bulk members with `freeSeats` E3 seats left for them, nothing else queued. */
async function groupOf(gateway: TestGateway, api: GroupLicensingApi, members: number, freeSeats: number): Promise<string> {
  const group = await api.group([]);
  await api.bulkMembers(group, members);
  await api.leaveFreeSeats(SKU.E3, freeSeats);
  await gateway.settle();
  return group;
}

/** Each count never goes down from one state to the next. */
function expectMonotone(states: ProcessingState[]): void {
  for (let i = 1; i < states.length; i++) {
    for (const count of ["queuedCount", "processedCount", "succeededCount", "failedCount"] as const) {
      expect({ state: i, [count]: states[i][count] >= states[i - 1][count] }).toEqual({ state: i, [count]: true });
    }
  }
}

async function subscribers(gateway: TestGateway): Promise<number> {
  const text = await (await fetch(gateway.url.replace(/\/graphql$/, "/metrics"))).text();
  return Number(/^helpgate_license_processing_subscribers (\d+)$/m.exec(text)?.[1]);
}

/** Waits until the gateway reports `count` open subscriptions (the server lets go of a closed one on its own). */
async function subscribersReach(gateway: TestGateway, count: number): Promise<void> {
  for (let tries = 0; (await subscribers(gateway)) !== count; tries++) {
    if (tries > 200) throw new Error(`the gateway still reports ${await subscribers(gateway)} subscribers, not ${count}`);
    await sleep(50);
  }
}

describe("live progress of group-based licensing", () => {
  let gateway: TestGateway;
  let api: GroupLicensingApi;

  beforeAll(async () => {
    gateway = await TestGateway.start();
    // Batches run when a test says so, or once it starts the processor again.
    await gateway.app.services.licensing.processor.stop();
    await gateway.settle();
    api = new GroupLicensingApi(gateway);
  });
  afterEach(async () => {
    await gateway.app.services.licensing.processor.stop();
    await api.reset();
  });
  afterAll(() => gateway.stop());

  it("streams a 5,000-member group's processing from QueuedForProcessing through to ProcessingComplete, counting every member", async () => {
    // 100 members fewer seats than members: they end in CountViolation, counted as failed.
    const group = await groupOf(gateway, api, 5_000, 4_900);
    const processor = gateway.app.services.licensing.processor;
    await api.assign(group, [{ skuId: SKU.E3 }]);
    const progress = follow(await streamClient(gateway, "admin"), group);

    expect(await progress.received(() => true)).toEqual({
      state: "QueuedForProcessing",
      queuedCount: 5_000,
      processedCount: 0,
      succeededCount: 0,
      failedCount: 0,
      startedDateTime: null,
    });
    const batch = processorOptionsFor(gateway.app.services.db.kind).batchSize;
    expect(await processor.runBatch()).toBe(batch);
    const first = await progress.received((state) => state.processedCount > 0);
    expect(first).toMatchObject({ state: "ProcessingInProgress", queuedCount: 5_000, processedCount: batch, succeededCount: batch, failedCount: 0 });
    expect(Date.parse(first.startedDateTime!)).not.toBeNaN();

    processor.start();
    await progress.ended;
    const last = progress.states[progress.states.length - 1];
    expect(last).toEqual({
      state: "ProcessingComplete",
      queuedCount: 5_000,
      processedCount: 5_000,
      succeededCount: 4_900,
      failedCount: 100,
      startedDateTime: first.startedDateTime,
    });
    expect(progress.states.filter((state) => state.state === "ProcessingComplete")).toHaveLength(1);
    expectMonotone(progress.states);
    expect(progress.errors).toEqual([]);
    // The query answers the same, and the server let go of the finished subscription.
    expect((await gateway.ok("admin", READ, { id: group })).group.licenseProcessingState).toEqual(last);
    await subscribersReach(gateway, 0);
  });

  it("lets go of a subscription whose client disconnects midway, and the processing goes on", async () => {
    const group = await groupOf(gateway, api, 1_200, 1_200);
    await api.assign(group, [{ skuId: SKU.E3 }]);
    const progress = follow(await streamClient(gateway, "admin"), group);
    const other = follow(await streamClient(gateway, "priya.nair"), group);
    await progress.received(() => true);
    await other.received(() => true);
    expect(await subscribers(gateway)).toBe(2);

    progress.unsubscribe();
    await subscribersReach(gateway, 1);
    // The other subscriber still hears everything, through to the end.
    gateway.app.services.licensing.processor.start();
    await other.ended;
    expect(other.states[other.states.length - 1]).toMatchObject({ state: "ProcessingComplete", queuedCount: 1_200, processedCount: 1_200, succeededCount: 1_200 });
    await subscribersReach(gateway, 0);
    expect(progress.states.every((state) => state.state === "QueuedForProcessing")).toBe(true);
  });

  it("answers a group whose run is already complete with its final state, then completes", async () => {
    const group = await groupOf(gateway, api, 20, 20);
    await api.assign(group, [{ skuId: SKU.E3 }]);
    await gateway.settle();
    const progress = follow(await streamClient(gateway, "admin"), group);
    await progress.ended;
    expect(progress.states).toEqual([expect.objectContaining({ state: "ProcessingComplete", queuedCount: 20, processedCount: 20, succeededCount: 20, failedCount: 0 })]);
  });

  it("counts a reprocessed group's members once each, although they hold licenses from it too", async () => {
    const group = await groupOf(gateway, api, 700, 700);
    await api.assign(group, [{ skuId: SKU.E3 }]);
    await gateway.settle();
    await gateway.ok("admin", "mutation($id: ID!) { reprocessGroupLicenses(groupId: $id) { id } }", { id: group });
    const queued = (await gateway.ok("admin", READ, { id: group })).group.licenseProcessingState;
    expect(queued).toMatchObject({ state: "QueuedForProcessing", queuedCount: 700, processedCount: 0, startedDateTime: null });
    await gateway.settle();
    expect((await gateway.ok("admin", READ, { id: group })).group.licenseProcessingState).toMatchObject({
      state: "ProcessingComplete",
      queuedCount: 700,
      processedCount: 700,
    });
  });

  it("counts a member who left but still holds the group's license once, however often the group is reprocessed", async () => {
    const group = await api.group([]);
    const [leaver] = await api.bulkMembers(group, 300);
    await api.leaveFreeSeats(SKU.E3, 300);
    await api.assign(group, [{ skuId: SKU.E3 }]);
    await gateway.settle();
    await api.removeMember(group, { id: leaver, userPrincipalName: "" });
    const reprocess = "mutation($id: ID!) { reprocessGroupLicenses(groupId: $id) { id } }";
    await gateway.ok("admin", reprocess, { id: group });
    await gateway.ok("admin", reprocess, { id: group });
    expect((await gateway.ok("admin", READ, { id: group })).group.licenseProcessingState).toMatchObject({ state: "QueuedForProcessing", queuedCount: 300 });
    await gateway.settle();
    expect((await gateway.ok("admin", READ, { id: group })).group.licenseProcessingState).toMatchObject({
      state: "ProcessingComplete",
      queuedCount: 300,
      processedCount: 300,
    });
  });

  it("counts a member who joins during the run in queuedCount, and ends with queued = processed", async () => {
    // Two batches' worth of members: the newcomer joins after the first.
    const batch = processorOptionsFor(gateway.app.services.db.kind).batchSize;
    const members = 2 * batch;
    const group = await groupOf(gateway, api, members, members + 1);
    const processor = gateway.app.services.licensing.processor;
    await api.assign(group, [{ skuId: SKU.E3 }]);
    expect(await processor.runBatch()).toBe(batch);
    const newcomer = await api.user();
    await api.addMember(group, newcomer);
    expect((await gateway.ok("admin", READ, { id: group })).group.licenseProcessingState).toMatchObject({
      state: "ProcessingInProgress",
      queuedCount: members + 1,
      processedCount: batch,
    });
    await gateway.settle();
    expect((await gateway.ok("admin", READ, { id: group })).group.licenseProcessingState).toMatchObject({
      state: "ProcessingComplete",
      queuedCount: members + 1,
      processedCount: members + 1,
      succeededCount: members + 1,
      failedCount: 0,
    });
  });

  describe("who may subscribe", () => {
    let group: string;
    beforeEach(async () => {
      group = await groupOf(gateway, api, 10, 10);
      await api.assign(group, [{ skuId: SKU.E3 }]);
    });

    it("refuses a subscriber without a token with UNAUTHENTICATED", async () => {
      const progress = follow(await streamClient(gateway, null), group);
      await progress.ended;
      expect(progress.states).toEqual([]);
      expect(progress.errors).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: "UNAUTHENTICATED" }) })]);
      expect(progress.errors[0].message).toContain("Authorization: Bearer");
    });

    it("refuses a token that is not valid with 401, before any stream opens", async () => {
      const progress = follow(await streamClient(gateway, null, "not-a-token"), group);
      const failure = await progress.ended.then(() => null, (error: unknown) => error);
      expect(failure).toBeInstanceOf(NetworkError);
      expect((failure as NetworkError).response?.status).toBe(401);
    });

    it("refuses a disabled account's token with 401", async () => {
      const progress = follow(await streamClient(gateway, "old.account"), group);
      const failure = await progress.ended.then(() => null, (error: unknown) => error);
      expect((failure as NetworkError).response?.status).toBe(401);
    });

    it("lets any signed-in member follow it, as any member may read the group (directory.read)", async () => {
      const progress = follow(await streamClient(gateway, "priya.nair"), group);
      await progress.received(() => true);
      progress.unsubscribe();
      expect(progress.errors).toEqual([]);
      expect(progress.states[0]).toMatchObject({ state: "QueuedForProcessing", queuedCount: 10 });
    });
  });

  describe("bad input", () => {
    const refusedWith = async (groupId: string) => {
      const progress = follow(await streamClient(gateway, "admin"), groupId);
      await progress.ended;
      expect(progress.states).toEqual([]);
      expect(progress.errors).toHaveLength(1);
      return { code: progress.errors[0].extensions.code, message: progress.errors[0].message };
    };

    it("refuses an id that is not a GUID", async () => {
      expect(await refusedWith("not-a-guid")).toMatchObject({ code: "BAD_USER_INPUT" });
    });

    it("refuses a group that does not exist with NOT_FOUND", async () => {
      expect(await refusedWith("00000000-0000-4000-8000-000000000000")).toMatchObject({ code: "NOT_FOUND" });
    });

    it("refuses a group that never assigned licenses, saying to subscribe after assignGroupLicense", async () => {
      const group = await api.group([]);
      expect(await refusedWith(group)).toEqual({ code: "BAD_USER_INPUT", message: expect.stringContaining("subscribe after assignGroupLicense") });
    });

    it("serves subscriptions only: a query sent to the stream is told to go to /graphql", async () => {
      const client = await streamClient(gateway, "admin");
      const results: ExecutionResult<Record<string, unknown>, unknown>[] = [];
      await new Promise<void>((resolve, reject) =>
        client.subscribe({ query: "{ organization { displayName } }" }, { next: (result) => void results.push(result), error: reject, complete: resolve }),
      );
      expect(results).toEqual([{ errors: [expect.objectContaining({ message: expect.stringContaining("send this query to /graphql"), extensions: expect.objectContaining({ code: "GRAPHQL_VALIDATION_FAILED" }) })] }]);
    });

    it("answers a request that does not accept an event stream with 406", async () => {
      const response = await fetch(gateway.url.replace(/\/graphql$/, "/graphql/stream"), {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${await gateway.tokenFor("admin")}` },
        body: JSON.stringify({ query: FOLLOW, variables: { g: "00000000-0000-4000-8000-000000000000" } }),
      });
      expect(response.status).toBe(406);
      const body = (await response.json()) as { errors: GraphQLErrorShape[] };
      expect(body.errors[0]).toMatchObject({ extensions: { code: "NOT_ACCEPTABLE" }, message: expect.stringContaining("text/event-stream") });
    });
  });
});

describe("a gateway shutting down", () => {
  it("tells open subscriptions to subscribe again, then completes them", async () => {
    const gateway = await TestGateway.start();
    let stopped = false;
    try {
      await gateway.app.services.licensing.processor.stop();
      const api = new GroupLicensingApi(gateway);
      const group = await groupOf(gateway, api, 10, 10);
      await api.assign(group, [{ skuId: SKU.E3 }]);
      const progress = follow(await streamClient(gateway, "admin"), group);
      await progress.received(() => true);

      await gateway.stop();
      stopped = true;
      await progress.ended;
      expect(progress.errors).toEqual([
        expect.objectContaining({ message: expect.stringContaining("subscribe again"), extensions: expect.objectContaining({ code: "SERVICE_UNAVAILABLE", retryable: true }) }),
      ]);
      expect(progress.states).toEqual([expect.objectContaining({ state: "QueuedForProcessing" })]);
    } finally {
      if (!stopped) await gateway.stop();
    }
  });
});

postgresOnly("two gateways share one database")("live progress across gateways", () => {
  it("streams, on gateway A, the processing that gateway B does", async () => {
    const database = await createTestDatabase();
    const a = await TestGateway.start({ DATABASE_URL: database.url });
    let b: TestGateway | null = null;
    try {
      const processorA = a.app.services.licensing.processor;
      await processorA.stop();
      const api = new GroupLicensingApi(a);
      const group = await groupOf(a, api, 2_000, 2_000);
      const processedByA = processorA.processedTotal;
      b = await TestGateway.start({ DATABASE_URL: database.url });
      await b.app.services.licensing.processor.stop();

      await api.assign(group, [{ skuId: SKU.E3 }]);
      const progress = follow(await streamClient(a, "admin"), group);
      expect(await progress.received(() => true)).toMatchObject({ state: "QueuedForProcessing", queuedCount: 2_000 });
      // One batch on B, heard on A; then B's processor does the rest in the background.
      const batch = processorOptionsFor(b.app.services.db.kind).batchSize;
      expect(await b.app.services.licensing.processor.runBatch()).toBe(batch);
      expect(await progress.received((state) => state.processedCount > 0)).toMatchObject({ state: "ProcessingInProgress", processedCount: batch });
      b.app.services.licensing.processor.start();
      await progress.ended;

      expect(progress.states[progress.states.length - 1]).toMatchObject({ state: "ProcessingComplete", queuedCount: 2_000, processedCount: 2_000, succeededCount: 2_000 });
      expectMonotone(progress.states);
      expect(processorA.processedTotal).toBe(processedByA);
      expect(b.app.services.licensing.processor.processedTotal).toBe(2_000);
    } finally {
      await b?.stop();
      await a.stop();
      await database.drop();
    }
  });
});
