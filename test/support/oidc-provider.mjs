// A real OpenID Connect provider (the certified `oidc-provider` package) for the sign-in tests,
// run as a child process because the package is ESM-only. It listens on 127.0.0.1 on a free port
// and prints {"issuer": "http://127.0.0.1:<port>"} as its first line on stdout.
//
// Its signing keys are given by the test (OIDC_KEYS: a JSON array of private JWKs), so the test
// can also rotate them. Control endpoints, which are no part of OpenID Connect:
//   POST /control/keys    {"keys": [...]}     starts signing with these keys and publishes only them
//   POST /control/claims  {"accounts": {...}, "clients": {...}}   extra claims by account or client id
//   GET  /control/stats   {"jwksRequests": n} how many times the key set was fetched
//
// Clients: "helpgate-portal" (public, authorization code + PKCE, redirect http://127.0.0.1/callback)
// and app clients that use the client-credentials grant (secret: "<client id>-secret").
// Access tokens are JWTs for the resource named by `resource` (RFC 8707).
import http from "node:http";
import Provider from "oidc-provider";

export const PORTAL_REDIRECT_URI = "http://127.0.0.1/callback";
const APP_CLIENTS = (process.env.OIDC_APP_CLIENTS ?? "licensing-bot,unregistered-bot,reader-bot,matrix-bot").split(",");
const RESOURCES = (process.env.OIDC_RESOURCES ?? "api://helpgate,api://another-api").split(",");

const state = {
  keys: JSON.parse(process.env.OIDC_KEYS ?? "[]"),
  /** Extra claims per account id (users) and per client id (apps), set by the test. */
  accounts: {},
  clients: {},
  jwksRequests: 0,
};

function configuration() {
  return {
    jwks: { keys: state.keys },
    clients: [
      {
        client_id: "helpgate-portal",
        application_type: "native",
        token_endpoint_auth_method: "none",
        grant_types: ["authorization_code"],
        response_types: ["code"],
        redirect_uris: [PORTAL_REDIRECT_URI],
      },
      ...APP_CLIENTS.map((clientId) => ({
        client_id: clientId,
        client_secret: `${clientId}-secret`,
        token_endpoint_auth_method: "client_secret_post",
        grant_types: ["client_credentials"],
        response_types: [],
        redirect_uris: [],
      })),
    ],
    cookies: { keys: ["helpgate-test-cookie-key"] },
    features: {
      devInteractions: { enabled: true },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: (_ctx, _client, oneOf) => oneOf ?? RESOURCES[0],
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resource) => {
          if (!RESOURCES.includes(resource)) throw new Provider.errors.InvalidTarget();
          return { scope: "user_impersonation", audience: resource, accessTokenFormat: "jwt", accessTokenTTL: 600, jwt: { sign: { alg: "RS256" } } };
        },
      },
    },
    findAccount: (_ctx, sub) => ({ accountId: sub, claims: () => ({ sub }) }),
    extraTokenClaims: (_ctx, token) => {
      if (token.kind === "ClientCredentials") return { ...state.clients[token.clientId] };
      if (token.accountId) return { ...state.accounts[token.accountId] };
      return undefined;
    },
    ttl: { AccessToken: 600, ClientCredentials: 600, AuthorizationCode: 60, Interaction: 600, Session: 3600, Grant: 3600 },
  };
}

const server = http.createServer();
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;
let handler = new Provider(issuer, configuration()).callback();

server.on("request", async (req, res) => {
  const url = new URL(req.url, issuer);
  if (url.pathname.startsWith("/control/")) return control(req, res, url.pathname);
  if (url.pathname === "/jwks") state.jwksRequests += 1;
  handler(req, res);
});

async function control(req, res, path) {
  const answer = (status, body) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  };
  try {
    if (path === "/control/stats") return answer(200, { jwksRequests: state.jwksRequests });
    let body = "";
    for await (const chunk of req) body += chunk;
    const input = JSON.parse(body || "{}");
    if (path === "/control/keys") {
      state.keys = input.keys;
      handler = new Provider(issuer, configuration()).callback();
      return answer(200, { kids: state.keys.map((key) => key.kid) });
    }
    if (path === "/control/claims") {
      Object.assign(state.accounts, input.accounts ?? {});
      Object.assign(state.clients, input.clients ?? {});
      return answer(200, {});
    }
    return answer(404, { error: "no such control endpoint" });
  } catch (error) {
    return answer(500, { error: String(error) });
  }
}

process.stdout.write(`${JSON.stringify({ issuer })}\n`);
process.on("SIGTERM", () => server.close(() => process.exit(0)));
