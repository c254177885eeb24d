import { createTestDatabase, type TestDatabase } from "../support/database";
import { TestGateway } from "../support/harness";

/**
 * Operations run compiled (graphql-jit, GRAPHQL_COMPILE_AFTER=0) answer exactly as they do on
 * graphql-js (GRAPHQL_COMPILE_AFTER=never): two gateways on one database, the same requests,
 * the same status and the same JSON, errors included (only the request id differs).
 */
describe("compiled execution", () => {
  let database: TestDatabase;
  let compiled: TestGateway;
  let interpreted: TestGateway;

  beforeAll(async () => {
    database = await createTestDatabase();
    compiled = await TestGateway.start({ DATABASE_URL: database.url, GRAPHQL_COMPILE_AFTER: "0" });
    interpreted = await TestGateway.start({ DATABASE_URL: database.url, GRAPHQL_COMPILE_AFTER: "never" });
    // The demo tenant's group licenses are processed in the background, by either gateway: wait
    // until none is left, so that both answers of a comparison read the same rows.
    do {
      await compiled.settle();
      await interpreted.settle();
    } while ((await compiled.app.services.licensing.processor.pending()) > 0);
  });

  afterAll(async () => {
    await compiled?.stop();
    await interpreted?.stop();
    await database?.drop();
  });

  /** The status and the body as sent, with request ids taken out. */
  async function answer(gateway: TestGateway, as: string | null, query: string, variables: Record<string, unknown> = {}): Promise<{ status: number; body: unknown }> {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (as !== null) headers.authorization = `Bearer ${await gateway.tokenFor(as)}`;
    const response = await fetch(gateway.url, { method: "POST", headers, body: JSON.stringify({ query, variables }) });
    const text = await response.text();
    return { status: response.status, body: JSON.parse(text.replace(/"requestId":"[^"]*"/g, '"requestId":"-"')) };
  }

  async function same(as: string | null, query: string, variables: Record<string, unknown> = {}): Promise<{ status: number; body: any }> {
    const expected = await answer(interpreted, as, query, variables);
    // Twice: the first run compiles, the second runs what was compiled.
    expect(await answer(compiled, as, query, variables)).toEqual(expected);
    expect(await answer(compiled, as, query, variables)).toEqual(expected);
    return expected;
  }

  const PAGE = `
    query Page($first: Int!, $withGroups: Boolean!, $skipMail: Boolean!) {
      users(first: $first) {
        totalCount
        pageInfo { hasNextPage endCursor }
        edges { cursor node { ...Who mail @skip(if: $skipMail) memberOf @include(if: $withGroups) { id displayName } } }
      }
    }
    fragment Who on User { __typename id name: displayName accountEnabled createdDateTime licenseAssignmentStates { skuId state error assignedByGroup } }`;

  it("answers a directory page with fragments, aliases, @skip and @include, enums and dates alike", async () => {
    const { status, body } = await same("admin", PAGE, { first: 20, withGroups: true, skipMail: false });
    expect(status).toBe(200);
    expect(body.data.users.edges.length).toBe(20);
    expect(body.data.users.edges[0].node).toHaveProperty("memberOf");
    const skipped = await same("admin", PAGE, { first: 5, withGroups: false, skipMail: true });
    expect(skipped.body.data.users.edges[0].node).not.toHaveProperty("memberOf");
    expect(skipped.body.data.users.edges[0].node).not.toHaveProperty("mail");
  });

  it("tells the types behind node(id:) and a group's members, users and groups alike", async () => {
    const { group } = (await compiled.ok("admin", '{ groups(first: 50) { edges { node { id displayName } } } }')).groups.edges.map((e: any) => ({ group: e.node }))[0];
    const user = (await compiled.ok("admin", "{ me { id } }")).me;
    const { body } = await same(
      "admin",
      `query($ids: [ID!]!, $group: ID!) {
        nodes(ids: $ids) { __typename id ... on User { userPrincipalName } ... on Group { displayName mailNickname } }
        group(id: $group) { members(first: 10) { edges { node { __typename id displayName ... on User { jobTitle } ... on Group { securityEnabled } } } } }
      }`,
      { ids: [user.id, group.id], group: group.id },
    );
    expect(body.data.nodes.map((n: any) => n.__typename)).toEqual(["User", "Group"]);
  });

  it("refuses alike: an unknown id, a caller without the permission, a variable of the wrong type", async () => {
    const missing = await same("admin", 'query { user(id: "00000000-0000-0000-0000-000000000000") { id displayName } }');
    expect(missing.body.data.user).toBeNull();
    const forbidden = await same("ada.lovelace", 'mutation { createGroup(input: { displayName: "Not Allowed", mailNickname: "notallowed" }) { id } }');
    expect(forbidden.body.errors[0].extensions.code).toBe("FORBIDDEN");
    expect(forbidden.body.data).toBeNull();
    const coercion = await same("admin", PAGE, { first: "twenty", withGroups: true, skipMail: false });
    expect(coercion.status).toBe(400);
    expect(coercion.body).not.toHaveProperty("data");
    expect(coercion.body.errors[0].extensions.code).toBe("BAD_USER_INPUT");
    const licenseRefused = await same(
      "admin",
      'mutation($user: ID!) { assignLicense(userId: $user, addLicenses: [{ skuId: "00000000-0000-0000-0000-000000000001" }]) { id } }',
      { user: (await compiled.ok("admin", "{ me { id } }")).me.id },
    );
    expect(licenseRefused.body.errors[0].extensions.code).toEqual(expect.any(String));
  });

  it("answers the public content, the products and the audit log alike", async () => {
    const { body } = await same(
      "admin",
      `{
        supportTopic(id: "32570959") { id articles { articleId pageTitle recommendedSteps { text } } }
        troubleshoot(errorCode: "CountViolation") { article { articleId } steps { text } }
        subscribedSkus { skuId skuPartNumber capabilityStatus consumedUnits prepaidUnits { enabled } servicePlans { servicePlanName provisioningStatus } }
        directoryAudits(first: 5) { edges { node { id activityDateTime activityDisplayName result initiatedBy { user { id } } } } }
      }`,
    );
    expect(body.data.subscribedSkus.length).toBeGreaterThan(0);
  });
});
