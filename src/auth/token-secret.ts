import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { makeFilePrivate, makePrivateFolder, PRIVATE_FILE_MODE } from "../common/private-files";
import { ConfigError, MIN_SECRET_LENGTH, type Config } from "../config";

/**
 * The HS256 secret. TOKEN_SECRET wins (config.ts checks its length); otherwise the embedded
 * default keeps a random secret in a file beside its database, so the server and `npm run token`
 * agree without any setup and no secret is ever shipped in the code.
 */
export function resolveTokenSecret(config: Config): string {
  if (config.tokenSecret) return config.tokenSecret;
  if (config.database.kind === "postgres") {
    throw new ConfigError("TOKEN_SECRET", "is required with PostgreSQL (every gateway process must share it); set at least 32 random characters.");
  }
  if (config.database.file === ":memory:") return randomBytes(48).toString("base64url");
  return readOrCreateSecretFile(path.join(path.dirname(config.database.file), "token-secret"));
}

/**
 * Reads the secret file, or creates it. Several processes (servers, token commands) may start at
 * once on a fresh folder, so the file appears whole or not at all: the secret is written and
 * flushed to a temporary file of its own, then hard-linked to the final name, which fails if
 * another process got there first; that process's secret is then read and used.
 */
export function readOrCreateSecretFile(file: string): string {
  const existing = readSecret(file);
  if (existing !== null) return existing;
  makePrivateFolder(path.dirname(file));
  const secret = randomBytes(48).toString("base64url");
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString("hex")}`);
  writeDurably(temporary, `${secret}\n`);
  try {
    fs.linkSync(temporary, file);
    return secret;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    return readSecret(file)!;
  } finally {
    fs.rmSync(temporary, { force: true });
  }
}

/** The secret in `file`, or null if there is no such file; a secret too short to sign with stops start-up. */
function readSecret(file: string): string | null {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
  const secret = text.trim();
  if (secret.length < MIN_SECRET_LENGTH) {
    throw new ConfigError(
      "TOKEN_SECRET",
      `the secret in ${file} is ${secret.length} characters long; HS256 needs at least ${MIN_SECRET_LENGTH}. ` +
        "Delete the file to have a new random secret made (tokens signed with the old one stop working), or set TOKEN_SECRET.",
    );
  }
  makeFilePrivate(file);
  return secret;
}

function writeDurably(file: string, text: string): void {
  const fd = fs.openSync(file, "wx", PRIVATE_FILE_MODE);
  try {
    fs.writeSync(fd, text);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
