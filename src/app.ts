import type { AddressInfo } from "node:net";
import type { Logger } from "pino";
import type { Config } from "./config";
import { resolveTokenSecret } from "./auth/token-secret";
import { Database } from "./db/database";
import { seedIfEmpty } from "./demo/demo-tenant";
import { createHttpFront, GRAPHQL_PATH, type FrontOptions, type HttpFront } from "./http/server";
import type { Throttle } from "./http/throttle";
import type { ProcessorOptions } from "./licensing/processor";
import { createServices, type Services } from "./services";

export interface App {
  services: Services;
  /** The callers' budgets, for any door to charge. */
  throttle: Throttle;
  /** The GraphQL endpoint, once listening. */
  url: string;
  close(): Promise<void>;
}

/** Opens the database (migrating and seeding it) and builds the services: what the server and the CLI share. */
export async function openServices(config: Config, log: Logger, processorOptions?: ProcessorOptions): Promise<Services> {
  const secret = resolveTokenSecret(config);
  const db = await Database.open(config.database, log);
  try {
    await db.setupTransaction((tx) => seedIfEmpty(tx, { demoData: config.demoData }));
  } catch (error) {
    await db.close();
    throw error;
  }
  return createServices(db, config, secret, log, processorOptions);
}

/** Starts helpgate: database, services, and the HTTP server listening on the configured port. */
export async function startApp(config: Config, log: Logger, processorOptions?: ProcessorOptions, frontOptions?: FrontOptions): Promise<App> {
  const services = await openServices(config, log, processorOptions);
  let front: HttpFront;
  try {
    await services.content.load();
    front = await createHttpFront(services, config, log, frontOptions);
    await new Promise<void>((resolve, reject) => {
      front.server.once("error", reject);
      front.server.listen(config.port, config.host, () => resolve());
    });
  } catch (error) {
    await services.db.close();
    throw error;
  }
  services.licensing.processor.start();
  services.content.watch();
  const address = front.server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    services,
    throttle: front.throttle,
    url: `http://${host}:${address.port}${GRAPHQL_PATH}`,
    async close() {
      // The processor first: a batch holds the event loop (the SQLite driver is synchronous),
      // and the HTTP side needs it to take in and answer what clients already sent. Work still
      // queued stays in the database for the next start.
      await services.licensing.processor.stop();
      // Open subscriptions end (telling their clients to subscribe again), so streams close too.
      await services.licensing.progress.close();
      // Stop accepting, answer what was received, close connections as they fall idle.
      await front.close();
      services.content.close();
      await front.apollo.stop();
      await services.db.close();
    },
  };
}
