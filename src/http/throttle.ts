import type http from "node:http";
import { isIP } from "node:net";
import type { ThrottleLimits } from "../config";
import { throttled, type HelpgateError } from "../errors";

/**
 * Fair share between callers, as Microsoft Graph throttles: each caller has a budget of
 * resource units per window, and a request that finds its budget spent is refused with HTTP 429,
 * a Retry-After and `THROTTLED`, without running. Every door (GraphQL over HTTP, MCP…) charges
 * the same budgets through `charge`, with the caller's key from `keyOf`.
 *
 * Two budgets, each a token bucket that refills evenly over its window (so a caller who has
 * spent it waits only until enough has come back, not for a whole window):
 * - read: every request spends at least one unit, more for costlier queries;
 * - write: each write a request attempts spends one unit, refused or not (a refused write still
 *   leaves an audit entry).
 * The budgets live in this process: with several processes, each keeps its own.
 *
 * A door charges a request before doing its work (the app's one Throttle is `App.throttle`,
 * and `throttle` in the HTTP front's handlers):
 *
 *   const verdict = throttle.charge(throttle.keyOf(caller, req), { read: 1, write: writes });
 *   if (!verdict.ok) answer HTTP 429, `Retry-After: ${verdict.retryAfterSeconds}`, and verdict.error
 *
 * GraphQL over HTTP charges 1 read unit per operation on arrival and the rest once the operation
 * is costed (use-throttle.ts).
 */
export type BudgetName = "read" | "write";

/** What one request spends. */
export interface Units {
  read: number;
  write?: number;
}

export type Verdict =
  | { ok: true }
  | {
      ok: false;
      budget: BudgetName;
      /** Whole seconds until the same request would pass; what Retry-After says. */
      retryAfterSeconds: number;
      /** The refusal, as every door reports it (code THROTTLED, with a message naming the budget). */
      error: HelpgateError;
    };

export interface ThrottleOptions {
  /** Milliseconds on a monotonic clock; tests pass their own. */
  now?: () => number;
  /** Called on every refusal (the metrics count them). */
  onThrottled?: (budget: BudgetName) => void;
  /** At most this many callers are remembered; past it the least recently seen are forgotten. */
  maxKeys?: number;
}

interface Budget {
  name: BudgetName;
  capacity: number;
  windowMs: number;
  variable: string;
  window: string;
}

/** A caller's levels (units left, possibly below zero after a large request) at time `at`. */
interface Account {
  read: number;
  write: number;
  at: number;
}

const OK: Verdict = { ok: true };
export const DEFAULT_MAX_KEYS = 10_000;

export class Throttle {
  readonly #budgets: Budget[];
  readonly #accounts = new Map<string, Account>();
  readonly #now: () => number;
  readonly #onThrottled?: (budget: BudgetName) => void;
  readonly #maxKeys: number;
  readonly #trustProxyHops: number;

  constructor(limits: ThrottleLimits, options: ThrottleOptions = {}) {
    this.#budgets = [
      { name: "read" as const, capacity: limits.readUnitsPer10s, windowMs: 10_000, variable: "THROTTLE_READ_UNITS_PER_10S", window: "10 s" },
      { name: "write" as const, capacity: limits.writeUnitsPer150s, windowMs: 150_000, variable: "THROTTLE_WRITE_UNITS_PER_150S", window: "150 s" },
    ].filter((budget) => budget.capacity > 0);
    this.#now = options.now ?? (() => performance.now());
    this.#onThrottled = options.onThrottled;
    this.#maxKeys = options.maxKeys ?? DEFAULT_MAX_KEYS;
    this.#trustProxyHops = limits.trustProxyHops;
  }

  /** How many callers are remembered now (never more than maxKeys). */
  get size(): number {
    return this.#accounts.size;
  }

  /**
   * Spends `units` from the caller's budgets, or spends nothing and says how long to wait. A
   * request larger than a whole budget passes when the budget is full, and leaves it in debt.
   */
  charge(key: string, units: Units): Verdict {
    if (this.#budgets.length === 0) return OK;
    const now = this.#now();
    const account = this.#refilled(key, now);
    for (const budget of this.#budgets) {
      const wanted = budget.name === "read" ? units.read : (units.write ?? 0);
      if (wanted <= 0) continue;
      const missing = Math.min(wanted, budget.capacity) - account[budget.name];
      if (missing > 1e-9) {
        this.#remember(key, account);
        this.#onThrottled?.(budget.name);
        return refusal(budget, missing);
      }
    }
    account.read -= units.read;
    account.write -= units.write ?? 0;
    this.#remember(key, account);
    return OK;
  }

  /**
   * The key a caller is charged under: a signed-in user by their id (and, when apps sign in,
   * an app by its id: `app:<appId>`); an anonymous caller by their client address.
   */
  keyOf(caller: { id: string; kind?: "user" | "app" } | null, req: http.IncomingMessage): string {
    if (caller === null) return `address:${clientAddress(req, this.#trustProxyHops)}`;
    // An app is known by its service principal, a user by their object id: one budget each.
    return `${caller.kind === "app" ? "app" : "user"}:${caller.id}`;
  }

  #refilled(key: string, now: number): Account {
    const account = this.#accounts.get(key) ?? { read: Number.POSITIVE_INFINITY, write: Number.POSITIVE_INFINITY, at: now };
    const elapsed = Math.max(0, now - account.at);
    for (const budget of this.#budgets) {
      account[budget.name] = Math.min(budget.capacity, account[budget.name] + (elapsed * budget.capacity) / budget.windowMs);
    }
    account.at = now;
    return account;
  }

  /** Most recently seen last, so that forgetting starts with the callers idle the longest. */
  #remember(key: string, account: Account): void {
    this.#accounts.delete(key);
    this.#accounts.set(key, account);
    for (const oldest of this.#accounts.keys()) {
      if (this.#accounts.size <= this.#maxKeys) break;
      this.#accounts.delete(oldest);
    }
  }
}

function refusal(budget: Budget, missingUnits: number): Verdict {
  const retryAfterSeconds = Math.max(1, Math.ceil((missingUnits * budget.windowMs) / budget.capacity / 1000));
  const message =
    `Too many requests: this caller has spent its ${budget.name} budget of ${budget.capacity} resource units per ${budget.window} ` +
    `(${budget.variable}). Retry after ${retryAfterSeconds} s.`;
  return { ok: false, budget: budget.name, retryAfterSeconds, error: throttled(message, retryAfterSeconds) };
}

/**
 * The client's address: the connection's, unless `trustProxyHops` proxies in front of helpgate
 * are trusted to report it in X-Forwarded-For (each proxy appends the address it saw, so the
 * client is the entry that many places from the right). A client can write anything in that
 * header itself, so it is ignored unless trusted. IPv6 clients are keyed by their /64 network,
 * which one client commonly owns whole.
 */
export function clientAddress(req: http.IncomingMessage, trustProxyHops: number): string {
  let address = req.socket.remoteAddress ?? "unknown";
  if (trustProxyHops > 0) {
    const header = req.headers["x-forwarded-for"];
    const forwarded = (Array.isArray(header) ? header.join(",") : (header ?? ""))
      .split(",")
      .map((entry) => entry.trim())
      .filter((entry) => isIP(entry) !== 0);
    if (forwarded.length > 0) address = forwarded[Math.max(0, forwarded.length - trustProxyHops)];
  }
  return networkOf(address);
}

function networkOf(address: string): string {
  const plain = address.replace(/%.*$/, "");
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(plain);
  if (mapped) return mapped[1];
  if (isIP(plain) !== 6) return plain;
  const [head, tail] = plain.toLowerCase().split("::");
  const front = head ? head.split(":") : [];
  const back = tail === undefined ? [] : tail ? tail.split(":") : [];
  const groups = [...front, ...Array<string>(Math.max(0, 8 - front.length - back.length)).fill("0"), ...back];
  return `${groups
    .slice(0, 4)
    .map((group) => group.replace(/^0+(?=.)/, ""))
    .join(":")}::/64`;
}
