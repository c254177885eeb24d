import { errors, jwtVerify, SignJWT } from "jose";
import { unauthenticated } from "../errors";

export const TOKEN_ISSUER = "helpgate";
export const TOKEN_AUDIENCE = "helpgate";
const ALGORITHM = "HS256";
/** How long a verified token is taken on trust (within its lifetime), and how many are kept. */
const VERIFIED_TTL_MS = 5_000;
const VERIFIED_MAX = 1_000;

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

  constructor(secret: string) {
    this.key = new TextEncoder().encode(secret);
  }

  async sign(subject: { oid: string; preferredUsername: string }, expiresInSeconds: number): Promise<string> {
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
