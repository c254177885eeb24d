import { HelpgateError } from "../../src/errors";
import {
  MAX_RULE_LENGTH,
  RULE_PROPERTIES,
  matchesRule,
  parseMembershipRule,
  ruleProperties,
  type RuleSubject,
} from "../../src/directory/membership-rule";

const alice: RuleSubject = {
  id: "0f8fad5b-d9cb-469f-a165-70867728950e",
  displayName: "Alice Smith",
  userPrincipalName: "alice@contoso.com",
  mail: "alice@contoso.com",
  department: "Sales",
  jobTitle: "Account Manager",
  accountEnabled: true,
  usageLocation: "US",
};

function user(overrides: Partial<RuleSubject> = {}): RuleSubject {
  return { ...alice, ...overrides };
}

function matches(rule: string, subject: RuleSubject = alice): boolean {
  return matchesRule(parseMembershipRule(rule), subject);
}

/** The error a rule is refused with; fails the test if the rule parses. */
function refusal(rule: string): HelpgateError {
  try {
    parseMembershipRule(rule);
  } catch (error) {
    if (error instanceof HelpgateError) return error;
    throw error;
  }
  throw new Error(`expected the rule to be refused: ${rule}`);
}

function expectRefused(rule: string, position: number, messagePart: string): void {
  const error = refusal(rule);
  expect(error.code).toBe("BAD_USER_INPUT");
  expect(error.details).toEqual({ position, rule });
  expect(error.message).toContain(`Membership rule error at position ${position}: `);
  expect(error.message).toContain(messagePart);
}

describe("membership rules", () => {
  describe("comparison operators (Alice is in Sales, an Account Manager, in the US)", () => {
    it.each([
      ['user.department -eq "Sales"', true],
      ['user.department -eq "Marketing"', false],
      ['user.department -ne "Marketing"', true],
      ['user.department -ne "Sales"', false],
      ['user.jobTitle -startsWith "Account"', true],
      ['user.jobTitle -startsWith "Manager"', false],
      ['user.jobTitle -notStartsWith "Manager"', true],
      ['user.jobTitle -notStartsWith "Account"', false],
      ['user.jobTitle -contains "count Man"', true],
      ['user.jobTitle -contains "Engineer"', false],
      ['user.jobTitle -notContains "Engineer"', true],
      ['user.jobTitle -notContains "Manager"', false],
      ['user.userPrincipalName -match "^[a-z]+@contoso\\.com$"', true],
      ['user.userPrincipalName -match "@fabrikam\\.com$"', false],
      ['user.userPrincipalName -notMatch "@fabrikam\\.com$"', true],
      ['user.userPrincipalName -notMatch "contoso"', false],
      ['user.usageLocation -in ["GB", "US"]', true],
      ['user.usageLocation -in ["GB", "FR"]', false],
      ['user.usageLocation -notIn ["GB", "FR"]', true],
      ['user.usageLocation -notIn ["US"]', false],
      ["user.accountEnabled -eq true", true],
      ["user.accountEnabled -eq false", false],
      ["user.accountEnabled -ne false", true],
      ["user.accountEnabled -ne true", false],
      ['user.displayName -eq "Alice Smith"', true],
      ['user.mail -eq "alice@contoso.com"', true],
      ['user.id -eq "0f8fad5b-d9cb-469f-a165-70867728950e"', true],
    ])("%s is %s", (rule, expected) => {
      expect(matches(rule)).toBe(expected);
    });

    it("treats -contains as a substring test, not a word test", () => {
      expect(matches('user.displayName -contains "ice Sm"')).toBe(true);
    });

    it("finds a -match anywhere in the value unless the pattern is anchored", () => {
      expect(matches('user.jobTitle -match "man"')).toBe(true);
      expect(matches('user.jobTitle -match "^man"')).toBe(false);
    });

    it("accepts user.objectId as another name for user.id", () => {
      const rule = parseMembershipRule('user.objectId -eq "0f8fad5b-d9cb-469f-a165-70867728950e"');
      expect(matchesRule(rule, alice)).toBe(true);
      expect(ruleProperties(rule)).toEqual(["id"]);
    });

    it("compares a disabled account", () => {
      expect(matches("user.accountEnabled -eq false", user({ accountEnabled: false }))).toBe(true);
    });
  });

  describe("-and, -or, -not and parentheses", () => {
    // a: true, b: false, c: false
    const a = 'user.department -eq "Sales"';
    const b = 'user.department -eq "Marketing"';
    const c = 'user.usageLocation -eq "GB"';

    it("parses the documented example", () => {
      const rule = '(user.department -eq "Sales") -and (user.usageLocation -eq "US")';
      expect(matches(rule)).toBe(true);
      expect(matches(rule, user({ usageLocation: "GB" }))).toBe(false);
    });

    it("binds -and tighter than -or: a -or b -and c means a -or (b -and c)", () => {
      expect(matches(`${a} -or ${b} -and ${c}`)).toBe(true);
      expect(matches(`${c} -and ${b} -or ${a}`)).toBe(true);
    });

    it("lets parentheses override precedence", () => {
      expect(matches(`(${a} -or ${b}) -and ${c}`)).toBe(false);
      expect(matches(`((${a}))`)).toBe(true);
    });

    it("binds -not tighter than -and: -not b -and c means (-not b) -and c", () => {
      expect(matches(`-not ${b} -and ${c}`)).toBe(false);
      expect(matches(`-not (${b} -and ${c})`)).toBe(true);
    });

    it("negates a comparison, a group, and a negation", () => {
      expect(matches(`-not ${a}`)).toBe(false);
      expect(matches(`-not (${b} -or ${c})`)).toBe(true);
      expect(matches(`-not -not ${a}`)).toBe(true);
    });

    it("needs no whitespace around parentheses and allows any whitespace between tokens", () => {
      expect(matches(`(${a})-and(${c})`)).toBe(false);
      expect(matches('\n\tuser.department\n-eq\t"Sales"  -or\r\n(user.jobTitle -eq "x")\n')).toBe(true);
    });
  });

  describe("case-insensitivity", () => {
    it("accepts operators and keywords in any case", () => {
      expect(matches('user.department -EQ "Sales" -AND user.jobTitle -StartsWith "acc"')).toBe(true);
      expect(matches('-NOT user.department -Ne "Sales" -Or user.mail -eq NULL')).toBe(true);
      expect(matches("user.accountEnabled -eq TRUE")).toBe(true);
    });

    it("accepts property names in any case", () => {
      expect(matches('USER.DEPARTMENT -eq "Sales"')).toBe(true);
      expect(matches('User.UsageLocation -eq "US"')).toBe(true);
    });

    it("compares string values without regard to case", () => {
      expect(matches('user.department -eq "sALES"')).toBe(true);
      expect(matches('user.department -ne "SALES"')).toBe(false);
      expect(matches('user.jobTitle -startsWith "ACCOUNT"')).toBe(true);
      expect(matches('user.jobTitle -contains "MANAGER"')).toBe(true);
      expect(matches('user.usageLocation -in ["us"]')).toBe(true);
      expect(matches('user.jobTitle -match "^ACCOUNT"')).toBe(true);
    });
  });

  describe("null and empty values", () => {
    const noDepartment = user({ department: null });

    it("-eq null matches a missing or empty value and nothing else", () => {
      expect(matches("user.department -eq null", noDepartment)).toBe(true);
      expect(matches("user.department -eq null", user({ department: "" }))).toBe(true);
      expect(matches("user.department -eq null")).toBe(false);
    });

    it("-ne null matches only a present value", () => {
      expect(matches("user.department -ne null", noDepartment)).toBe(false);
      expect(matches("user.department -ne null")).toBe(true);
    });

    it.each([
      ['-eq "Sales"', false],
      ['-ne "Sales"', true],
      ['-startsWith "S"', false],
      ['-notStartsWith "S"', true],
      ['-contains "a"', false],
      ['-notContains "a"', true],
      ['-match ".*"', false],
      ['-notMatch ".*"', true],
      ['-in ["Sales"]', false],
      ['-notIn ["Sales"]', true],
    ])("on a null value, %s is %s", (test, expected) => {
      expect(matches(`user.department ${test}`, noDepartment)).toBe(expected);
    });
  });

  describe("strings and dashes", () => {
    it('reads a backtick-escaped double quote, as in "a`"b"', () => {
      const quoted = user({ jobTitle: 'Head of "Fun"' });
      expect(matches('user.jobTitle -eq "Head of `"Fun`""', quoted)).toBe(true);
      expect(matches('user.jobTitle -contains "`""', quoted)).toBe(true);
      expect(matches('user.jobTitle -contains "`""')).toBe(false);
    });

    it("reads a doubled backtick as one backtick and keeps other backticks", () => {
      const ticked = user({ jobTitle: "a`b" });
      expect(matches('user.jobTitle -eq "a``b"', ticked)).toBe(true);
      expect(matches('user.jobTitle -eq "a`b"', ticked)).toBe(true);
    });

    it("accepts the en-dash that Microsoft's docs sometimes print instead of a hyphen", () => {
      expect(matches('user.department \u2013eq "Sales" \u2013and \u2013not user.accountEnabled \u2013eq false')).toBe(true);
    });

    it("keeps parentheses, brackets and dashes inside strings as text", () => {
      const odd = user({ department: "R&D (EU) -ne [x]" });
      expect(matches('user.department -eq "R&D (EU) -ne [x]"', odd)).toBe(true);
    });
  });

  describe("ruleProperties", () => {
    it("lists each canonical property a rule reads once", () => {
      const rule = parseMembershipRule(
        '(user.Department -eq "Sales" -or user.department -eq null) -and -not user.objectId -eq "x"',
      );
      expect(ruleProperties(rule).sort()).toEqual(["department", "id"]);
    });

    it("names every supported property in RULE_PROPERTIES", () => {
      expect([...RULE_PROPERTIES].sort()).toEqual(Object.keys(alice).sort());
    });
  });

  describe("errors", () => {
    it("asks for quotes around a bare string value", () => {
      const error = refusal("user.department -eq Sales");
      expect(error.message).toBe(
        "Membership rule error at position 21: expected a quoted string after -eq, found 'Sales'.",
      );
      expect(error.details).toEqual({ position: 21, rule: "user.department -eq Sales" });
    });

    it("points out single quotes", () => {
      expectRefused("user.department -eq 'Sales'", 21, "strings use double quotes");
    });

    it("names an unknown property and lists the supported ones", () => {
      const error = refusal('(user.colour -eq "red")');
      expect(error.message).toBe(
        "Membership rule error at position 2: unknown property 'user.colour'; supported: " +
          "user.displayName, user.userPrincipalName, user.mail, user.department, user.jobTitle, " +
          "user.accountEnabled, user.usageLocation, user.id.",
      );
      expect(error.details).toMatchObject({ position: 2 });
      expectRefused('department -eq "Sales"', 1, "unknown property 'department'");
    });

    it("refuses multi-valued properties, which need -any/-all", () => {
      expectRefused('user.proxyAddresses -eq "smtp:alice@contoso.com"', 1, "multi-valued");
      expectRefused('user.proxyAddresses -eq "x"', 1, "-any/-all, which helpgate does not support yet");
    });

    it("names an unknown operator and lists the supported ones", () => {
      expectRefused('user.department -equals "Sales"', 17, "unknown operator '-equals'; supported: -eq, -ne,");
      expectRefused('user.department -any "Sales"', 17, "unknown operator '-any'");
      expectRefused('user.department = "Sales"', 17, "expected an operator such as -eq after user.department, found '='");
      expectRefused("user.department", 16, "expected an operator such as -eq after user.department, found the end of the rule");
    });

    it("reports unbalanced parentheses where they are", () => {
      expectRefused('(user.department -eq "Sales"', 1, "unbalanced parentheses: this '(' is never closed");
      expectRefused('user.department -eq "Sales")', 28, "unbalanced parentheses: this ')' has no matching '('");
      expectRefused('(user.department -eq "Sales" user.jobTitle -eq "x")', 30, "expected ')', -and or -or, found 'user.jobTitle'");
      expectRefused("()", 2, "expected a condition such as user.department -eq \"Sales\", found ')'");
    });

    it("reports an unterminated string at its opening quote", () => {
      expectRefused('user.department -eq "Sales', 21, "unterminated string");
      expectRefused('user.department -eq "Sales`"', 21, "unterminated string");
    });

    it("refuses input after a complete rule", () => {
      expectRefused('user.department -eq "Sales" user.jobTitle -eq "x"', 29, "expected -and, -or or the end of the rule, found 'user.jobTitle'");
      expectRefused('user.department -eq "Sales" -xor user.jobTitle -eq "x"', 29, "found '-xor'");
    });

    it("refuses a condition left out after a logical operator", () => {
      expectRefused('user.department -eq "Sales" -and', 33, "expected a condition such as user.department -eq \"Sales\", found the end of the rule");
      expectRefused("-not", 5, "found the end of the rule");
    });

    it("refuses an empty rule", () => {
      expectRefused("", 1, "the rule is empty");
      expectRefused("  \n ", 1, "the rule is empty");
    });

    it(`refuses a rule longer than ${MAX_RULE_LENGTH} characters, Entra's limit`, () => {
      const prefix = 'user.department -eq "';
      const fits = `${prefix}${"x".repeat(MAX_RULE_LENGTH - prefix.length - 1)}"`;
      expect(fits).toHaveLength(3072);
      expect(() => parseMembershipRule(fits)).not.toThrow();
      const tooLong = `${prefix}${"x".repeat(MAX_RULE_LENGTH - prefix.length)}"`;
      expectRefused(tooLong, 3073, "the rule is 3073 characters long; rules are limited to 3072 characters");
    });

    it("requires a list for -in and -notIn, and lists only with them", () => {
      expectRefused('user.department -in "Sales"', 21, 'expected a list such as ["a", "b"] after -in, found \'"Sales"\'');
      expectRefused('user.department -notIn null', 24, "expected a list such as");
      expectRefused('user.department -eq ["Sales"]', 21, "expected a quoted string after -eq, found '['");
      expectRefused("user.department -in []", 22, "the list after -in is empty");
      expectRefused('user.department -in ["a", b]', 27, "expected a quoted string in the list after -in, found 'b'");
      expectRefused('user.department -in ["a" "b"]', 26, "expected ',' or ']' in the list");
      expectRefused('user.department -in ["a", "b"', 21, "unbalanced brackets: this '[' is never closed");
    });

    it("allows true and false only for user.accountEnabled, and requires them there", () => {
      expectRefused("user.department -eq true", 21, "true can only be compared with the boolean property user.accountEnabled");
      expectRefused('user.accountEnabled -eq "true"', 25, "expected true or false after -eq (user.accountEnabled is a boolean), found '\"true\"'");
      expectRefused("user.accountEnabled -eq null", 25, "expected true or false");
      expectRefused("user.accountEnabled -contains true", 21, "supports only -eq and -ne, not -contains");
    });

    it("allows null only with -eq and -ne", () => {
      expectRefused("user.department -contains null", 27, "null can only be used with -eq or -ne, not -contains");
    });

    it("refuses a -match pattern that is not a valid regular expression, pointing into it", () => {
      expectRefused('user.jobTitle -match "(sales"', 23, "the regular expression after -match is not valid (missing closing ): (sales)");
      expectRefused('user.jobTitle -match "sa[les"', 25, "is not valid (missing closing ]: [les)");
      expectRefused("user.jobTitle -match sales", 22, "expected a quoted regular expression after -match");
    });

    it.each([
      ["(a)\\1", 4, "uses a backreference ('\\1')"],
      ["(?<n>a)\\k<n>", 8, "uses a named backreference ('\\k<')"],
      ["sales(?=team)", 6, "uses a lookaround ('(?=')"],
      ["sales(?!team)", 6, "uses a lookaround ('(?!')"],
      ["(?<=head )sales", 1, "uses a lookaround ('(?<=')"],
      ["(?<!head )sales", 1, "uses a lookaround ('(?<!')"],
      ["(?>sales)", 1, "uses an atomic group ('(?>')"],
      ["a++b", 3, "uses a possessive quantifier ('++')"],
      ["a*+b", 3, "uses a possessive quantifier ('*+')"],
    ])("refuses %s, which only a backtracking engine can run, at the construct", (pattern, index, problem) => {
      // The opening quote is at column 25, so the pattern's n-th character is at column 25 + n.
      expectRefused(`user.jobTitle -notMatch "${pattern}"`, 25 + index, problem);
      expectRefused(`user.jobTitle -notMatch "${pattern}"`, 25 + index, "linear-time regular expressions do not support");
    });

    it("counts backtick escapes when it points into a pattern", () => {
      // `" is one character of the pattern but two of the rule.
      expectRefused('user.jobTitle -match "`"x`"(?=y)"', 28, "uses a lookaround");
    });

    it.each(["[(?=]", "\\(?=", "[]a+]+", "\\++"])("reads %s as literal characters, not as an unsupported construct", (pattern) => {
      expect(() => parseMembershipRule(`user.jobTitle -match "${pattern}"`)).not.toThrow();
    });

    it.each(["(a+)+", "(a*)*", "(.*a){10}", "^(\\w+\\s?)*$", "((ab)+c)*", "(?:x+)+y", "^(ab)+$", "(?:sales|marketing)", "^(Sales|Marketing) .*$", "(?i)^acc", "(?P<dept>sales)", "\\bsales\\b"])(
      "accepts %s: nested repetition cannot backtrack in a linear-time engine",
      (pattern) => {
        expect(() => parseMembershipRule(`user.jobTitle -match "${pattern}"`)).not.toThrow();
      },
    );

    it("refuses counted repetition over 100, which multiplies the work per value, at the count", () => {
      expect(() => parseMembershipRule('user.jobTitle -match "^.{0,100}$"')).not.toThrow();
      expectRefused('user.jobTitle -match "^[a-z]{1000}"', 29, "repeats up to 1000 times ('{1000}'); counted repetition is limited to 100");
      expectRefused('user.jobTitle -match "x{2,101}"', 24, "repeats up to 101 times");
    });

    it("reads the braces of \\x{...} and \\p{...} escapes as part of the escape", () => {
      expect(matches('user.jobTitle -match "\\x{1000}|^Acc"')).toBe(true);
      expect(matches('user.jobTitle -match "^\\p{Lu}\\p{Ll}+ \\p{Lu}"')).toBe(true);
    });

    it("refuses a pattern that compiles to more than 300 instructions, though each count is within bounds", () => {
      const pattern = "\\pL{60}".repeat(6);
      expectRefused(`user.jobTitle -match "${pattern}"`, 22, "compiles to 362 instructions, more than the 300 that keep matching fast");
    });

    it("refuses a -match pattern longer than 256 characters", () => {
      expect(() => parseMembershipRule(`user.jobTitle -match "${"a".repeat(256)}"`)).not.toThrow();
      expectRefused(`user.jobTitle -match "${"a".repeat(257)}"`, 22, "is 257 characters long; the limit is 256");
    });
  });

  describe("-match on patterns that make a backtracking engine run for ever (128-character values)", () => {
    const title = (jobTitle: string) => user({ jobTitle });
    const fifteenClasses = `^${"[a-z]*".repeat(15)}x$`;

    it.each([
      ["^zz(.|.|.)*!$", `zz${"a".repeat(125)}!`, `zz${"a".repeat(126)}`],
      ["^(a|a)*$", "a".repeat(128), `${"a".repeat(127)}!`],
      ["^a*a*a*a*a*a*a*a*!$", `${"a".repeat(127)}!`, "a".repeat(128)],
      [fifteenClasses, `${"a".repeat(127)}x`, `${"a".repeat(127)}!`],
    ])("accepts %s and answers at once: a match, then a value one character short of one", (pattern, matching, failing) => {
      expect(matching).toHaveLength(128);
      expect(failing).toHaveLength(128);
      const rule = parseMembershipRule(`user.jobTitle -match "${pattern}"`);
      expect(matchesRule(rule, title(matching))).toBe(true);
      expect(matchesRule(rule, title(failing))).toBe(false);
      const negated = parseMembershipRule(`user.jobTitle -notMatch "${pattern}"`);
      expect(matchesRule(negated, title(failing))).toBe(true);
    });

    it("ignores case in those patterns as in every -match", () => {
      const rule = parseMembershipRule('user.jobTitle -match "^zz(.|.|.)*!$"');
      expect(matchesRule(rule, title(`ZZ${"A".repeat(125)}!`))).toBe(true);
    });
  });
});
