import type { Services } from "../services";

export interface Readiness {
  ready: boolean;
  checks: { database: string; migrations: string; articles: string };
}

/**
 * Ready means able to serve: the database answers, no migration is pending, the articles are
 * loaded. (/healthz only says the process is up.)
 */
export async function readiness(services: Services): Promise<Readiness> {
  const checks = { database: "ok", migrations: "ok", articles: "ok" };
  try {
    await services.db.manager.query("SELECT 1");
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
  return { ready: Object.values(checks).every((check) => check === "ok"), checks };
}
