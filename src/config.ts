import path from "node:path";

/**
 * Configuration comes from environment variables only, is validated once at start, and a bad
 * value stops start-up with a message that names the variable.
 */
export type Database =
  | { kind: "sqlite"; file: string; busyTimeoutMs?: number }
  | { kind: "postgres"; url: string };

export type LogLevel = "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";

export interface Config {
  port: number;
  host: string;
  database: Database;
  /** Null means "use the secret kept beside the SQLite file" (see auth/token-secret.ts). */
  tokenSecret: string | null;
  demoData: boolean;
  logLevel: LogLevel;
  /** The folder of self-help articles served by the content API. */
  articlesDir: string;
  /** Reload articles when files change (development). */
  articlesWatch: boolean;
  production: boolean;
  introspection: boolean;
  /** Which web origins may call from a browser (CORS_ORIGINS): "*", "loopback" (http://localhost:<port>, http://127.0.0.1:<port>) or exact origins. */
  corsOrigins: CorsOrigins;
  /** Serve the GraphiQL explorer at GET /graphql to browsers (EXPLORER). */
  explorer: boolean;
  limits: Limits;
}

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
    database: withBusyTimeout(parseDatabaseUrl(env.DATABASE_URL), env.DATABASE_BUSY_TIMEOUT_MS),
    tokenSecret: parseTokenSecret(env.TOKEN_SECRET),
    demoData: parseBoolean("DEMO_DATA", env.DEMO_DATA, true),
    logLevel: parseLogLevel(env.LOG_LEVEL),
    articlesDir: path.resolve(nonEmpty(env.ARTICLES_DIR) ?? "articles"),
    articlesWatch: parseBoolean("ARTICLES_WATCH", env.ARTICLES_WATCH, env.NODE_ENV !== "production"),
    production: env.NODE_ENV === "production",
    introspection: parseBoolean("INTROSPECTION", env.INTROSPECTION, env.NODE_ENV !== "production"),
    corsOrigins: parseCorsOrigins(env.CORS_ORIGINS, env.NODE_ENV === "production"),
    explorer: parseBoolean("EXPLORER", env.EXPLORER, env.NODE_ENV !== "production"),
    limits: parseLimits(env),
  };
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
