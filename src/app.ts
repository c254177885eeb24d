import type { AddressInfo } from "node:net";
import type { Logger } from "pino";
import type { Config } from "./config";
import { AuditRetention } from "./audit/audit-retention";
import { resolveTokenSecret } from "./auth/token-secret";
import { Database } from "./db/database";
import { seedIfEmpty } from "./demo/demo-tenant";
import { createHttpFront, GRAPHQL_PATH, type FrontOptions, type HttpFront } from "./http/server";
import type { Throttle } from "./http/throttle";
import type { ProcessorOptions } from "./licensing/processor";
import { createServices, type Services } from "./services";
import type { LoadOptions } from "./content/loader";

export interface App {
  services: Services;
  /** The callers' budgets, for any door to charge. */
  throttle: Throttle;
  /** The GraphQL endpoint, once listening. */
  url: string;
  /**
   * Settles once every article is loaded. The server listens (and answers lookups on the
   * headers) before that; a rejection means the articles could not be read at all.
   */
  articles: Promise<void>;
  /** Deletes audit entries older than AUDIT_RETENTION_DAYS, in the background (`sweep()` runs it now). */
  auditRetention: AuditRetention;
  close(): Promise<void>;
}

export interface StartOptions {
  /** Article bodies are held back until this settles (see LoadOptions.holdBodies): for tests of the loading phase. */
  holdArticleBodies?: Promise<void>;
  /** The articles' headers, read ahead since the process started (prefetchArticleHeaders). */
  articleHeaders?: LoadOptions["headers"];
}

/** Opens the database (migrating and seeding it) and builds the services: what the server and the CLI share. */
export async function openServices(config: Config, log: Logger, processorOptions?: ProcessorOptions): Promise<Services> {
  const secret = resolveTokenSecret(config);
  const db = await Database.open(config.database, log);
  try {
    await db.setupTransaction((tx) => seedIfEmpty(tx, { demoData: config.demoData }));
    await db.replicas?.start();
  } catch (error) {
    await db.close();
    throw error;
  }
  return createServices(db, config, secret, log, processorOptions);
}

/**
 * Starts helpgate: database, services, and the HTTP server listening on the configured port.
 * Resolves once it listens; the articles load meanwhile (`App.articles`), so /healthz answers at
 * once and /readyz says how far they are.
 */
export async function startApp(config: Config, log: Logger, processorOptions?: ProcessorOptions, frontOptions?: FrontOptions, startOptions: StartOptions = {}): Promise<App> {
  const services = await openServices(config, log, processorOptions);
  let front: HttpFront;
  try {
    services.content.checkFolder();
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
  const auditRetention = new AuditRetention(services.db, log, { days: config.auditRetentionDays, now: frontOptions?.now });
  auditRetention.start();
  const articles = services.content.load({ holdBodies: startOptions.holdArticleBodies, headers: startOptions.articleHeaders }).then(() => services.content.watch());
  // Whoever started the app hears of a failed load through `articles`; it is no unhandled rejection meanwhile.
  articles.catch(() => undefined);
  const address = front.server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    services,
    throttle: front.throttle,
    url: `http://${host}:${address.port}${GRAPHQL_PATH}`,
    articles,
    auditRetention,
    async close() {
      await auditRetention.stop();
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
