import type { ReplicaStatus } from "../db/replicas";
import type { Services } from "../services";

export interface Readiness {
  ready: boolean;
  checks: { database: string; migrations: string; articles: string };
  /** Each read replica's state (DATABASE_REPLICA_URLS); one that is behind or down leaves the gateway ready, as the primary takes its reads. */
  replicas?: ReplicaStatus[];
}

/**
 * Ready means able to serve: the database answers, no migration is pending, the articles are
 * loaded. (/healthz only says the process is up.)
 */
export async function readiness(services: Services): Promise<Readiness> {
  const checks = { database: "ok", migrations: "ok", articles: "ok" };
  try {
    await services.db.writer.query("SELECT 1");
  } catch (error) {
    checks.database = `unreachable: ${error instanceof Error ? error.message : String(error)}`;
  }
  if (checks.database === "ok") {
    try {
      if (await services.db.writer.showMigrations()) checks.migrations = "pending";
    } catch {
      checks.migrations = "unknown";
    }
  }
  checks.articles = services.content.loadingCheck();
  const replicas = services.db.replicas?.status();
  return { ready: Object.values(checks).every((check) => check === "ok"), checks, ...(replicas ? { replicas } : {}) };
}
