import { randomUUID } from "node:crypto";
import { importJWK, SignJWT, UnsecuredJWT, type JWK, type JWTPayload } from "jose";
import { SKU } from "../support/catalog-ids";
import { refusal, TestGateway, type GraphQLResponse } from "../support/harness";
import { HELPGATE_AUDIENCE, IdentityProvider, signingKey } from "../support/identity-provider";

// helpgate against a real OpenID Connect provider (oidc-provider, in a child process): users
// signed in at a portal with authorization code + PKCE, and apps with client credentials.

const GLOBAL_ADMINISTRATOR = "62e90394-69f5-4237-9190-012177145e10";
const CALLER_FIELDS = "caller { kind id displayName appPermissions permissions directoryRoles { displayName } user { userPrincipalName } servicePrincipal { appId } }";
const CALLER = `{ ${CALLER_FIELDS} }`;
const ASSIGN = "mutation($u: ID!, $sku: ID!) { assignLicense(userId: $u, addLicenses: [{ skuId: $sku }]) { assignedLicenses { skuId } } }";
const NOBODY = "00000000-0000-4000-8000-000000000000";
const APP_PERMISSION_VALUES = {
  DIRECTORY_READ_ALL: "Directory.Read.All",
  USER_READWRITE_ALL: "User.ReadWrite.All",
  GROUP_READWRITE_ALL: "Group.ReadWrite.All",
  LICENSEASSIGNMENT_READWRITE_ALL: "LicenseAssignment.ReadWrite.All",
  ORGANIZATION_READWRITE_ALL: "Organization.ReadWrite.All",
  AUDITLOG_READ_ALL: "AuditLog.Read.All",
};
/** One operation per column of README's permission table; each fails harmlessly (NOT_FOUND) when allowed, FORBIDDEN when not. */
const PROBES: Record<string, string> = {
  "read directory": "{ users(first: 1) { totalCount } }",
  "audit log": "{ directoryAudits(first: 1) { totalCount } }",
  "create, update users": `mutation { updateUser(id: "${NOBODY}", input: { jobTitle: "Probe" }) { id } }`,
  "delete users": `mutation { deleteUser(id: "${NOBODY}") }`,
  "usage location": `mutation { updateUser(id: "${NOBODY}", input: { usageLocation: "US" }) { id } }`,
  "create, update groups; members": `mutation { updateGroup(id: "${NOBODY}", input: { description: "Probe" }) { id } }`,
  "delete groups": `mutation { deleteGroup(id: "${NOBODY}") }`,
  "users' licenses": `mutation { assignLicense(userId: "${NOBODY}", addLicenses: [{ skuId: "${SKU.E1}" }]) { id } }`,
  "groups' licenses": `mutation { assignGroupLicense(groupId: "${NOBODY}", addLicenses: [{ skuId: "${SKU.E1}" }]) { id } }`,
  organization: "mutation { updateOrganization(input: {}) { id } }",
  subscriptions: `mutation { updateSubscription(skuId: "${NOBODY}", capabilityStatus: Enabled) { skuId } }`,
  roles: `mutation { assignDirectoryRole(roleTemplateId: "${GLOBAL_ADMINISTRATOR}", userId: "${NOBODY}") { id } }`,
  apps: `mutation { deleteServicePrincipal(id: "${NOBODY}") }`,
};
const CREATE_USER = 'mutation { createUser(input: { displayName: "Bot Made", userPrincipalName: "bot.made@contoso.com", accountEnabled: true }) { id } }';

describe("signing in with an OpenID Connect provider", () => {
  let firstKey: JWK;
  let provider: IdentityProvider;
  let gateway: TestGateway;
  let tenant: string;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    firstKey = await signingKey("key-1");
    provider = await IdentityProvider.start([firstKey]);
    gateway = await TestGateway.start({ AUTH_ISSUER: provider.issuer, AUTH_AUDIENCE: HELPGATE_AUDIENCE, AUTH_KEYS_COOLDOWN_SECONDS: "1" });
    tenant = await gateway.app.services.organization.tenantId();
    for (const name of ["admin", "omar.haddad", "grace.kim", "old.account", "yuki.tanaka"]) ids[name] = await gateway.userId(name);
    const user = (name: string) => ({ oid: ids[name], tid: tenant, preferred_username: `${name}@contoso.com` });
    await provider.setClaims({
      accounts: {
        admin: user("admin"),
        // Claims a user's token may carry but that never decide what the user may do.
        omar: { ...user("omar.haddad"), wids: [GLOBAL_ADMINISTRATOR], roles: ["User.ReadWrite.All"] },
        grace: { tid: tenant, preferred_username: "grace.kim@contoso.com" },
        disabled: user("old.account"),
        stranger: { oid: randomUUID(), tid: tenant, preferred_username: "stranger@contoso.com" },
        foreigner: { ...user("admin"), tid: randomUUID() },
      },
      clients: {
        "licensing-bot": { tid: tenant, azp: "licensing-bot", idtyp: "app", roles: ["LicenseAssignment.ReadWrite.All", "User.ReadWrite.All"] },
        "unregistered-bot": { tid: tenant, azp: "unregistered-bot", idtyp: "app", roles: ["Directory.Read.All"] },
        // Entra v1 style: no idtyp, the app named by appid.
        "reader-bot": { tid: tenant, appid: "reader-bot", roles: [] },
        "matrix-bot": { tid: tenant, azp: "matrix-bot", idtyp: "app", roles: Object.values(APP_PERMISSION_VALUES) },
      },
    });
  }, 60_000);

  afterAll(async () => {
    await gateway?.stop();
    await provider?.stop();
  });

  function send(token: string, query: string, variables: Record<string, unknown> = {}, target = gateway): Promise<GraphQLResponse> {
    return target.post(JSON.stringify({ query, variables }), { "content-type": "application/json", authorization: `Bearer ${token}` });
  }

  async function ok(token: string, query: string, variables: Record<string, unknown> = {}): Promise<any> {
    const response = await send(token, query, variables);
    if (response.errors?.length) throw new Error(`unexpected GraphQL errors: ${JSON.stringify(response.errors, null, 2)}`);
    return response.data;
  }

  function expectRefused(response: GraphQLResponse, message: RegExp): void {
    expect(response.status).toBe(401);
    expect(response.data).toBeNull();
    const error = refusal(response);
    expect(error.code).toBe("UNAUTHENTICATED");
    expect(error.message).toMatch(message);
    expect(response.headers.get("www-authenticate")).toMatch(/^Bearer /);
  }

  /** A token with the provider's published key but claims of the test's choosing. */
  async function forged(claims: JWTPayload, key: JWK = firstKey): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ iss: provider.issuer, aud: HELPGATE_AUDIENCE, tid: tenant, oid: ids.admin, iat: now, exp: now + 600, ...claims })
      .setProtectedHeader({ alg: key.alg!, kid: key.kid, typ: "at+jwt" })
      .sign(await importJWK(key, key.alg));
  }

  describe("users signed in at a portal", () => {
    it("reach me with a token from an authorization-code + PKCE sign-in, and may do what their roles allow", async () => {
      const token = await provider.userToken("admin");
      const data = await ok(token, `{ me { userPrincipalName } ${CALLER_FIELDS} }`);
      expect(data.me).toEqual({ userPrincipalName: "admin@contoso.com" });
      expect(data.caller).toMatchObject({ kind: "USER", id: ids.admin, user: { userPrincipalName: "admin@contoso.com" }, servicePrincipal: null, appPermissions: [] });
      expect(data.caller.directoryRoles).toEqual([{ displayName: "Global Administrator" }]);
      expect(data.caller.permissions).toEqual(expect.arrayContaining(["apps.manage", "users.manage", "licenses.manage"]));
      const anonymous = await gateway.post(JSON.stringify({ query: "{ caller { kind } }" }), { "content-type": "application/json" });
      expect(anonymous.data).toEqual({ caller: null });
    });

    it("get their permissions from directory roles only: wids and roles in the token are ignored", async () => {
      const token = await provider.userToken("omar");
      const data = await ok(token, CALLER);
      expect(data.caller.directoryRoles).toEqual([{ displayName: "License Administrator" }]);
      expect(data.caller.permissions).not.toContain("users.manage");
      expect(refusal(await send(token, CREATE_USER)).code).toBe("FORBIDDEN");
      const updated = await ok(token, 'mutation($id: ID!) { updateUser(id: $id, input: { usageLocation: "JP" }) { usageLocation } }', { id: ids["yuki.tanaka"] });
      expect(updated.updateUser).toEqual({ usageLocation: "JP" });
    });

    it("are found by preferred_username when the token has no oid claim", async () => {
      const data = await ok(await provider.userToken("grace"), "{ me { userPrincipalName } }");
      expect(data.me).toEqual({ userPrincipalName: "grace.kim@contoso.com" });
    });

    it("are refused, saying why, when the oid names nobody in the directory or a disabled account", async () => {
      expectRefused(await send(await provider.userToken("stranger"), "{ me { id } }"), /does not exist in this directory/);
      expectRefused(await send(await provider.userToken("disabled"), "{ me { id } }"), /disabled \(accountEnabled is false\)/);
    });

    it("cannot use the gateway's own HS256 tokens once an identity provider is configured (DEV_TOKENS unset)", async () => {
      const devToken = await gateway.app.services.tokens.sign({ oid: ids.admin, preferredUsername: "admin@contoso.com" }, 600);
      expectRefused(await send(devToken, "{ me { id } }"), /Development tokens .* are turned off.*DEV_TOKENS=true/);
    });
  });

  describe("apps with client credentials", () => {
    let servicePrincipalId: string;

    it("are refused until a Global Administrator registers them", async () => {
      expectRefused(await send(await provider.appToken("unregistered-bot"), "{ organization { id } }"), /application 'unregistered-bot' is not registered.*createServicePrincipal/);
    });

    it("may be registered and granted permissions by a Global Administrator only", async () => {
      const admin = await provider.userToken("admin");
      const omar = await provider.userToken("omar");
      const create = 'mutation($appId: String!) { createServicePrincipal(input: { appId: $appId, displayName: "Licensing bot" }) { id appId displayName } }';
      expect(refusal(await send(omar, create, { appId: "licensing-bot" })).code).toBe("FORBIDDEN");
      const created = await ok(admin, create, { appId: "licensing-bot" });
      servicePrincipalId = created.createServicePrincipal.id;
      expect(created.createServicePrincipal).toMatchObject({ appId: "licensing-bot", displayName: "Licensing bot" });
      expect(refusal(await send(admin, create, { appId: "Licensing-Bot" })).code).toBe("CONFLICT");
      const badId = refusal(await send(admin, create, { appId: "has spaces" }));
      expect(badId.code).toBe("BAD_USER_INPUT");
      expect(badId.message).toMatch(/appId 'has spaces' is not an application id/);

      const grant = "mutation($id: ID!, $p: AppPermission!) { grantAppPermission(servicePrincipalId: $id, permission: $p) { appPermissions { permission value } } }";
      expect(refusal(await send(omar, grant, { id: servicePrincipalId, p: "LICENSEASSIGNMENT_READWRITE_ALL" })).code).toBe("FORBIDDEN");
      const granted = await ok(admin, grant, { id: servicePrincipalId, p: "LICENSEASSIGNMENT_READWRITE_ALL" });
      expect(granted.grantAppPermission.appPermissions).toEqual([{ permission: "LICENSEASSIGNMENT_READWRITE_ALL", value: "LicenseAssignment.ReadWrite.All" }]);
      expect(refusal(await send(admin, grant, { id: servicePrincipalId, p: "LICENSEASSIGNMENT_READWRITE_ALL" })).code).toBe("CONFLICT");

      const listed = await ok(omar, "{ servicePrincipals(first: 10) { totalCount edges { node { appId } } } servicePrincipal(appId: \"licensing-bot\") { id } }");
      expect(listed.servicePrincipals).toEqual({ totalCount: 1, edges: [{ node: { appId: "licensing-bot" } }] });
      expect(listed.servicePrincipal).toEqual({ id: servicePrincipalId });
      expect(refusal(await send(omar, "{ servicePrincipal { id } }")).message).toBe("Name the service principal by id or by appId.");
      expect(refusal(await send(omar, '{ servicePrincipal(id: "42") { id } }')).code).toBe("BAD_USER_INPUT");

      const audits = await ok(admin, "query($id: ID) { directoryAudits(first: 10, filter: { targetId: $id }) { edges { node { activityDisplayName category result initiatedBy { user { userPrincipalName } } targetResources { type modifiedProperties { displayName newValue } } } } } }", { id: servicePrincipalId });
      const entries = audits.directoryAudits.edges.map((edge: any) => edge.node);
      const succeeded = entries.filter((entry: any) => entry.result === "success");
      expect(succeeded.map((entry: any) => entry.activityDisplayName)).toEqual(["Add app role assignment to service principal", "Add service principal"]);
      expect(succeeded[0]).toMatchObject({
        category: "ApplicationManagement",
        initiatedBy: { user: { userPrincipalName: "admin@contoso.com" } },
        targetResources: [{ type: "ServicePrincipal", modifiedProperties: [{ displayName: "AppRole.Value", newValue: '"LicenseAssignment.ReadWrite.All"' }] }],
      });
    });

    it("with LicenseAssignment.ReadWrite.All may assign a license but not create a user, and are audited as the app", async () => {
      const token = await provider.appToken("licensing-bot");
      const data = await ok(token, `{ me { id } ${CALLER_FIELDS} }`);
      expect(data.me).toBeNull();
      expect(data.caller).toMatchObject({
        kind: "APP",
        id: servicePrincipalId,
        displayName: "Licensing bot",
        servicePrincipal: { appId: "licensing-bot" },
        user: null,
        directoryRoles: [],
        // The token also lists User.ReadWrite.All, which helpgate never granted.
        appPermissions: ["LICENSEASSIGNMENT_READWRITE_ALL"],
      });
      expect(data.caller.permissions).toEqual(["directory.read", "groupLicenses.manage", "licenses.manage"]);

      const assigned = await ok(token, ASSIGN, { u: ids["yuki.tanaka"], sku: SKU.MCOSTANDARD });
      expect(assigned.assignLicense.assignedLicenses).toEqual([{ skuId: SKU.MCOSTANDARD }]);
      expect(refusal(await send(token, CREATE_USER)).code).toBe("FORBIDDEN");

      const admin = await provider.userToken("admin");
      const audits = await ok(
        admin,
        "query($id: ID) { directoryAudits(first: 5, filter: { initiatedById: $id }) { edges { node { activityDisplayName result initiatedBy { user { id } app { appId displayName servicePrincipalId } } } } } }",
        { id: servicePrincipalId },
      );
      const entries = audits.directoryAudits.edges.map((edge: any) => edge.node);
      expect(entries).toContainEqual({
        activityDisplayName: "Change user license",
        result: "success",
        initiatedBy: { user: null, app: { appId: "licensing-bot", displayName: "Licensing bot", servicePrincipalId } },
      });
      expect(entries).toContainEqual(expect.objectContaining({ activityDisplayName: "Add user", result: "failure" }));
    });

    it("may do only what is both granted and in the token's roles", async () => {
      const admin = await provider.userToken("admin");
      const created = await ok(admin, 'mutation { createServicePrincipal(input: { appId: "reader-bot", displayName: "Reader" }) { id } }');
      await ok(admin, "mutation($id: ID!) { grantAppPermission(servicePrincipalId: $id, permission: DIRECTORY_READ_ALL) { id } }", { id: created.createServicePrincipal.id });
      const token = await provider.appToken("reader-bot");
      const data = await ok(token, `{ me { id } ${CALLER_FIELDS} }`);
      expect(data.me).toBeNull();
      expect(data.caller).toMatchObject({ kind: "APP", appPermissions: [], permissions: [] });
      expect(refusal(await send(token, "{ users(first: 1) { totalCount } }")).code).toBe("FORBIDDEN");
    });

    it("lose what is revoked, and are refused once their service principal is deleted", async () => {
      const admin = await provider.userToken("admin");
      const token = await provider.appToken("licensing-bot");
      await ok(admin, "mutation($id: ID!) { revokeAppPermission(servicePrincipalId: $id, permission: LICENSEASSIGNMENT_READWRITE_ALL) { appPermissions { value } } }", { id: servicePrincipalId });
      expect(refusal(await send(token, ASSIGN, { u: ids["yuki.tanaka"], sku: SKU.MCOSTANDARD })).code).toBe("FORBIDDEN");
      expect(await ok(admin, "mutation($id: ID!) { deleteServicePrincipal(id: $id) }", { id: servicePrincipalId })).toEqual({ deleteServicePrincipal: servicePrincipalId });
      expectRefused(await send(token, CALLER), /application 'licensing-bot' is not registered/);
    });
  });

  describe("application permissions", () => {
    it.each([
      ["DIRECTORY_READ_ALL", ["read directory"]],
      ["USER_READWRITE_ALL", ["read directory", "create, update users", "delete users", "usage location"]],
      ["GROUP_READWRITE_ALL", ["read directory", "create, update groups; members", "delete groups", "groups' licenses"]],
      ["LICENSEASSIGNMENT_READWRITE_ALL", ["read directory", "users' licenses", "groups' licenses"]],
      ["ORGANIZATION_READWRITE_ALL", ["read directory", "organization", "subscriptions"]],
      ["AUDITLOG_READ_ALL", ["audit log"]],
    ])("%s allows exactly %j", async (permission, allowed) => {
      const admin = await provider.userToken("admin");
      const existing = await ok(admin, '{ servicePrincipal(appId: "matrix-bot") { id } }');
      const id: string =
        existing.servicePrincipal?.id ??
        (await ok(admin, 'mutation { createServicePrincipal(input: { appId: "matrix-bot", displayName: "Matrix" }) { id } }')).createServicePrincipal.id;
      const granted = await ok(admin, "query($id: ID!) { servicePrincipal(id: $id) { appPermissions { permission } } }", { id });
      for (const { permission: old } of granted.servicePrincipal.appPermissions) {
        await ok(admin, "mutation($id: ID!, $p: AppPermission!) { revokeAppPermission(servicePrincipalId: $id, permission: $p) { id } }", { id, p: old });
      }
      await ok(admin, "mutation($id: ID!, $p: AppPermission!) { grantAppPermission(servicePrincipalId: $id, permission: $p) { id } }", { id, p: permission });

      const token = await provider.appToken("matrix-bot");
      const permitted: string[] = [];
      for (const [column, probe] of Object.entries(PROBES)) {
        const response = await send(token, probe);
        expect(response.status).not.toBe(500);
        if (response.errors?.[0]?.extensions.code !== "FORBIDDEN") permitted.push(column);
      }
      expect(permitted).toEqual(allowed);
    });
  });

  describe("refuses with 401, saying why", () => {
    it("a token for another API (wrong audience)", async () => {
      expectRefused(await send(await provider.appToken("unregistered-bot", "api://another-api"), "{ me { id } }"), /audience 'api:\/\/another-api'.*'api:\/\/helpgate' \(AUTH_AUDIENCE\)/);
    });

    it("a token from another issuer, even signed with a key the provider publishes", async () => {
      expectRefused(await send(await forged({ iss: "https://login.example.com/" }), "{ me { id } }"), /issued by 'https:\/\/login.example.com\/'.*\(AUTH_ISSUER\)/);
    });

    it("a token for another tenant", async () => {
      expectRefused(await send(await provider.userToken("foreigner"), "{ me { id } }"), /issued for tenant [0-9a-f-]{36}; this helpgate serves tenant/);
      expectRefused(await send(await forged({ tid: undefined }), "{ me { id } }"), /no 'tid' \(tenant id\) claim/);
    });

    it("an expired token (beyond the minute of clock skew)", async () => {
      const past = Math.floor(Date.now() / 1000) - 3600;
      expectRefused(await send(await forged({ iat: past - 600, exp: past }), "{ me { id } }"), /has expired/);
    });

    it("an unsigned token, and one whose signature does not match", async () => {
      const unsigned = new UnsecuredJWT({ oid: ids.admin, tid: tenant }).setIssuer(provider.issuer).setAudience(HELPGATE_AUDIENCE).setExpirationTime("10m").encode();
      expectRefused(await send(unsigned, "{ me { id } }"), /must be signed with RS256, ES256, PS256; unsigned/);
      const impostor = { ...(await signingKey("key-1")) };
      expectRefused(await send(await forged({}, impostor), "{ me { id } }"), /signature does not verify/);
    });
  });

  describe("key rotation", () => {
    it("accepts tokens signed with the provider's new key without a restart, and refuses the rotated-out key's", async () => {
      const adminBefore = await provider.userToken("admin");
      await ok(adminBefore, "{ me { id } }");
      const [rsa, ec, pss] = [await signingKey("key-2"), await signingKey("key-3", "ES256"), await signingKey("key-4", "PS256")];
      await provider.rotateKeys([rsa, ec, pss]);
      // The gateway fetched the keys less than AUTH_KEYS_COOLDOWN_SECONDS (1 s here) ago: let the cooldown pass.
      await new Promise((resolve) => setTimeout(resolve, 1_200));
      const after = await provider.userToken("admin");
      expect((await ok(after, "{ me { userPrincipalName } }")).me).toEqual({ userPrincipalName: "admin@contoso.com" });
      expectRefused(await send(adminBefore, "{ me { id } }"), /key the identity provider does not publish \(an unknown or rotated-out 'kid'\)/);
      // ES256 and PS256 keys the provider publishes are accepted too.
      for (const key of [ec, pss]) expect((await send(await forged({}, key), "{ me { userPrincipalName } }")).data).toEqual({ me: { userPrincipalName: "admin@contoso.com" } });
    });

    it("fetches the keys at most once per cooldown however many unknown kids arrive", async () => {
      const other = await TestGateway.start({ AUTH_ISSUER: provider.issuer, AUTH_AUDIENCE: HELPGATE_AUDIENCE });
      try {
        const otherTenant = await other.app.services.organization.tenantId();
        const admin = await other.userId("admin");
        await provider.setClaims({ accounts: { "other-admin": { oid: admin, tid: otherTenant } } });
        expect((await send(await provider.userToken("other-admin"), "{ me { userPrincipalName } }", {}, other)).data).toEqual({ me: { userPrincipalName: "admin@contoso.com" } });
        const fetched = await provider.jwksRequests();
        const stranger = await signingKey("unknown");
        for (let i = 0; i < 20; i++) {
          const response = await send(await forged({ tid: otherTenant, oid: admin }, { ...stranger, kid: `unknown-${i}` }), "{ me { id } }", {}, other);
          expect(response.status).toBe(401);
        }
        expect(await provider.jwksRequests()).toBe(fetched);
      } finally {
        await other.stop();
      }
    });
  });

  describe("when the provider can't be used", () => {
    it("answers 503 naming the mismatch when the discovery document names another issuer than AUTH_ISSUER", async () => {
      const token = await provider.userToken("admin");
      const misconfigured = await TestGateway.start({ AUTH_ISSUER: `${provider.issuer}/`, AUTH_AUDIENCE: HELPGATE_AUDIENCE, AUTH_TENANT_ID: tenant });
      try {
        const response = await send(token, "{ me { id } }", {}, misconfigured);
        expect(response.status).toBe(503);
        expect(refusal(response).message).toMatch(/discovery document names issuer 'http:\/\/127\.0\.0\.1:\d+', not AUTH_ISSUER 'http:\/\/127\.0\.0\.1:\d+\/'/);
      } finally {
        await misconfigured.stop();
      }
    });

    it("answers 503 SERVICE_UNAVAILABLE with Retry-After and never lets the caller in; development tokens, when allowed, still work", async () => {
      const token = await provider.userToken("admin");
      const fresh = await TestGateway.start({ AUTH_ISSUER: provider.issuer, AUTH_AUDIENCE: HELPGATE_AUDIENCE, AUTH_TENANT_ID: tenant, DEV_TOKENS: "true" });
      try {
        await provider.stop();
        const response = await send(token, "{ me { id } }", {}, fresh);
        expect(response.status).toBe(503);
        expect(response.data).toBeNull();
        const error = refusal(response);
        expect(error.code).toBe("SERVICE_UNAVAILABLE");
        expect(error.extensions.retryable).toBe(true);
        expect(error.message).toMatch(/identity provider \(http:\/\/127\.0\.0\.1:\d+\) could not be reached/);
        expect(Number(response.headers.get("retry-after"))).toBeGreaterThan(0);
        // With DEV_TOKENS=true the gateway's own tokens still work: they need no provider.
        expect((await fresh.gql("grace.kim", "{ me { userPrincipalName } }")).data).toEqual({ me: { userPrincipalName: "grace.kim@contoso.com" } });
      } finally {
        await fresh.stop();
      }
    });
  });
});
