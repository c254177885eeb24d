import fc from "fast-check";
import { type GraphQLResponse, TestGateway } from "../support/harness";

/**
 * Random inputs for the directory's write mutations, sent to the real server over HTTP: whatever
 * a portal (or an attacker) sends, the server answers, and never with HTTP 500 or an
 * INTERNAL_SERVER_ERROR. Bad values are the caller's problem and must be reported as such.
 */

const RUNS = Number(process.env.PROP_RUNS ?? 60);
jest.setTimeout(60_000);

const CREATE_USER = "mutation($input: CreateUserInput!) { createUser(input: $input) { id displayName usageLocation proxyAddresses } }";
const UPDATE_USER = "mutation($id: ID!, $input: UpdateUserInput!) { updateUser(id: $id, input: $input) { id displayName usageLocation proxyAddresses } }";
const CREATE_GROUP = "mutation($input: CreateGroupInput!) { createGroup(input: $input) { id displayName groupTypes membershipRule } }";

// ---- values ------------------------------------------------------------------------------

const SPECIAL_STRINGS = [
  "", " ", "   \t ", "\n", "\u0000", "\u0007", "\u200b", "\u202e evil", "\ufeff", "\ud800", "\udfff x \ud83d",
  "Robert'); DROP TABLE users;--", "<script>alert(1)</script>", "' OR '1'='1", "%s%n%x", "${jndi:ldap://x}",
  "😀", "👩‍👩‍👧‍👦", "Zoë Ångström", "İstanbul", "ß", "null", "undefined", "NaN", "[]", "{}", "__proto__", "constructor",
  "user.department -eq \"Sales\"", "SMTP:", "smtp:x@contoso.com", "@contoso.com", "a@b", "..@contoso.com",
];

/** Long strings inside the body limit, around the interesting lengths (64, 128, 256, 320, 3072). */
const longString = fc
  .tuple(fc.constantFrom("x", "é", "😀", "a b", "\u0301"), fc.oneof(fc.integer({ min: 60, max: 3100 }), fc.integer({ min: 3100, max: 60_000 })))
  .map(([unit, length]) => unit.repeat(Math.ceil(length / unit.length)));

const anyString = fc.oneof(
  { weight: 3, arbitrary: fc.string() },
  { weight: 2, arbitrary: fc.string({ unit: "grapheme", maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 40 }) },
  { weight: 3, arbitrary: fc.constantFrom(...SPECIAL_STRINGS) },
  { weight: 1, arbitrary: longString },
);

const localPart = fc.oneof({ weight: 3, arbitrary: fc.stringMatching(/^[a-z][a-z0-9_-]{0,20}$/) }, { weight: 1, arbitrary: anyString });
const domain = fc.constantFrom("contoso.com", "contoso.com", "contoso.com", "CONTOSO.COM", "contoso.onmicrosoft.com", "fabrikam.com", "", "contoso.com.", "xn--bcher-kva.example");
const upn = fc.oneof(
  { weight: 3, arbitrary: fc.tuple(localPart, domain).map(([local, at]) => `${local}@${at}`) },
  { weight: 1, arbitrary: anyString },
);
const usageLocation = fc.oneof({ weight: 3, arbitrary: fc.constantFrom("US", "de", " gb ", "XX", "USA", "", "U", "ZZ", "EU", "us\u0000") }, { weight: 1, arbitrary: anyString });
const proxyAddress = fc.oneof(
  fc.tuple(fc.constantFrom("SMTP:", "smtp:", "X500:", "sip:", "", "SMTP: "), localPart, domain).map(([prefix, local, at]) => `${prefix}${local}@${at}`),
  anyString,
);
/** A value of the wrong type for a String or Boolean field (GraphQL coercion must refuse it). */
const wrongType = fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.constant([]), fc.constant({}), fc.array(fc.integer(), { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 2 }));

/**
 * A field's value: mostly of the right type, sometimes null, rarely of another type (one wrong
 * type refuses the whole request at coercion, so it must stay rare for the rest to be reached).
 */
function field<T>(value: fc.Arbitrary<T>): fc.Arbitrary<T | null | unknown> {
  return fc.oneof({ weight: 40, arbitrary: value }, { weight: 4, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: wrongType });
}
/** Plain names, so that a good share of the writes is accepted and reaches the database. */
const plainName = fc.stringMatching(/^[A-Z][a-z]{1,12}( [A-Z][a-z]{1,12})?$/);
const text = field(fc.oneof(anyString, plainName));
const bool = field(fc.boolean());
const list = <T>(item: fc.Arbitrary<T>) =>
  field(fc.array(fc.oneof({ weight: 30, arbitrary: item as fc.Arbitrary<unknown> }, { weight: 1, arbitrary: fc.constant(null) }), { maxLength: 4 }));

const VALID_RULES = [
  'user.department -eq "Sales"',
  '(user.department -eq "Sales") -and (user.usageLocation -eq "US")',
  'user.userPrincipalName -match "^[a-z]+@contoso\\.com$"',
  'user.usageLocation -in ["GB", "US"]',
  "-not (user.accountEnabled -eq false)",
];
const membershipRule = fc.oneof(
  fc.constantFrom(...VALID_RULES),
  fc.tuple(fc.constantFrom(...VALID_RULES), fc.nat(), anyString).map(([rule, at, insert]) => rule.slice(0, at % (rule.length + 1)) + insert + rule.slice(at % (rule.length + 1))),
  fc.tuple(fc.constantFrom("(", "-not ", "-not ("), fc.integer({ min: 1, max: 3000 })).map(([open, count]) => open.repeat(count)),
  fc.constantFrom('user.jobTitle -match "(a+)+$"', 'user.proxyAddresses -any (_ -contains "x")'),
  anyString,
);

const userFields = {
  userPrincipalName: field(upn),
  displayName: text,
  mail: field(fc.oneof(fc.tuple(localPart, domain).map(([local, at]) => `${local}@${at}`), anyString)),
  department: text,
  jobTitle: text,
  accountEnabled: bool,
  usageLocation: field(usageLocation),
  proxyAddresses: list(proxyAddress),
};
/**
 * Plausible values only: a third of the inputs are drawn from these, so that every run has writes
 * that are accepted and reach the database (drawn at random only, nearly all inputs carry one bad
 * value somewhere and are refused, and a run could end without any accepted write).
 */
const plausibleUserFields = {
  // A random id in the name keeps two runs' users apart (a taken name would be refused).
  userPrincipalName: fc.tuple(fc.stringMatching(/^[a-z][a-z0-9]{0,10}$/), fc.uuid()).map(([local, id]) => `${local}.${id.slice(0, 8)}@contoso.com`),
  displayName: plainName,
  department: plainName,
  jobTitle: plainName,
  accountEnabled: fc.boolean(),
  usageLocation: fc.constantFrom("US", "DE", "GB", "BR", "JP"),
};
// The required fields are nearly always there: leaving one out is refused before anything runs.
const createUserInput = fc.oneof(
  { weight: 2, arbitrary: fc.record(userFields, { requiredKeys: ["userPrincipalName", "displayName"] }) },
  { weight: 1, arbitrary: fc.record(plausibleUserFields, { requiredKeys: ["userPrincipalName", "displayName"] }) },
);
const { userPrincipalName: _newName, ...plausibleUpdateFields } = plausibleUserFields;
const updateUserInput = fc.oneof(
  { weight: 2, arbitrary: fc.record(userFields, { requiredKeys: [] }) },
  { weight: 1, arbitrary: fc.record(plausibleUpdateFields, { requiredKeys: ["displayName"] }) },
);

const randomGroupInput = fc.record(
  {
    displayName: text,
    description: text,
    securityEnabled: bool,
    mailEnabled: bool,
    mailNickname: text,
    groupTypes: list(fc.oneof(fc.constantFrom("Unified", "DynamicMembership", "unified", ""), anyString)),
    membershipRule: field(membershipRule),
    membershipRuleProcessingState: field(fc.oneof(fc.constantFrom("On", "Paused", "on", "Off", ""), anyString)),
  },
  { requiredKeys: ["displayName"] },
);
const plainGroup = { displayName: plainName, description: plainName, securityEnabled: fc.constant(true), mailEnabled: fc.constant(false) };
// An assigned group has no rule; a dynamic one needs a rule (its processing state may be left out).
const plausibleGroupInput = fc.oneof(
  fc.record(plainGroup, { requiredKeys: ["displayName", "securityEnabled", "mailEnabled"] }),
  fc.record(
    { ...plainGroup, groupTypes: fc.constant(["DynamicMembership"]), membershipRule: fc.constantFrom(...VALID_RULES), membershipRuleProcessingState: fc.constantFrom("On", "Paused") },
    { requiredKeys: ["displayName", "securityEnabled", "mailEnabled", "groupTypes", "membershipRule"] },
  ),
);
const createGroupInput = fc.oneof({ weight: 2, arbitrary: randomGroupInput }, { weight: 1, arbitrary: plausibleGroupInput });

// ---- the property --------------------------------------------------------------------------

describe("mutation inputs against the real server (property)", () => {
  let gateway: TestGateway;
  let token: string;
  let targetId: string;
  let usersBefore = 0;
  /** Writes answered with data and no error, by mutation. */
  const accepted = { createUser: 0, updateUser: 0, createGroup: 0 };

  beforeAll(async () => {
    gateway = await TestGateway.start();
    token = await gateway.tokenFor("admin");
    const created = await gateway.ok<{ createUser: { id: string } }>("admin", CREATE_USER, {
      input: { userPrincipalName: "fuzz.target@contoso.com", displayName: "Fuzz Target", usageLocation: "US" },
    });
    targetId = created.createUser.id;
    usersBefore = (await gateway.ok<{ users: { totalCount: number } }>("admin", "{ users(first: 1) { totalCount } }")).users.totalCount;
  });
  afterAll(async () => {
    await gateway.stop();
  });

  async function send(query: string, variables: Record<string, unknown>): Promise<GraphQLResponse> {
    return gateway.post(JSON.stringify({ query, variables }), { "content-type": "application/json", authorization: `Bearer ${token}` });
  }

  /** The server answered, as the caller's problem or with data; never as its own failure. */
  function expectAnswered(mutation: keyof typeof accepted, response: GraphQLResponse, variables: Record<string, unknown>): void {
    const context = `status ${response.status}, errors ${JSON.stringify(response.errors)?.slice(0, 500)}, variables ${JSON.stringify(variables).slice(0, 500)}`;
    if (response.status >= 500) throw new Error(`HTTP ${context}`);
    expect([200, 400, 413]).toContain(response.status);
    for (const error of response.errors ?? []) {
      if (typeof error.extensions?.code !== "string" || error.extensions.code === "INTERNAL_SERVER_ERROR") {
        throw new Error(`INTERNAL_SERVER_ERROR or no code: ${context}`);
      }
    }
    if (response.status === 200 && !response.errors) {
      expect(response.data).not.toBeNull();
      accepted[mutation]++;
    }
  }

  it("createUser: every random input is answered without an internal error", async () => {
    await fc.assert(
      fc.asyncProperty(createUserInput, async (input) => {
        expectAnswered("createUser", await send(CREATE_USER, { input }), { input });
      }),
      { numRuns: RUNS },
    );
  });

  it("updateUser: every random input (and id) is answered without an internal error", async () => {
    const id = fc.oneof({ weight: 6, arbitrary: fc.constant("target") }, { weight: 1, arbitrary: fc.uuid() }, { weight: 1, arbitrary: anyString });
    await fc.assert(
      fc.asyncProperty(id, updateUserInput, async (given, input) => {
        const variables = { id: given === "target" ? targetId : given, input };
        expectAnswered("updateUser", await send(UPDATE_USER, variables), variables);
      }),
      { numRuns: RUNS },
    );
  });

  it("createGroup: every random input is answered without an internal error", async () => {
    await fc.assert(
      fc.asyncProperty(createGroupInput, async (input) => {
        expectAnswered("createGroup", await send(CREATE_GROUP, { input }), { input });
      }),
      { numRuns: RUNS },
    );
  });

  it("createGroup: a rule of 3000 unclosed '(' is bad input with a position, not an internal error", async () => {
    const response = await send(CREATE_GROUP, { input: { displayName: "Deeply nested", membershipRule: "(".repeat(3000) } });
    expect(response.status).toBe(200);
    expect(response.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", position: expect.any(Number) });
  });

  it("still serves the directory afterwards", async () => {
    const data = await gateway.ok<{ users: { totalCount: number } }>("admin", "{ users(first: 1) { totalCount } }");
    // Not only refusals: writes of every kind were accepted, and each accepted user is stored.
    expect(accepted.createUser).toBeGreaterThan(0);
    expect(accepted.updateUser).toBeGreaterThan(0);
    expect(accepted.createGroup).toBeGreaterThan(0);
    expect(data.users.totalCount).toBe(usersBefore + accepted.createUser);
  });
});
