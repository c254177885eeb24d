import { errors, jwtVerify, SignJWT, type JWTPayload } from "jose";
import { DEFAULT_TOKEN_MAX_LIFETIME_SECONDS } from "../config";
import { unauthenticated } from "../errors";

export const TOKEN_ISSUER = "helpgate";
export const TOKEN_AUDIENCE = "helpgate";
const ALGORITHM = "HS256";
/** How long a verified token is taken on trust (within its lifetime), and how many are kept. */
const VERIFIED_TTL_MS = 5_000;
const VERIFIED_MAX = 1_000;
/** Clocks of the processes that issue and check tokens may differ by this much. */
const CLOCK_SKEW_SECONDS = 60;

/** Who a verified token names, as Entra tokens do: by object id, or by sign-in name. */
export interface TokenSubject {
  oid: string | null;
  preferredUsername: string | null;
}

/** Signs and verifies the gateway's bearer tokens (HS256 with the configured secret). */
export class Tokens {
  private readonly key: Uint8Array;
  /**
   * Tokens verified a moment ago, by their text: a client sends the same one with each request,
   * and checking the signature again would give the same answer until the token expires (when
   * the entry is dropped, so the token gets its usual refusal).
   */
  private readonly verified = new Map<string, { subject: TokenSubject; until: number }>();

  /** `maxLifetimeSeconds`: a token whose expiry is further away than this is refused (TOKEN_MAX_LIFETIME). */
  constructor(secret: string, readonly maxLifetimeSeconds: number = DEFAULT_TOKEN_MAX_LIFETIME_SECONDS) {
    this.key = new TextEncoder().encode(secret);
  }

  async sign(subject: { oid: string; preferredUsername: string }, expiresInSeconds: number): Promise<string> {
    if (expiresInSeconds > this.maxLifetimeSeconds) {
      throw new RangeError(`A token may live at most ${describeDuration(this.maxLifetimeSeconds)} (TOKEN_MAX_LIFETIME); ${expiresInSeconds} s asked.`);
    }
    return new SignJWT({ oid: subject.oid, preferred_username: subject.preferredUsername })
      .setProtectedHeader({ alg: ALGORITHM, typ: "JWT" })
      .setIssuer(TOKEN_ISSUER)
      .setAudience(TOKEN_AUDIENCE)
      .setSubject(subject.oid)
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + expiresInSeconds)
      .sign(this.key);
  }

  async verify(token: string): Promise<TokenSubject> {
    const known = this.verified.get(token);
    if (known && Date.now() < known.until) return known.subject;
    this.verified.delete(token);
    const { subject, expiresAt } = await this.check(token);
    if (this.verified.size >= VERIFIED_MAX) this.verified.delete(this.verified.keys().next().value!);
    this.verified.set(token, { subject, until: Math.min(Date.now() + VERIFIED_TTL_MS, expiresAt) });
    return subject;
  }

  /** The subject of a valid token, and when it expires (ms since the epoch). */
  private async check(token: string): Promise<{ subject: TokenSubject; expiresAt: number }> {
    try {
      const { payload } = await jwtVerify(token, this.key, {
        algorithms: [ALGORITHM],
        issuer: TOKEN_ISSUER,
        audience: TOKEN_AUDIENCE,
        requiredClaims: ["exp"],
      });
      this.checkLifetime(payload);
      const oid = typeof payload.oid === "string" ? payload.oid : null;
      const preferredUsername = typeof payload.preferred_username === "string" ? payload.preferred_username : null;
      if (!oid && !preferredUsername) {
        throw unauthenticated("The token names no user: it needs an 'oid' or 'preferred_username' claim.");
      }
      return { subject: { oid, preferredUsername }, expiresAt: payload.exp! * 1000 };
    } catch (error) {
      throw explain(error);
    }
  }

  /**
   * A stolen token is good until it expires, so no token may be good for longer than
   * TOKEN_MAX_LIFETIME from now, and each must say when it was issued.
   */
  private checkLifetime(payload: JWTPayload): void {
    if (typeof payload.iat !== "number") {
      throw unauthenticated("The token has no 'iat' (issued at) claim; tokens must say when they were issued. Request a new one.");
    }
    const remaining = payload.exp! - Math.floor(Date.now() / 1000);
    if (remaining > this.maxLifetimeSeconds + CLOCK_SKEW_SECONDS) {
      throw unauthenticated(
        `The token expires in ${describeDuration(remaining)}, later than the ${describeDuration(this.maxLifetimeSeconds)} this gateway allows (TOKEN_MAX_LIFETIME); request a shorter-lived token.`,
      );
    }
  }
}

/** 86400 → "24 h", 5400 → "1.5 h", 150 → "2.5 min", 45 → "45 s". */
export function describeDuration(seconds: number): string {
  if (seconds >= 3600) return `${Number((seconds / 3600).toFixed(1))} h`;
  if (seconds >= 60) return `${Number((seconds / 60).toFixed(1))} min`;
  return `${seconds} s`;
}

function explain(error: unknown): Error {
  if (error instanceof errors.JWTExpired) {
    return unauthenticated("The token has expired; request a new one.");
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return unauthenticated("The token's signature does not verify; it was not issued by this gateway.");
  }
  if (error instanceof errors.JOSEAlgNotAllowed) {
    return unauthenticated(`The token must be signed with ${ALGORITHM}; unsigned ('alg: none') and other algorithms are refused.`);
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    return unauthenticated(`The token's '${error.claim}' claim is not acceptable: ${error.reason}.`);
  }
  if (error instanceof errors.JOSEError) {
    return unauthenticated("The bearer token is malformed; send a JWT issued by this gateway.");
  }
  return error instanceof Error ? error : new Error(String(error));
}
