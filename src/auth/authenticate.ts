import { decodeProtectedHeader } from "jose";
import type { Services } from "../services";
import { unauthenticated } from "../errors";
import { permissionsFor, permissionsForApp, type AppCaller, type Caller, type UserCaller } from "./permissions";
import type { ProviderTokens, TokenIdentity } from "./provider-tokens";
import type { Tokens } from "./tokens";

/**
 * Turns an Authorization header into the caller it names. No header: an anonymous caller, who
 * may read public content only. A header that does not hold a valid token for an enabled user of
 * this directory, or for a registered application, is refused outright: a HelpgateError with code
 * UNAUTHENTICATED (HTTP 401), or SERVICE_UNAVAILABLE (HTTP 503, retry later) when the identity
 * provider's keys can't be fetched. Every door (GraphQL over HTTP and the others) calls this.
 */
export async function authenticate(authorization: string | undefined, services: Services): Promise<Caller | null> {
  if (authorization === undefined || authorization.trim() === "") return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  if (!match) throw unauthenticated("The Authorization header must read 'Bearer <token>'.");
  const identity = await services.signIn.verify(match[1]);
  return identity.kind === "app" ? appCaller(identity, services) : userCaller(identity, services);
}

/**
 * What a directory user may do comes from their directory roles, never from the token: `wids`
 * and `roles` claims in a user's token are not read.
 */
async function userCaller(identity: Extract<TokenIdentity, { kind: "user" }>, services: Services): Promise<UserCaller> {
  const signedIn = await services.users.signIn(identity);
  if (!signedIn) {
    const deleted = identity.oid && /^[0-9a-f-]{36}$/i.test(identity.oid) ? await services.audit.deletedAt(identity.oid.toLowerCase(), "Delete user") : null;
    throw unauthenticated(
      deleted
        ? `The user the token names was deleted from this directory (${deleted.toISOString()}); its tokens are no longer accepted.`
        : "The user the token names does not exist in this directory (it may have been deleted).",
    );
  }
  const { user, roleTemplateIds } = signedIn;
  if (!user.accountEnabled) throw unauthenticated("The account the token names is disabled (accountEnabled is false).");
  return {
    kind: "user",
    id: user.id,
    userPrincipalName: user.userPrincipalName,
    displayName: user.displayName,
    roleTemplateIds: new Set(roleTemplateIds),
    permissions: permissionsFor(roleTemplateIds),
    signedInAs: user,
  };
}

/** An app may do what both its token's `roles` and the permissions granted to its service principal allow. */
async function appCaller(identity: Extract<TokenIdentity, { kind: "app" }>, services: Services): Promise<AppCaller> {
  const app = await services.servicePrincipals.findForSignIn(identity.appId);
  if (!app) {
    throw unauthenticated(
      `The application '${identity.appId}' is not registered in this directory; a Global Administrator registers it with createServicePrincipal(input: { appId, displayName }).`,
    );
  }
  const { servicePrincipal } = app;
  const appPermissions = app.granted.filter((permission) => identity.roles.includes(permission));
  return {
    kind: "app",
    id: servicePrincipal.id,
    userPrincipalName: null,
    displayName: servicePrincipal.displayName,
    appId: servicePrincipal.appId,
    servicePrincipalId: servicePrincipal.id,
    appPermissions,
    roleTemplateIds: new Set(),
    permissions: permissionsForApp(appPermissions),
  };
}

/**
 * Sends each token to its verifier: the gateway's own HS256 tokens (`npm run token`), accepted
 * unless turned off (DEV_TOKENS), and everything else to the identity provider when AUTH_ISSUER
 * is set (which refuses `alg: none` and any algorithm but RS256, ES256 and PS256).
 */
export class SignIn {
  constructor(
    private readonly devTokens: Tokens | null,
    private readonly provider: ProviderTokens | null,
    private readonly issuer: string | null,
  ) {}

  async verify(token: string): Promise<TokenIdentity> {
    let algorithm: unknown;
    try {
      algorithm = decodeProtectedHeader(token).alg;
    } catch {
      throw unauthenticated("The bearer token is malformed; send a JWT (three base64url parts separated by dots).");
    }
    const hmac = typeof algorithm === "string" && /^HS/i.test(algorithm);
    if (this.provider && !hmac) return this.provider.verify(token);
    if (!this.devTokens) {
      throw unauthenticated(
        `Development tokens (HS256, from \`npm run token\`) are turned off; sign in with the identity provider (${this.issuer}), or start helpgate with DEV_TOKENS=true.`,
      );
    }
    return { kind: "user", ...(await this.devTokens.verify(token)) };
  }
}
