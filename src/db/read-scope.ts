import { AsyncLocalStorage } from "node:async_hooks";

/**
 * Which reads may go to a PostgreSQL read replica (replicas.ts): those made while answering a
 * GraphQL query, in the scope the HTTP front opens around each request. Everything else reads
 * from the primary: a mutation (from the moment its operation is known, every read of that
 * request), a subscription, the licensing processor, notifications, migrations, start-up.
 */
export interface ReadScope {
  /** Whose request this is (the throttle's caller key): their reads follow their own writes. */
  readonly callerKey: string;
  /** Set once the request runs a mutation: its reads go to the primary from then on. */
  writing: boolean;
}

const scopes = new AsyncLocalStorage<ReadScope>();

/** Runs `work` as the request of `callerKey`; `onWrote` hears of it afterwards (before the answer leaves) if it ran a mutation. */
export async function inReadScope<T>(callerKey: string, work: () => Promise<T>, onWrote: (callerKey: string) => Promise<void>): Promise<T> {
  const scope: ReadScope = { callerKey, writing: false };
  try {
    return await scopes.run(scope, work);
  } finally {
    if (scope.writing) await onWrote(callerKey);
  }
}

/** The request being answered is a mutation (or a batch holding one): its reads go to the primary. */
export function markWriting(): void {
  const scope = scopes.getStore();
  if (scope) scope.writing = true;
}

/** The scope of the request being answered, if any. */
export function currentReadScope(): ReadScope | undefined {
  return scopes.getStore();
}
