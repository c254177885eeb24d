import { HelpgateError } from "../../src/errors";
import { identify } from "../../src/auth/provider-tokens";

// Which caller a verified provider token names, for the token shapes Entra ID and other
// providers issue.
const OID = "3f2b8c1e-6d4a-4b7e-9c21-5a8d0e7f1b34";

function refusalOf(claims: Record<string, unknown>): string {
  try {
    identify(claims);
  } catch (error) {
    if (error instanceof HelpgateError && error.code === "UNAUTHENTICATED") return error.message;
    throw error;
  }
  throw new Error("expected a refusal");
}

describe("the identity a provider token names", () => {
  it("is the user named by oid in an Entra user token, whatever its preferred_username", () => {
    expect(identify({ oid: OID, sub: "pairwise-sub", scp: "access_as_user", preferred_username: "someone.else@contoso.com" })).toEqual({
      kind: "user",
      oid: OID,
      preferredUsername: null,
    });
  });

  it("falls back to preferred_username, then upn, only when there is no oid", () => {
    expect(identify({ sub: "x", preferred_username: "grace.kim@contoso.com" })).toEqual({ kind: "user", oid: null, preferredUsername: "grace.kim@contoso.com" });
    expect(identify({ sub: "x", scp: "User.Read", upn: "ada@contoso.com" })).toEqual({ kind: "user", oid: null, preferredUsername: "ada@contoso.com" });
  });

  it("is an app for idtyp app, named by azp, with its roles", () => {
    expect(identify({ idtyp: "app", oid: OID, sub: OID, azp: "5c1e2d3f-0000-4000-8000-000000000001", roles: ["User.ReadWrite.All", 7] })).toEqual({
      kind: "app",
      appId: "5c1e2d3f-0000-4000-8000-000000000001",
      roles: ["User.ReadWrite.All"],
    });
  });

  it("is an app without idtyp when the token has no scp, no user name and oid equal to sub (Entra v1), named by appid", () => {
    expect(identify({ oid: OID, sub: OID, appid: "nightly-licensing", roles: [] })).toEqual({ kind: "app", appId: "nightly-licensing", roles: [] });
    expect(identify({ sub: "reader-bot", client_id: "reader-bot" })).toEqual({ kind: "app", appId: "reader-bot", roles: [] });
  });

  it("never reads wids or roles of a user token", () => {
    expect(identify({ oid: OID, sub: "s", wids: ["62e90394-69f5-4237-9190-012177145e10"], roles: ["Directory.Read.All"] })).toEqual({ kind: "user", oid: OID, preferredUsername: null });
  });

  it("refuses an app token that names no application, and a user token that names no user", () => {
    expect(refusalOf({ idtyp: "app", roles: [] })).toMatch(/names no application: it needs an 'azp', 'appid' or 'client_id' claim/);
    expect(refusalOf({ idtyp: "user", sub: "x" })).toMatch(/names no user: it needs an 'oid' claim/);
  });
});
