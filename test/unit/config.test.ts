import path from "node:path";
import { ConfigError, describeDatabase, loadConfig } from "../../src/config";

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("configuration", () => {
  it("defaults to port 4000, an SQLite file under ./data, demo data and info logs", () => {
    expect(loadConfig({})).toEqual({
      port: 4000,
      host: "127.0.0.1",
      database: { kind: "sqlite", file: path.resolve("data/helpgate.sqlite") },
      tokenSecret: null,
      demoData: true,
      logLevel: "info",
      articlesDir: path.resolve("articles"),
      articlesWatch: true,
    });
  });

  it("selects PostgreSQL for a postgres:// URL and hides its password in logs", () => {
    const config = loadConfig({ DATABASE_URL: "postgres://gate:s3cret@db:5432/helpgate" });
    expect(config.database).toEqual({ kind: "postgres", url: "postgres://gate:s3cret@db:5432/helpgate" });
    expect(describeDatabase(config.database)).not.toContain("s3cret");
  });

  it.each([
    ["PORT", { PORT: "eighty" }],
    ["PORT", { PORT: "70000" }],
    ["DATABASE_URL", { DATABASE_URL: "mysql://localhost/helpgate" }],
    ["TOKEN_SECRET", { TOKEN_SECRET: "short" }],
    ["DEMO_DATA", { DEMO_DATA: "maybe" }],
    ["LOG_LEVEL", { LOG_LEVEL: "loud" }],
    ["ARTICLES_WATCH", { ARTICLES_WATCH: "sometimes" }],
  ])("stops on a bad %s with a message naming it", (variable, env) => {
    const error = configError(env);
    expect(error.variable).toBe(variable);
    expect(error.message.startsWith(`${variable}: `)).toBe(true);
  });
});
