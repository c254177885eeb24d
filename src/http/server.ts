import { randomUUID } from "node:crypto";
import http from "node:http";
import { ApolloServer, HeaderMap, type ApolloServerPlugin } from "@apollo/server";
import { ApolloServerPluginLandingPageDisabled } from "@apollo/server/plugin/disabled";
import type { Logger } from "pino";
import { authenticate } from "../auth/authenticate";
import type { RequestContext } from "../context";
import { createDirectoryLoaders } from "../directory/loaders";
import { createLicensingLoaders } from "../licensing/loaders";
import { HelpgateError } from "../errors";
import { helpgateSchema } from "../schema";
import type { Services } from "../services";
import { createFormatError } from "./format-error";

export const GRAPHQL_PATH = "/graphql";
const MAX_BODY_BYTES = 1024 * 1024;

export interface HttpFront {
  server: http.Server;
  apollo: ApolloServer<RequestContext>;
}

/** Builds the HTTP server: health checks, then GraphQL over HTTP through Apollo Server. */
export async function createHttpFront(services: Services, log: Logger): Promise<HttpFront> {
  const apollo = new ApolloServer<RequestContext>({
    schema: await helpgateSchema(),
    formatError: createFormatError((errorCode) => {
      const found = services.content.troubleshoot(errorCode);
      return found && { articleId: found.article.articleId, pageTitle: found.article.pageTitle, steps: found.steps.map((step) => step.text) };
    }),
    includeStacktraceInErrorResponses: false,
    introspection: true,
    csrfPrevention: true,
    plugins: [ApolloServerPluginLandingPageDisabled(), logErrors(log)],
  });
  await apollo.start();
  const server = http.createServer((req, res) => {
    handle(req, res, apollo, services, log).catch((error: unknown) => {
      log.error({ err: error }, "request failed outside GraphQL");
      if (!res.headersSent) send(res, 500, errorBody("INTERNAL_SERVER_ERROR", "An internal error occurred."));
      else res.end();
    });
  });
  return { server, apollo };
}

async function handle(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  apollo: ApolloServer<RequestContext>,
  services: Services,
  log: Logger,
): Promise<void> {
  const requestId = requestIdOf(req);
  res.setHeader("x-request-id", requestId);
  const url = new URL(req.url ?? "/", "http://localhost");
  if (url.pathname === "/healthz") return send(res, 200, { status: "ok" });
  if (url.pathname !== GRAPHQL_PATH) return send(res, 404, errorBody("NOT_FOUND", `Nothing here; GraphQL is served at ${GRAPHQL_PATH}.`));

  let body: unknown;
  try {
    body = await readBody(req);
  } catch (error) {
    if (error instanceof HelpgateError) return send(res, 400, errorBody(error.code, error.message));
    throw error;
  }
  let caller;
  try {
    caller = await authenticate(req.headers.authorization, services);
  } catch (error) {
    if (!(error instanceof HelpgateError)) throw error;
    res.setHeader("www-authenticate", 'Bearer error="invalid_token"');
    return send(res, 401, errorBody(error.code, error.message));
  }
  const context: RequestContext = { requestId, caller, services, loaders: { ...createDirectoryLoaders(services), ...createLicensingLoaders(services) } };
  const headers = new HeaderMap();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(", ") : value);
  }
  const response = await apollo.executeHTTPGraphQLRequest({
    httpGraphQLRequest: { method: req.method ?? "GET", headers, search: url.search, body },
    context: async () => context,
  });
  for (const [name, value] of response.headers) res.setHeader(name, value);
  res.statusCode = response.status ?? 200;
  if (response.body.kind === "complete") {
    res.end(response.body.string);
    return;
  }
  for await (const chunk of response.body.asyncIterator) res.write(chunk);
  res.end();
  log.debug({ requestId }, "streamed response");
}

function requestIdOf(req: http.IncomingMessage): string {
  const given = req.headers["x-request-id"];
  return typeof given === "string" && /^[A-Za-z0-9._:-]{1,128}$/.test(given) ? given : randomUUID();
}

async function readBody(req: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new HelpgateError("BAD_USER_INPUT", `The request body is larger than ${MAX_BODY_BYTES} bytes.`);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  if (text === "") return undefined;
  const type = req.headers["content-type"] ?? "";
  if (!/^application\/(graphql-response\+)?json\b/i.test(type)) return text;
  try {
    return JSON.parse(text);
  } catch {
    throw new HelpgateError("BAD_USER_INPUT", "The request body is not valid JSON.");
  }
}

function errorBody(code: string, message: string) {
  return { errors: [{ message, extensions: { code } }] };
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  res.statusCode = status;
  res.setHeader("content-type", "application/json; charset=utf-8");
  res.end(JSON.stringify(body));
}

/** Unexpected errors are logged with their request id; clients see only the masked message. */
function logErrors(log: Logger): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ contextValue, errors }) {
          for (const error of errors) {
            const original = error.originalError;
            if (original && !(original instanceof HelpgateError) && !error.extensions?.code) {
              log.error({ err: original, requestId: contextValue.requestId, path: error.path }, "resolver failed");
            }
          }
        },
      };
    },
  };
}
