import { EventEmitter } from "node:events";
import type { Client } from "pg";
import type { Logger } from "pino";
import type { Database } from "./database";

export type NotificationHandler = (payload: string) => void;

/**
 * Short messages between every gateway on one database: "something changed, read it again". On
 * PostgreSQL they travel through NOTIFY, so a process hears what another one did; on SQLite (one
 * process per database file) they stay in the process. A message may be lost (a listening
 * connection that dropped): listeners must treat it as a hint and read the truth themselves.
 */
export interface Notifications {
  /** Sends `payload` (at most a few kB) to every listener of `channel`, in every process. */
  notify(channel: string, payload: string): Promise<void>;
  /** Calls `handler` with each payload sent on `channel`; returns what stops it. */
  listen(channel: string, handler: NotificationHandler): () => void;
  /** Stops listening (closes PostgreSQL's listening connection). */
  close(): Promise<void>;
}

export function createNotifications(db: Database, log: Logger): Notifications {
  if (db.kind !== "postgres") return new InProcessNotifications();
  const options = db.writer.options as { url?: string };
  return new PostgresNotifications(db, options.url!, log);
}

class InProcessNotifications implements Notifications {
  private readonly emitter = new EventEmitter().setMaxListeners(0);

  async notify(channel: string, payload: string): Promise<void> {
    this.emitter.emit(channel, payload);
  }

  listen(channel: string, handler: NotificationHandler): () => void {
    this.emitter.on(channel, handler);
    return () => void this.emitter.off(channel, handler);
  }

  async close(): Promise<void> {
    this.emitter.removeAllListeners();
  }
}

const RECONNECT_MS = 1000;

/**
 * NOTIFY goes through the database's pool (any connection will do). LISTEN needs a connection of its own
 * that stays open: one per process, opened when the first channel is listened to, and opened
 * again after a pause should it drop (what was sent meanwhile is lost, see Notifications).
 */
class PostgresNotifications implements Notifications {
  private readonly emitter = new EventEmitter().setMaxListeners(0);
  private client: Client | null = null;
  private connecting: Promise<void> | null = null;
  private retry: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    private readonly db: Database,
    private readonly url: string,
    private readonly log: Logger,
  ) {}

  async notify(channel: string, payload: string): Promise<void> {
    // The primary's pool: a read replica cannot NOTIFY.
    await this.db.writer.query("SELECT pg_notify($1, $2)", [channel, payload]);
  }

  listen(channel: string, handler: NotificationHandler): () => void {
    const first = this.emitter.listenerCount(channel) === 0;
    this.emitter.on(channel, handler);
    if (first) void this.connect().then(() => this.client?.query(`LISTEN ${quoted(channel)}`)).catch((error: unknown) => this.dropped(error));
    return () => void this.emitter.off(channel, handler);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    this.emitter.removeAllListeners();
    await this.connecting?.catch(() => undefined);
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }

  private connect(): Promise<void> {
    if (this.client || this.closed) return Promise.resolve();
    this.connecting ??= (async () => {
      // Required here: a gateway on SQLite never loads the PostgreSQL driver (start-up time).
      const { Client } = require("pg") as typeof import("pg");
      const client = new Client({ connectionString: this.url });
      client.on("notification", (message) => this.emitter.emit(message.channel, message.payload ?? ""));
      client.on("error", (error) => this.dropped(error));
      client.on("end", () => this.dropped(null));
      try {
        await client.connect();
        for (const channel of this.emitter.eventNames()) await client.query(`LISTEN ${quoted(String(channel))}`);
        if (this.closed) {
          await client.end();
          return;
        }
        this.client = client;
      } catch (error) {
        client.removeAllListeners();
        await client.end().catch(() => undefined);
        throw error;
      } finally {
        this.connecting = null;
      }
    })();
    return this.connecting;
  }

  private dropped(error: unknown): void {
    if (this.closed) return;
    if (error) this.log.warn({ err: error }, "database notifications: the listening connection failed; reconnecting");
    const client = this.client;
    this.client = null;
    client?.removeAllListeners();
    void client?.end().catch(() => undefined);
    if (this.retry || this.emitter.eventNames().length === 0) return;
    this.retry = setTimeout(() => {
      this.retry = null;
      this.connect().catch((failure: unknown) => this.dropped(failure));
    }, RECONNECT_MS);
    this.retry.unref();
  }
}

/** A channel name as an SQL identifier (LISTEN takes no parameters). */
function quoted(channel: string): string {
  return `"${channel.replace(/"/g, '""')}"`;
}
