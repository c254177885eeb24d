import type {
  Comparison,
  ComparisonOperator,
  MembershipRule,
  RuleProperty,
  RuleSubject,
  RuleValue,
} from "./types";

/**
 * Evaluation of a parsed rule against one user. -match patterns arrive compiled by the parser
 * (pattern.ts), once per rule rather than once per user.
 */

type PositiveOperator = "-eq" | "-startsWith" | "-contains" | "-match" | "-in";

/**
 * Each negative operator is the exact complement of its positive one. That gives Entra's null
 * behaviour for free: a positive test on a null value is false (except `-eq null`), so
 * `-ne "x"`, `-notContains "x"`, `-notIn [...]` etc. are true on null.
 */
const OPERATORS: Record<ComparisonOperator, { positive: PositiveOperator; negated: boolean }> = {
  "-eq": { positive: "-eq", negated: false },
  "-ne": { positive: "-eq", negated: true },
  "-startsWith": { positive: "-startsWith", negated: false },
  "-notStartsWith": { positive: "-startsWith", negated: true },
  "-contains": { positive: "-contains", negated: false },
  "-notContains": { positive: "-contains", negated: true },
  "-match": { positive: "-match", negated: false },
  "-notMatch": { positive: "-match", negated: true },
  "-in": { positive: "-in", negated: false },
  "-notIn": { positive: "-in", negated: true },
};

export function matchesRule(rule: MembershipRule, user: RuleSubject): boolean {
  switch (rule.kind) {
    case "and":
      return matchesRule(rule.left, user) && matchesRule(rule.right, user);
    case "or":
      return matchesRule(rule.left, user) || matchesRule(rule.right, user);
    case "not":
      return !matchesRule(rule.operand, user);
    case "comparison":
      return matchesComparison(rule, user[rule.property]);
  }
}

function matchesComparison(comparison: Comparison, actual: string | boolean | null): boolean {
  const { positive, negated } = OPERATORS[comparison.operator];
  const result = positiveTest(positive, comparison.value, actual);
  return negated ? !result : result;
}

function positiveTest(
  operator: PositiveOperator,
  expected: RuleValue,
  actual: string | boolean | null,
): boolean {
  // Directory data stores "no value" as either null or "", and a rule author means both.
  if (expected.kind === "null") return actual === null || actual === "";
  if (expected.kind === "boolean") return actual === expected.value;
  if (typeof actual !== "string") return false;
  switch (expected.kind) {
    case "regex":
      return expected.pattern.test(actual);
    case "list":
      return expected.values.some((value) => sameText(value, actual));
    case "string":
      return testString(operator, actual.toLowerCase(), expected.value.toLowerCase());
  }
}

/** Entra compares strings case-insensitively, so both arguments arrive lower-cased. */
function testString(operator: PositiveOperator, actual: string, expected: string): boolean {
  switch (operator) {
    case "-startsWith":
      return actual.startsWith(expected);
    case "-contains":
      return actual.includes(expected);
    default:
      return actual === expected;
  }
}

function sameText(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/** The canonical properties a rule reads, in order of first use; a change to any other user
 * field cannot change whether the user matches. */
export function ruleProperties(rule: MembershipRule): RuleProperty[] {
  const seen = new Set<RuleProperty>();
  const visit = (node: MembershipRule): void => {
    if (node.kind === "comparison") seen.add(node.property);
    else if (node.kind === "not") visit(node.operand);
    else {
      visit(node.left);
      visit(node.right);
    }
  };
  visit(rule);
  return [...seen];
}
