import v8 from "node:v8";
import { collectGarbage } from "../../src/common/collect-garbage";

describe("collectGarbage", () => {
  it("collects what nothing holds any more and gives its pages back, without --expose-gc", () => {
    // Start from a collected heap, so what was garbage before the burst (and may be collected
    // while it grows) does not count against it.
    expect(collectGarbage()).toBe(true);
    const before = v8.getHeapStatistics();
    let burst: { n: number; text: string }[] | null = [];
    for (let n = 0; n < 1_500_000; n++) burst.push({ n, text: `entry ${n}` });
    const grown = v8.getHeapStatistics();
    burst = null;
    collectGarbage();
    const settled = v8.getHeapStatistics();
    const allocated = grown.used_heap_size - before.used_heap_size;
    const committed = grown.total_heap_size - before.total_heap_size;
    // The burst (about 90 MB of objects) is gone, and most of the heap it took is given back.
    expect(allocated).toBeGreaterThan(50_000_000);
    expect(grown.used_heap_size - settled.used_heap_size).toBeGreaterThan(allocated * 0.8);
    expect(grown.total_heap_size - settled.total_heap_size).toBeGreaterThan(committed / 3);
  });
});
