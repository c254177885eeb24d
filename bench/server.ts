/**
 * The servers the HTTP benchmark (bench/http-read.ts) loads, each in its own process so the load
 * generator never shares their event loop. Started by bench/common.ts startServer() with fork():
 *
 *   node dist/bench-build/bench/server.js helpgate   helpgate itself: startApp(loadConfig(env)), as src/main.ts
 *                                                    does, with LOG_LEVEL from the env (silent in the bench)
 *   node dist/bench-build/bench/server.js apollo     a bare Apollo Server 5 behind node:http and
 *                                                    executeHTTPGraphQLRequest, answering BENCH_FIXTURE's
 *                                                    constant data with the same query shapes
 *   node dist/bench-build/bench/server.js http       a bare node:http server that reads the request
 *                                                    body and answers BENCH_RESPONSE_FILE's bytes
 *
 * It reports { type: "ready", url } over IPC once listening, answers { type: "stats" } (helpgate:
 * its SQL statement count from queryLog, RSS and, when asked, the licensing queue length) and stops on { type: "stop" }
 * or when the parent goes away; { type: "profile-start" } and { type: "profile-stop", file } take
 * a V8 CPU profile of the window between them; { type: "collect" } runs two full garbage
 * collections and answers with RSS and heap. It listens on 127.0.0.1 only.
 */
import "reflect-metadata";
import fs from "node:fs";
import http from "node:http";
import inspector from "node:inspector";
import type { AddressInfo } from "node:net";
import { ApolloServer, HeaderMap } from "@apollo/server";
import { startApp } from "../src/app";
import { collectGarbage } from "../src/common/collect-garbage";
import { capHeapGrowth, startSteadyHeapGrowth } from "../src/common/heap-growth";
import { loadConfig } from "../src/config";
import { createLogger } from "../src/logger";

type Stats = (withPending: boolean) => Promise<{ queryCount: number; rss: number; pending: number | null }>;

interface Started {
  url: string;
  stats: Stats;
  close(): Promise<void>;
}

const rssOnly: Stats = async () => ({ queryCount: 0, rss: process.memoryUsage.rss(), pending: null });

async function helpgate(): Promise<Started> {
  capHeapGrowth(); // as src/main.ts does
  const config = loadConfig(process.env);
  const app = await startApp(config, createLogger(config.logLevel));
  // Measured once every article is in, as before the server listened early.
  await app.articles;
  startSteadyHeapGrowth(); // as src/main.ts does once the articles are in
  return {
    url: app.url,
    // The count is read before pending() runs its own statement.
    stats: async (withPending) => {
      const queryCount = app.services.db.queryLog.count;
      return { queryCount, rss: process.memoryUsage.rss(), pending: withPending ? await app.services.licensing.processor.pending() : null };
    },
    close: () => app.close(),
  };
}

/** The same query shapes as the benchmark's two queries, resolved from constants by graphql-js's default resolvers. */
const TYPE_DEFS = /* GraphQL */ `
  type Step { text: String! }
  type Article { pageTitle: String! recommendedSteps: [Step!]! }
  type SupportTopic { id: ID! articles: [Article!]! }
  type LicenseAssignmentState { skuId: ID! state: String! error: String }
  type Group { displayName: String! }
  type User { id: ID! displayName: String! licenseAssignmentStates: [LicenseAssignmentState!]! memberOf: [Group!]! }
  type UserEdge { node: User! }
  type UserConnection { edges: [UserEdge!]! }
  type Query { supportTopic(id: ID!): SupportTopic! users(first: Int): UserConnection! }
`;

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function listen(server: http.Server): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`));
  });
}

function closeServer(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

async function bareApollo(): Promise<Started> {
  const fixture = JSON.parse(fs.readFileSync(process.env.BENCH_FIXTURE!, "utf8")) as { supportTopic: unknown; users: unknown };
  const apollo = new ApolloServer({
    typeDefs: TYPE_DEFS,
    resolvers: { Query: { supportTopic: () => fixture.supportTopic, users: () => fixture.users } },
  });
  await apollo.start();
  const server = http.createServer((req, res) => {
    (async () => {
      const text = await readBody(req);
      const headers = new HeaderMap();
      for (const [name, value] of Object.entries(req.headers)) {
        if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(", ") : value);
      }
      const url = new URL(req.url ?? "/", "http://localhost");
      const response = await apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest: { method: req.method ?? "GET", headers, search: url.search, body: text ? JSON.parse(text) : undefined },
        context: async () => ({}),
      });
      for (const [name, value] of response.headers) res.setHeader(name, value);
      res.statusCode = response.status ?? 200;
      if (response.body.kind === "complete") {
        res.end(response.body.string);
        return;
      }
      for await (const chunk of response.body.asyncIterator) res.write(chunk);
      res.end();
    })().catch((error: unknown) => {
      res.statusCode = 500;
      res.end(String(error));
    });
  });
  const url = await listen(server);
  return { url, stats: rssOnly, close: async () => { await closeServer(server); await apollo.stop(); } };
}

async function bareHttp(): Promise<Started> {
  const body = fs.readFileSync(process.env.BENCH_RESPONSE_FILE!);
  const server = http.createServer((req, res) => {
    readBody(req).then(
      () => {
        res.statusCode = 200;
        res.setHeader("content-type", "application/json; charset=utf-8");
        res.end(body);
      },
      () => res.destroy(),
    );
  });
  const url = await listen(server);
  return { url, stats: rssOnly, close: () => closeServer(server) };
}

async function main(): Promise<void> {
  const mode = process.argv[2];
  const started = mode === "helpgate" ? await helpgate() : mode === "apollo" ? await bareApollo() : mode === "http" ? await bareHttp() : null;
  if (!started) throw new Error(`unknown mode '${mode}'; use helpgate, apollo or http`);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    const force = setTimeout(() => process.exit(0), 5_000);
    started.close().finally(() => {
      clearTimeout(force);
      process.exit(0);
    });
  };
  let session: inspector.Session | null = null;
  process.on("message", (message: { type: string; pending?: boolean; file?: string }) => {
    if (message.type === "stop") stop();
    else if (message.type === "profile-start") {
      // The V8 profiler over the inspector protocol, so a profile covers exactly the measured window.
      session = new inspector.Session();
      session.connect();
      session.post("Profiler.enable", () => session!.post("Profiler.start", () => process.send!({ type: "profile-started" })));
    } else if (message.type === "profile-stop" && session) {
      session.post("Profiler.stop", (error, result) => {
        if (!error) fs.writeFileSync(message.file!, JSON.stringify(result.profile));
        session!.disconnect();
        session = null;
        process.send!({ type: "profile-stopped", error: error ? String(error) : null });
      });
    }
    else if (message.type === "stats") started.stats(message.pending === true).then((stats) => process.send!({ type: "stats", ...stats }));
    else if (message.type === "collect") {
      collectGarbage();
      setTimeout(() => {
        collectGarbage();
        const { rss, heapUsed, heapTotal } = process.memoryUsage();
        process.send!({ type: "collected", rss, heapUsed, heapTotal });
      }, 1000);
    }
  });
  process.on("disconnect", stop);
  process.send!({ type: "ready", url: started.url });
}

main().catch((error: unknown) => {
  process.send?.({ type: "error", error: error instanceof Error ? error.stack : String(error) });
  process.exit(1);
});
