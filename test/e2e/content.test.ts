import { refusal, TestGateway } from "../support/harness";

const ERROR_CODES = [
  "CountViolation",
  "MutuallyExclusiveViolation",
  "DependencyViolation",
  "ProhibitedInUsageLocationViolation",
  "UniquenessViolation",
  "Other",
  "InvalidUsageLocation",
  "InvalidLicense",
  "LicenseNotAssigned",
  "InheritedLicense",
  "LicenseAssignmentAttributeConcurrencyException",
];
const E1 = "18181a46-0d4e-45cd-891e-60aabd171b4e";

let gateway: TestGateway;

beforeAll(async () => {
  gateway = await TestGateway.start();
  await gateway.settle();
});
afterAll(() => gateway.stop());

describe("articles for support tools", () => {
  it("looks up support topic 32570959 without a token and returns the can't-assign article with its steps", async () => {
    const data = await gateway.ok(null, '{ supportTopic(id: "32570959") { articles { pageTitle errorCodes recommendedSteps { number text } } } }');
    const [article] = data.supportTopic.articles;
    expect(article.pageTitle).toMatch(/assign/i);
    expect(article.errorCodes).toContain("InvalidUsageLocation");
    expect(article.recommendedSteps.length).toBeGreaterThanOrEqual(3);
    expect(article.recommendedSteps[0].number).toBe(1);
  });

  it("filters articles by cloud and error code, and renders sanitized HTML", async () => {
    const data = await gateway.ok(null, '{ articles(filter: { cloudEnvironment: "Mooncake", errorCode: "CountViolation" }) { totalCount edges { node { errorCodes html } } } }');
    expect(data.articles.totalCount).toBeGreaterThan(0);
    for (const { node } of data.articles.edges) {
      expect(node.errorCodes).toContain("CountViolation");
      expect(node.html).toMatch(/<ol>/);
      expect(node.html).not.toMatch(/<script/i);
    }
  });

  it.each(ERROR_CODES)("has steps for %s", async (code) => {
    const data = await gateway.ok(null, "query($c: String!) { troubleshoot(errorCode: $c) { errorCode article { errorCodes } steps { text } } }", { c: code });
    expect(data.troubleshoot.article.errorCodes).toContain(code);
    expect(data.troubleshoot.steps.length).toBeGreaterThanOrEqual(3);
  });

  it("ranks search results and highlights the matching words", async () => {
    const data = await gateway.ok(null, '{ searchArticles(query: "not enough licenses seats", first: 3) { score article { errorCodes } highlights { field snippet } } }');
    expect(data.searchArticles.length).toBeGreaterThan(0);
    const scores = data.searchArticles.map((hit: { score: number }) => hit.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect(JSON.stringify(data.searchArticles[0].highlights)).toMatch(/<mark>/);
  });

  it("treats search operators in a query as plain words", async () => {
    const data = await gateway.ok(null, '{ searchArticles(query: "usage\\" OR location) NEAR(* -", first: 2) { article { articleId } } }');
    expect(Array.isArray(data.searchArticles)).toBe(true);
  });
});

describe("licensing errors link to their steps", () => {
  it("shows a group member's error state with the steps for that error", async () => {
    const emma = await gateway.userId("emma.wilson");
    const data = await gateway.ok("grace.kim", "query($id: ID) { user(id: $id) { licenseAssignmentStates { error troubleshooting { errorCode article { errorCodes } steps { text } } } } }", { id: emma });
    const failed = data.user.licenseAssignmentStates.find((state: { error: string }) => state.error !== "None");
    expect(failed.error).toBe("MutuallyExclusiveViolation");
    expect(failed.troubleshooting.errorCode).toBe("MutuallyExclusiveViolation");
    expect(failed.troubleshooting.article.errorCodes).toContain("MutuallyExclusiveViolation");
  });

  it("gives no troubleshooting for an active state", async () => {
    const ada = await gateway.userId("ada.lovelace");
    const data = await gateway.ok("admin", "query($id: ID) { user(id: $id) { licenseAssignmentStates { state troubleshooting { errorCode } } } }", { id: ada });
    expect(data.user.licenseAssignmentStates).toEqual([{ state: "Active", troubleshooting: null }]);
  });

  it("adds the steps to a refused assignLicense", async () => {
    const john = await gateway.userId("john.smith");
    const response = await gateway.gql("admin", "mutation($u: ID!, $s: ID!) { assignLicense(userId: $u, addLicenses: [{ skuId: $s }]) { id } }", { u: john, s: E1 });
    const error = refusal(response);
    expect(error.extensions.licenseError).toBe("InvalidUsageLocation");
    expect(error.extensions.troubleshooting.steps.length).toBeGreaterThanOrEqual(3);
    expect(error.extensions.troubleshooting.pageTitle).toMatch(/usage location/i);
  });
});

describe("ask, for chatbots", () => {
  const ASK = `query($q: String!, $u: ID) { ask(question: $q, userId: $u) {
    steps { text } articles { article { errorCodes } }
    user { displayName } userProblems { code message matchesQuestion troubleshooting { steps { text } } }
    notice markdown } }`;

  it("answers a usage-location question with those steps, and says it is the named user's problem", async () => {
    const john = await gateway.userId("john.smith");
    const { ask } = await gateway.ok("grace.kim", ASK, { q: "I can't assign a license, it says usage location", u: john });
    expect(ask.articles[0].article.errorCodes).toContain("InvalidUsageLocation");
    expect(ask.steps.map((s: { text: string }) => s.text).join(" ")).toMatch(/usageLocation/);
    const [first] = ask.userProblems;
    expect(first).toMatchObject({ code: "InvalidUsageLocation", matchesQuestion: true });
    expect(first.message).toMatch(/John Smith has no usage location/);
    expect(ask.markdown).toMatch(/What blocks John Smith/);
  });

  it("explains why a member cannot get a group's license, naming the conflicting plans", async () => {
    const emma = await gateway.userId("emma.wilson");
    const { ask } = await gateway.ok("grace.kim", ASK, { q: "why can't Emma get a license?", u: emma });
    const problem = ask.userProblems.find((p: { code: string }) => p.code === "MutuallyExclusiveViolation");
    expect(problem.message).toMatch(/ENTERPRISEPACK from group 'All Sales'/);
    expect(problem.message).toMatch(/Exchange/);
    expect(problem.troubleshooting.steps.length).toBeGreaterThan(0);
  });

  it("answers without the user's data when the caller may not read the directory", async () => {
    const emma = await gateway.userId("emma.wilson");
    const { ask } = await gateway.ok(null, ASK, { q: "license conflict", u: emma });
    expect(ask.user).toBeNull();
    expect(ask.userProblems).toEqual([]);
    expect(ask.notice).toMatch(/Sign in/);
    expect(ask.articles.length).toBeGreaterThan(0);
  });

  it("shows a member without a role their own problems but not another user's", async () => {
    const john = await gateway.userId("john.smith");
    const own = (await gateway.ok("john.smith", ASK, { q: "why can't I get a license?", u: john })).ask;
    expect(own.userProblems.map((p: { code: string }) => p.code)).toContain("InvalidUsageLocation");
    const emma = await gateway.userId("emma.wilson");
    const other = (await gateway.ok("john.smith", ASK, { q: "why can't Emma get a license?", u: emma })).ask;
    expect(other.user).toBeNull();
    expect(other.userProblems).toEqual([]);
    expect(other.notice).toMatch(/Only a directory role \(Directory Readers/);
  });

  it("refuses an empty question", async () => {
    expect(refusal(await gateway.gql(null, ASK, { q: "   " })).code).toBe("BAD_USER_INPUT");
  });

  it("takes the user from a userPrincipalName written in the question, and leaves the address out of the search", async () => {
    const { ask } = await gateway.ok("grace.kim", ASK, { q: "Why can't Emma.Wilson@contoso.com get a license?" });
    expect(ask.user).toEqual({ displayName: "Emma Wilson" });
    expect(ask.notice).toBeNull();
    const problem = ask.userProblems.find((p: { code: string }) => p.code === "MutuallyExclusiveViolation");
    expect(problem.message).toMatch(/ENTERPRISEPACK from group 'All Sales'/);
    expect(ask.markdown).toMatch(/What blocks Emma Wilson/);
    // The same question with the address written out of it finds the same articles: "contoso.com" is no search word.
    const plain = (await gateway.ok("grace.kim", ASK, { q: "Why can't get a license?" })).ask;
    expect(ask.articles).toEqual(plain.articles);
  });

  it("lets userId win over an address in the question", async () => {
    const john = await gateway.userId("john.smith");
    const { ask } = await gateway.ok("grace.kim", ASK, { q: "is emma.wilson@contoso.com like this user?", u: john });
    expect(ask.user).toEqual({ displayName: "John Smith" });
    expect(ask.userProblems.map((p: { code: string }) => p.code)).toContain("InvalidUsageLocation");
  });

  it("says so when the address in the question is nobody's, or when the question names several", async () => {
    const nobody = (await gateway.ok("grace.kim", ASK, { q: "why can't nobody.here@contoso.com get a license?" })).ask;
    expect(nobody.user).toBeNull();
    expect(nobody.userProblems).toEqual([]);
    expect(nobody.notice).toBe("The question names nobody.here@contoso.com, and no user of this directory has that userPrincipalName.");
    expect(nobody.articles.length).toBeGreaterThan(0);
    const two = (await gateway.ok("grace.kim", ASK, { q: "why does john.smith@contoso.com have no license when emma.wilson@contoso.com has one?" })).ask;
    expect(two.user).toBeNull();
    expect(two.notice).toMatch(/names 2 userPrincipalNames \(john\.smith@contoso\.com, emma\.wilson@contoso\.com\); ask with userId/);
  });

  it("takes the user from a display name written out in the question, when one user has it", async () => {
    const { ask } = await gateway.ok("grace.kim", ASK, { q: "Why can't Emma Wilson get Office 365 E3?" });
    expect(ask.user).toEqual({ displayName: "Emma Wilson" });
    expect(ask.userProblems.map((p: { code: string }) => p.code)).toContain("MutuallyExclusiveViolation");
    const ines = (await gateway.ok("grace.kim", ASK, { q: "What's wrong with Inés García's licenses?" })).ask;
    expect(ines.user).toEqual({ displayName: "Inés García" });
    // Capitalized words that are no user's name, and a first name alone, name nobody.
    for (const q of ["Why does Azure Key Vault say 403?", "Why can't Emma get a license?"]) {
      const none = (await gateway.ok("grace.kim", ASK, { q })).ask;
      expect(none.user).toBeNull();
      expect(none.notice).toBeNull();
    }
    const two = (await gateway.ok("grace.kim", ASK, { q: "Why does John Smith lack E3 when Emma Wilson has it?" })).ask;
    expect(two.user).toBeNull();
    expect(two.notice).toMatch(/^The question names 2 users: (John Smith|Emma Wilson) .*; ask with userId/);
    // An anonymous asker's names are not looked up.
    const anonymous = (await gateway.ok(null, ASK, { q: "Why can't Emma Wilson get Office 365 E3?" })).ask;
    expect(anonymous.user).toBeNull();
    expect(anonymous.notice).toBeNull();
  });

  it("keeps the roles' limits for a user named in the question", async () => {
    const anonymous = (await gateway.ok(null, ASK, { q: "why can't emma.wilson@contoso.com get a license?" })).ask;
    expect(anonymous.user).toBeNull();
    expect(anonymous.notice).toMatch(/Sign in/);
    const member = (await gateway.ok("john.smith", ASK, { q: "why can't emma.wilson@contoso.com get a license?" })).ask;
    expect(member.user).toBeNull();
    expect(member.userProblems).toEqual([]);
    expect(member.notice).toMatch(/Only a directory role/);
    const own = (await gateway.ok("john.smith", ASK, { q: "why can't john.smith@contoso.com get a license?" })).ask;
    expect(own.user).toEqual({ displayName: "John Smith" });
    const byName = (await gateway.ok("john.smith", ASK, { q: "Why can't Emma Wilson get a license?" })).ask;
    expect(byName.user).toBeNull();
    expect(byName.notice).toMatch(/Only a directory role/);
  });

  it("names nobody when two users share the name the question writes out, and says who they are", async () => {
    const twin = await gateway.ok<{ createUser: { id: string } }>("admin", "mutation($input: CreateUserInput!) { createUser(input: $input) { id } }", {
      input: { userPrincipalName: "emma.wilson2@contoso.com", displayName: "Emma Wilson" },
    });
    try {
      const { ask } = await gateway.ok("grace.kim", ASK, { q: "Why can't Emma Wilson get a license?" });
      expect(ask.user).toBeNull();
      expect(ask.notice).toMatch(/^Several users are named Emma Wilson \(emma\.wilson2?@contoso\.com, emma\.wilson2?@contoso\.com\); ask with userId/);
    } finally {
      await gateway.ok("admin", "mutation($id: ID!) { deleteUser(id: $id) }", { id: twin.createUser.id });
    }
  });
});
