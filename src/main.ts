import "reflect-metadata";
import { capHeapGrowth, startSteadyHeapGrowth } from "./common/heap-growth";
import { ConfigError, describeDatabase, loadConfig, type Config } from "./config";
import { prefetchArticleHeaders } from "./content/loader/prefetch";
import { createLogger } from "./logger";

async function main(): Promise<void> {
  capHeapGrowth();
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
  // The articles' headers are read on another core from now on, while the server's modules load,
  // its database opens and it starts listening: lookups answer as soon as it listens.
  const articleHeaders = prefetchArticleHeaders(config);
  const log = createLogger(config.logLevel);
  // Required here rather than imported at the top, which would load every module first.
  const { startApp } = require("./app") as typeof import("./app");
  const app = await startApp(config, log, undefined, undefined, { articleHeaders });
  log.info({ url: app.url, database: describeDatabase(config.database), demoData: config.demoData }, `helpgate listening on ${app.url}`);
  log.info(`database: ${describeDatabase(config.database)}`);
  const { issuer, audiences, devTokens } = config.auth;
  if (issuer) log.info({ issuer, audiences }, `sign-in: access tokens from ${issuer} for ${audiences.join(", ")}`);
  if (devTokens) log.info("get an admin token: npm run --silent token -- admin@contoso.com  (then send 'Authorization: Bearer <token>')");
  if (config.explorer) log.info(`explorer: open ${app.url} in a browser`);
  // Once the articles are in (what a load adds is no garbage), V8 collects the server's garbage
  // at a tighter cap while its traffic is light (heap-growth.ts).
  app.articles.then(() => startSteadyHeapGrowth(), () => undefined);
  // The server answers while the articles load; articles that cannot be read at all stop it, as before it listened.
  app.articles.catch((error: unknown) => {
    process.stderr.write(`helpgate: could not start: the articles could not be loaded: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });

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

/** What to do when the port can't be had, instead of a stack: which variable to set. */
function listenFailure(error: unknown): string | null {
  const { code, address, port } = (error ?? {}) as { code?: string; address?: string; port?: number };
  if (code === "EADDRINUSE") {
    return `port ${port} on ${address} is already in use (another helpgate?). Set PORT to a free port, e.g. PORT=${(port ?? 4000) + 1} npm start, or PORT=0 for any free one.`;
  }
  if (code === "EACCES") return `may not listen on port ${port} on ${address}; set PORT to 1024 or above.`;
  if (code === "EADDRNOTAVAIL") return `this machine has no address ${address}; set HOST to one of its addresses (127.0.0.1, or 0.0.0.0 for all).`;
  return null;
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`helpgate: bad configuration: ${error.message}\n`);
    process.exit(2);
  }
  const address = listenFailure(error);
  if (address) {
    process.stderr.write(`helpgate: could not start: ${address}\n`);
    process.exit(1);
  }
  process.stderr.write(`helpgate: could not start: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
