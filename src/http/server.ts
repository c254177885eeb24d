import http from "node:http";
import net from "node:net";
import { ApolloServer, HeaderMap } from "@apollo/server";
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
} from "@apollo/server/plugin/disabled";
import { ApolloArmor } from "@escape.tech/graphql-armor";
import type { Logger } from "pino";
import { authenticate } from "../auth/authenticate";
import { authRefusal } from "./auth-refusal";
import { callerName, type Caller } from "../auth/permissions";
import type { Config } from "../config";
import { createLoaders, type RequestContext } from "../context";
import { inReadScope } from "../db/read-scope";
import { HelpgateError } from "../errors";
import { helpgateSchema } from "../schema";
import type { Services } from "../services";
import { HttpError, readBody } from "./body";
import { CompiledExecutor } from "./compiled-executor";
import { endCompressed } from "./compress";
import { answerIndex, ASSET_PREFIX, Explorer, wantsExplorer } from "./explorer";
import { createFormatError } from "./format-error";
import { leanGatewayRequestContexts } from "./gateway-request-context";
import { readiness } from "./health";
import { handleMcp, MCP_PATH } from "./mcp";
import { Metrics } from "./metrics";
import { requestIdOf } from "./request-id";
import { gatewayPlugin } from "./plugin";
import { Throttle } from "./throttle";
import { introspectionLimitRule } from "./use-introspection-limit";
import { chargeArrival } from "./use-throttle";
import { ResponseCache } from "./use-response-cache";
import { serveStream, STREAM_PATH } from "./sse";
import { answerCors } from "./use-cors";
import { csrfPrevention } from "./use-csrf";

export const GRAPHQL_PATH = "/graphql";

export interface HttpFront {
  server: http.Server;
  apollo: ApolloServer<RequestContext>;
  metrics: Metrics;
  /** The callers' budgets, which every door charges (throttle.ts). */
  throttle: Throttle;
  /**
   * Stops the HTTP side gracefully: the listener closes (later connections are refused), every
   * request already received or already sent on an accepted connection is answered in full, and
   * each connection closes once it is idle. After `graceMs` whatever is still open is cut.
   */
  close(graceMs?: number): Promise<void>;
}

type FrontConfig = Pick<Config, "limits" | "introspection" | "production" | "throttle" | "metricsMaxOperations" | "mcpWriteTools" | "corsOrigins" | "explorer" | "responseCacheBytes" | "compileAfter">;

export interface FrontOptions {
  /** The throttle's clock, in milliseconds (tests pass their own). */
  now?: () => number;
}

/** Builds the HTTP server: health, readiness and metrics, then GraphQL over HTTP through Apollo Server. */
export async function createHttpFront(services: Services, config: FrontConfig, log: Logger, options: FrontOptions = {}): Promise<HttpFront> {
  const metrics = new Metrics(services, config.metricsMaxOperations);
  const throttle = new Throttle(config.throttle, { now: options.now, onThrottled: (budget) => metrics.throttled.inc({ budget }) });
  const apollo = await createApollo(services, config, log, metrics, throttle);
  const responseCache = new ResponseCache(config.responseCacheBytes, services.content, metrics);
  const handlers: Handlers = { apollo, services, config, metrics, throttle, log, explorer: config.explorer ? new Explorer(GRAPHQL_PATH) : null, responseCache };
  // Responses not yet begun, so that shutting down can make them close their connection.
  const inFlight = new Set<http.ServerResponse>();
  let draining = false;
  const server = http.createServer((req, res) => {
    // While shutting down, every answer closes its connection behind it: no keep-alive client
    // can hold the server open, and none is told it may send another request on it.
    if (draining) res.setHeader("connection", "close");
    inFlight.add(res);
    res.on("close", () => inFlight.delete(res));
    const started = process.hrtime.bigint();
    const requestId = requestIdOf(req);
    res.setHeader("x-request-id", requestId);
    const state: RequestState = { requestId, path: undefined, caller: null, operationName: undefined };
    res.on("finish", () => finished(log, metrics, req, res, state, started));
    route(req, res, state, handlers).catch((error: unknown) => {
      log.error({ err: error, requestId }, "request failed outside GraphQL");
      if (!res.headersSent) sendError(req, res, 500, "INTERNAL_SERVER_ERROR", "An internal error occurred.", requestId);
      else res.end();
    });
  });
  const close = async (graceMs = 10_000) => {
    draining = true;
    for (const res of inFlight) if (!res.headersSent) res.setHeader("connection", "close");
    await closeGracefully(server, graceMs);
  };
  return { server, apollo, metrics, throttle, close };
}

/** One turn of the event loop: a poll for I/O, then this resolves. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

async function closeGracefully(server: http.Server, graceMs: number): Promise<void> {
  await acceptWaiting(server);
  const closed = new Promise<void>((resolve) => {
    // net.Server's close stops listening; http.Server's would also close, at once, every
    // connection that looks idle, including those accepted a moment ago whose request is not
    // read yet, and their clients would see a reset instead of an answer.
    net.Server.prototype.close.call(server, () => resolve());
  });
  // Idle keep-alive connections close now, and the others as they fall idle after their answer.
  // Each sweep comes after polls for I/O, so a request already sent on a connection has been
  // read (and the connection is busy) by then.
  const sweep = setInterval(() => setImmediate(() => server.closeIdleConnections()), 25);
  const deadline = setTimeout(() => server.closeAllConnections(), graceMs);
  try {
    await closed;
  } finally {
    clearInterval(sweep);
    clearTimeout(deadline);
  }
}

/**
 * Takes in the connections waiting in the listen backlog: closing the listener resets them, and
 * their clients may already have sent a request. Node accepts one connection per turn of the
 * event loop, so this turns until a few turns in a row bring none (at most `maxMs`).
 */
async function acceptWaiting(server: http.Server, maxMs = 1000): Promise<void> {
  let accepted = 0;
  const count = () => void accepted++;
  server.on("connection", count);
  try {
    const deadline = Date.now() + maxMs;
    for (let quiet = 0; quiet < 3 && Date.now() < deadline; ) {
      const before = accepted;
      await nextTurn();
      quiet = accepted === before ? quiet + 1 : 0;
    }
  } finally {
    server.off("connection", count);
  }
}

async function createApollo(services: Services, config: FrontConfig, log: Logger, metrics: Metrics, throttle: Throttle) {
  const limits = config.limits;
  const armor = new ApolloArmor({
    maxDepth: { n: limits.maxDepth },
    costLimit: { maxCost: limits.maxCost },
    maxAliases: { n: limits.maxAliases },
    maxDirectives: { n: limits.maxDirectives },
    // The token limit is graphql-js's own parse option (below): armor's Apollo plugin for it
    // re-parses in parsingDidStart, so any syntax error threw out of the pipeline as a 500
    // (without a request id) instead of Apollo's 400 GRAPHQL_PARSE_FAILED.
    maxTokens: { enabled: false },
    // Field suggestions tell an attacker the schema; in development they help.
    blockFieldSuggestion: { enabled: config.production },
  }).protect();
  const schema = await helpgateSchema();
  if (config.compileAfter !== null && !leanGatewayRequestContexts()) {
    log.warn("Apollo Server's gateway request context could not be replaced (its module moved?): compiled execution keeps each request's objects until a full collection");
  }
  const apollo = new ApolloServer<RequestContext>({
    ...(config.compileAfter === null ? { schema } : { gateway: new CompiledExecutor(schema, config.compileAfter) }),
    parseOptions: { maxTokens: limits.maxTokens },
    formatError: createFormatError((errorCode) => {
      const found = services.content.troubleshoot(errorCode);
      return found && { articleId: found.article.articleId, pageTitle: found.article.pageTitle, steps: found.steps.map((step) => step.text) };
    }),
    includeStacktraceInErrorResponses: false,
    introspection: config.introspection,
    csrfPrevention,
    allowBatchedHttpRequests: true,
    // The gateway stops Apollo itself, after the HTTP server has answered what it received
    // (app.ts). Apollo's own SIGTERM/SIGINT handler would stop it first, so every request still
    // in flight, or arriving during the drain, would get a 500.
    stopOnTerminationSignals: false,
    validationRules: [...armor.validationRules, introspectionLimitRule],
    plugins: [
      ...armor.plugins,
      gatewayPlugin(log, metrics, limits, throttle),
      ApolloServerPluginLandingPageDisabled(),
      // No field has a cache hint, and the schema is no federation subgraph: these default
      // plugins would only wrap every field resolver (cache control) or run hooks for nothing.
      // gatewayPlugin answers the `cache-control: no-store` the former did.
      ApolloServerPluginCacheControlDisabled(),
      ApolloServerPluginInlineTraceDisabled(),
    ],
  });
  await apollo.start();
  return apollo;
}

interface RequestState {
  requestId: string;
  /** The request target's path, once read (for the log and the metrics' route label). */
  path: string | undefined;
  caller: Caller | null;
  operationName: string | undefined;
}

/**
 * Printable ASCII that `new URL` keeps as it is in a query: no space, `"`, `#`, `'`, `<`, `>`,
 * control or non-ASCII character, which it would percent-encode or (`#`) cut off.
 */
const PLAIN_QUERY = /^[\x21\x24-\x26\x28-\x3b\x3d\x3f-\x7e]*$/;

/**
 * The request target's path and query as `new URL` reads them. The usual targets, "/graphql"
 * bare or with a query URL would not change (a portal's GET), need no parsing: about 2 µs of a
 * public answer's 60 or so.
 */
function requestTarget(target = "/"): { pathname: string; search: string } {
  if (target === GRAPHQL_PATH) return { pathname: GRAPHQL_PATH, search: "" };
  if (target.startsWith(`${GRAPHQL_PATH}?`)) {
    const query = target.slice(GRAPHQL_PATH.length);
    if (PLAIN_QUERY.test(query)) return { pathname: GRAPHQL_PATH, search: query.length > 1 ? query : "" };
  }
  return new URL(target, "http://localhost");
}

/** What the request handlers share. */
interface Handlers {
  apollo: ApolloServer<RequestContext>;
  services: Services;
  config: FrontConfig;
  metrics: Metrics;
  throttle: Throttle;
  log: Logger;
  /** Null when EXPLORER is off. */
  explorer: Explorer | null;
  /** Public reads over GET: cache headers, 304s and answers from memory. */
  responseCache: ResponseCache;
}

async function route(req: http.IncomingMessage, res: http.ServerResponse, state: RequestState, handlers: Handlers): Promise<void> {
  const { services, metrics } = handlers;
  const url = requestTarget(req.url);
  state.path = url.pathname;
  if (handlers.explorer && url.pathname.startsWith(ASSET_PREFIX)) return handlers.explorer.asset(req, res, url.pathname);
  switch (url.pathname) {
    case "/":
      return answerIndex(req, res, handlers.explorer !== null);
    case "/healthz":
      return send(res, 200, { status: "ok" });
    case "/readyz": {
      const ready = await readiness(services);
      return send(res, ready.ready ? 200 : 503, { status: ready.ready ? "ready" : "not ready", checks: ready.checks, ...(ready.replicas ? { replicas: ready.replicas } : {}) });
    }
    case "/metrics":
      res.setHeader("content-type", metrics.registry.contentType);
      res.end(await metrics.registry.metrics());
      return;
    case GRAPHQL_PATH:
      if (answerCors(req, res, handlers.config.corsOrigins)) return;
      if (handlers.explorer && wantsExplorer(req, url.search)) return handlers.explorer.page(res);
      return graphql(req, res, url.search, state, handlers);
    case MCP_PATH:
      if (answerCors(req, res, handlers.config.corsOrigins)) return;
      state.caller = await handleMcp(req, res, state.requestId, services, handlers.config, handlers.log, handlers.throttle);
      return;
    case STREAM_PATH:
      if (answerCors(req, res, handlers.config.corsOrigins)) return;
      return serveStream(req, res, state, handlers);
    default:
      return sendError(req, res, 404, "NOT_FOUND", `Nothing here; GraphQL is served at ${GRAPHQL_PATH}.`, state.requestId);
  }
}

async function graphql(req: http.IncomingMessage, res: http.ServerResponse, search: string, state: RequestState, handlers: Handlers): Promise<void> {
  const { apollo, services, config } = handlers;
  let body: unknown;
  try {
    body = await readBody(req, config.limits.maxBodyBytes);
    checkBatch(body, config.limits.maxBatchSize);
    state.caller = await authenticate(req.headers.authorization, services);
  } catch (error) {
    if (error instanceof HttpError) return sendError(req, res, error.status, error.code, error.message, state.requestId);
    if (!(error instanceof HelpgateError)) throw error;
    const refusal = authRefusal(error);
    for (const [name, value] of Object.entries(refusal.headers)) res.setHeader(name, value);
    return sendError(req, res, refusal.status, error.code, error.message, state.requestId, refusal.extensions);
  }
  const throttleKey = handlers.throttle.keyOf(state.caller, req);
  const arrival = chargeArrival(handlers.throttle, throttleKey, body);
  if (!arrival.ok) {
    res.setHeader("retry-after", String(arrival.retryAfterSeconds));
    return sendError(req, res, 429, arrival.error.code, arrival.error.message, state.requestId, arrival.error.details);
  }
  const publicRead = handlers.responseCache.begin(req, search);
  if (publicRead?.answer(res, state)) return;
  const context: RequestContext = {
    requestId: state.requestId,
    caller: state.caller,
    services,
    loaders: createLoaders(services),
    limits: config.limits,
    throttleKey,
    observed: {},
  };
  const headers = new HeaderMap();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(", ") : value);
  }
  const execute = () => apollo.executeHTTPGraphQLRequest({ httpGraphQLRequest: { method: req.method ?? "GET", headers, search, body }, context: async () => context });
  // With read replicas, a query's reads may go to one; a mutation's caller reads from the primary for a while after.
  const replicas = services.db.replicas;
  const response = await (replicas ? inReadScope(throttleKey, execute, (key) => replicas.wrote(key)) : execute());
  state.operationName = context.observed?.operationName;
  for (const [name, value] of response.headers) res.setHeader(name, value);
  res.statusCode = response.status ?? 200;
  if (response.body.kind === "complete") {
    if (publicRead && (await publicRead.finish(res, response.body.string, context.observed))) return;
    return endCompressed(req, res, res.statusCode >= 400 ? withRequestId(response.body.string, state.requestId) : response.body.string);
  }
  for await (const chunk of response.body.asyncIterator) res.write(chunk);
  res.end();
}

/**
 * Apollo Server refuses some requests before its pipeline (and so the gateway plugin) runs:
 * CSRF prevention, a body that is not a GraphQL request. Their errors get the request id here.
 */
function withRequestId(body: string, requestId: string): string {
  let parsed: { errors?: unknown };
  try {
    parsed = JSON.parse(body) as { errors?: unknown };
  } catch {
    return body;
  }
  const errors = Array.isArray(parsed?.errors) ? (parsed.errors as { extensions?: Record<string, unknown> }[]) : [];
  const missing = errors.filter((error) => error && typeof error === "object" && error.extensions?.requestId === undefined);
  if (missing.length === 0) return body;
  for (const error of missing) error.extensions = { ...error.extensions, requestId };
  return JSON.stringify(parsed);
}

function checkBatch(body: unknown, maxBatchSize: number): void {
  if (!Array.isArray(body)) return;
  if (body.length === 0) throw new HttpError(400, "BAD_REQUEST", "A batch must hold at least one operation.");
  if (body.length > maxBatchSize) {
    throw new HttpError(400, "BATCH_TOO_LARGE", `A batch may hold at most ${maxBatchSize} operations (MAX_BATCH_SIZE); this one holds ${body.length}.`);
  }
}

const ROUTES = new Set([GRAPHQL_PATH, MCP_PATH, STREAM_PATH, "/healthz", "/readyz", "/metrics"]);

/** One structured line per request: who, what, how it ended, how long it took. Never headers or bodies. */
function finished(log: Logger, metrics: Metrics, req: http.IncomingMessage, res: http.ServerResponse, state: RequestState, started: bigint): void {
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const route = state.path;
  metrics.duration.observe({ route: route !== undefined && ROUTES.has(route) ? route : "other" }, seconds);
  if (route !== GRAPHQL_PATH && route !== MCP_PATH && route !== STREAM_PATH) return;
  if (!log.isLevelEnabled("info")) return;
  log.info(
    {
      requestId: state.requestId,
      method: req.method,
      status: res.statusCode,
      operationName: state.operationName,
      caller: callerName(state.caller),
      durationMs: Math.round(seconds * 1000 * 100) / 100,
    },
    route === MCP_PATH ? "mcp request" : "graphql request",
  );
}

/** A GraphQL-shaped error ({ errors }) in the media type the Accept header prefers, as Apollo answers. */
function sendError(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  status: number,
  code: string,
  message: string,
  requestId: string,
  details: Record<string, unknown> = {},
): void {
  send(res, status, { errors: [{ message, extensions: { ...details, code, requestId } }] }, errorMediaType(req.headers.accept));
}

const JSON_TYPE = "application/json; charset=utf-8";
const GRAPHQL_RESPONSE_TYPE = "application/graphql-response+json; charset=utf-8";

function send(res: http.ServerResponse, status: number, body: unknown, contentType = JSON_TYPE): void {
  res.statusCode = status;
  res.setHeader("content-type", contentType);
  res.end(JSON.stringify(body));
}

/**
 * application/graphql-response+json when the Accept header ranks it above application/json (by
 * q, then specificity, then order in the header), else application/json, as for no Accept
 * header, `*\/*` or one naming neither; q=0 refuses a type (GraphQL over HTTP: the server MUST
 * respect Accept).
 */
function errorMediaType(accept: string | undefined): string {
  if (!accept) return JSON_TYPE;
  const rank = (type: string): [number, number, number] => {
    let best: [number, number, number] = [0, -1, 0];
    accept.split(",").forEach((part, index) => {
      const [range, ...params] = part.trim().toLowerCase().split(";");
      const [major, minor] = range.trim().split("/");
      const [wantMajor, wantMinor] = type.split("/");
      const specificity = major === wantMajor && minor === wantMinor ? 2 : major === wantMajor && minor === "*" ? 1 : major === "*" && minor === "*" ? 0 : -1;
      if (specificity < 0) return;
      const qParam = params.map((param) => param.trim()).find((param) => param.startsWith("q="));
      const q = qParam === undefined ? 1 : Number(qParam.slice(2));
      if (!Number.isFinite(q)) return;
      if (specificity > best[1] || (specificity === best[1] && q > best[0])) best = [q, specificity, -index];
    });
    return best;
  };
  const [json, graphqlResponse] = [rank("application/json"), rank("application/graphql-response+json")];
  if (graphqlResponse[0] <= 0) return JSON_TYPE;
  for (let i = 0; i < 3; i++) {
    if (graphqlResponse[i] !== json[i]) return graphqlResponse[i] > json[i] ? GRAPHQL_RESPONSE_TYPE : JSON_TYPE;
  }
  return JSON_TYPE;
}
