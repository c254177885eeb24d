import path from "node:path";

/**
 * Configuration comes from environment variables only, is validated once at start, and a bad
 * value stops start-up with a message that names the variable.
 */
export type Database =
  | { kind: "sqlite"; file: string; busyTimeoutMs?: number; cacheMib?: number }
  | { kind: "postgres"; url: string; replicas?: ReplicaConfig; preparedStatements?: boolean };

/** PostgreSQL streaming replicas that take the reads of GraphQL queries (see db/replicas.ts). */
export interface ReplicaConfig {
  /** DATABASE_REPLICA_URLS. */
  urls: string[];
  /** DATABASE_REPLICA_MAX_LAG_MS: a replica further behind the primary takes no reads. */
  maxLagMs: number;
  /** DATABASE_REPLICA_STICKY_MS: after a mutation, how long its caller's reads go to the primary. */
  stickyMs: number;
}

export type LogLevel = "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";

export interface Config {
  port: number;
  host: string;
  database: Database;
  /** Null means "use the secret kept beside the SQLite file" (see auth/token-secret.ts). */
  tokenSecret: string | null;
  /** The longest a bearer token may live, from now to its `exp` (TOKEN_MAX_LIFETIME). */
  tokenMaxLifetimeSeconds: number;
  demoData: boolean;
  logLevel: LogLevel;
  /** The folder of self-help articles served by the content API. */
  articlesDir: string;
  /** Reload articles when files change (development). */
  articlesWatch: boolean;
  production: boolean;
  introspection: boolean;
  /**
   * How many times an operation runs on graphql-js's execute before it is compiled with graphql-jit
   * (GRAPHQL_COMPILE_AFTER; http/compiled-executor.ts); null never compiles.
   */
  compileAfter: number | null;
  /** Offer the MCP write tools (reprocess, assign) at /mcp to callers whose role allows them. */
  mcpWriteTools: boolean;
  /** Which web origins may call from a browser (CORS_ORIGINS): "*", "loopback" (http://localhost:<port>, http://127.0.0.1:<port>) or exact origins. */
  corsOrigins: CorsOrigins;
  /** Serve the GraphiQL explorer at GET /graphql to browsers (EXPLORER). */
  explorer: boolean;
  limits: Limits;
  throttle: ThrottleLimits;
  /** How many distinct operation names `/metrics` labels by name; later ones count as `other`. */
  metricsMaxOperations: number;
  /** Bytes of encoded answers the public response cache keeps (RESPONSE_CACHE_BYTES); 0 turns it off. */
  responseCacheBytes: number;
  auth: AuthConfig;
  /** Audit entries older than this many days are deleted in the background; 0 keeps every entry (AUDIT_RETENTION_DAYS). */
  auditRetentionDays: number;
}

/** Who may sign in: the gateway's own HS256 tokens, and an OpenID Connect provider's (see auth/provider-tokens.ts). */
export interface AuthConfig {
  /** The provider's issuer URL; null means only the gateway's own HS256 tokens are accepted. */
  issuer: string | null;
  /** What a provider token's `aud` must hold (one of them). */
  audiences: string[];
  /** Where the provider's signing keys are; null means "as its discovery document says". */
  jwksUrl: string | null;
  /** The `tid` a provider token must carry; null means the organization's id. */
  tenantId: string | null;
  /** Whether the gateway's own HS256 tokens (`npm run token`) are accepted. */
  devTokens: boolean;
  /** After fetching the keys, how long a token naming an unknown key waits before they are fetched again. */
  keysCooldownMs: number;
}

/**
 * Each caller's budget of resource units (see http/throttle.ts); 0 turns a budget off.
 * `trustProxyHops` proxies in front of helpgate are trusted to say the client's address in
 * X-Forwarded-For; with 0 an anonymous caller is known by the connection's address alone.
 */
export interface ThrottleLimits {
  readUnitsPer10s: number;
  writeUnitsPer150s: number;
  trustProxyHops: number;
}

export const DEFAULT_THROTTLE: ThrottleLimits = { readUnitsPer10s: 8_000, writeUnitsPer150s: 3_000, trustProxyHops: 0 };
export const DEFAULT_METRICS_MAX_OPERATIONS = 100;
export const DEFAULT_RESPONSE_CACHE_BYTES = 32 * 1024 * 1024;
export type CorsOrigins = "*" | "loopback" | readonly string[];

/** What one request may ask for; each refusal happens before anything executes. */
export interface Limits {
  maxBodyBytes: number;
  maxBatchSize: number;
  maxDepth: number;
  maxCost: number;
  maxAliases: number;
  maxDirectives: number;
  maxTokens: number;
  maxPageSize: number;
}

export const DEFAULT_LIMITS: Limits = {
  maxBodyBytes: 1_048_576,
  maxBatchSize: 10,
  maxDepth: 10,
  maxCost: 20_000,
  maxAliases: 15,
  maxDirectives: 10,
  maxTokens: 2_000,
  maxPageSize: 100,
};

const LIMIT_VARIABLES: Record<keyof Limits, string> = {
  maxBodyBytes: "MAX_BODY_BYTES",
  maxBatchSize: "MAX_BATCH_SIZE",
  maxDepth: "MAX_QUERY_DEPTH",
  maxCost: "MAX_QUERY_COST",
  maxAliases: "MAX_ALIASES",
  maxDirectives: "MAX_DIRECTIVES",
  maxTokens: "MAX_TOKENS",
  maxPageSize: "MAX_PAGE_SIZE",
};

export class ConfigError extends Error {
  constructor(readonly variable: string, message: string) {
    super(`${variable}: ${message}`);
    this.name = "ConfigError";
  }
}

export const DEFAULT_DATABASE_FILE = "./data/helpgate.sqlite";
const LOG_LEVELS: readonly LogLevel[] = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];
export const MIN_SECRET_LENGTH = 32;

type Env = Record<string, string | undefined>;

export function loadConfig(env: Env = process.env): Config {
  return {
    port: parsePort(env.PORT),
    host: nonEmpty(env.HOST) ?? "127.0.0.1",
    database: withPreparedStatements(withReplicas(withCache(withBusyTimeout(parseDatabaseUrl(env.DATABASE_URL), env.DATABASE_BUSY_TIMEOUT_MS), env.SQLITE_CACHE_MIB), env), env),
    tokenSecret: parseTokenSecret(env.TOKEN_SECRET),
    tokenMaxLifetimeSeconds: parseTokenMaxLifetime(env.TOKEN_MAX_LIFETIME),
    demoData: parseBoolean("DEMO_DATA", env.DEMO_DATA, true),
    logLevel: parseLogLevel(env.LOG_LEVEL),
    articlesDir: path.resolve(nonEmpty(env.ARTICLES_DIR) ?? "articles"),
    articlesWatch: parseBoolean("ARTICLES_WATCH", env.ARTICLES_WATCH, env.NODE_ENV !== "production"),
    production: env.NODE_ENV === "production",
    introspection: parseBoolean("INTROSPECTION", env.INTROSPECTION, env.NODE_ENV !== "production"),
    compileAfter: parseCompileAfter(env.GRAPHQL_COMPILE_AFTER),
    mcpWriteTools: parseBoolean("MCP_WRITE_TOOLS", env.MCP_WRITE_TOOLS, false),
    corsOrigins: parseCorsOrigins(env.CORS_ORIGINS, env.NODE_ENV === "production"),
    explorer: parseBoolean("EXPLORER", env.EXPLORER, env.NODE_ENV !== "production"),
    limits: parseLimits(env),
    throttle: {
      readUnitsPer10s: parseCount("THROTTLE_READ_UNITS_PER_10S", env.THROTTLE_READ_UNITS_PER_10S, DEFAULT_THROTTLE.readUnitsPer10s),
      writeUnitsPer150s: parseCount("THROTTLE_WRITE_UNITS_PER_150S", env.THROTTLE_WRITE_UNITS_PER_150S, DEFAULT_THROTTLE.writeUnitsPer150s),
      trustProxyHops: parseTrustProxy(env.TRUST_PROXY),
    },
    metricsMaxOperations: parseCount("METRICS_MAX_OPERATIONS", env.METRICS_MAX_OPERATIONS, DEFAULT_METRICS_MAX_OPERATIONS, 10_000),
    responseCacheBytes: parseCount("RESPONSE_CACHE_BYTES", env.RESPONSE_CACHE_BYTES, DEFAULT_RESPONSE_CACHE_BYTES, 4 * 1024 ** 3),
    auth: parseAuth(env),
    auditRetentionDays: parseRetentionDays(env.AUDIT_RETENTION_DAYS),
  };
}

/** A whole number from 0 to `max`, where 0 turns the feature off. */
function parseCount(variable: string, raw: string | undefined, fallback: number, max = 1_000_000_000): number {
  const value = nonEmpty(raw);
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) > max) {
    throw new ConfigError(variable, `'${value}' is not a count; use a whole number from 0 (off) to ${max} (default ${fallback}).`);
  }
  return Number(value);
}

export const DEFAULT_AUDIT_RETENTION_DAYS = 30;

/** AUDIT_RETENTION_DAYS: whole days from 1 to 100 years, or 0 to keep the audit log whole. */
function parseRetentionDays(raw: string | undefined): number {
  const value = nonEmpty(raw);
  if (value === undefined) return DEFAULT_AUDIT_RETENTION_DAYS;
  if (!/^\d+$/.test(value) || Number(value) > 36_500) {
    throw new ConfigError(
      "AUDIT_RETENTION_DAYS",
      `'${value}' is not a number of days; use whole days from 1 to 36500, or 0 to keep every audit entry (default ${DEFAULT_AUDIT_RETENTION_DAYS}).`,
    );
  }
  return Number(value);
}

export const DEFAULT_COMPILE_AFTER = 1;

/** GRAPHQL_COMPILE_AFTER: runs on graphql-js before an operation is compiled (0: at once), or `never`. */
function parseCompileAfter(raw: string | undefined): number | null {
  const value = nonEmpty(raw)?.toLowerCase();
  if (value === undefined) return DEFAULT_COMPILE_AFTER;
  if (value === "never" || value === "off") return null;
  if (/^\d+$/.test(value) && Number(value) <= 1_000_000) return Number(value);
  throw new ConfigError(
    "GRAPHQL_COMPILE_AFTER",
    `'${raw}' is not a number of runs; use a whole number from 0 (compile every operation at once) to 1000000, or never (run every operation on graphql-js) (default ${DEFAULT_COMPILE_AFTER}).`,
  );
}

/** How many proxies' X-Forwarded-For entries to trust: false or 0 (default), true (one), or a number of hops. */
function parseTrustProxy(raw: string | undefined): number {
  const value = nonEmpty(raw)?.toLowerCase();
  if (value === undefined || value === "false" || value === "no" || value === "off") return 0;
  if (value === "true" || value === "yes" || value === "on") return 1;
  if (/^\d+$/.test(value) && Number(value) <= 10) return Number(value);
  throw new ConfigError("TRUST_PROXY", `'${raw}' is not a proxy setting; use false, true (one proxy) or the number of proxies in front of helpgate (0 to 10).`);
}

function parseAuth(env: Env): AuthConfig {
  const issuer = parseProviderUrl("AUTH_ISSUER", env.AUTH_ISSUER);
  const jwksUrl = parseProviderUrl("AUTH_JWKS_URL", env.AUTH_JWKS_URL);
  const audiences = (nonEmpty(env.AUTH_AUDIENCE) ?? "").split(",").map((audience) => audience.trim()).filter(Boolean);
  const tenantId = nonEmpty(env.AUTH_TENANT_ID)?.toLowerCase() ?? null;
  const devTokens = parseBoolean("DEV_TOKENS", env.DEV_TOKENS, issuer === null);
  if (issuer === null) {
    for (const variable of ["AUTH_AUDIENCE", "AUTH_JWKS_URL", "AUTH_TENANT_ID"]) {
      if (nonEmpty(env[variable]) !== undefined) throw new ConfigError(variable, "is set but AUTH_ISSUER is not; set AUTH_ISSUER to your identity provider's issuer URL.");
    }
    if (!devTokens) throw new ConfigError("DEV_TOKENS", "is false and AUTH_ISSUER is not set, so nobody could sign in; set AUTH_ISSUER or leave DEV_TOKENS unset.");
  } else if (audiences.length === 0) {
    throw new ConfigError("AUTH_AUDIENCE", "is required with AUTH_ISSUER: helpgate's application id URI or client id, as the provider writes it in `aud` (several separated by commas).");
  }
  if (tenantId !== null && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(tenantId)) {
    throw new ConfigError("AUTH_TENANT_ID", `'${env.AUTH_TENANT_ID}' is not a tenant id; use the GUID the provider writes in \`tid\` (default: the organization's id).`);
  }
  const cooldown = nonEmpty(env.AUTH_KEYS_COOLDOWN_SECONDS);
  if (cooldown !== undefined && (!/^\d+$/.test(cooldown) || Number(cooldown) > 3600)) {
    throw new ConfigError("AUTH_KEYS_COOLDOWN_SECONDS", `'${cooldown}' is not a cooldown; use whole seconds from 0 to 3600 (default 30).`);
  }
  return { issuer, audiences, jwksUrl, tenantId, devTokens, keysCooldownMs: cooldown === undefined ? 30_000 : Number(cooldown) * 1000 };
}

/** An identity provider's address: https, or http on a loopback address (development and tests). */
function parseProviderUrl(variable: string, raw: string | undefined): string | null {
  const value = nonEmpty(raw);
  if (value === undefined) return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(variable, `'${value}' is not a URL; use the provider's https:// address, e.g. https://login.microsoftonline.com/<tenant id>/v2.0.`);
  }
  const loopback = ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname);
  if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback)) {
    throw new ConfigError(variable, `'${value}' must use https:// (plain http is allowed for localhost only).`);
  }
  if (url.search || url.hash) throw new ConfigError(variable, `'${value}' must not carry a query or fragment.`);
  return value;
}

function parseLimits(env: Env): Limits {
  const limits = { ...DEFAULT_LIMITS };
  for (const key of Object.keys(LIMIT_VARIABLES) as (keyof Limits)[]) {
    const variable = LIMIT_VARIABLES[key];
    const raw = nonEmpty(env[variable]);
    if (raw === undefined) continue;
    if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > 1_000_000_000) {
      throw new ConfigError(variable, `'${raw}' is not a limit; use a whole number of at least 1 (default ${DEFAULT_LIMITS[key]}).`);
    }
    limits[key] = Number(raw);
  }
  return limits;
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

function parsePort(raw: string | undefined): number {
  const value = nonEmpty(raw);
  if (value === undefined) return 4000;
  const port = Number(value);
  if (!/^\d+$/.test(value) || port < 0 || port > 65535) {
    throw new ConfigError("PORT", `'${value}' is not a TCP port; use a whole number from 0 to 65535.`);
  }
  return port;
}

export function parseDatabaseUrl(raw: string | undefined): Database {
  const value = nonEmpty(raw);
  if (value === undefined) return { kind: "sqlite", file: path.resolve(DEFAULT_DATABASE_FILE) };
  if (/^postgres(ql)?:\/\//i.test(value)) {
    try {
      new URL(value);
    } catch {
      throw new ConfigError("DATABASE_URL", "the PostgreSQL URL does not parse; use postgres://user:password@host:5432/database.");
    }
    return { kind: "postgres", url: value };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    throw new ConfigError(
      "DATABASE_URL",
      `unsupported scheme in '${value.split("://")[0]}://'; use a file path for SQLite or a postgres:// URL.`,
    );
  }
  const file = value.replace(/^(sqlite|file):/i, "");
  return { kind: "sqlite", file: file === ":memory:" ? file : path.resolve(file) };
}

function withBusyTimeout(database: Database, raw: string | undefined): Database {
  const value = nonEmpty(raw);
  if (value === undefined || database.kind !== "sqlite") return database;
  if (!/^\d+$/.test(value) || Number(value) > 600_000) {
    throw new ConfigError("DATABASE_BUSY_TIMEOUT_MS", `'${value}' is not a timeout; use milliseconds from 0 to 600000 (default 5000).`);
  }
  return { ...database, busyTimeoutMs: Number(value) };
}

/** DATABASE_PREPARED_STATEMENTS (PostgreSQL; default true): see db/postgres-direct.ts. */
function withPreparedStatements(database: Database, env: Env): Database {
  if (database.kind !== "postgres" || nonEmpty(env.DATABASE_PREPARED_STATEMENTS) === undefined) return database;
  return { ...database, preparedStatements: parseBoolean("DATABASE_PREPARED_STATEMENTS", env.DATABASE_PREPARED_STATEMENTS, true) };
}

function withCache(database: Database, raw: string | undefined): Database {
  const value = nonEmpty(raw);
  if (value === undefined || database.kind !== "sqlite") return database;
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 4096) {
    throw new ConfigError("SQLITE_CACHE_MIB", `'${value}' is not a cache size; use whole MiB from 1 to 4096 (default ${DEFAULT_SQLITE_CACHE_MIB}).`);
  }
  return { ...database, cacheMib: Number(value) };
}

/** SQLite's page cache per connection (the writer's and the reader's), when SQLITE_CACHE_MIB does not say. */
export const DEFAULT_SQLITE_CACHE_MIB = 4;

export const DEFAULT_REPLICA_MAX_LAG_MS = 1000;
/** What a replica's reported lag may miss: a check's interval and, with synchronous_commit=off, the WAL writer's delay. */
const REPLICA_LAG_MARGIN_MS = 500;

/** DATABASE_REPLICA_URLS (comma-separated postgres:// URLs), with its lag bound and read-your-writes window. */
function withReplicas(database: Database, env: Env): Database {
  const raw = nonEmpty(env.DATABASE_REPLICA_URLS);
  const maxLag = nonEmpty(env.DATABASE_REPLICA_MAX_LAG_MS);
  const sticky = nonEmpty(env.DATABASE_REPLICA_STICKY_MS);
  if (raw === undefined) {
    for (const [variable, value] of [["DATABASE_REPLICA_MAX_LAG_MS", maxLag], ["DATABASE_REPLICA_STICKY_MS", sticky]] as const) {
      if (value !== undefined) throw new ConfigError(variable, "is set but DATABASE_REPLICA_URLS is not; list the read replicas' postgres:// URLs there, or unset it.");
    }
    return database;
  }
  if (database.kind !== "postgres") {
    throw new ConfigError("DATABASE_REPLICA_URLS", "read replicas need PostgreSQL; set DATABASE_URL to the primary's postgres:// URL, or unset DATABASE_REPLICA_URLS.");
  }
  const urls = raw.split(",").map((entry) => entry.trim()).filter((entry) => entry !== "");
  for (const url of urls) {
    let parsed: URL | null = null;
    try {
      parsed = new URL(url);
    } catch {
      // reported below
    }
    if (!parsed || !/^postgres(ql)?:$/i.test(parsed.protocol)) {
      throw new ConfigError("DATABASE_REPLICA_URLS", `'${redact(url)}' is not a PostgreSQL URL; list replicas as postgres://user:password@host:5432/database, separated by commas.`);
    }
  }
  const maxLagMs = parseMilliseconds("DATABASE_REPLICA_MAX_LAG_MS", maxLag, DEFAULT_REPLICA_MAX_LAG_MS, 100, 3_600_000);
  const minSticky = maxLagMs + REPLICA_LAG_MARGIN_MS;
  const stickyMs = parseMilliseconds("DATABASE_REPLICA_STICKY_MS", sticky, Math.max(2000, minSticky), 0, 3_600_000 + REPLICA_LAG_MARGIN_MS);
  if (stickyMs < minSticky) {
    throw new ConfigError(
      "DATABASE_REPLICA_STICKY_MS",
      `${stickyMs} ms is too short for DATABASE_REPLICA_MAX_LAG_MS=${maxLagMs}: a caller could then read from a replica that has not replayed their write yet; use at least ${minSticky} (the lag bound plus ${REPLICA_LAG_MARGIN_MS}).`,
    );
  }
  return { ...database, replicas: { urls, maxLagMs, stickyMs } };
}

function parseMilliseconds(variable: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new ConfigError(variable, `'${value}' is not a duration; use whole milliseconds from ${min} to ${max} (default ${fallback}).`);
  }
  return Number(value);
}

/** A URL for an error message: without its password. */
function redact(url: string): string {
  return url.replace(/\/\/([^:/@]*):[^@/]*@/, "//$1:***@");
}

function parseTokenSecret(raw: string | undefined): string | null {
  if (raw === undefined || raw === "") return null;
  if (raw.length < MIN_SECRET_LENGTH) {
    throw new ConfigError(
      "TOKEN_SECRET",
      `the secret is ${raw.length} characters long; HS256 needs at least ${MIN_SECRET_LENGTH} (e.g. the output of \`openssl rand -base64 48\`).`,
    );
  }
  return raw;
}

export const DEFAULT_TOKEN_MAX_LIFETIME_SECONDS = 24 * 3600;
const DURATION_UNITS: ReadonlyMap<string, number> = new Map([["s", 1], ["m", 60], ["h", 3600], ["d", 86_400]]);

/** A duration such as 24h, 90m, 3600s or 7d (a bare number counts seconds), from 1 minute to 365 days. */
function parseTokenMaxLifetime(raw: string | undefined): number {
  const value = nonEmpty(raw);
  if (value === undefined) return DEFAULT_TOKEN_MAX_LIFETIME_SECONDS;
  const match = /^(\d{1,9})\s*([smhd]?)$/i.exec(value);
  const seconds = match ? Number(match[1]) * DURATION_UNITS.get((match[2] || "s").toLowerCase())! : NaN;
  if (!(seconds >= 60 && seconds <= 365 * 86_400)) {
    throw new ConfigError(
      "TOKEN_MAX_LIFETIME",
      `'${value}' is not a token lifetime; use a whole number with a unit (s, m, h or d), such as 24h, 90m or 7d, from 1 minute to 365 days (default 24h).`,
    );
  }
  return seconds;
}

function parseBoolean(variable: string, raw: string | undefined, fallback: boolean): boolean {
  const value = nonEmpty(raw)?.toLowerCase();
  if (value === undefined) return fallback;
  if (["true", "1", "yes", "on"].includes(value)) return true;
  if (["false", "0", "no", "off"].includes(value)) return false;
  throw new ConfigError(variable, `'${raw}' is not a boolean; use true or false.`);
}

/**
 * CORS_ORIGINS: `*`, or a comma-separated list of exact origins (`https://portal.contoso.com`).
 * Unset: none in production, the loopback origins on any port elsewhere. `*` is refused in
 * production, where any web page a signed-in administrator visits could then call helpgate.
 */
function parseCorsOrigins(raw: string | undefined, production: boolean): CorsOrigins {
  const value = nonEmpty(raw);
  if (value === undefined) return production ? [] : "loopback";
  const entries = value.split(",").map((entry) => entry.trim()).filter((entry) => entry !== "");
  if (entries.includes("*")) {
    if (entries.length > 1) throw new ConfigError("CORS_ORIGINS", "'*' stands alone; either allow every origin or list them.");
    if (production) {
      throw new ConfigError("CORS_ORIGINS", "'*' (every web site) is for development only; with NODE_ENV=production list your portals' origins, e.g. https://portal.contoso.com.");
    }
    return "*";
  }
  for (const entry of entries) {
    let origin: string | undefined;
    try {
      const url = new URL(entry);
      if (url.protocol === "http:" || url.protocol === "https:") origin = url.origin;
    } catch {
      // reported below
    }
    if (origin !== entry.toLowerCase()) {
      throw new ConfigError("CORS_ORIGINS", `'${entry}' is not an origin; write scheme, host and port only, e.g. https://portal.contoso.com or http://localhost:3000 (no path, no trailing slash).`);
    }
  }
  return entries.map((entry) => entry.toLowerCase());
}

function parseLogLevel(raw: string | undefined): LogLevel {
  const value = nonEmpty(raw)?.toLowerCase();
  if (value === undefined) return "info";
  if ((LOG_LEVELS as readonly string[]).includes(value)) return value as LogLevel;
  throw new ConfigError("LOG_LEVEL", `'${raw}' is not a log level; use one of ${LOG_LEVELS.join(", ")}.`);
}

/** How the database is named in logs: never the password of a PostgreSQL URL. */
export function describeDatabase(database: Database): string {
  if (database.kind === "sqlite") return `SQLite ${database.file}`;
  const url = new URL(database.url);
  if (url.password) url.password = "***";
  return `PostgreSQL ${url.toString()}`;
}
