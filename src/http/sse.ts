import type http from "node:http";
import { GraphQLError, parse, specifiedRules, validate, type ASTVisitor, type DocumentNode, type GraphQLSchema, type ValidationContext } from "graphql";
import { createHandler, type ExecutionResult, type Handler, type Request, type RequestParams } from "graphql-sse";
import { authenticate } from "../auth/authenticate";
import type { Caller } from "../auth/permissions";
import type { Config } from "../config";
import { createLoaders, type RequestContext } from "../context";
import { HelpgateError } from "../errors";
import { helpgateSchema } from "../schema";
import type { Services } from "../services";
import { authRefusal } from "./auth-refusal";
import { HttpError, readBody } from "./body";
import { createFormatError } from "./format-error";
import type { Throttle } from "./throttle";

/**
 * GraphQL subscriptions over Server-Sent Events, in graphql-sse's "distinct connections" mode:
 * each subscription is one POST (or GET) answered by a text/event-stream that ends when the
 * subscription completes. Plain HTTP from start to end, so it passes proxies and load balancers
 * that WebSockets need extra setup for, and any gateway process can serve it (the events come
 * from the database). Queries and mutations stay on /graphql, with its limits and CSRF rules.
 */
export const STREAM_PATH = "/graphql/stream";

export interface StreamDeps {
  services: Services;
  config: Pick<Config, "limits">;
  throttle: Throttle;
}

interface StreamRequest {
  requestId: string;
  caller: Caller | null;
  operationName: string | undefined;
}

/** graphql-sse wants a context indexable by any key. */
type StreamContext = RequestContext & Record<PropertyKey, unknown>;

const handlers = new WeakMap<Services, Handler<http.IncomingMessage, StreamRequest>>();

/** Answers one request on STREAM_PATH. `state` receives the caller and the operation's name, for the request log. */
export async function serveStream(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  state: { requestId: string; caller: Caller | null; operationName: string | undefined },
  deps: StreamDeps,
): Promise<void> {
  const { services, config } = deps;
  if (req.method !== "POST" && req.method !== "GET") {
    res.setHeader("allow", "GET, POST");
    return refuse(res, 405, "METHOD_NOT_ALLOWED", `${STREAM_PATH} takes a subscription as a POST (or GET) with 'Accept: text/event-stream'.`, state.requestId);
  }
  if (!/\btext\/event-stream\b/i.test(req.headers.accept ?? "")) {
    return refuse(res, 406, "NOT_ACCEPTABLE", `${STREAM_PATH} answers with an event stream: send 'Accept: text/event-stream' (graphql-sse's client does). Queries and mutations go to /graphql.`, state.requestId);
  }
  let body: unknown;
  try {
    body = req.method === "POST" ? await readBody(req, config.limits.maxBodyBytes) : null;
    state.caller = await authenticate(req.headers.authorization, services);
  } catch (error) {
    if (error instanceof HttpError) return refuse(res, error.status, error.code, error.message, state.requestId);
    if (!(error instanceof HelpgateError)) throw error;
    const refusal = authRefusal(error);
    for (const [name, value] of Object.entries(refusal.headers)) res.setHeader(name, value);
    return refuse(res, refusal.status, error.code, error.message, state.requestId);
  }
  // Opening a subscription costs a read unit of the caller's budget, as a query does.
  const verdict = deps.throttle.charge(deps.throttle.keyOf(state.caller, req), { read: 1 });
  if (!verdict.ok) {
    res.setHeader("retry-after", String(verdict.retryAfterSeconds));
    return refuse(res, 429, verdict.error.code, verdict.error.message, state.requestId);
  }
  const handler = await handlerFor(services, config);
  const [answer, init] = await handler({
    method: req.method,
    url: req.url ?? STREAM_PATH,
    // graphql-sse compares Accept exactly; a browser's may list more types.
    headers: { get: (key) => (key === "accept" ? "text/event-stream" : headerValue(req, key)) },
    body: typeof body === "string" || (body !== null && typeof body === "object") ? (body as string | Record<string, unknown>) : null,
    raw: req,
    context: state,
  });
  res.writeHead(init.status, init.statusText, init.headers);
  if (!answer || typeof answer === "string") {
    res.end(answer ?? undefined);
    return;
  }
  // The client went away: ending the stream ends the subscription, which lets go of its watch.
  const hangUp = () => void answer.return(undefined);
  res.once("close", hangUp);
  try {
    for await (const message of answer) {
      // A failed write is a client gone mid-message: the same as its hanging up.
      const written = res.writable && (await new Promise<boolean>((resolve) => res.write(message, (error) => resolve(!error))));
      if (!written) break;
    }
  } finally {
    res.off("close", hangUp);
    await answer.return(undefined);
    res.end();
  }
}

function handlerFor(services: Services, config: Pick<Config, "limits">): Handler<http.IncomingMessage, StreamRequest> {
  let handler = handlers.get(services);
  if (!handler) {
    handler = buildHandler(services, config);
    handlers.set(services, handler);
  }
  return handler;
}

function buildHandler(services: Services, config: Pick<Config, "limits">): Handler<http.IncomingMessage, StreamRequest> {
  const formatError = createFormatError((errorCode) => {
    const found = services.content.troubleshoot(errorCode);
    return found && { articleId: found.article.articleId, pageTitle: found.article.pageTitle, steps: found.steps.map((step) => step.text) };
  });
  const schema = helpgateSchema();
  return createHandler<http.IncomingMessage, StreamRequest, StreamContext>({
    // Distinct connections only: a reserved stream ("single connection mode") would live in one
    // process, and the next request may reach another.
    authenticate: () => null,
    validate: (target, document) => validate(target, document, [...specifiedRules, subscriptionsOnly]),
    async onSubscribe(req: Request<http.IncomingMessage, StreamRequest>, params: RequestParams) {
      req.context.operationName = params.operationName ?? "anonymous";
      let document: DocumentNode;
      try {
        document = parse(params.query, { maxTokens: config.limits.maxTokens });
      } catch (error) {
        const message = error instanceof GraphQLError ? error.message : "The query could not be parsed.";
        return [JSON.stringify({ errors: [{ message, extensions: { code: "GRAPHQL_PARSE_FAILED", requestId: req.context.requestId } }] }), jsonError(400)];
      }
      const contextValue: StreamContext = {
        requestId: req.context.requestId,
        caller: req.context.caller,
        services,
        loaders: createLoaders(services),
        limits: config.limits,
        observed: {},
      };
      return { schema: (await schema) as GraphQLSchema, document, operationName: params.operationName, variableValues: params.variables, contextValue };
    },
    onNext(ctx, _req, result) {
      if (!result.errors?.length) return;
      const errors = result.errors.map((error) => {
        const formatted = formatError(error instanceof GraphQLError ? error.toJSON() : { message: String((error as { message?: unknown }).message) }, error);
        return { ...formatted, extensions: { ...formatted.extensions, requestId: ctx.requestId } };
      });
      return { ...result, errors } as unknown as ExecutionResult;
    },
  });
}

/** The stream serves subscriptions only: queries and mutations go through /graphql's limits and CSRF rules. */
function subscriptionsOnly(context: ValidationContext): ASTVisitor {
  return {
    OperationDefinition(node) {
      if (node.operation === "subscription") return;
      context.reportError(
        new GraphQLError(`${STREAM_PATH} serves subscriptions only; send this ${node.operation} to /graphql.`, {
          nodes: node,
          extensions: { code: "GRAPHQL_VALIDATION_FAILED" },
        }),
      );
    },
  };
}

function headerValue(req: http.IncomingMessage, key: string): string | undefined {
  const value = req.headers[key.toLowerCase()];
  return Array.isArray(value) ? value.join(", ") : value;
}

function jsonError(status: number) {
  return { status, statusText: status === 400 ? "Bad Request" : "Error", headers: { "content-type": "application/json; charset=utf-8" } };
}

function refuse(res: http.ServerResponse, status: number, code: string, message: string, requestId: string): void {
  res.statusCode = status;
  res.setHeader("content-type", "application/json; charset=utf-8");
  res.end(JSON.stringify({ errors: [{ message, extensions: { code, requestId } }] }));
}
