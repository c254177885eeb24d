import type { Logger } from "pino";
import { startApp, type App, type StartOptions } from "../../src/app";
import { loadConfig } from "../../src/config";
import type { FrontOptions } from "../../src/http/server";
import { createTestDatabase, TEST_TOKEN_SECRET } from "./database";
import { silentLog } from "./temp";

export interface GraphQLResponse<T = Record<string, any>> {
  status: number;
  headers: Headers;
  data: T | null;
  errors?: { message: string; path?: string[]; extensions: Record<string, any> }[];
}

/**
 * A real helpgate on a loopback port, over a fresh database holding the demo tenant: a temporary
 * SQLite file, or a new PostgreSQL database when TEST_POSTGRES_URL is set (see database.ts).
 * Tests talk to it the way a portal does: HTTP POSTs with a bearer token.
 */
export class TestGateway {
  private tokens = new Map<string, string>();

  private constructor(
    readonly app: App,
    private readonly cleanup: () => Promise<void>,
  ) {}

  /**
   * `env` may name its own DATABASE_URL (e.g. one from createTestDatabase, shared by two gateways); it is then left in place.
   * `options.now` gives the HTTP front a clock of the test's own (the throttle's); `options.log` receives the server's log
   * (silent unless given, e.g. to check that nothing was logged as an error).
   */
  static async start(env: Record<string, string> = {}, options: FrontOptions & StartOptions & { log?: Logger; waitForArticles?: boolean } = {}): Promise<TestGateway> {
    const database = env.DATABASE_URL ? null : await createTestDatabase();
    const cleanup = async () => database?.drop();
    try {
      const config = loadConfig({
        PORT: "0",
        LOG_LEVEL: "silent",
        ARTICLES_WATCH: "false",
        // Every operation runs compiled from its first run (the server's default compiles on the
        // second), so that the suite holds graphql-jit's execution to graphql-js's answers.
        GRAPHQL_COMPILE_AFTER: "0",
        ...(database ? { DATABASE_URL: database.url } : {}),
        ...(/^postgres(ql)?:/i.test(env.DATABASE_URL ?? database?.url ?? "") ? { TOKEN_SECRET: TEST_TOKEN_SECRET } : {}),
        ...env,
      });
      const { log = silentLog, holdArticleBodies, waitForArticles = true, ...front } = options;
      const app = await startApp(config, log, undefined, front, { holdArticleBodies });
      // Most tests want the whole library in; tests of the loading phase say waitForArticles: false.
      if (waitForArticles) await app.articles.catch(async (error: unknown) => {
        await app.close().catch(() => undefined);
        throw error;
      });
      return new TestGateway(app, cleanup);
    } catch (error) {
      await cleanup().catch(() => undefined);
      throw error;
    }
  }

  get url(): string {
    return this.app.url;
  }

  /** A valid token for a directory user, named by UPN ("admin" means admin@contoso.com). */
  async tokenFor(upn: string): Promise<string> {
    const name = upn.includes("@") ? upn : `${upn}@contoso.com`;
    const cached = this.tokens.get(name);
    if (cached) return cached;
    const user = await this.app.services.users.findForSignIn({ oid: null, preferredUsername: name });
    if (!user) throw new Error(`test setup: no user ${name}`);
    const token = await this.app.services.tokens.sign({ oid: user.id, preferredUsername: user.userPrincipalName }, 600);
    this.tokens.set(name, token);
    return token;
  }

  /** Sends a GraphQL operation as `as` (a UPN or nickname; null for no token). */
  async gql<T = Record<string, any>>(
    as: string | null,
    query: string,
    variables: Record<string, unknown> = {},
  ): Promise<GraphQLResponse<T>> {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (as !== null) headers.authorization = `Bearer ${await this.tokenFor(as)}`;
    return this.post(JSON.stringify({ query, variables }), headers);
  }

  async post(body: string, headers: Record<string, string>): Promise<GraphQLResponse<any>> {
    const response = await fetch(this.url, { method: "POST", headers, body });
    const json = (await response.json()) as { data?: any; errors?: GraphQLResponse["errors"] };
    return { status: response.status, headers: response.headers, data: json.data ?? null, errors: json.errors };
  }

  /** Like gql, but fails the test with the server's errors if there are any. */
  async ok<T = Record<string, any>>(as: string | null, query: string, variables: Record<string, unknown> = {}): Promise<T> {
    const response = await this.gql<T>(as, query, variables);
    if (response.errors?.length) throw new Error(`unexpected GraphQL errors: ${JSON.stringify(response.errors, null, 2)}`);
    return response.data as T;
  }

  async userId(upn: string): Promise<string> {
    const name = upn.includes("@") ? upn : `${upn}@contoso.com`;
    const user = await this.app.services.users.findForSignIn({ oid: null, preferredUsername: name });
    if (!user) throw new Error(`test setup: no user ${name}`);
    return user.id;
  }

  async groupId(displayName: string): Promise<string> {
    const data = await this.ok<{ groups: { edges: { node: { id: string; displayName: string } }[] } }>(
      "admin",
      "query($p: String) { groups(filter: { startsWith: $p }, first: 100) { edges { node { id displayName } } } }",
      { p: displayName },
    );
    const match = data.groups.edges.find((edge) => edge.node.displayName === displayName);
    if (!match) throw new Error(`test setup: no group ${displayName}`);
    return match.node.id;
  }

  /** Waits until group-based licensing has processed everything queued (the real processor, run now). */
  async settle(): Promise<void> {
    await this.app.services.licensing.processor.drain();
  }

  async stop(): Promise<void> {
    try {
      await this.app.articles.catch(() => undefined);
      await this.app.close();
    } finally {
      await this.cleanup();
    }
  }
}

/** The single error of a refused operation. */
export function refusal(response: GraphQLResponse): { message: string; code: string; extensions: Record<string, any> } {
  if (!response.errors || response.errors.length !== 1) {
    throw new Error(`expected exactly one error, got ${JSON.stringify(response.errors ?? response.data)}`);
  }
  const [error] = response.errors;
  return { message: error.message, code: error.extensions.code, extensions: error.extensions };
}
