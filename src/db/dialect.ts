import type { EntityManager } from "typeorm";

/**
 * Whether this manager talks to PostgreSQL. Its transactions run side by side (READ COMMITTED),
 * also from several gateway processes, so the few read-then-write steps that SQLite's single
 * writer keeps apart take row locks there; on SQLite those locks are neither needed nor possible.
 */
export function isPostgres(manager: EntityManager): boolean {
  return manager.connection.options.type === "postgres";
}
