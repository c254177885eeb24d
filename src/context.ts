import type { Caller } from "./auth/permissions";
import type { Limits } from "./config";
import type { DirectoryLoaders } from "./directory/loaders";
import type { LicensingLoaders } from "./licensing/loaders";
import type { Services } from "./services";

/** What every resolver receives: who is asking, for which request, and the services. */
export interface RequestContext {
  requestId: string;
  caller: Caller | null;
  services: Services;
  loaders: DirectoryLoaders & LicensingLoaders;
  limits: Limits;
  /** Set once the operation is known, for logs and metrics. */
  operationName?: string;
  /**
   * What the request's log line reports, filled in by the observability plugin. Apollo Server
   * runs each operation on a shallow copy of the context, so a field set on the copy (such as
   * operationName) never reaches the HTTP layer; this object is shared by reference.
   */
  observed?: { operationName?: string };
}
