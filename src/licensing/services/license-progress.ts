import { EventEmitter } from "node:events";
import type { Logger } from "pino";
import type { Notifications } from "../../db/notifications";
import type { GroupProcessingRecord } from "../model";

/** The database channel group licensing announces its progress on: a comma-separated list of group ids. */
const CHANNEL = "helpgate_license_progress";
/** Ids per message: PostgreSQL's NOTIFY payload holds under 8,000 bytes. */
const IDS_PER_MESSAGE = 100;

export interface WatchOptions {
  /** Least time between two states sent: changes in between are sent as one, the latest. */
  minIntervalMs: number;
  /** Longest time between two reads without any announcement (a lost one only delays). */
  pollMs: number;
}

export const DEFAULT_WATCH: WatchOptions = { minIntervalMs: 250, pollMs: 1000 };

/** What a watch yields when the gateway stops before the run completes. */
export const STOPPING = Symbol("stopping");
export type ProcessingUpdate = GroupProcessingRecord | typeof STOPPING;

/**
 * Live progress of group-based licensing. Whoever changes a group's processing row announces it
 * after committing (the processor after each batch, the mutations that queue a group); every
 * gateway on the database hears it and wakes the watches of those groups, which read the row
 * again. The announcement carries no counts: the row is the truth.
 */
export class LicenseProgress {
  private readonly groups = new EventEmitter().setMaxListeners(0);
  private readonly watches = new Set<ProcessingWatch>();
  private stopListening: (() => void) | null = null;
  private closed = false;

  constructor(
    private readonly notifications: Notifications,
    private readonly log: Logger,
  ) {}

  /** Watches open in this process (for the metrics, and to check that ended ones let go). */
  get watchers(): number {
    return this.watches.size;
  }

  /** Announces, after the commit, that these groups' processing rows changed. Never throws: watches re-read anyway. */
  async changed(groupIds: readonly string[]): Promise<void> {
    const ids = [...new Set(groupIds)];
    try {
      for (let i = 0; i < ids.length; i += IDS_PER_MESSAGE) await this.notifications.notify(CHANNEL, ids.slice(i, i + IDS_PER_MESSAGE).join(","));
    } catch (error) {
      this.log.warn({ err: error }, "could not announce license processing progress; watchers will see it on their next read");
    }
  }

  /**
   * The group's processing state now and each time it changes, at most one every
   * `minIntervalMs`, ending after ProcessingComplete (or with STOPPING when the gateway stops).
   * `read` returns the current row; null ends the watch.
   */
  watch(groupId: string, read: () => Promise<GroupProcessingRecord | null>, options: WatchOptions = DEFAULT_WATCH): AsyncIterableIterator<ProcessingUpdate> {
    const watch = new ProcessingWatch(read, options, () => {
      this.groups.off(groupId, watch.wake);
      this.watches.delete(watch);
    });
    this.watches.add(watch);
    // Subscribed while the gateway stops: told at once to subscribe again (elsewhere).
    if (this.closed) {
      watch.stop();
      return watch;
    }
    this.stopListening ??= this.notifications.listen(CHANNEL, (payload) => {
      for (const id of payload.split(",")) this.groups.emit(id);
    });
    this.groups.on(groupId, watch.wake);
    return watch;
  }

  /** Ends every watch (each yields STOPPING) and stops listening. */
  async close(): Promise<void> {
    this.closed = true;
    for (const watch of [...this.watches]) watch.stop();
    this.stopListening?.();
    this.stopListening = null;
    await this.notifications.close();
  }
}

/**
 * One subscriber's view of one group. Written as an iterator rather than a generator: return()
 * (the client went away) must end it at once, also while it waits for the next change.
 */
class ProcessingWatch implements AsyncIterableIterator<ProcessingUpdate> {
  private last: string | null = null;
  private lastSentAt = 0;
  private dirty = true;
  private done = false;
  private stopping = false;
  private interrupt: (() => void) | null = null;

  constructor(
    private readonly read: () => Promise<GroupProcessingRecord | null>,
    private readonly options: WatchOptions,
    private readonly release: () => void,
  ) {}

  /** An announcement for the group: read again before sending anything. */
  readonly wake = (): void => {
    this.dirty = true;
    this.interrupt?.();
  };

  stop(): void {
    this.stopping = true;
    this.interrupt?.();
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<ProcessingUpdate> {
    return this;
  }

  async next(): Promise<IteratorResult<ProcessingUpdate>> {
    while (!this.done) {
      if (this.stopping) {
        this.finish();
        return { done: false, value: STOPPING };
      }
      if (this.last !== null) {
        // Wait for an announcement (or the poll), then out the interval since the last state sent.
        if (!this.dirty) await this.pause(this.options.pollMs, true);
        await this.pause(this.lastSentAt + this.options.minIntervalMs - Date.now(), false);
        if (this.done || this.stopping) continue;
      }
      this.dirty = false;
      const state = await this.read();
      if (this.done) break;
      if (!state) {
        this.finish();
        break;
      }
      const key = JSON.stringify(state);
      if (key === this.last) continue;
      this.last = key;
      this.lastSentAt = Date.now();
      if (state.state === "ProcessingComplete") this.finish();
      return { done: false, value: state };
    }
    return { done: true, value: undefined };
  }

  async return(): Promise<IteratorResult<ProcessingUpdate>> {
    this.finish();
    return { done: true, value: undefined };
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    this.interrupt?.();
    this.release();
  }

  /** Sleeps `ms`; an announcement cuts it short when `wakeable`, stopping or ending always. */
  private pause(ms: number, wakeable: boolean): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.interrupt = () => {
        if (wakeable || this.done || this.stopping) {
          this.interrupt = null;
          done();
        }
      };
    });
  }
}
