import path from "node:path";

/**
 * Apollo Server hands a gateway's executor (here: CompiledExecutor) a request context it builds
 * per request in `makeGatewayGraphQLRequestContext`. Its `response.http` is an object literal
 * with a `status` getter and setter, closures over the whole request (its context value with the
 * request's DataLoaders and rows, and the response that gets the result). V8 keeps an object
 * literal's accessor pair in the old generation, so every request's objects were reachable from
 * the old generation: each young collection copied them and the next promoted them, to be
 * freed only by a full collection. On a page of 50 users at 10 connections that was 1.3 MB
 * promoted per young collection (23 KB without the gateway), young collections of 3–5 ms
 * instead of 1 ms, and extra full collections in the soak (bench/README.md, "Compiled execution
 * and the young generation").
 *
 * `leanGatewayRequestContexts` puts in its place a function that builds the same context from
 * classes, whose accessors sit on their prototypes: nothing per request is held from the old
 * generation. It replaces the export of Apollo's CommonJS module (the one its request pipeline
 * calls through), and returns false, changing nothing, when that module is not where Apollo 5
 * keeps it or no longer looks like the function it replaces: the gateway then works as before,
 * only with the longer-lived requests.
 */
export function leanGatewayRequestContexts(): boolean {
  let apolloModule: { makeGatewayGraphQLRequestContext?: unknown };
  try {
    const entry = require.resolve("@apollo/server");
    apolloModule = require(path.join(path.dirname(entry), "utils", "makeGatewayGraphQLRequestContext.js"));
  } catch {
    return false;
  }
  const current = apolloModule.makeGatewayGraphQLRequestContext;
  if (current === makeGatewayRequestContext) return true;
  if (typeof current !== "function" || current.length !== 3) return false;
  apolloModule.makeGatewayGraphQLRequestContext = makeGatewayRequestContext;
  return true;
}

/** The parts of Apollo's request context, server and internals that the gateway context copies. */
interface ApolloRequestContext {
  request: { query?: string; operationName?: string; variables?: Record<string, unknown>; extensions?: Record<string, unknown>; http?: { method: string; search: string; headers: Map<string, string> } };
  response: { http: { status?: number; headers: Map<string, string> } };
  contextValue: unknown;
  [field: string]: unknown;
}

/** Apollo's `makeGatewayGraphQLRequestContext`, field for field, without per-request closures. */
export function makeGatewayRequestContext(
  newRequestContext: ApolloRequestContext,
  server: { logger: unknown; cache: unknown },
  internals: { includeStacktraceInErrorResponses?: boolean },
): Record<string, unknown> {
  const from = newRequestContext.request;
  const request: Record<string, unknown> = {};
  if ("query" in from) request.query = from.query;
  if ("operationName" in from) request.operationName = from.operationName;
  if ("variables" in from) request.variables = from.variables;
  if ("extensions" in from) request.extensions = from.extensions;
  if (from.http) {
    const search = from.http.search;
    const needQuestion = search !== "" && !search.startsWith("?");
    request.http = { method: from.http.method, url: `https://unknown-url.invalid/${needQuestion ? "?" : ""}${search}`, headers: new HeaderMapHeaders(from.http.headers) };
  }
  return {
    request,
    response: { http: new ResponseHttp(newRequestContext) },
    logger: server.logger,
    schema: newRequestContext.schema,
    schemaHash: "schemaHash no longer exists since Apollo Server 4",
    context: newRequestContext.contextValue,
    cache: server.cache,
    queryHash: newRequestContext.queryHash,
    document: newRequestContext.document,
    source: newRequestContext.source,
    operationName: newRequestContext.operationName,
    operation: newRequestContext.operation,
    errors: newRequestContext.errors,
    metrics: newRequestContext.metrics,
    debug: internals.includeStacktraceInErrorResponses,
    overallCachePolicy: newRequestContext.overallCachePolicy,
    requestIsBatched: newRequestContext.requestIsBatched,
  };
}

/** The response's status, read and written through the request's own response (as Apollo's). */
class ResponseHttp {
  readonly headers: HeaderMapHeaders;

  constructor(private readonly requestContext: ApolloRequestContext) {
    this.headers = new HeaderMapHeaders(requestContext.response.http.headers);
  }

  get status(): number | undefined {
    return this.requestContext.response.http.status;
  }

  set status(status: number | undefined) {
    this.requestContext.response.http.status = status;
  }
}

/** A Fetch API `Headers` over Apollo's HeaderMap (lower-case names), as Apollo's own adapter. */
class HeaderMapHeaders {
  constructor(private readonly map: Map<string, string>) {}

  append(name: string, value: string): void {
    const present = this.map.get(name);
    this.map.set(name, present === undefined ? value : `${present}, ${value}`);
  }

  delete(name: string): void {
    this.map.delete(name);
  }

  get(name: string): string | null {
    return this.map.get(name) ?? null;
  }

  has(name: string): boolean {
    return this.map.has(name);
  }

  set(name: string, value: string): void {
    this.map.set(name, value);
  }

  entries(): IterableIterator<[string, string]> {
    return this.map.entries();
  }

  keys(): IterableIterator<string> {
    return this.map.keys();
  }

  values(): IterableIterator<string> {
    return this.map.values();
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.map.entries();
  }
}
