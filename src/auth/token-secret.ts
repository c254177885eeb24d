import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { ConfigError, type Config } from "../config";

/**
 * The HS256 secret. TOKEN_SECRET wins; otherwise the embedded default keeps a random secret in a
 * file beside its database, so the server and `npm run token` agree without any setup and no
 * secret is ever shipped in the code.
 */
export function resolveTokenSecret(config: Config): string {
  if (config.tokenSecret) return config.tokenSecret;
  if (config.database.kind === "postgres") {
    throw new ConfigError("TOKEN_SECRET", "is required with PostgreSQL (every gateway process must share it); set at least 32 random characters.");
  }
  if (config.database.file === ":memory:") return randomBytes(48).toString("base64url");
  const file = path.join(path.dirname(config.database.file), "token-secret");
  try {
    return fs.readFileSync(file, "utf8").trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const secret = randomBytes(48).toString("base64url");
  try {
    fs.writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: "wx" });
    return secret;
  } catch (error) {
    // Another process (the server, or a token command) wrote it first: use theirs.
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return fs.readFileSync(file, "utf8").trim();
    throw error;
  }
}
