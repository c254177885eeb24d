import type { Caller } from "./auth/permissions";
import type { Limits } from "./config";
import { directoryLoaders } from "./directory/loaders";
import { licensingLoaders } from "./licensing/loaders";
import type { Services } from "./services";

/** What every resolver receives: who is asking, for which request, and the services. */
export interface RequestContext {
  requestId: string;
  caller: Caller | null;
  services: Services;
  loaders: RequestLoaders;
  limits: Limits;
  /** Whose budget the request spends (http/throttle.ts); none for requests no throttle sees. */
  throttleKey?: string;
  /** Set once the operation is known, for logs and metrics. */
  operationName?: string;
  /**
   * What the request's log line reports, filled in by the gateway's plugin. Apollo Server
   * runs each operation on a shallow copy of the context, so a field set on the copy (such as
   * operationName) never reaches the HTTP layer; this object is shared by reference.
   */
  observed?: {
    operationName?: string;
    /** What the operation's answer may be cached for (http/cache-policy.ts), and whether it had no error. */
    cachePolicy?: { maxAge: number; scope: "PUBLIC" | "PRIVATE" };
    succeeded?: boolean;
  };
  /** Relations a page resolver loaded for its nodes ahead of their field resolvers (common/read-ahead.ts). */
  readAhead?: Map<string, Map<string, unknown>>;
}

const LOADERS = { ...directoryLoaders, ...licensingLoaders };

export type RequestLoaders = { readonly [Name in keyof typeof LOADERS]: ReturnType<(typeof LOADERS)[Name]> };

/** A request's loaders. Each is made on its first use: most requests need none or a few of them. */
class LazyLoaders {
  readonly #made: Record<string, unknown> = {};
  readonly #services: Services;

  constructor(services: Services) {
    this.#services = services;
  }

  static {
    for (const [name, make] of Object.entries(LOADERS)) {
      Object.defineProperty(LazyLoaders.prototype, name, {
        get(this: LazyLoaders) {
          return (this.#made[name] ??= make(this.#services));
        },
      });
    }
  }
}

export function createLoaders(services: Services): RequestLoaders {
  return new LazyLoaders(services) as unknown as RequestLoaders;
}
