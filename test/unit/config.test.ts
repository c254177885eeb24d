import path from "node:path";
import { ConfigError, DEFAULT_COMPILE_AFTER, DEFAULT_LIMITS, DEFAULT_METRICS_MAX_OPERATIONS, DEFAULT_RESPONSE_CACHE_BYTES, DEFAULT_THROTTLE, describeDatabase, loadConfig } from "../../src/config";

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
      compileAfter: DEFAULT_COMPILE_AFTER,
      mcpWriteTools: false,
      corsOrigins: "loopback",
      explorer: true,
      limits: DEFAULT_LIMITS,
      throttle: DEFAULT_THROTTLE,
      metricsMaxOperations: DEFAULT_METRICS_MAX_OPERATIONS,
      responseCacheBytes: DEFAULT_RESPONSE_CACHE_BYTES,
      auth: { issuer: null, audiences: [], jwksUrl: null, tenantId: null, devTokens: true, keysCooldownMs: 30_000 },
      auditRetentionDays: 30,
    });
  });

  it("reads SQLite's page cache per connection from SQLITE_CACHE_MIB, and ignores it for PostgreSQL", () => {
    expect(loadConfig({ SQLITE_CACHE_MIB: "32" }).database).toEqual({ kind: "sqlite", file: path.resolve("data/helpgate.sqlite"), cacheMib: 32 });
    expect(loadConfig({ SQLITE_CACHE_MIB: "32", DATABASE_URL: "postgres://gate:s3cret@db:5432/helpgate" }).database).not.toHaveProperty("cacheMib");
  });

  it("keeps the audit log for AUDIT_RETENTION_DAYS days, or whole with 0", () => {
    expect(loadConfig({ AUDIT_RETENTION_DAYS: "90" }).auditRetentionDays).toBe(90);
    expect(loadConfig({ AUDIT_RETENTION_DAYS: "0" }).auditRetentionDays).toBe(0);
    for (const value of ["-1", "30d", "1.5", "36501"]) {
      expect(() => loadConfig({ AUDIT_RETENTION_DAYS: value })).toThrow(
        `AUDIT_RETENTION_DAYS: '${value}' is not a number of days; use whole days from 1 to 36500, or 0 to keep every audit entry (default 30).`,
      );
    }
  });

  it("compiles an operation after GRAPHQL_COMPILE_AFTER runs on graphql-js, at once with 0, or never", () => {
    expect(loadConfig({ GRAPHQL_COMPILE_AFTER: "0" }).compileAfter).toBe(0);
    expect(loadConfig({ GRAPHQL_COMPILE_AFTER: "5" }).compileAfter).toBe(5);
    expect(loadConfig({ GRAPHQL_COMPILE_AFTER: "Never" }).compileAfter).toBeNull();
    for (const value of ["-1", "twice", "1.5", "1000001"]) {
      expect(() => loadConfig({ GRAPHQL_COMPILE_AFTER: value })).toThrow(`GRAPHQL_COMPILE_AFTER: '${value}' is not a number of runs;`);
    }
  });

  describe("DATABASE_REPLICA_URLS", () => {
    const primary = { DATABASE_URL: "postgres://gate:s3cret@db:5432/helpgate" };

    it("lists read replicas of the PostgreSQL primary, with a lag bound and a read-your-writes window longer than it", () => {
      const config = loadConfig({ ...primary, DATABASE_REPLICA_URLS: "postgres://gate:s3cret@replica1:5432/helpgate, postgres://gate:s3cret@replica2:5432/helpgate" });
      expect(config.database).toEqual({
        kind: "postgres",
        url: primary.DATABASE_URL,
        replicas: { urls: ["postgres://gate:s3cret@replica1:5432/helpgate", "postgres://gate:s3cret@replica2:5432/helpgate"], maxLagMs: 1000, stickyMs: 2000 },
      });
      const bounded = loadConfig({ ...primary, DATABASE_REPLICA_URLS: "postgres://replica/helpgate", DATABASE_REPLICA_MAX_LAG_MS: "5000" });
      expect(bounded.database).toMatchObject({ replicas: { maxLagMs: 5000, stickyMs: 5500 } });
    });

    it.each([
      [{ DATABASE_REPLICA_URLS: "postgres://replica/helpgate" }, "DATABASE_REPLICA_URLS: read replicas need PostgreSQL; set DATABASE_URL to the primary's postgres:// URL, or unset DATABASE_REPLICA_URLS."],
      [{ ...primary, DATABASE_REPLICA_URLS: "mysql://gate:s3cret@replica/helpgate" }, "DATABASE_REPLICA_URLS: 'mysql://gate:***@replica/helpgate' is not a PostgreSQL URL; list replicas as postgres://user:password@host:5432/database, separated by commas."],
      [{ ...primary, DATABASE_REPLICA_MAX_LAG_MS: "1000" }, "DATABASE_REPLICA_MAX_LAG_MS: is set but DATABASE_REPLICA_URLS is not; list the read replicas' postgres:// URLs there, or unset it."],
      [{ ...primary, DATABASE_REPLICA_URLS: "postgres://replica/helpgate", DATABASE_REPLICA_MAX_LAG_MS: "1s" }, "DATABASE_REPLICA_MAX_LAG_MS: '1s' is not a duration; use whole milliseconds from 100 to 3600000 (default 1000)."],
      [
        { ...primary, DATABASE_REPLICA_URLS: "postgres://replica/helpgate", DATABASE_REPLICA_STICKY_MS: "1000" },
        "DATABASE_REPLICA_STICKY_MS: 1000 ms is too short for DATABASE_REPLICA_MAX_LAG_MS=1000: a caller could then read from a replica that has not replayed their write yet; use at least 1500 (the lag bound plus 500).",
      ],
    ])("refuses %j with what to set instead", (env, message) => {
      expect(() => loadConfig(env)).toThrow(message);
    });
  });

  it("keeps PostgreSQL's lookups prepared unless DATABASE_PREPARED_STATEMENTS=false, and names the variable for a bad value", () => {
    const primary = { DATABASE_URL: "postgres://gate:s3cret@db:5432/helpgate" };
    expect(loadConfig(primary).database).toEqual({ kind: "postgres", url: primary.DATABASE_URL });
    expect(loadConfig({ ...primary, DATABASE_PREPARED_STATEMENTS: "false" }).database).toEqual({ kind: "postgres", url: primary.DATABASE_URL, preparedStatements: false });
    expect(loadConfig({ ...primary, DATABASE_PREPARED_STATEMENTS: "true" }).database).toMatchObject({ preparedStatements: true });
    expect(() => loadConfig({ ...primary, DATABASE_PREPARED_STATEMENTS: "sometimes" })).toThrow("DATABASE_PREPARED_STATEMENTS: 'sometimes' is not a boolean; use true or false.");
  });

  it("labels the first 100 operation names on /metrics unless METRICS_MAX_OPERATIONS says otherwise", () => {
    expect(DEFAULT_METRICS_MAX_OPERATIONS).toBe(100);
    expect(loadConfig({ METRICS_MAX_OPERATIONS: "20" }).metricsMaxOperations).toBe(20);
  });

  it("keeps 32 MiB of public answers unless RESPONSE_CACHE_BYTES says otherwise (0 keeps none), and names the variable for a bad value", () => {
    expect(DEFAULT_RESPONSE_CACHE_BYTES).toBe(32 * 1024 * 1024);
    expect(loadConfig({ RESPONSE_CACHE_BYTES: "0" }).responseCacheBytes).toBe(0);
    expect(loadConfig({ RESPONSE_CACHE_BYTES: "1048576" }).responseCacheBytes).toBe(1_048_576);
    expect(() => loadConfig({ RESPONSE_CACHE_BYTES: "lots" })).toThrow(/^RESPONSE_CACHE_BYTES: /);
  });

  it("throttles as Microsoft Graph's identity limits by default, trusting no proxy", () => {
    expect(DEFAULT_THROTTLE).toEqual({ readUnitsPer10s: 8000, writeUnitsPer150s: 3000, trustProxyHops: 0 });
  });

  it("reads the throttle's budgets (0 turns one off) and TRUST_PROXY", () => {
    const config = loadConfig({ THROTTLE_READ_UNITS_PER_10S: "0", THROTTLE_WRITE_UNITS_PER_150S: "30", TRUST_PROXY: "true" });
    expect(config.throttle).toEqual({ readUnitsPer10s: 0, writeUnitsPer150s: 30, trustProxyHops: 1 });
    expect(loadConfig({ TRUST_PROXY: "2" }).throttle.trustProxyHops).toBe(2);
    expect(loadConfig({ TRUST_PROXY: "false" }).throttle.trustProxyHops).toBe(0);
  });

  it("offers the MCP write tools only when MCP_WRITE_TOOLS is true, and names the variable when it is not a boolean", () => {
    expect(loadConfig({ MCP_WRITE_TOOLS: "true" }).mcpWriteTools).toBe(true);
    expect(() => loadConfig({ MCP_WRITE_TOOLS: "sometimes" })).toThrow(/MCP_WRITE_TOOLS: 'sometimes' is not a boolean/);
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
    ["THROTTLE_READ_UNITS_PER_10S", { THROTTLE_READ_UNITS_PER_10S: "-1" }],
    ["THROTTLE_WRITE_UNITS_PER_150S", { THROTTLE_WRITE_UNITS_PER_150S: "lots" }],
    ["TRUST_PROXY", { TRUST_PROXY: "10.0.0.1" }],
    ["METRICS_MAX_OPERATIONS", { METRICS_MAX_OPERATIONS: "100000" }],
    ["AUDIT_RETENTION_DAYS", { AUDIT_RETENTION_DAYS: "a month" }],
    ["GRAPHQL_COMPILE_AFTER", { GRAPHQL_COMPILE_AFTER: "always" }],
    ["SQLITE_CACHE_MIB", { SQLITE_CACHE_MIB: "16MB" }],
    ["SQLITE_CACHE_MIB", { SQLITE_CACHE_MIB: "0" }],
    ["AUTH_ISSUER", { AUTH_ISSUER: "login.example.com", AUTH_AUDIENCE: "api://helpgate" }],
    ["AUTH_ISSUER", { AUTH_ISSUER: "http://login.example.com/", AUTH_AUDIENCE: "api://helpgate" }],
    ["AUTH_AUDIENCE", { AUTH_ISSUER: "https://login.example.com/" }],
    ["AUTH_AUDIENCE", { AUTH_AUDIENCE: "api://helpgate" }],
    ["AUTH_JWKS_URL", { AUTH_ISSUER: "https://login.example.com/", AUTH_AUDIENCE: "api://helpgate", AUTH_JWKS_URL: "ftp://keys" }],
    ["AUTH_TENANT_ID", { AUTH_ISSUER: "https://login.example.com/", AUTH_AUDIENCE: "api://helpgate", AUTH_TENANT_ID: "contoso" }],
    ["DEV_TOKENS", { DEV_TOKENS: "false" }],
    ["DEV_TOKENS", { AUTH_ISSUER: "https://login.example.com/", AUTH_AUDIENCE: "api://helpgate", DEV_TOKENS: "perhaps" }],
    ["AUTH_KEYS_COOLDOWN_SECONDS", { AUTH_ISSUER: "https://login.example.com/", AUTH_AUDIENCE: "api://helpgate", AUTH_KEYS_COOLDOWN_SECONDS: "-1" }],
  ])("stops on a bad %s with a message naming it", (variable, env) => {
    const error = configError(env);
    expect(error.variable).toBe(variable);
    expect(error.message.startsWith(`${variable}: `)).toBe(true);
  });

  describe("sign-in", () => {
    const provider = { AUTH_ISSUER: "https://login.microsoftonline.com/0f7d1c3e-8a1b-4c2d-9e3f-1a2b3c4d5e6f/v2.0", AUTH_AUDIENCE: "api://helpgate, 5c1e2d3f-aaaa-bbbb-cccc-000000000001" };

    it("accepts an identity provider's tokens and turns the gateway's own off unless DEV_TOKENS is true", () => {
      expect(loadConfig(provider).auth).toEqual({
        issuer: provider.AUTH_ISSUER,
        audiences: ["api://helpgate", "5c1e2d3f-aaaa-bbbb-cccc-000000000001"],
        jwksUrl: null,
        tenantId: null,
        devTokens: false,
        keysCooldownMs: 30_000,
      });
      expect(loadConfig({ ...provider, DEV_TOKENS: "true" }).auth.devTokens).toBe(true);
    });

    it("allows plain http for a provider on this machine only", () => {
      expect(loadConfig({ AUTH_ISSUER: "http://127.0.0.1:9000", AUTH_AUDIENCE: "helpgate" }).auth.issuer).toBe("http://127.0.0.1:9000");
      expect(configError({ AUTH_ISSUER: "http://idp.contoso.com", AUTH_AUDIENCE: "helpgate" }).message).toMatch(/must use https:\/\//);
    });

    it("says what AUTH_AUDIENCE is when it is missing", () => {
      expect(configError({ AUTH_ISSUER: provider.AUTH_ISSUER }).message).toMatch(/AUTH_AUDIENCE: is required with AUTH_ISSUER/);
    });
  });
});
