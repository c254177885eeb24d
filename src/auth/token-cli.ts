import "reflect-metadata";
import { openServices } from "../app";
import { ConfigError, loadConfig } from "../config";
import { createLogger } from "../logger";
import { describeDuration } from "./tokens";

const USAGE = "usage: npm run token -- <userPrincipalName> [--expires-in <minutes>]";

/**
 * Prints a bearer token for a directory user, with the same configuration (database and secret)
 * as the server. The token carries the user's id (`oid`) and sign-in name, like an Entra token.
 */
async function main(args: string[]): Promise<number> {
  const [upn, ...rest] = args;
  if (!upn || upn.startsWith("-")) return fail(USAGE);
  const config = loadConfig();
  // Tokens living longer than TOKEN_MAX_LIFETIME would be refused by the gateway.
  const maxMinutes = Math.floor(config.tokenMaxLifetimeSeconds / 60);
  let minutes = Math.min(60, maxMinutes);
  if (rest[0] === "--expires-in") minutes = Number(rest[1]);
  else if (rest.length > 0) return fail(USAGE);
  if (!Number.isInteger(minutes) || minutes < 1 || minutes > maxMinutes) {
    return fail(`--expires-in takes whole minutes, from 1 to ${maxMinutes} (${describeDuration(maxMinutes * 60)}, TOKEN_MAX_LIFETIME).`);
  }
  const services = await openServices(config, createLogger("warn"));
  try {
    const user = await services.users.findForSignIn({ oid: null, preferredUsername: upn });
    if (!user) return fail(`No user '${upn}' in this directory. The demo tenant's administrator is admin@contoso.com.`);
    if (!user.accountEnabled) return fail(`'${upn}' is disabled (accountEnabled is false); its tokens would be refused.`);
    const token = await services.tokens.sign({ oid: user.id, preferredUsername: user.userPrincipalName }, minutes * 60);
    process.stdout.write(`${token}\n`);
    if (!config.auth.devTokens) process.stderr.write("helpgate token: note: with AUTH_ISSUER set, the server refuses this token unless DEV_TOKENS=true.\n");
    return 0;
  } finally {
    await services.db.close();
  }
}

function fail(message: string): number {
  process.stderr.write(`helpgate token: ${message}\n`);
  return 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const message = error instanceof ConfigError ? `bad configuration: ${error.message}` : String(error);
    process.stderr.write(`helpgate token: ${message}\n`);
    process.exit(1);
  },
);
