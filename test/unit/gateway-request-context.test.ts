import path from "node:path";
import { ApolloServer, HeaderMap } from "@apollo/server";
import type { GatewayExecutor, GatewayGraphQLRequestContext, GatewayInterface } from "@apollo/server-gateway-interface";
import { buildSchema, execute, type GraphQLSchema } from "graphql";
import { leanGatewayRequestContexts, makeGatewayRequestContext } from "../../src/http/gateway-request-context";

const apolloModulePath = path.join(path.dirname(require.resolve("@apollo/server")), "utils", "makeGatewayGraphQLRequestContext.js");
// Apollo's own function, taken before anything replaces it (each test file has its own modules).
const apollos: typeof makeGatewayRequestContext = require(apolloModulePath).makeGatewayGraphQLRequestContext;

const schema = buildSchema("type Query { hello: String }");
schema.getQueryType()!.getFields().hello!.resolve = () => "world";

/** A gateway that runs graphql-js and shows what it is handed: headers read, status and a header set. */
class RecordingGateway implements GatewayInterface {
  seen: GatewayGraphQLRequestContext[] = [];
  constructor(private readonly apiSchema: GraphQLSchema) {}
  onSchemaLoadOrUpdate(callback: Parameters<GatewayInterface["onSchemaLoadOrUpdate"]>[0]) {
    callback({ apiSchema: this.apiSchema, coreSupergraphSdl: "" });
    return () => undefined;
  }
  async load(): Promise<{ executor: GatewayExecutor }> {
    return {
      executor: async (request) => {
        this.seen.push(request);
        const http = request.response!.http!;
        http.headers.set("x-echo", request.request.http?.headers.get("x-probe") ?? "none");
        http.headers.append("x-echo", "again");
        http.status = 203;
        return execute({ schema: this.apiSchema, document: request.document, operationName: request.operationName, contextValue: request.context });
      },
    };
  }
  async stop() {}
}

async function post(server: ApolloServer, search = "") {
  return server.executeHTTPGraphQLRequest({
    httpGraphQLRequest: {
      method: "POST",
      headers: new HeaderMap([
        ["content-type", "application/json"],
        ["x-probe", "probe-value"],
      ]),
      search,
      body: { query: "query Hi { hello }", variables: { unused: 1 } },
    },
    context: async () => ({ caller: "test" }),
  });
}

describe("the gateway's request context", () => {
  it("replaces Apollo's function, once, and the executor gets the same context with nothing per request held by an accessor pair", async () => {
    expect(typeof apollos).toBe("function");
    expect(leanGatewayRequestContexts()).toBe(true);
    expect(require(apolloModulePath).makeGatewayGraphQLRequestContext).toBe(makeGatewayRequestContext);
    expect(leanGatewayRequestContexts()).toBe(true);

    const gateway = new RecordingGateway(schema);
    const server = new ApolloServer({ gateway });
    await server.start();
    try {
      const response = await post(server, "trace=1");
      expect(response.status).toBe(203);
      expect(response.headers.get("x-echo")).toBe("probe-value, again");
      expect(response.body.kind === "complete" && JSON.parse(response.body.string)).toEqual({ data: { hello: "world" } });

      const [context] = gateway.seen;
      expect(context.request).toMatchObject({ query: "query Hi { hello }", variables: { unused: 1 }, http: { method: "POST", url: "https://unknown-url.invalid/?trace=1" } });
      expect(context.context).toEqual({ caller: "test" });
      expect(context.operationName).toBe("Hi");
      expect(context.source).toBe("query Hi { hello }");
      expect([...context.request.http!.headers]).toEqual([
        ["content-type", "application/json"],
        ["x-probe", "probe-value"],
      ]);
      // Apollo's status accessors are the request's own closures (an accessor pair V8 keeps in the
      // old generation); these are its class's, shared by every request.
      expect(Object.getOwnPropertyDescriptor(context.response!.http, "status")).toBeUndefined();
    } finally {
      await server.stop();
    }
  });

  it("builds what Apollo's own function builds, field for field", () => {
    const headers = new HeaderMap([["x-a", "1"]]);
    const responseHeaders = new HeaderMap();
    const requestContext = {
      request: { query: "{ hello }", operationName: "H", variables: { a: 1 }, extensions: { e: true }, http: { method: "GET", search: "a=b", headers, body: null } },
      response: { http: { status: undefined as number | undefined, headers: responseHeaders } },
      contextValue: { id: 1 },
      schema,
      queryHash: "hash",
      document: {},
      source: "{ hello }",
      operationName: "H",
      operation: {},
      errors: undefined,
      metrics: {},
      overallCachePolicy: {},
      requestIsBatched: false,
    };
    const server = { logger: {}, cache: {} };
    const internals = { includeStacktraceInErrorResponses: true };
    const theirs = apollos(requestContext as never, server, internals) as unknown as Record<string, any>;
    const ours = makeGatewayRequestContext(requestContext, server, internals) as Record<string, any>;

    for (const field of Object.keys(theirs)) {
      if (field === "request" || field === "response") continue;
      expect([field, ours[field]]).toEqual([field, theirs[field]]);
    }
    expect(Object.keys(ours).sort()).toEqual(Object.keys(theirs).sort());
    expect({ ...ours.request, http: { ...ours.request.http, headers: [...ours.request.http.headers] } }).toEqual({
      ...theirs.request,
      http: { ...theirs.request.http, headers: [...theirs.request.http.headers] },
    });

    // Apollo's accessors are the object's own, closures made for this request; ours are the class's.
    expect(typeof Object.getOwnPropertyDescriptor(theirs.response.http, "status")?.get).toBe("function");
    expect(Object.getOwnPropertyDescriptor(ours.response.http, "status")).toBeUndefined();
    ours.response.http.status = 299;
    expect(theirs.response.http.status).toBe(299);
    theirs.response.http.headers.append("x-b", "1");
    ours.response.http.headers.append("x-b", "2");
    expect(responseHeaders.get("x-b")).toBe("1, 2");
    ours.request.http.headers.delete("x-a");
    expect(theirs.request.http.headers.has("x-a")).toBe(false);
    expect([...ours.response.http.headers.keys()]).toEqual(["x-b"]);
    expect([...ours.response.http.headers.values()]).toEqual(["1, 2"]);
  });
});
