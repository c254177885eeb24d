import { createRemoteJWKSet, decodeJwt, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from "jose";
import type { AuthConfig } from "../config";
import { HelpgateError, unauthenticated } from "../errors";

/** Who a verified token names: a directory user, or an application acting on its own. */
export type TokenIdentity =
  | { kind: "user"; oid: string | null; preferredUsername: string | null }
  | { kind: "app"; appId: string; roles: string[] };

/** Asymmetric algorithms only: a provider's token must be verifiable with its public keys. */
export const PROVIDER_ALGORITHMS = ["RS256", "ES256", "PS256"];
/** Clock skew allowed on exp and nbf, between the provider's clock and ours. */
const CLOCK_TOLERANCE_SECONDS = 60;
const FETCH_TIMEOUT_MS = 5_000;
/** How long the keys are kept before they are fetched again, rotation or not. */
const KEYS_MAX_AGE_MS = 10 * 60_000;
/** After a failed discovery, requests are answered 503 for this long before the provider is asked again. */
export const RETRY_AFTER_SECONDS = 5;

/**
 * Verifies access tokens from the organization's OpenID Connect provider: the signature with the
 * provider's published keys (found through discovery, or AUTH_JWKS_URL), then iss, aud, exp/nbf
 * and tid. Keys are cached; a token naming an unknown `kid` makes jose fetch them again, at most
 * once per cooldown. When the provider can't be reached, the answer is 503, never "let in".
 */
export class ProviderTokens {
  /** The provider's key set, once discovered; requests arriving meanwhile share one discovery. */
  private keys: Promise<JWTVerifyGetKey> | null = null;
  /** The last failed discovery, answered again (without asking the provider) for RETRY_AFTER_SECONDS. */
  private discoveryFailure: { at: number; error: HelpgateError } | null = null;
  private tenant: string | null;

  constructor(
    private readonly config: AuthConfig & { issuer: string },
    /** The organization's id: the default tenant a token must name. */
    private readonly organizationId: () => Promise<string>,
  ) {
    this.tenant = config.tenantId;
  }

  async verify(token: string): Promise<TokenIdentity> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, await this.getKeys(), {
        algorithms: PROVIDER_ALGORITHMS,
        issuer: this.config.issuer,
        audience: this.config.audiences,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ["exp"],
      }));
    } catch (error) {
      throw this.explain(error, token);
    }
    await this.checkTenant(payload);
    return identify(payload);
  }

  private async checkTenant(payload: JWTPayload): Promise<void> {
    const tenant = (this.tenant ??= (await this.organizationId()).toLowerCase());
    if (typeof payload.tid !== "string") {
      throw unauthenticated(`The token carries no 'tid' (tenant id) claim; helpgate accepts tokens for tenant ${tenant} only.`);
    }
    if (payload.tid.toLowerCase() !== tenant) {
      throw unauthenticated(`The token was issued for tenant ${payload.tid}; this helpgate serves tenant ${tenant} (AUTH_TENANT_ID).`);
    }
  }

  private getKeys(): Promise<JWTVerifyGetKey> {
    this.keys ??= this.discoverKeys().catch((error: unknown) => {
      this.keys = null;
      throw error;
    });
    return this.keys;
  }

  /** The provider's key set, found through discovery the first time it is needed. */
  private async discoverKeys(): Promise<JWTVerifyGetKey> {
    const failure = this.discoveryFailure;
    if (failure && Date.now() - failure.at < RETRY_AFTER_SECONDS * 1000) throw failure.error;
    let jwksUrl: string;
    try {
      jwksUrl = this.config.jwksUrl ?? (await this.discoverJwksUrl());
    } catch (error) {
      const answer = error instanceof HelpgateError ? error : this.unreachable();
      this.discoveryFailure = { at: Date.now(), error: answer };
      throw answer;
    }
    const remote = createRemoteJWKSet(new URL(jwksUrl), {
      timeoutDuration: FETCH_TIMEOUT_MS,
      cooldownDuration: this.config.keysCooldownMs,
      cacheMaxAge: KEYS_MAX_AGE_MS,
    });
    // A failure to fetch the keys is the provider's, not the token's: 503, so clients retry.
    return async (header, token) => {
      try {
        return await remote(header, token);
      } catch (error) {
        if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys || error instanceof errors.JOSENotSupported) throw error;
        throw this.unreachable();
      }
    };
  }

  private async discoverJwksUrl(): Promise<string> {
    const url = `${this.config.issuer.replace(/\/$/, "")}/.well-known/openid-configuration`;
    const response = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), redirect: "error" });
    if (!response.ok) throw new Error(`discovery answered ${response.status}`);
    const metadata = (await response.json()) as { issuer?: unknown; jwks_uri?: unknown };
    if (metadata.issuer !== this.config.issuer) {
      throw new HelpgateError(
        "SERVICE_UNAVAILABLE",
        `The identity provider's discovery document names issuer '${String(metadata.issuer)}', not AUTH_ISSUER '${this.config.issuer}'; AUTH_ISSUER must match it exactly.`,
        { retryable: true, retryAfterSeconds: RETRY_AFTER_SECONDS },
      );
    }
    if (typeof metadata.jwks_uri !== "string") throw new Error("discovery names no jwks_uri");
    return metadata.jwks_uri;
  }

  private unreachable(): HelpgateError {
    return new HelpgateError(
      "SERVICE_UNAVAILABLE",
      `The identity provider (${this.config.issuer}) could not be reached to check the token's signing keys; try again shortly.`,
      { retryable: true, retryAfterSeconds: RETRY_AFTER_SECONDS },
    );
  }

  /** The refusal a portal should show, naming what is wrong with the token. */
  private explain(error: unknown, token: string): Error {
    if (error instanceof HelpgateError) return error;
    const claims = safeClaims(token);
    if (error instanceof errors.JWTExpired) return unauthenticated("The token has expired; request a new one from the identity provider.");
    if (error instanceof errors.JOSEAlgNotAllowed) {
      return unauthenticated(`Tokens from the identity provider must be signed with ${PROVIDER_ALGORITHMS.join(", ")}; unsigned ('alg: none') and HS* tokens are refused.`);
    }
    if (error instanceof errors.JWKSNoMatchingKey) {
      return unauthenticated("The token is signed with a key the identity provider does not publish (an unknown or rotated-out 'kid'); request a new token.");
    }
    if (error instanceof errors.JWSSignatureVerificationFailed) {
      return unauthenticated("The token's signature does not verify with the identity provider's keys; it was altered or issued by someone else.");
    }
    if (error instanceof errors.JWTClaimValidationFailed) {
      if (error.claim === "iss") {
        return unauthenticated(`The token was issued by '${String(claims?.iss)}'; helpgate accepts tokens from '${this.config.issuer}' (AUTH_ISSUER) only.`);
      }
      if (error.claim === "aud") {
        return unauthenticated(
          `The token is for audience '${[claims?.aud].flat().join("', '")}'; request a token for helpgate's audience '${this.config.audiences.join("' or '")}' (AUTH_AUDIENCE).`,
        );
      }
      if (error.claim === "nbf") return unauthenticated("The token is not valid yet (nbf is in the future); check the clocks.");
      return unauthenticated(`The token's '${error.claim}' claim is not acceptable: ${error.reason}.`);
    }
    if (error instanceof errors.JOSEError) return unauthenticated("The bearer token is malformed; send an access token (a JWT) from the identity provider.");
    return error instanceof Error ? error : new Error(String(error));
  }
}

function safeClaims(token: string): JWTPayload | null {
  try {
    return decodeJwt(token);
  } catch {
    return null;
  }
}

/**
 * A user's token or an app's, as Entra tells them apart: by `idtyp` ("app" or "user") when the
 * token has it; otherwise a token is a user's when it carries delegated scopes (`scp`), a user
 * name (`preferred_username`, `upn`) or an `oid` other than its `sub` (an app's token has
 * `oid` = `sub`, the service principal, or no `oid`). An app is named by `azp` (v2), `appid`
 * (v1) or `client_id` (RFC 9068); a user by `oid`, and only when there is no `oid` by
 * `preferred_username` or `upn`.
 */
export function identify(payload: JWTPayload): TokenIdentity {
  const text = (name: string) => (typeof payload[name] === "string" && payload[name] !== "" ? (payload[name] as string) : null);
  const preferredUsername = text("preferred_username") ?? text("upn");
  const idtyp = text("idtyp");
  const oid = text("oid");
  const isApp = idtyp !== null ? idtyp === "app" : payload.scp === undefined && preferredUsername === null && (oid === null || oid === payload.sub);
  if (isApp) {
    const appId = text("azp") ?? text("appid") ?? text("client_id");
    if (appId === null) throw unauthenticated("The app-only token names no application: it needs an 'azp', 'appid' or 'client_id' claim.");
    const roles = Array.isArray(payload.roles) ? payload.roles.filter((role): role is string => typeof role === "string") : [];
    return { kind: "app", appId, roles };
  }
  if (oid === null && preferredUsername === null) {
    throw unauthenticated("The token names no user: it needs an 'oid' claim (or, without one, 'preferred_username' or 'upn').");
  }
  return { kind: "user", oid, preferredUsername: oid === null ? preferredUsername : null };
}
