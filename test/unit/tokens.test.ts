import { SignJWT, UnsecuredJWT } from "jose";
import { Tokens, TOKEN_AUDIENCE, TOKEN_ISSUER } from "../../src/auth/tokens";

const SECRET = "a-test-secret-that-is-long-enough-for-hs256";
const tokens = new Tokens(SECRET);
const subject = { oid: "7f6b3c1e-0000-4000-8000-000000000001", preferredUsername: "ada@contoso.com" };

function rejection(promise: Promise<unknown>) {
  return expect(promise).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
}

describe("bearer tokens", () => {
  it("verifies a token it signed and returns the user it names", async () => {
    const token = await tokens.sign(subject, 60);
    await expect(tokens.verify(token)).resolves.toEqual(subject);
  });

  it("refuses an expired token", async () => {
    const token = await tokens.sign(subject, -10);
    await rejection(tokens.verify(token));
    await expect(tokens.verify(token)).rejects.toThrow(/expired/);
  });

  it("refuses a token once it expires, also one verified a moment before", async () => {
    jest.useFakeTimers({ doNotFake: ["nextTick", "setImmediate", "queueMicrotask"] });
    try {
      const token = await tokens.sign(subject, 2);
      await expect(tokens.verify(token)).resolves.toEqual(subject);
      jest.setSystemTime(Date.now() + 3_000);
      await expect(tokens.verify(token)).rejects.toThrow(/expired/);
    } finally {
      jest.useRealTimers();
    }
  });

  it("refuses a token signed with another key", async () => {
    const token = await new Tokens("another-secret-that-is-long-enough-too!!").sign(subject, 60);
    await expect(tokens.verify(token)).rejects.toThrow(/signature/);
  });

  it("refuses an unsigned token (alg: none)", async () => {
    const token = new UnsecuredJWT({ oid: subject.oid })
      .setIssuer(TOKEN_ISSUER)
      .setAudience(TOKEN_AUDIENCE)
      .setExpirationTime("1h")
      .encode();
    await rejection(tokens.verify(token));
  });

  it("refuses a token without an expiry", async () => {
    const token = await new SignJWT({ oid: subject.oid })
      .setProtectedHeader({ alg: "HS256" })
      .setIssuer(TOKEN_ISSUER)
      .setAudience(TOKEN_AUDIENCE)
      .sign(new TextEncoder().encode(SECRET));
    await expect(tokens.verify(token)).rejects.toThrow(/'exp'/);
  });

  it("refuses a token for another audience", async () => {
    const token = await new SignJWT({ oid: subject.oid })
      .setProtectedHeader({ alg: "HS256" })
      .setIssuer(TOKEN_ISSUER)
      .setAudience("someone-else")
      .setExpirationTime("1h")
      .sign(new TextEncoder().encode(SECRET));
    await expect(tokens.verify(token)).rejects.toThrow(/'aud'/);
  });

  it("refuses a tampered payload", async () => {
    const [header, , signature] = (await tokens.sign(subject, 60)).split(".");
    const forged = Buffer.from(JSON.stringify({ oid: "someone-else", exp: 9999999999 })).toString("base64url");
    await expect(tokens.verify(`${header}.${forged}.${signature}`)).rejects.toThrow(/signature/);
  });

  it("refuses garbage", async () => {
    await expect(tokens.verify("not-a-jwt")).rejects.toThrow(/malformed/);
  });

  describe("lifetime (TOKEN_MAX_LIFETIME, 24 h unless set)", () => {
    const now = () => Math.floor(Date.now() / 1000);
    const signed = (claims: { iat?: number; exp: number }) => {
      const jwt = new SignJWT({ oid: subject.oid }).setProtectedHeader({ alg: "HS256" }).setIssuer(TOKEN_ISSUER).setAudience(TOKEN_AUDIENCE);
      if (claims.iat !== undefined) jwt.setIssuedAt(claims.iat);
      return jwt.setExpirationTime(claims.exp).sign(new TextEncoder().encode(SECRET));
    };
    const hourLong = new Tokens(SECRET, 3600);

    it("accepts a token that expires within the maximum lifetime from now", async () => {
      await expect(hourLong.verify(await signed({ iat: now(), exp: now() + 3600 }))).resolves.toMatchObject({ oid: subject.oid });
      await expect(tokens.verify(await signed({ iat: now(), exp: now() + 24 * 3600 }))).resolves.toMatchObject({ oid: subject.oid });
    });

    it("refuses a token whose expiry is further away than the maximum, saying why", async () => {
      const token = await signed({ iat: now(), exp: now() + 3 * 3600 });
      await rejection(hourLong.verify(token));
      await expect(hourLong.verify(token)).rejects.toThrow(
        "The token expires in 3 h, later than the 1 h this gateway allows (TOKEN_MAX_LIFETIME); request a shorter-lived token.",
      );
      await expect(tokens.verify(await signed({ iat: now(), exp: now() + 30 * 86_400 }))).rejects.toThrow(/TOKEN_MAX_LIFETIME/);
    });

    it("judges the expiry from now, not from iat: an old iat does not stretch what is left", async () => {
      await expect(hourLong.verify(await signed({ iat: now() - 86_400, exp: now() + 2 * 3600 }))).rejects.toThrow(/TOKEN_MAX_LIFETIME/);
    });

    it("refuses a token without iat", async () => {
      const token = await signed({ exp: now() + 600 });
      await rejection(tokens.verify(token));
      await expect(tokens.verify(token)).rejects.toThrow("The token has no 'iat' (issued at) claim");
    });

    it("does not sign a token that would outlive the maximum", async () => {
      await expect(hourLong.sign(subject, 3600)).resolves.toEqual(expect.any(String));
      await expect(hourLong.sign(subject, 3601)).rejects.toThrow("A token may live at most 1 h (TOKEN_MAX_LIFETIME)");
    });
  });
});
