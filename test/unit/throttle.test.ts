import type http from "node:http";
import { clientAddress, Throttle, type BudgetName } from "../../src/http/throttle";

/** A clock the test moves by hand, in milliseconds. */
class Clock {
  ms = 0;
  readonly now = () => this.ms;
  advance(seconds: number): void {
    this.ms += seconds * 1000;
  }
}

function throttle(read: number, write: number, clock = new Clock(), options: { maxKeys?: number; onThrottled?: (budget: BudgetName) => void } = {}) {
  return new Throttle({ readUnitsPer10s: read, writeUnitsPer150s: write, trustProxyHops: 0 }, { now: clock.now, ...options });
}

/** Just what clientAddress reads of a request. */
function request(remoteAddress: string, forwardedFor?: string): http.IncomingMessage {
  return { socket: { remoteAddress }, headers: forwardedFor === undefined ? {} : { "x-forwarded-for": forwardedFor } } as unknown as http.IncomingMessage;
}

describe("the throttle", () => {
  describe("the read budget (units per 10 s)", () => {
    it("lets a caller spend the whole budget, then refuses with the seconds until one more unit is back", () => {
      const budgets = throttle(10, 0);
      for (let i = 0; i < 10; i++) expect(budgets.charge("user:a", { read: 1 })).toEqual({ ok: true });
      const refused = budgets.charge("user:a", { read: 1 });
      expect(refused).toMatchObject({ ok: false, budget: "read", retryAfterSeconds: 1 });
      if (refused.ok) throw new Error("unreachable");
      expect(refused.error.code).toBe("THROTTLED");
      expect(refused.error.message).toBe(
        "Too many requests: this caller has spent its read budget of 10 resource units per 10 s (THROTTLE_READ_UNITS_PER_10S). Retry after 1 s.",
      );
      expect(refused.error.details).toEqual({ retryAfterSeconds: 1 });
    });

    it("charges nothing for a refused request, and refills evenly: after Retry-After the same request passes", () => {
      const clock = new Clock();
      const budgets = throttle(10, 0, clock);
      expect(budgets.charge("user:a", { read: 10 }).ok).toBe(true);
      const refused = budgets.charge("user:a", { read: 4 });
      expect(refused).toMatchObject({ ok: false, retryAfterSeconds: 4 });
      clock.advance(3);
      expect(budgets.charge("user:a", { read: 4 })).toMatchObject({ ok: false, retryAfterSeconds: 1 });
      clock.advance(1);
      expect(budgets.charge("user:a", { read: 4 }).ok).toBe(true);
    });

    it("is full again after a whole window, however long the caller was idle", () => {
      const clock = new Clock();
      const budgets = throttle(10, 0, clock);
      expect(budgets.charge("user:a", { read: 10 }).ok).toBe(true);
      clock.advance(3600);
      expect(budgets.charge("user:a", { read: 10 }).ok).toBe(true);
      expect(budgets.charge("user:a", { read: 1 }).ok).toBe(false);
    });

    it("keeps each caller's budget apart", () => {
      const budgets = throttle(3, 0);
      expect(budgets.charge("user:a", { read: 3 }).ok).toBe(true);
      expect(budgets.charge("user:a", { read: 1 }).ok).toBe(false);
      expect(budgets.charge("user:b", { read: 3 }).ok).toBe(true);
      expect(budgets.charge("address:192.0.2.1", { read: 3 }).ok).toBe(true);
    });

    it("lets a request larger than the whole budget through when the budget is full, leaving it in debt", () => {
      const clock = new Clock();
      const budgets = throttle(10, 0, clock);
      expect(budgets.charge("user:a", { read: 25 }).ok).toBe(true);
      // 15 units of debt and 1 to spend: 16 units come back in 16 s.
      expect(budgets.charge("user:a", { read: 1 })).toMatchObject({ ok: false, retryAfterSeconds: 16 });
    });
  });

  describe("the write budget (units per 150 s)", () => {
    it("is spent by writes alone and refuses with its own wait and variable", () => {
      const budgets = throttle(100, 2);
      expect(budgets.charge("user:a", { read: 1, write: 2 }).ok).toBe(true);
      expect(budgets.charge("user:a", { read: 1 }).ok).toBe(true);
      const refused = budgets.charge("user:a", { read: 1, write: 1 });
      expect(refused).toMatchObject({ ok: false, budget: "write", retryAfterSeconds: 75 });
      if (refused.ok) throw new Error("unreachable");
      expect(refused.error.message).toMatch(/write budget of 2 resource units per 150 s \(THROTTLE_WRITE_UNITS_PER_150S\)/);
    });

    it("spends neither budget when one of them refuses", () => {
      const budgets = throttle(5, 1);
      expect(budgets.charge("user:a", { read: 1, write: 1 }).ok).toBe(true);
      for (let i = 0; i < 3; i++) expect(budgets.charge("user:a", { read: 1, write: 1 }).ok).toBe(false);
      // 4 read units left: the refused writes took none.
      expect(budgets.charge("user:a", { read: 4 }).ok).toBe(true);
    });
  });

  it("is off with both budgets at 0, and each budget alone can be off", () => {
    const off = throttle(0, 0);
    for (let i = 0; i < 1000; i++) expect(off.charge("user:a", { read: 100, write: 100 }).ok).toBe(true);
    expect(off.size).toBe(0);
    const writesOnly = throttle(0, 1);
    expect(writesOnly.charge("user:a", { read: 1_000_000 }).ok).toBe(true);
    expect(writesOnly.charge("user:a", { read: 1, write: 1 }).ok).toBe(true);
    expect(writesOnly.charge("user:a", { read: 1, write: 1 }).ok).toBe(false);
  });

  it("reports each refusal with its budget (for the metrics)", () => {
    const refusals: BudgetName[] = [];
    const budgets = throttle(1, 1, new Clock(), { onThrottled: (budget) => refusals.push(budget) });
    budgets.charge("user:a", { read: 1, write: 1 });
    budgets.charge("user:a", { read: 1 });
    budgets.charge("user:b", { read: 1, write: 1 });
    budgets.charge("user:b", { read: 0, write: 1 });
    expect(refusals).toEqual(["read", "write"]);
  });

  it("remembers a bounded number of callers, forgetting the least recently seen first", () => {
    const budgets = throttle(1, 0, new Clock(), { maxKeys: 100 });
    expect(budgets.charge("user:kept", { read: 1 }).ok).toBe(true);
    for (let i = 0; i < 10_000; i++) {
      budgets.charge(`address:10.0.${i >> 8}.${i & 255}`, { read: 1 });
      // Seen again and again, so never the least recently seen.
      if (i % 50 === 0) expect(budgets.charge("user:kept", { read: 1 }).ok).toBe(false);
      expect(budgets.size).toBeLessThanOrEqual(100);
    }
    expect(budgets.size).toBe(100);
  });

  describe("keys", () => {
    it("charges a signed-in caller by user id and an anonymous one by address", () => {
      const budgets = throttle(1, 1);
      expect(budgets.keyOf({ id: "6f1c0c5e-0000-4000-8000-000000000001" }, request("192.0.2.7"))).toBe("user:6f1c0c5e-0000-4000-8000-000000000001");
      expect(budgets.keyOf(null, request("192.0.2.7"))).toBe("address:192.0.2.7");
    });

    it("ignores X-Forwarded-For unless proxies are trusted: a client can write anything there", () => {
      expect(clientAddress(request("192.0.2.7", "203.0.113.1"), 0)).toBe("192.0.2.7");
    });

    it("with trusted proxies, takes the address the outermost trusted proxy saw (counted from the right)", () => {
      // The client forged the first entry; the one proxy appended what it saw.
      expect(clientAddress(request("10.0.0.2", "198.51.100.66, 203.0.113.1"), 1)).toBe("203.0.113.1");
      expect(clientAddress(request("10.0.0.2", "198.51.100.66, 203.0.113.1, 10.0.0.9"), 2)).toBe("203.0.113.1");
      // Fewer entries than proxies: the leftmost there is; no usable entry: the connection's.
      expect(clientAddress(request("10.0.0.2", "203.0.113.1"), 2)).toBe("203.0.113.1");
      expect(clientAddress(request("10.0.0.2", "not-an-address"), 1)).toBe("10.0.0.2");
    });

    it("keys IPv6 clients by their /64 network and IPv4-mapped addresses as IPv4", () => {
      expect(clientAddress(request("2001:db8:1:2:aaaa::1"), 0)).toBe("2001:db8:1:2::/64");
      expect(clientAddress(request("2001:0db8:0001:0002:ffff:ffff:ffff:ffff"), 0)).toBe("2001:db8:1:2::/64");
      expect(clientAddress(request("::1"), 0)).toBe("0:0:0:0::/64");
      expect(clientAddress(request("::ffff:192.0.2.7"), 0)).toBe("192.0.2.7");
    });
  });
});
