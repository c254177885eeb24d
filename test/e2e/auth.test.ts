import { SignJWT, UnsecuredJWT, type JWTPayload } from "jose";
import { TOKEN_AUDIENCE, TOKEN_ISSUER } from "../../src/auth/tokens";
import { refusal, TestGateway, type GraphQLResponse } from "../support/harness";

/** The gateway runs with a known secret, so tests can mint tokens the way another issuer would. */
const SECRET = "auth-e2e-secret-that-is-long-enough-for-hs256";
const OTHER_SECRET = "some-other-issuer-secret-also-long-enough!!";
const ME = "{ me { userPrincipalName } }";
const now = () => Math.floor(Date.now() / 1000);

describe("authentication", () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await TestGateway.start({ TOKEN_SECRET: SECRET });
  });
  afterAll(() => gateway.stop());

  function send(authorization: string | null, query = ME, extraHeaders: Record<string, string> = {}): Promise<GraphQLResponse> {
    const headers: Record<string, string> = { "content-type": "application/json", ...extraHeaders };
    if (authorization !== null) headers.authorization = authorization;
    return gateway.post(JSON.stringify({ query }), headers);
  }

  function sign(claims: JWTPayload, secret = SECRET, exp: number = now() + 600): Promise<string> {
    return new SignJWT(claims)
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setIssuer(TOKEN_ISSUER)
      .setAudience(TOKEN_AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(exp)
      .sign(new TextEncoder().encode(secret));
  }

  /** Asserts the request was refused at the door: HTTP 401, one UNAUTHENTICATED error, no data. */
  function expectRefused(response: GraphQLResponse, message: RegExp): void {
    expect(response.status).toBe(401);
    expect(response.data).toBeNull();
    const error = refusal(response);
    expect(error.code).toBe("UNAUTHENTICATED");
    expect(error.message).toMatch(message);
    expect(response.headers.get("www-authenticate")).toMatch(/^Bearer /);
  }

  async function adaClaims(): Promise<JWTPayload> {
    return { oid: await gateway.userId("ada.lovelace"), preferred_username: "ada.lovelace@contoso.com" };
  }

  describe("accepts", () => {
    it("a token the gateway issued, naming the user by oid", async () => {
      const response = await send(`Bearer ${await gateway.tokenFor("ada.lovelace")}`);
      expect(response.status).toBe(200);
      expect(response.errors).toBeUndefined();
      expect(response.data).toEqual({ me: { userPrincipalName: "ada.lovelace@contoso.com" } });
    });

    it("a token that names the user by preferred_username only", async () => {
      const response = await send(`Bearer ${await sign({ preferred_username: "grace.kim@contoso.com" })}`);
      expect(response.status).toBe(200);
      expect(response.errors).toBeUndefined();
      expect(response.data).toEqual({ me: { userPrincipalName: "grace.kim@contoso.com" } });
    });

    it("the scheme name in any letter case ('bearer')", async () => {
      const response = await send(`bearer ${await gateway.tokenFor("ada.lovelace")}`);
      expect(response.status).toBe(200);
      expect(response.data).toEqual({ me: { userPrincipalName: "ada.lovelace@contoso.com" } });
    });
  });

  describe("refuses with 401 UNAUTHENTICATED", () => {
    it("an expired token", async () => {
      const token = await sign(await adaClaims(), SECRET, now() - 60);
      expectRefused(await send(`Bearer ${token}`), /expired/);
    });

    it("a token signed with another key", async () => {
      const token = await sign(await adaClaims(), OTHER_SECRET);
      expectRefused(await send(`Bearer ${token}`), /signature does not verify/);
    });

    it("an unsigned token (alg: none)", async () => {
      const token = new UnsecuredJWT(await adaClaims())
        .setIssuer(TOKEN_ISSUER)
        .setAudience(TOKEN_AUDIENCE)
        .setExpirationTime(now() + 600)
        .encode();
      expectRefused(await send(`Bearer ${token}`), /alg: none/);
    });

    it("a valid token whose payload was tampered with (the signature no longer matches)", async () => {
      const [header, , signature] = (await gateway.tokenFor("ada.lovelace")).split(".");
      const forged = Buffer.from(
        JSON.stringify({
          oid: await gateway.userId("admin"),
          preferred_username: "admin@contoso.com",
          iss: TOKEN_ISSUER,
          aud: TOKEN_AUDIENCE,
          exp: now() + 600,
        }),
      ).toString("base64url");
      expectRefused(await send(`Bearer ${header}.${forged}.${signature}`), /signature does not verify/);
    });

    it("a token that would stay valid longer than TOKEN_MAX_LIFETIME (24 h) from now", async () => {
      const token = await sign(await adaClaims(), SECRET, now() + 7 * 86_400);
      expectRefused(await send(`Bearer ${token}`), /expires in 168 h, later than the 24 h this gateway allows \(TOKEN_MAX_LIFETIME\)/);
    });

    it("a token without iat, which does not say when it was issued", async () => {
      const token = await new SignJWT(await adaClaims())
        .setProtectedHeader({ alg: "HS256" })
        .setIssuer(TOKEN_ISSUER)
        .setAudience(TOKEN_AUDIENCE)
        .setExpirationTime(now() + 600)
        .sign(new TextEncoder().encode(SECRET));
      expectRefused(await send(`Bearer ${token}`), /no 'iat' \(issued at\) claim/);
    });

    it("a token for another audience", async () => {
      const token = await new SignJWT(await adaClaims())
        .setProtectedHeader({ alg: "HS256" })
        .setIssuer(TOKEN_ISSUER)
        .setAudience("some-other-api")
        .setExpirationTime(now() + 600)
        .sign(new TextEncoder().encode(SECRET));
      expectRefused(await send(`Bearer ${token}`), /'aud'/);
    });

    it("a signed token that names no user (neither oid nor preferred_username)", async () => {
      expectRefused(await send(`Bearer ${await sign({ name: "nobody" })}`), /names no user/);
    });

    it("a signed token naming a user id that is not in the directory", async () => {
      const token = await sign({ oid: "00000000-0000-4000-8000-000000000000" });
      expectRefused(await send(`Bearer ${token}`), /does not exist in this directory/);
    });

    it("a bearer value that is not a JWT", async () => {
      expectRefused(await send("Bearer not-a-jwt"), /malformed/);
    });

    it("a non-Bearer Authorization header ('Basic xyz')", async () => {
      expectRefused(await send("Basic xyz"), /Bearer <token>/);
    });

    it("a 'Bearer' header without a token", async () => {
      expectRefused(await send("Bearer"), /Bearer <token>/);
    });

    it("a token issued before its user was deleted through the API", async () => {
      const upn = "leaving.soon@contoso.com";
      const created = await gateway.ok<{ createUser: { id: string } }>(
        "admin",
        "mutation($input: CreateUserInput!) { createUser(input: $input) { id } }",
        { input: { userPrincipalName: upn, displayName: "Leaving Soon" } },
      );
      const token = await gateway.tokenFor(upn);
      expect((await send(`Bearer ${token}`)).status).toBe(200);

      await gateway.ok("admin", "mutation($id: ID!) { deleteUser(id: $id) }", { id: created.createUser.id });
      expectRefused(await send(`Bearer ${token}`), /was deleted from this directory \(.+\); its tokens are no longer accepted/);
    });

    it("a token for a disabled account (the demo's old.account)", async () => {
      const oid = await gateway.userId("old.account");
      const token = await gateway.app.services.tokens.sign({ oid, preferredUsername: "old.account@contoso.com" }, 600);
      expectRefused(await send(`Bearer ${token}`), /disabled/);
    });

    it("a disabled account's token even when it names the user by preferred_username only", async () => {
      const token = await sign({ preferred_username: "old.account@contoso.com" });
      expectRefused(await send(`Bearer ${token}`), /disabled/);
    });
  });

  describe("without any Authorization header", () => {
    it("answers directory queries with HTTP 200 and an UNAUTHENTICATED error that says how to sign in", async () => {
      const response = await send(null, "{ users(first: 1) { totalCount } }");
      expect(response.status).toBe(200);
      expect(response.data).toBeNull();
      const error = refusal(response);
      expect(error.code).toBe("UNAUTHENTICATED");
      expect(error.message).toMatch(/Authorization: Bearer/);
    });

    it("refuses `me` as UNAUTHENTICATED", async () => {
      const response = await send(null, ME);
      expect(response.status).toBe(200);
      expect(refusal(response).code).toBe("UNAUTHENTICATED");
    });

    it("treats an empty Authorization header like no header", async () => {
      const response = await send("", ME);
      expect(response.status).toBe(200);
      expect(refusal(response).code).toBe("UNAUTHENTICATED");
    });
  });

  describe("request ids", () => {
    it("returns a generated x-request-id when the client sends none", async () => {
      const first = await send(`Bearer ${await gateway.tokenFor("ada.lovelace")}`);
      const second = await send(`Bearer ${await gateway.tokenFor("ada.lovelace")}`);
      expect(first.headers.get("x-request-id")).toMatch(/^[A-Za-z0-9._:-]{8,128}$/);
      expect(second.headers.get("x-request-id")).toMatch(/^[A-Za-z0-9._:-]{8,128}$/);
      expect(first.headers.get("x-request-id")).not.toBe(second.headers.get("x-request-id"));
    });

    it("echoes a sane x-request-id sent by the client", async () => {
      const response = await send(`Bearer ${await gateway.tokenFor("ada.lovelace")}`, ME, { "x-request-id": "portal-req.42:abc" });
      expect(response.headers.get("x-request-id")).toBe("portal-req.42:abc");
    });

    it("replaces an x-request-id that is not sane (spaces, odd characters, too long)", async () => {
      const token = `Bearer ${await gateway.tokenFor("ada.lovelace")}`;
      for (const given of ["has spaces", "<script>", "x".repeat(129)]) {
        const returned = (await send(token, ME, { "x-request-id": given })).headers.get("x-request-id");
        expect(returned).toMatch(/^[A-Za-z0-9._:-]{8,128}$/);
        expect(returned).not.toBe(given);
      }
    });

    it("returns the request id on 401 refusals too", async () => {
      const response = await send("Basic xyz", ME, { "x-request-id": "refused-request-1" });
      expect(response.status).toBe(401);
      expect(response.headers.get("x-request-id")).toBe("refused-request-1");
    });
  });
});
