import path from "node:path";
import { ConfigError, DEFAULT_LIMITS, describeDatabase, loadConfig } from "../../src/config";

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
      tokenMaxLifetimeSeconds: 24 * 3600,
      demoData: true,
      logLevel: "info",
      articlesDir: path.resolve("articles"),
      articlesWatch: true,
      production: false,
      introspection: true,
      limits: DEFAULT_LIMITS,
    });
  });

  it("turns introspection and article watching off in production unless asked for", () => {
    expect(loadConfig({ NODE_ENV: "production", TOKEN_SECRET: "x".repeat(40) })).toMatchObject({ production: true, introspection: false, articlesWatch: false });
    expect(loadConfig({ NODE_ENV: "production", INTROSPECTION: "true" }).introspection).toBe(true);
  });

  it("reads each limit from its variable", () => {
    expect(loadConfig({ MAX_QUERY_DEPTH: "4", MAX_PAGE_SIZE: "25" }).limits).toMatchObject({ maxDepth: 4, maxPageSize: 25 });
  });

  it("reads TOKEN_MAX_LIFETIME as a duration with a unit (a bare number counts seconds)", () => {
    expect(loadConfig({ TOKEN_MAX_LIFETIME: "90m" }).tokenMaxLifetimeSeconds).toBe(5400);
    expect(loadConfig({ TOKEN_MAX_LIFETIME: "8h" }).tokenMaxLifetimeSeconds).toBe(8 * 3600);
    expect(loadConfig({ TOKEN_MAX_LIFETIME: "7D" }).tokenMaxLifetimeSeconds).toBe(7 * 86_400);
    expect(loadConfig({ TOKEN_MAX_LIFETIME: "3600" }).tokenMaxLifetimeSeconds).toBe(3600);
  });

  it.each(["24 hours", "1.5h", "-1h", "30s", "0", "366d", "forever"])("stops on TOKEN_MAX_LIFETIME=%s, saying what it takes", (value) => {
    const error = configError({ TOKEN_MAX_LIFETIME: value });
    expect(error.variable).toBe("TOKEN_MAX_LIFETIME");
    expect(error.message).toBe(
      `TOKEN_MAX_LIFETIME: '${value}' is not a token lifetime; use a whole number with a unit (s, m, h or d), such as 24h, 90m or 7d, from 1 minute to 365 days (default 24h).`,
    );
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
    ["MAX_QUERY_DEPTH", { MAX_QUERY_DEPTH: "0" }],
    ["MAX_BODY_BYTES", { MAX_BODY_BYTES: "1MB" }],
  ])("stops on a bad %s with a message naming it", (variable, env) => {
    const error = configError(env);
    expect(error.variable).toBe(variable);
    expect(error.message.startsWith(`${variable}: `)).toBe(true);
  });
});
