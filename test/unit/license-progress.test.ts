import { EventEmitter } from "node:events";
import type { Notifications } from "../../src/db/notifications";
import type { GroupProcessingRecord } from "../../src/licensing/model";
import { LicenseProgress, STOPPING } from "../../src/licensing/services/license-progress";
import { silentLog } from "../support/temp";

const GROUP = "6a0f0b8e-0000-4000-8000-000000000001";

/** Notifications within the test: what a gateway on SQLite uses. */
function localNotifications(): Notifications {
  const emitter = new EventEmitter();
  return {
    notify: async (channel, payload) => void emitter.emit(channel, payload),
    listen(channel, handler) {
      emitter.on(channel, handler);
      return () => void emitter.off(channel, handler);
    },
    close: async () => void emitter.removeAllListeners(),
  };
}

function row(processed: number, state: GroupProcessingRecord["state"] = "ProcessingInProgress"): GroupProcessingRecord {
  return { groupId: GROUP, state, succeeded: processed, failed: 0, queued: 1_000, startedDateTime: null, updatedDateTime: new Date(0) };
}

describe("a watch on a group's license processing", () => {
  it("sends the latest of several changes announced close together, not each of them", async () => {
    const progress = new LicenseProgress(localNotifications(), silentLog);
    let current = row(0);
    const watch = progress.watch(GROUP, async () => current, { minIntervalMs: 100, pollMs: 60_000 });
    expect((await watch.next()).value).toEqual(row(0));
    for (const processed of [100, 200, 300, 400]) {
      current = row(processed);
      await progress.changed([GROUP]);
    }
    expect((await watch.next()).value).toEqual(row(400));
    current = row(1_000, "ProcessingComplete");
    await progress.changed([GROUP]);
    expect((await watch.next()).value).toEqual(row(1_000, "ProcessingComplete"));
    expect(await watch.next()).toEqual({ done: true, value: undefined });
    expect(progress.watchers).toBe(0);
  });

  it("ignores announcements of other groups and announcements that changed nothing it shows", async () => {
    const progress = new LicenseProgress(localNotifications(), silentLog);
    let reads = 0;
    let current = row(0);
    const watch = progress.watch(GROUP, async () => (reads++, current), { minIntervalMs: 0, pollMs: 60_000 });
    await watch.next();
    await progress.changed(["6a0f0b8e-0000-4000-8000-000000000002"]);
    await progress.changed([GROUP]);
    current = row(500);
    await progress.changed([GROUP]);
    expect((await watch.next()).value).toEqual(row(500));
    await watch.return!();
    expect(progress.watchers).toBe(0);
    expect(reads).toBeLessThanOrEqual(3);
  });

  it("lets go at once when its subscriber leaves while it waits for a change", async () => {
    const progress = new LicenseProgress(localNotifications(), silentLog);
    const watch = progress.watch(GROUP, async () => row(0), { minIntervalMs: 0, pollMs: 60_000 });
    await watch.next();
    const waiting = watch.next();
    expect(progress.watchers).toBe(1);
    await watch.return!();
    expect(progress.watchers).toBe(0);
    expect(await waiting).toEqual({ done: true, value: undefined });
  });

  it("tells its subscriber the gateway stops, and lets a new one know at once", async () => {
    const progress = new LicenseProgress(localNotifications(), silentLog);
    const watch = progress.watch(GROUP, async () => row(0), { minIntervalMs: 0, pollMs: 60_000 });
    await watch.next();
    const waiting = watch.next();
    await progress.close();
    expect(await waiting).toEqual({ done: false, value: STOPPING });
    expect(await watch.next()).toEqual({ done: true, value: undefined });
    const late = progress.watch(GROUP, async () => row(0));
    expect(await late.next()).toEqual({ done: false, value: STOPPING });
    expect(progress.watchers).toBe(0);
  });
});
