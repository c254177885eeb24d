import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * A subscription's capabilityStatus now follows its prepaidUnits, as in Graph. Before, the status
 * was set on its own, so a Suspended subscription could still show enabled units. Each such row
 * gets the units its status meant (an expired subscription's enabled units are in their grace
 * period, a suspended one's usable units are suspended, and so on), so that nothing a status
 * refused becomes assignable; then every status is the one its units give.
 */
export class SubscriptionUnits1764611600000 implements MigrationInterface {
  name = "SubscriptionUnits1764611600000";

  async up(queryRunner: QueryRunner): Promise<void> {
    const moves = [
      "UPDATE subscribed_skus SET warning_units = warning_units + enabled_units, enabled_units = 0 WHERE capability_status = 'Warning'",
      "UPDATE subscribed_skus SET suspended_units = suspended_units + enabled_units + warning_units, enabled_units = 0, warning_units = 0 " +
        "WHERE capability_status = 'Suspended'",
      "UPDATE subscribed_skus SET locked_out_units = locked_out_units + enabled_units + warning_units + suspended_units, " +
        "enabled_units = 0, warning_units = 0, suspended_units = 0 WHERE capability_status = 'LockedOut'",
      "UPDATE subscribed_skus SET enabled_units = 0, warning_units = 0, suspended_units = 0, locked_out_units = 0 WHERE capability_status = 'Deleted'",
      // The status the units give (src/licensing/engine/subscriptions.ts, capabilityStatusOf).
      "UPDATE subscribed_skus SET capability_status = CASE " +
        "WHEN enabled_units > 0 THEN 'Enabled' WHEN warning_units > 0 THEN 'Warning' WHEN suspended_units > 0 THEN 'Suspended' " +
        "WHEN locked_out_units > 0 THEN 'LockedOut' WHEN capability_status = 'Deleted' THEN 'Deleted' ELSE 'Enabled' END",
    ];
    for (const statement of moves) await queryRunner.query(statement);
  }

  async down(): Promise<void> {
    // The moved units are valid under the former rules too: nothing to undo.
  }
}
