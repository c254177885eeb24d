import { SubscriptionUnits1764611600000 } from "../../src/db/migrations/1764611600000-subscription-units";
import { openedTestDatabase } from "../support/database";

/** A subscribed_skus row as an older helpgate could leave it: status and units set apart. */
type Row = [sku: string, status: string, enabled: number, warning: number, suspended: number, lockedOut: number];

const BEFORE: Row[] = [
  ["old-a-enabled", "Enabled", 10, 2, 0, 0],
  ["old-b-warning", "Warning", 10, 2, 0, 0],
  ["old-c-suspended", "Suspended", 10, 2, 1, 0],
  ["old-d-locked-out", "LockedOut", 10, 2, 1, 1],
  ["old-e-deleted", "Deleted", 10, 0, 0, 0],
  ["old-f-enabled-without-units", "Enabled", 0, 0, 3, 0],
  ["old-g-nothing-bought", "Enabled", 0, 0, 0, 0],
];

const AFTER: Row[] = [
  ["old-a-enabled", "Enabled", 10, 2, 0, 0],
  ["old-b-warning", "Warning", 0, 12, 0, 0],
  ["old-c-suspended", "Suspended", 0, 0, 13, 0],
  ["old-d-locked-out", "LockedOut", 0, 0, 0, 14],
  ["old-e-deleted", "Deleted", 0, 0, 0, 0],
  ["old-f-enabled-without-units", "Suspended", 0, 0, 3, 0],
  ["old-g-nothing-bought", "Enabled", 0, 0, 0, 0],
];

describe("the subscription-units migration", () => {
  const opened = openedTestDatabase();

  it("gives each subscription the units its former status meant, and the status its units give", async () => {
    const runner = opened.db.writer.createQueryRunner();
    try {
      for (const [sku, status, enabled, warning, suspended, lockedOut] of BEFORE) {
        await runner.query(
          "INSERT INTO subscribed_skus (sku_id, sku_part_number, applies_to, capability_status, enabled_units, warning_units, suspended_units, locked_out_units, consumed_units, created_date_time) " +
            `VALUES ('${sku}', '${sku}', 'User', '${status}', ${enabled}, ${warning}, ${suspended}, ${lockedOut}, 1, '2026-01-01T00:00:00.000Z')`,
        );
      }
      await new SubscriptionUnits1764611600000().up(runner);
      const rows: Record<string, unknown>[] = await runner.query(
        "SELECT sku_id, capability_status, enabled_units, warning_units, suspended_units, locked_out_units, consumed_units FROM subscribed_skus WHERE sku_id LIKE 'old-%' ORDER BY sku_id",
      );
      const read = rows.map((row) => [row.sku_id, row.capability_status, ...["enabled_units", "warning_units", "suspended_units", "locked_out_units"].map((c) => Number(row[c]))]);
      expect(read).toEqual(AFTER);
      // Seats in use are the users' business, not the lifecycle's.
      expect(rows.map((row) => Number(row.consumed_units))).toEqual(AFTER.map(() => 1));
    } finally {
      await runner.release();
    }
  });
});
