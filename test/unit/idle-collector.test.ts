import v8 from "node:v8";
import vm from "node:vm";
import { collectGarbage } from "../../src/common/collect-garbage";
import { startIdleCollector } from "../../src/common/idle-collector";

const oldGeneration = () => v8.getHeapSpaceStatistics().find((space) => space.space_name === "old_space")!.space_used_size;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** V8's collector with its options (`gc({ type: "minor" })`), reachable as collect-garbage.ts reaches it. */
function v8Collector(): (options?: { type: "minor" | "major" }) => void {
  v8.setFlagsFromString("--expose-gc");
  return vm.runInNewContext("gc") as (options?: { type: "minor" | "major" }) => void;
}

/** Objects that live long enough to reach the old generation, then are dropped: about 40 MB of garbage there. */
async function oldGarbage(): Promise<void> {
  let kept: { n: number; text: string }[] | null = [];
  for (let n = 0; n < 600_000; n++) kept.push({ n, text: `entry ${n}` });
  // Two young-generation collections move them to the old one (however large this Node's young generation is).
  const gc = v8Collector();
  gc({ type: "minor" });
  await sleep(1);
  gc({ type: "minor" });
  await sleep(1);
  expect(kept.length).toBe(600_000);
  kept = null;
}

describe("startIdleCollector", () => {
  it("collects the old generation's garbage while the event loop is idle", async () => {
    // A round in which the collector did not run proves nothing, so it is run again (up to five):
    // V8 may start a full collection of its own when the old generation grows this fast, and
    // finish it while the loop is idle, so that the collector rightly finds nothing to do; and a
    // host starved of CPU (a parallel test run on two cores) can keep the loop from looking idle.
    let rounds = 0;
    let collectedByIt = false;
    while (!collectedByIt && rounds < 5) {
      rounds += 1;
      collectGarbage();
      const before = oldGeneration();
      const collector = startIdleCollector({ everyMs: 50, idleBelow: 0.5, growthMiB: 8 });
      try {
        // Made with the loop busy: nothing is collected meanwhile.
        await oldGarbage();
        const grown = oldGeneration();
        expect(grown - before).toBeGreaterThan(20 * 1024 * 1024);
        expect(collector.collections).toBe(0);
        for (let i = 0; i < 40 && collector.collections === 0; i++) await sleep(25);
        collectedByIt = collector.collections >= 1;
        if (collectedByIt) expect(oldGeneration() - before).toBeLessThan((grown - before) / 4);
      } finally {
        collector.stop();
      }
    }
    expect(collectedByIt).toBe(true);
  });

  it("leaves a busy event loop to V8, and a heap that has not grown", async () => {
    collectGarbage();
    const quiet = startIdleCollector({ everyMs: 30, idleBelow: 0.5, growthMiB: 64 });
    await sleep(300);
    quiet.stop();
    // Idle, but the old generation grew by far less than 64 MiB.
    expect(quiet.collections).toBe(0);

    const busy = startIdleCollector({ everyMs: 30, idleBelow: 0.5, growthMiB: 1 });
    try {
      // The old generation grows by tens of MiB, but the loop is held for most of each
      // interval: never idle enough.
      await oldGarbage();
      const until = Date.now() + 400;
      while (Date.now() < until) {
        const end = Date.now() + 25;
        while (Date.now() < end) {
          /* busy */
        }
        await sleep(1);
      }
      expect(busy.collections).toBe(0);
    } finally {
      busy.stop();
    }
  });
});
