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
      demoData: true,
      logLevel: "info",
      articlesDir: path.resolve("articles"),
      articlesWatch: true,
      production: false,
      introspection: true,
      corsOrigins: "loopback",
      explorer: true,
      limits: DEFAULT_LIMITS,
    });
  });

  describe("CORS_ORIGINS and EXPLORER", () => {
    it("allow the loopback origins and the explorer outside production, neither in production", () => {
      expect(loadConfig({})).toMatchObject({ corsOrigins: "loopback", explorer: true });
      expect(loadConfig({ NODE_ENV: "production" })).toMatchObject({ corsOrigins: [], explorer: false });
      expect(loadConfig({ NODE_ENV: "production", EXPLORER: "true" }).explorer).toBe(true);
    });

    it("reads a comma-separated list of exact origins", () => {
      expect(loadConfig({ CORS_ORIGINS: " https://portal.contoso.com, http://LOCALHOST:3000 " }).corsOrigins).toEqual([
        "https://portal.contoso.com",
        "http://localhost:3000",
      ]);
    });

    it("allows * outside production only", () => {
      expect(loadConfig({ CORS_ORIGINS: "*" }).corsOrigins).toBe("*");
      const error = configError({ NODE_ENV: "production", CORS_ORIGINS: "*" });
      expect(error.variable).toBe("CORS_ORIGINS");
      expect(error.message).toMatch(/development only.*list your portals' origins/);
    });

    it.each(["https://portal.contoso.com/", "https://portal.contoso.com/app", "portal.contoso.com", "ftp://files.contoso.com", "*, https://a.example"])(
      "refuses %s with a message that shows an origin",
      (value) => {
        const error = configError({ CORS_ORIGINS: value });
        expect(error.variable).toBe("CORS_ORIGINS");
        expect(error.message).toMatch(/https:\/\/portal\.contoso\.com|stands alone/);
      },
    );
  });

  it("turns introspection and article watching off in production unless asked for", () => {
    expect(loadConfig({ NODE_ENV: "production", TOKEN_SECRET: "x".repeat(40) })).toMatchObject({ production: true, introspection: false, articlesWatch: false });
    expect(loadConfig({ NODE_ENV: "production", INTROSPECTION: "true" }).introspection).toBe(true);
  });

  it("reads each limit from its variable", () => {
    expect(loadConfig({ MAX_QUERY_DEPTH: "4", MAX_PAGE_SIZE: "25" }).limits).toMatchObject({ maxDepth: 4, maxPageSize: 25 });
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
