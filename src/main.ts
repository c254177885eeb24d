import "reflect-metadata";
import { startApp } from "./app";
import { ConfigError, describeDatabase, loadConfig, type Config } from "./config";
import { createLogger } from "./logger";

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`helpgate: bad configuration: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const log = createLogger(config.logLevel);
  const app = await startApp(config, log);
  log.info({ url: app.url, database: describeDatabase(config.database), demoData: config.demoData }, `helpgate listening on ${app.url}`);
  log.info(`database: ${describeDatabase(config.database)}`);
  const { issuer, audiences, devTokens } = config.auth;
  if (issuer) log.info({ issuer, audiences }, `sign-in: access tokens from ${issuer} for ${audiences.join(", ")}`);
  if (devTokens) log.info("get an admin token: npm run token -- admin@contoso.com  (then send 'Authorization: Bearer <token>')");

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "shutting down");
    // A close that hangs must not keep the process alive: exit anyway, with an error.
    setTimeout(() => {
      log.error({ signal }, "shutdown took longer than 30 s; exiting");
      process.exit(1);
    }, 30_000).unref();
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`helpgate: bad configuration: ${error.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`helpgate: could not start: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
