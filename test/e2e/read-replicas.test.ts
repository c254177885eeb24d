import net from "node:net";
import { Client } from "pg";
import type { ReplicaState } from "../../src/db/replicas";
import { createTestDatabase, onPostgres, type TestDatabase } from "../support/database";
import { TestGateway } from "../support/harness";

/**
 * Reads from PostgreSQL streaming replicas (DATABASE_REPLICA_URLS), against the replica that
 * scripts/ci-postgres-replica.sh starts: TEST_POSTGRES_REPLICA_URL is its admin URL, the same
 * role as TEST_POSTGRES_URL's on the replica's port.
 *
 * Which server answered is told by what it answers: with the replica's replay paused, a change
 * committed on the primary is missing from the replica, so a read that misses it was served by
 * the replica and a read that has it by the primary.
 */
const REPLICA_URL = process.env.TEST_POSTGRES_REPLICA_URL?.trim() || null;
const suite = onPostgres && REPLICA_URL ? describe : describe.skip;

const USER = "query($id: ID) { user(id: $id) { department } }";
const RENAME = "mutation($id: ID!, $department: String) { updateUser(id: $id, input: { department: $department }) { department } }";

jest.setTimeout(60_000);

/** The test database's name on the replica's server (it reaches the replica through the primary's WAL). */
function onReplica(database: TestDatabase, server = REPLICA_URL!): string {
  const url = new URL(server);
  url.pathname = new URL(database.url).pathname;
  return url.toString();
}

/** The replica's replay, paused and resumed as the tests need it (the role may, see ci-postgres-replica.sh). */
async function replicaAdmin<T>(sql: string): Promise<T> {
  const client = new Client({ connectionString: REPLICA_URL! });
  await client.connect();
  try {
    return (await client.query(sql)).rows[0] as T;
  } finally {
    await client.end();
  }
}

const pauseReplay = () => replicaAdmin("SELECT pg_wal_replay_pause()");
const resumeReplay = () => replicaAdmin("SELECT pg_wal_replay_resume()");

async function replicaState(gateway: TestGateway): Promise<{ state: ReplicaState; queries: number; fallbacks: number }> {
  const replicas = gateway.app.services.db.replicas!;
  await replicas.check();
  return replicas.status()[0];
}

/** Waits (bounded) until the gateway's checks find the replica in `state`. */
async function until(gateway: TestGateway, state: ReplicaState): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const status = await replicaState(gateway);
    if (status.state === state) return;
    if (Date.now() > deadline) throw new Error(`the replica stayed ${JSON.stringify(status)}, expected ${state}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function departmentAs(gateway: TestGateway, caller: string, id: string): Promise<string | null> {
  const { user } = await gateway.ok<{ user: { department: string | null } }>(caller, USER, { id });
  return user.department;
}

async function readiness(gateway: TestGateway): Promise<{ status: number; body: any }> {
  const response = await fetch(gateway.url.replace(/\/graphql$/, "/readyz"));
  return { status: response.status, body: await response.json() };
}

suite("reads from a streaming replica (DATABASE_REPLICA_URLS)", () => {
  let database: TestDatabase;
  let gateway: TestGateway | null = null;

  beforeEach(async () => {
    database = await createTestDatabase();
  });

  afterEach(async () => {
    await resumeReplay().catch(() => undefined);
    await gateway?.stop();
    gateway = null;
    await database.drop();
  });

  async function start(env: Record<string, string> = {}, replicaUrl = onReplica(database)): Promise<TestGateway> {
    gateway = await TestGateway.start({ DATABASE_URL: database.url, DATABASE_REPLICA_URLS: replicaUrl, ...env });
    await until(gateway, "ok");
    return gateway;
  }

  it("serves a query's reads from the replica, and a caller's reads after their own mutation from the primary", async () => {
    // A lag bound far above the test's length: the paused replica keeps taking reads.
    const gateway = await start({ DATABASE_REPLICA_MAX_LAG_MS: "600000" });
    const id = await gateway.userId("mei.chen");
    expect(await departmentAs(gateway, "grace.kim", id)).toBe("Engineering");
    const before = await replicaState(gateway);

    await pauseReplay();
    const { updateUser } = await gateway.ok("admin", RENAME, { id, department: "Research" });
    expect(updateUser.department).toBe("Research");

    // The writer reads their own write (the primary) ...
    expect(await departmentAs(gateway, "admin", id)).toBe("Research");
    // ... while another caller's query is answered by the replica, which has not replayed it.
    expect(await departmentAs(gateway, "grace.kim", id)).toBe("Engineering");
    const after = await replicaState(gateway);
    expect(after.queries).toBeGreaterThan(before.queries);
    expect(after.fallbacks).toBe(0);

    await resumeReplay();
    const deadline = Date.now() + 20_000;
    while ((await departmentAs(gateway, "grace.kim", id)) !== "Research") {
      if (Date.now() > deadline) throw new Error("the replica never showed the change");
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });

  it("keeps a caller's reads on the primary after their mutation in every process on the database", async () => {
    const first = await start({ DATABASE_REPLICA_MAX_LAG_MS: "600000" });
    const second = await TestGateway.start({ DATABASE_URL: database.url, DATABASE_REPLICA_URLS: onReplica(database), DATABASE_REPLICA_MAX_LAG_MS: "600000" });
    try {
      await until(second, "ok");
      const id = await first.userId("mei.chen");
      await pauseReplay();
      // The processes hear of each other's writes through NOTIFY: the first message also shows
      // that the second process listens.
      await first.ok("lena.fischer", RENAME, { id, department: "Identity" });
      const deadline = Date.now() + 20_000;
      while ((await departmentAs(second, "lena.fischer", id)) !== "Identity") {
        if (Date.now() > deadline) throw new Error("the second process never heard of the first one's write");
        await new Promise((resolve) => setTimeout(resolve, 50));
      }

      await first.ok("admin", RENAME, { id, department: "Research" });
      expect(await departmentAs(second, "admin", id)).toBe("Research");
      // Someone who wrote nothing reads from the paused replica, in either process.
      expect(await departmentAs(second, "grace.kim", id)).toBe("Engineering");
      expect(await departmentAs(first, "grace.kim", id)).toBe("Engineering");
    } finally {
      await resumeReplay();
      await second.stop();
    }
  });

  it("sends reads to the primary while the replica is behind, and back to it once it has caught up", async () => {
    const gateway = await start({ DATABASE_REPLICA_MAX_LAG_MS: "200" });
    const id = await gateway.userId("mei.chen");

    await pauseReplay();
    await gateway.ok("admin", RENAME, { id, department: "Research" });
    await until(gateway, "behind");
    // Not the writer, and yet the change is there: the primary answered.
    expect(await departmentAs(gateway, "grace.kim", id)).toBe("Research");
    const ready = await readiness(gateway);
    expect(ready.status).toBe(200);
    expect(ready.body.replicas).toEqual([expect.objectContaining({ state: "behind", error: null })]);
    expect(ready.body.replicas[0].lagMs).toBeGreaterThan(200);

    await resumeReplay();
    await until(gateway, "ok");
    const before = await replicaState(gateway);
    expect(await departmentAs(gateway, "grace.kim", id)).toBe("Research");
    expect((await replicaState(gateway)).queries).toBeGreaterThan(before.queries);
  });

  it("answers every read from the primary while the replica has gone away, and uses it again once it is back", async () => {
    // The replica is reached through a loopback relay that the test can cut.
    const relay = new Relay(new URL(REPLICA_URL!).port);
    const port = await relay.open(0);
    try {
      const gateway = await start({}, onReplica(database, `postgres://${encodeURIComponent(new URL(REPLICA_URL!).username)}:${encodeURIComponent(new URL(REPLICA_URL!).password)}@127.0.0.1:${port}/postgres`));
      const id = await gateway.userId("mei.chen");
      const served = (await replicaState(gateway)).queries;
      expect(await departmentAs(gateway, "grace.kim", id)).toBe("Engineering");
      expect((await replicaState(gateway)).queries).toBeGreaterThan(served);

      await relay.close();
      // Every read still answers, in the middle of the replica's pool losing its connections.
      for (let i = 0; i < 5; i++) {
        const { users } = await gateway.ok("grace.kim", "{ users(first: 5) { totalCount edges { node { id } } } }");
        expect(users.edges).toHaveLength(5);
      }
      expect(await departmentAs(gateway, "grace.kim", id)).toBe("Engineering");
      await until(gateway, "down");
      const ready = await readiness(gateway);
      expect(ready.status).toBe(200);
      expect(ready.body.replicas[0]).toMatchObject({ state: "down", error: expect.any(String) });
      const metrics = await (await fetch(gateway.url.replace(/\/graphql$/, "/metrics"))).text();
      expect(metrics).toMatch(/helpgate_database_replica_state\{replica="127\.0\.0\.1:\d+\/helpgate_test_\w+",state="down"\} 1/);

      await relay.open(port);
      await until(gateway, "ok");
      const before = (await replicaState(gateway)).queries;
      expect(await departmentAs(gateway, "grace.kim", id)).toBe("Engineering");
      expect((await replicaState(gateway)).queries).toBeGreaterThan(before);
    } finally {
      await relay.close();
    }
  });
});

/** A TCP relay to the replica's port that can be cut (every connection ends) and opened again on the same port. */
class Relay {
  private server: net.Server | null = null;
  private readonly sockets = new Set<net.Socket>();

  constructor(private readonly target: string) {}

  async open(port: number): Promise<number> {
    const server = net.createServer((client) => {
      const upstream = net.connect(Number(this.target), "127.0.0.1");
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on("close", () => this.sockets.delete(socket));
        socket.on("error", () => undefined);
      }
      client.pipe(upstream).pipe(client);
      client.on("close", () => upstream.destroy());
      upstream.on("close", () => client.destroy());
    });
    await new Promise<void>((resolve, reject) => server.once("error", reject).listen(port, "127.0.0.1", () => resolve()));
    this.server = server;
    return (server.address() as net.AddressInfo).port;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const socket of this.sockets) socket.destroy();
    if (server) await new Promise((resolve) => server.close(resolve));
  }
}
