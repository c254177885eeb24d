import fc from "fast-check";
import { MAX_RULE_LENGTH, parseMembershipRule } from "../../src/directory/membership-rule";
import { HelpgateError } from "../../src/errors";

/**
 * Whatever a rule author types, parseMembershipRule either returns a rule or refuses it with
 * BAD_USER_INPUT and the 1-based position of the problem; it never throws anything else.
 */

const RUNS = Number(process.env.PROP_RUNS ?? 200);

/** Valid rules: the seeds the mutations below start from. */
const VALID_RULES = [
  'user.department -eq "Sales"',
  '(user.department -eq "Sales") -and (user.usageLocation -eq "US")',
  'user.jobTitle -startsWith "Account" -or user.jobTitle -notContains "Manager"',
  '-not (user.accountEnabled -eq false) -and user.mail -ne null',
  'user.usageLocation -in ["GB", "US", "DE"]',
  'user.usageLocation -notIn ["FR"]',
  'user.userPrincipalName -match "^[a-z]+@contoso\\.com$"',
  'user.userPrincipalName -notMatch "@fabrikam\\.com$"',
  'user.objectId -eq "0f8fad5b-d9cb-469f-a165-70867728950e"',
  'user.displayName -contains "say `"hi`" and `` tick"',
  "user.department \u2013eq \"Sales\"",
  '\n\tuser.department\n-eq\t"Sales"  -or\r\n(user.jobTitle -eq "x")\n',
  '((user.department -eq "A") -or (user.department -eq "B")) -and -not (user.jobTitle -eq null)',
];

/** Pieces of the rule language, so that mutations produce near-misses and not only noise. */
const FRAGMENTS = [
  "(", ")", "[", "]", ",", '"', "`", "`\"", "-", "\u2013", " ", "\t", "\n", "\r\n",
  "-and", "-or", "-not", "-eq", "-ne", "-in", "-notIn", "-match", "-any", "-all", "-EQ", "-",
  "user.", "user.department", "user.proxyAddresses", "user.accountEnabled", "user.objectId", "device.",
  "true", "false", "null", "NULL", '"x"', '[""]', "[]", '"(a+)+"', '"["', '"\\\\"', "'single'",
  "\u0000", "\u200b", "\ufeff", "\ud800", "😀", "ß", "İ",
];

type Edit =
  | { kind: "insert"; at: number; text: string }
  | { kind: "delete"; at: number; length: number }
  | { kind: "replace"; at: number; length: number; text: string }
  | { kind: "duplicate"; at: number; length: number }
  | { kind: "truncate"; at: number };

const text = fc.oneof(
  fc.constantFrom(...FRAGMENTS),
  fc.string({ maxLength: 6 }),
  fc.string({ unit: "binary", maxLength: 4 }),
);

const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), text }),
  fc.record({ kind: fc.constant("delete" as const), at: fc.nat(), length: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ kind: fc.constant("replace" as const), at: fc.nat(), length: fc.integer({ min: 1, max: 4 }), text }),
  fc.record({ kind: fc.constant("duplicate" as const), at: fc.nat(), length: fc.integer({ min: 1, max: 30 }) }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
);

function apply(rule: string, edits: Edit[]): string {
  let result = rule;
  for (const change of edits) {
    const at = result.length === 0 ? 0 : change.at % (result.length + 1);
    switch (change.kind) {
      case "insert":
        result = result.slice(0, at) + change.text + result.slice(at);
        break;
      case "delete":
        result = result.slice(0, at) + result.slice(at + change.length);
        break;
      case "replace":
        result = result.slice(0, at) + change.text + result.slice(at + change.length);
        break;
      case "duplicate":
        result = result.slice(0, at + change.length) + result.slice(at, at + change.length) + result.slice(at + change.length);
        break;
      case "truncate":
        result = result.slice(0, at);
        break;
    }
  }
  return result;
}

const mutatedRule = fc
  .tuple(fc.constantFrom(...VALID_RULES), fc.array(edit, { minLength: 1, maxLength: 6 }))
  .map(([rule, edits]) => apply(rule, edits));

/** Rules joined with -and/-or, in parentheses or not: long, nested, sometimes over the length limit. */
const combinedRule = fc
  .array(fc.tuple(fc.constantFrom(...VALID_RULES), fc.constantFrom(" -and ", " -or ", " -and -not ", ") -or ("), fc.boolean()), {
    minLength: 1,
    maxLength: 40,
  })
  .map((parts) => parts.map(([rule, joiner, wrap], i) => (i === 0 ? "" : joiner) + (wrap ? `(${rule})` : rule)).join(""));

/** Deep nesting of parentheses and -not, up to the length limit. */
const nestedRule = fc
  .tuple(fc.constantFrom("(", "-not ", "-not (", "( -not "), fc.integer({ min: 1, max: MAX_RULE_LENGTH }), fc.boolean())
  .map(([open, depth, closed]) => {
    const count = Math.max(1, Math.floor(depth / open.length));
    const closing = closed ? ")".repeat([...open].filter((ch) => ch === "(").length * count) : "";
    return open.repeat(count) + 'user.mail -eq "a"' + closing;
  });

/** Refused with BAD_USER_INPUT and a numeric position inside (or just past the end of) the rule. */
function checkParse(rule: string): void {
  try {
    parseMembershipRule(rule);
  } catch (error) {
    if (!(error instanceof HelpgateError)) {
      throw new Error(`threw ${(error as Error)?.constructor?.name}: ${String((error as Error)?.message ?? error)} for ${JSON.stringify(rule.slice(0, 200))}`);
    }
    expect(error.code).toBe("BAD_USER_INPUT");
    const position = error.details.position;
    expect(typeof position).toBe("number");
    expect(Number.isInteger(position)).toBe(true);
    expect(position as number).toBeGreaterThanOrEqual(1);
    expect(position as number).toBeLessThanOrEqual(Math.max(rule.length + 1, 1));
    expect(error.message).toContain(`position ${position}`);
  }
}

describe("parseMembershipRule (property)", () => {
  // First, while the parser is still cold (unoptimised frames are the largest): nesting is
  // bounded only by the rule length, and the recursive descent used to overflow the stack.
  it("refuses 3000 unclosed '(' as bad input, not with a stack overflow", () => {
    checkParse("(".repeat(3000));
    checkParse("(".repeat(MAX_RULE_LENGTH));
    expect(() => parseMembershipRule("(".repeat(3000))).toThrow(/nest more than \d+ levels/);
  });

  it("accepts every seed rule (the mutations start from valid rules)", () => {
    for (const rule of VALID_RULES) expect(() => parseMembershipRule(rule)).not.toThrow();
  });

  it("on arbitrary strings, throws only BAD_USER_INPUT with a position", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: "grapheme" }), fc.string({ unit: "binary", maxLength: 200 })), checkParse),
      { numRuns: RUNS },
    );
  });

  it("on mutated valid rules, throws only BAD_USER_INPUT with a position", () => {
    fc.assert(fc.property(mutatedRule, checkParse), { numRuns: RUNS });
  });

  it("on long combinations of valid rules, throws only BAD_USER_INPUT with a position", () => {
    fc.assert(fc.property(combinedRule, checkParse), { numRuns: RUNS });
  });

  it("on deeply nested rules (parentheses and -not up to the length limit), throws only BAD_USER_INPUT", () => {
    fc.assert(fc.property(nestedRule, checkParse), { numRuns: RUNS });
  });
});
