import Database from "better-sqlite3";
import { sqliteOnly } from "../support/database";
import { TestGateway } from "../support/harness";

const RENAME = 'mutation($n: String!) { updateOrganization(input: { displayName: $n }) { displayName } }';

sqliteOnly("holds SQLite's file lock from a second connection; PostgreSQL locks rows, not the database")("a busy database", () => {
  let gateway: TestGateway;
  let other: Database.Database;

  beforeAll(async () => {
    gateway = await TestGateway.start({ DATABASE_BUSY_TIMEOUT_MS: "20" });
    await gateway.settle();
    // A second writer on the same file, as another process would be.
    other = new Database(String(gateway.app.services.db.writer.options.database));
  });
  afterAll(async () => {
    if (other.inTransaction) other.exec("ROLLBACK");
    other.close();
    await gateway.stop();
  });

  it("retries a write while another writer briefly holds the lock, and succeeds", async () => {
    other.exec("BEGIN IMMEDIATE");
    setTimeout(() => other.exec("COMMIT"), 150);
    const data = await gateway.ok("admin", RENAME, { n: "Contoso Retried" });
    expect(data.updateOrganization.displayName).toBe("Contoso Retried");
  });

  it("answers a retryable SERVICE_UNAVAILABLE instead of hanging when the lock is held on, and changes nothing", async () => {
    other.exec("BEGIN IMMEDIATE");
    const started = Date.now();
    const response = await gateway.gql("admin", RENAME, { n: "Contoso Never" });
    const waited = Date.now() - started;
    other.exec("COMMIT");
    expect(response.errors?.[0].extensions).toMatchObject({ code: "SERVICE_UNAVAILABLE", retryable: true });
    expect(waited).toBeLessThan(10_000);
    const data = await gateway.ok("admin", "{ organization { displayName } }");
    expect(data.organization.displayName).toBe("Contoso Retried");
  });
});
