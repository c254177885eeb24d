import fs from "node:fs";
import path from "node:path";
import { buildSchema } from "graphql";
import { INSUFFICIENT_PRIVILEGES } from "../../src/errors";
import { DIRECTORY_READERS, DIRECTORY_WRITERS, GROUPS_ADMINISTRATOR } from "../../src/directory/roles";
import { refusal, TestGateway, type GraphQLResponse } from "../support/harness";

/**
 * Every role against every mutation, through the GraphQL API: each allowed pair changes what it
 * should, each refused one answers FORBIDDEN (UNAUTHENTICATED without a token), leaves a failure
 * entry in the audit log and changes nothing. The mutations come from schema.graphql (which a
 * schema test keeps equal to the code's), so a new mutation fails here until it has a row.
 */
const MUTATIONS = Object.keys(
  buildSchema(fs.readFileSync(path.join(__dirname, "../../schema.graphql"), "utf8")).getMutationType()!.getFields(),
).sort();

type Role = "Global Administrator" | "User Administrator" | "License Administrator" | "Groups Administrator" | "Directory Writers" | "Global Reader" | "Directory Readers" | "no role";
/** A caller by role: the demo accounts, and two users given the newer roles before the tests. */
const CALLERS: { role: Role; upn: string | null }[] = [
  { role: "Global Administrator", upn: "admin" },
  { role: "User Administrator", upn: "lena.fischer" },
  { role: "License Administrator", upn: "omar.haddad" },
  { role: "Groups Administrator", upn: "groups.admin" },
  { role: "Directory Writers", upn: "directory.writer" },
  { role: "Global Reader", upn: "grace.kim" },
  { role: "Directory Readers", upn: "priya.nair" },
  { role: "no role", upn: "ada.lovelace" },
  { role: "no role", upn: null },
];

type Vars = Record<string, unknown>;

/**
 * One row of the matrix: `prepare` builds fresh targets as the Global Administrator and returns
 * the variables; `observe` reads (as the Global Administrator) what the mutation would change.
 */
interface MutationCase {
  field: string;
  name: string;
  allowed: Role[];
  mutation: string;
  prepare(): Promise<Vars>;
  observe(vars: Vars): Promise<unknown>;
}

let gateway: TestGateway;
let serial = 0;
const unique = (prefix: string) => `${prefix}${++serial}`;
/** A product of the demo tenant's new subscription, free of plan rules, with seats for every allowed assignment. */
const PRODUCT = "POWER_BI_PRO";
let productSkuId: string;
/** Products nobody subscribes to yet, one per addSubscription row. */
const UNSUBSCRIBED = ["VISIOCLIENT", "PROJECTPREMIUM", "EMSPREMIUM", "AAD_PREMIUM", "AAD_PREMIUM_P2", "ATP_ENTERPRISE", "INTUNE_A", "RIGHTSMANAGEMENT", "STREAM"];

const admin = <T = Record<string, any>>(query: string, vars: Vars = {}) => gateway.ok<T>("admin", query, vars);
const read = (query: string) => (vars: Vars) => admin(query, vars);

async function newUser(): Promise<string> {
  const input = { userPrincipalName: `${unique("matrix.user")}@contoso.com`, displayName: `Matrix User ${serial}`, usageLocation: "DE" };
  return (await admin("mutation($input: CreateUserInput!) { createUser(input: $input) { id } }", { input })).createUser.id;
}

async function newGroup(): Promise<string> {
  const input = { displayName: unique("Matrix Group "), description: "before" };
  return (await admin("mutation($input: CreateGroupInput!) { createGroup(input: $input) { id } }", { input })).createGroup.id;
}

async function newServicePrincipal(): Promise<string> {
  const input = { appId: unique("matrix-app-"), displayName: "Matrix app" };
  return (await admin("mutation($input: CreateServicePrincipalInput!) { createServicePrincipal(input: $input) { id } }", { input })).createServicePrincipal.id;
}

const assignRole = (userId: string, roleTemplateId: string) =>
  admin("mutation($u: ID!, $r: ID!) { assignDirectoryRole(userId: $u, roleTemplateId: $r) { id } }", { u: userId, r: roleTemplateId });
const addMember = (id: string, userId: string) => admin("mutation($id: ID!, $userId: ID!) { addGroupMember(groupId: $id, userId: $userId) { id } }", { id, userId });
const licenseGroup = (g: string) =>
  admin("mutation($g: ID!, $sku: ID!) { assignGroupLicense(groupId: $g, addLicenses: [{ skuId: $sku }]) { id } }", { g, sku: productSkuId });
const grant = (id: string) => admin("mutation($id: ID!) { grantAppPermission(servicePrincipalId: $id, permission: DIRECTORY_READ_ALL) { id } }", { id });

const userState = read("query($id: ID!) { user(id: $id) { displayName jobTitle usageLocation accountEnabled directoryRoles { id } assignedLicenses { skuId } } }");
const groupState = read("query($id: ID!) { group(id: $id) { displayName description assignedLicenses { skuId } members { edges { node { id } } } } }");
const appState = read("query($id: ID) { servicePrincipal(id: $id) { id appPermissions { value } } }");
/** Successful entries of one activity about one target: reprocessing changes nothing else a caller can see at once. */
const succeeded = (activity: string) => (vars: Vars) =>
  admin("query($id: ID!, $a: String) { directoryAudits(filter: { targetId: $id, activityDisplayName: $a, result: success }) { totalCount } }", { id: vars.id, a: activity });

const PLAN_RULES = (note: string) => ({
  mutuallyExclusive: [{ planA: "EXCHANGE_S_STANDARD", planB: "EXCHANGE_S_ENTERPRISE", note }],
  dependencies: [
    { plan: "WORKPLACE_ANALYTICS", requiresAnyOf: ["EXCHANGE_S_STANDARD", "EXCHANGE_S_ENTERPRISE"] },
    { plan: "MCOMEETADV", requiresAnyOf: ["MCOSTANDARD"] },
  ],
  locationRestrictions: [{ plan: "MCOMEETADV", countries: ["CU", "IR", "KP", "SY"] }],
  mailboxPlans: ["EXCHANGE_S_STANDARD", "EXCHANGE_S_ENTERPRISE", "EXCHANGE_S_DESKLESS", "EXCHANGE_S_ESSENTIALS"],
});

const GA: Role[] = ["Global Administrator"];
const USER_WRITERS: Role[] = ["Global Administrator", "User Administrator", "Directory Writers"];
const GROUP_WRITERS: Role[] = ["Global Administrator", "User Administrator", "Groups Administrator", "Directory Writers"];
const USER_LICENSERS: Role[] = ["Global Administrator", "User Administrator", "License Administrator", "Directory Writers"];
const GROUP_LICENSERS: Role[] = [...USER_LICENSERS, "Groups Administrator"];

const CASES: MutationCase[] = [
  {
    field: "createUser",
    name: "createUser",
    allowed: USER_WRITERS,
    mutation: 'mutation($upn: String!) { createUser(input: { userPrincipalName: $upn, displayName: "New User" }) { id } }',
    prepare: async () => ({ upn: `${unique("new.user")}@contoso.com` }),
    observe: read("query($upn: String) { user(userPrincipalName: $upn) { id } }"),
  },
  {
    field: "updateUser",
    name: "updateUser (a field other than usageLocation)",
    allowed: USER_WRITERS,
    mutation: 'mutation($id: ID!) { updateUser(id: $id, input: { jobTitle: "Changed" }) { id } }',
    prepare: async () => ({ id: await newUser() }),
    observe: userState,
  },
  {
    field: "updateUser",
    name: "updateUser (usageLocation alone)",
    allowed: USER_LICENSERS,
    mutation: 'mutation($id: ID!) { updateUser(id: $id, input: { usageLocation: "FR" }) { id } }',
    prepare: async () => ({ id: await newUser() }),
    observe: userState,
  },
  {
    field: "deleteUser",
    name: "deleteUser",
    allowed: ["Global Administrator", "User Administrator"],
    mutation: "mutation($id: ID!) { deleteUser(id: $id) }",
    prepare: async () => ({ id: await newUser() }),
    observe: userState,
  },
  {
    field: "createGroup",
    name: "createGroup",
    allowed: GROUP_WRITERS,
    mutation: "mutation($name: String!) { createGroup(input: { displayName: $name }) { id } }",
    prepare: async () => ({ name: unique("New Group ") }),
    observe: read("query($name: String) { groups(filter: { startsWith: $name }) { totalCount } }"),
  },
  {
    field: "updateGroup",
    name: "updateGroup",
    allowed: GROUP_WRITERS,
    mutation: 'mutation($id: ID!) { updateGroup(id: $id, input: { description: "after" }) { id } }',
    prepare: async () => ({ id: await newGroup() }),
    observe: groupState,
  },
  {
    field: "deleteGroup",
    name: "deleteGroup",
    allowed: ["Global Administrator", "User Administrator", "Groups Administrator"],
    mutation: "mutation($id: ID!) { deleteGroup(id: $id) }",
    prepare: async () => ({ id: await newGroup() }),
    observe: groupState,
  },
  {
    field: "addGroupMember",
    name: "addGroupMember",
    allowed: GROUP_WRITERS,
    mutation: "mutation($id: ID!, $userId: ID!) { addGroupMember(groupId: $id, userId: $userId) { id } }",
    prepare: async () => ({ id: await newGroup(), userId: await newUser() }),
    observe: groupState,
  },
  {
    field: "removeGroupMember",
    name: "removeGroupMember",
    allowed: GROUP_WRITERS,
    mutation: "mutation($id: ID!, $userId: ID!) { removeGroupMember(groupId: $id, userId: $userId) { id } }",
    prepare: async () => {
      const vars = { id: await newGroup(), userId: await newUser() };
      await addMember(vars.id, vars.userId);
      return vars;
    },
    observe: groupState,
  },
  {
    field: "assignDirectoryRole",
    name: "assignDirectoryRole",
    allowed: GA,
    mutation: `mutation($id: ID!) { assignDirectoryRole(userId: $id, roleTemplateId: "${DIRECTORY_READERS}") { id } }`,
    prepare: async () => ({ id: await newUser() }),
    observe: userState,
  },
  {
    field: "removeDirectoryRole",
    name: "removeDirectoryRole",
    allowed: GA,
    mutation: `mutation($id: ID!) { removeDirectoryRole(userId: $id, roleTemplateId: "${DIRECTORY_READERS}") { id } }`,
    prepare: async () => {
      const id = await newUser();
      await assignRole(id, DIRECTORY_READERS);
      return { id };
    },
    observe: userState,
  },
  {
    field: "updateOrganization",
    name: "updateOrganization",
    allowed: GA,
    mutation: "mutation($name: String!) { updateOrganization(input: { displayName: $name }) { id } }",
    prepare: async () => ({ name: unique("Contoso ") }),
    observe: read("{ organization { displayName defaultUsageLocation } }"),
  },
  {
    field: "assignLicense",
    name: "assignLicense",
    allowed: USER_LICENSERS,
    mutation: "mutation($id: ID!, $sku: ID!) { assignLicense(userId: $id, addLicenses: [{ skuId: $sku }]) { id } }",
    prepare: async () => ({ id: await newUser(), sku: productSkuId }),
    observe: userState,
  },
  {
    field: "reprocessUserLicenses",
    name: "reprocessUserLicenses",
    allowed: USER_LICENSERS,
    mutation: "mutation($id: ID!) { reprocessUserLicenses(userId: $id) { id } }",
    prepare: async () => ({ id: await newUser() }),
    observe: succeeded("Trigger user license recalculation"),
  },
  {
    field: "assignGroupLicense",
    name: "assignGroupLicense",
    allowed: GROUP_LICENSERS,
    mutation: "mutation($id: ID!, $sku: ID!) { assignGroupLicense(groupId: $id, addLicenses: [{ skuId: $sku }]) { id } }",
    prepare: async () => ({ id: await newGroup(), sku: productSkuId }),
    observe: groupState,
  },
  {
    field: "reprocessGroupLicenses",
    name: "reprocessGroupLicenses",
    allowed: GROUP_LICENSERS,
    mutation: "mutation($id: ID!) { reprocessGroupLicenses(groupId: $id) { id } }",
    prepare: async () => {
      const id = await newGroup();
      await licenseGroup(id);
      return { id };
    },
    observe: succeeded("Trigger group license recalculation"),
  },
  {
    field: "addSubscription",
    name: "addSubscription",
    allowed: GA,
    mutation: "mutation($part: String!) { addSubscription(skuPartNumber: $part, enabledUnits: 5) { skuId } }",
    prepare: async () => ({ part: UNSUBSCRIBED.shift() }),
    observe: read("query($part: String) { subscribedSku(skuPartNumber: $part) { skuId } }"),
  },
  {
    field: "updateSubscription",
    name: "updateSubscription",
    allowed: GA,
    mutation: "mutation($sku: ID!, $units: Int!) { updateSubscription(skuId: $sku, prepaidUnits: { enabled: $units }) { skuId } }",
    prepare: async () => ({ sku: productSkuId, units: 1000 + ++serial }),
    observe: read("query($sku: ID) { subscribedSku(skuId: $sku) { prepaidUnits { enabled } } }"),
  },
  {
    field: "setPlanRules",
    name: "setPlanRules",
    allowed: GA,
    mutation: "mutation($rules: PlanRulesInput!) { setPlanRules(rules: $rules) { mutuallyExclusive { note } } }",
    prepare: async () => ({ rules: PLAN_RULES(unique("Kept as the example, version ")) }),
    observe: read("{ planRules { mutuallyExclusive { note } } }"),
  },
  {
    field: "createServicePrincipal",
    name: "createServicePrincipal",
    allowed: GA,
    mutation: 'mutation($appId: String!) { createServicePrincipal(input: { appId: $appId, displayName: "New app" }) { id } }',
    prepare: async () => ({ appId: unique("new-app-") }),
    observe: read("query($appId: String) { servicePrincipal(appId: $appId) { id } }"),
  },
  {
    field: "deleteServicePrincipal",
    name: "deleteServicePrincipal",
    allowed: GA,
    mutation: "mutation($id: ID!) { deleteServicePrincipal(id: $id) }",
    prepare: async () => ({ id: await newServicePrincipal() }),
    observe: appState,
  },
  {
    field: "grantAppPermission",
    name: "grantAppPermission",
    allowed: GA,
    mutation: "mutation($id: ID!) { grantAppPermission(servicePrincipalId: $id, permission: DIRECTORY_READ_ALL) { id } }",
    prepare: async () => ({ id: await newServicePrincipal() }),
    observe: appState,
  },
  {
    field: "revokeAppPermission",
    name: "revokeAppPermission",
    allowed: GA,
    mutation: "mutation($id: ID!) { revokeAppPermission(servicePrincipalId: $id, permission: DIRECTORY_READ_ALL) { id } }",
    prepare: async () => {
      const id = await newServicePrincipal();
      await grant(id);
      return { id };
    },
    observe: appState,
  },
];

type Outcome = "allowed" | "FORBIDDEN" | "UNAUTHENTICATED";
const MATRIX = MUTATIONS.flatMap((field) => CASES.filter((c) => c.field === field)).flatMap((c) =>
  CALLERS.map(({ role, upn }) => ({
    c,
    upn,
    who: upn ? `${upn} (${role})` : "an anonymous caller",
    outcome: (upn === null ? "UNAUTHENTICATED" : c.allowed.includes(role) ? "allowed" : "FORBIDDEN") as Outcome,
  })),
);

/** Checks a refused write: one error with `code`, no data, and a failure audit entry by the caller with this request's id. */
async function expectRefusedAndAudited(response: GraphQLResponse, upn: string): Promise<void> {
  expect(response.data).toBeNull();
  expect(refusal(response)).toMatchObject({ code: "FORBIDDEN", message: INSUFFICIENT_PRIVILEGES });
  const id = await gateway.userId(upn);
  const data = await admin<{ directoryAudits: { edges: { node: Record<string, any> }[] } }>(
    `query($id: ID!) { directoryAudits(first: 1, filter: { initiatedById: $id, result: failure }) {
       edges { node { result resultReason correlationId initiatedBy { user { id } } } } } }`,
    { id },
  );
  expect(data.directoryAudits.edges[0]?.node).toEqual({
    result: "failure",
    resultReason: INSUFFICIENT_PRIVILEGES,
    correlationId: response.headers.get("x-request-id"),
    initiatedBy: { user: { id } },
  });
}

beforeAll(async () => {
  gateway = await TestGateway.start();
  for (const [upn, role] of [
    ["groups.admin", GROUPS_ADMINISTRATOR],
    ["directory.writer", DIRECTORY_WRITERS],
  ]) {
    const input = { userPrincipalName: `${upn}@contoso.com`, displayName: upn, usageLocation: "US" };
    const { createUser } = await admin("mutation($input: CreateUserInput!) { createUser(input: $input) { id } }", { input });
    await assignRole(createUser.id, role);
  }
  productSkuId = (await admin(`mutation { addSubscription(skuPartNumber: "${PRODUCT}", enabledUnits: 1000) { skuId } }`)).addSubscription.skuId;
});
afterAll(() => gateway.stop());

describe("every role against every mutation", () => {
  it("covers the mutations the API serves", async () => {
    const live = await admin<{ __type: { fields: { name: string }[] } }>('{ __type(name: "Mutation") { fields { name } } }');
    expect(live.__type.fields.map((field) => field.name).sort()).toEqual(MUTATIONS);
  });

  it.each(MUTATIONS)("has a row for %s", (field) => {
    expect(CASES.filter((c) => c.field === field).map((c) => c.name)).not.toEqual([]);
  });

  it.each(MATRIX)("$c.name by $who: $outcome", async ({ c, upn, outcome }) => {
    const vars = await c.prepare();
    const before = await c.observe(vars);
    const response = await gateway.gql(upn, c.mutation, vars);
    if (outcome === "allowed") {
      expect(response.errors).toBeUndefined();
      expect(await c.observe(vars)).not.toEqual(before);
      return;
    }
    if (outcome === "UNAUTHENTICATED") {
      expect(response.data).toBeNull();
      expect(refusal(response).code).toBe("UNAUTHENTICATED");
    } else {
      await expectRefusedAndAudited(response, upn!);
    }
    expect(await c.observe(vars)).toEqual(before);
  });
});

describe("the newer roles beyond mutations", () => {
  it("let a Groups Administrator read the audit log (groups activity), and not Directory Writers", async () => {
    const AUDIT = "{ directoryAudits(first: 1) { totalCount } }";
    expect((await gateway.ok("groups.admin", AUDIT)).directoryAudits.totalCount).toBeGreaterThan(0);
    expect(refusal(await gateway.gql("directory.writer", AUDIT))).toMatchObject({ code: "FORBIDDEN", message: INSUFFICIENT_PRIVILEGES });
  });

  it("keep Directory Writers off a Global Administrator's account, as User Administrators are", async () => {
    const adminId = await gateway.userId("admin");
    const before = await userState({ id: adminId });
    const response = await gateway.gql("directory.writer", 'mutation($id: ID!) { updateUser(id: $id, input: { jobTitle: "Intern" }) { id } }', { id: adminId });
    await expectRefusedAndAudited(response, "directory.writer");
    expect(await userState({ id: adminId })).toEqual(before);
  });

  it("show a Groups Administrator as caller what the role gives: groups, their members and their licenses, not users", async () => {
    const data = await gateway.ok("groups.admin", "{ caller { permissions directoryRoles { displayName } } }");
    expect(data.caller.directoryRoles).toEqual([{ displayName: "Groups Administrator" }]);
    expect([...data.caller.permissions].sort()).toEqual(["audit.read", "directory.read", "groupLicenses.manage", "groups.delete", "groups.manage"]);
  });
});
