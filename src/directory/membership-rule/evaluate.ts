import type {
  Comparison,
  ComparisonOperator,
  MembershipRule,
  RuleProperty,
  RuleSubject,
  RuleValue,
} from "./index";

/**
 * Evaluation of a parsed rule against one user, plus the compilation of -match patterns: the
 * parser calls `compilePattern` so that a pattern is compiled, and vetted for evaluation cost,
 * once per rule rather than once per user.
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
      return expected.regex.test(actual);
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

export const MAX_PATTERN_LENGTH = 256;

/** A compiled -match pattern, or why it was refused (the parser adds the position). */
export type CompiledPattern = { regex: RegExp } | { problem: string };

export function compilePattern(source: string): CompiledPattern {
  if (source.length > MAX_PATTERN_LENGTH) {
    return { problem: `is ${source.length} characters long; the limit is ${MAX_PATTERN_LENGTH}` };
  }
  let regex: RegExp;
  try {
    regex = new RegExp(source, "i");
  } catch (error) {
    return { problem: `is not valid (${error instanceof Error ? error.message : String(error)})` };
  }
  if (hasNestedQuantifier(source)) {
    return {
      problem:
        "repeats a group that already contains a repetition, such as (a+)+, which can take " +
        "practically forever to evaluate; simplify it",
    };
  }
  return { regex };
}

/**
 * Catastrophic backtracking mostly comes from a repeated group whose body can itself repeat:
 * (a+)+, (a*)*, (.*a){10}. Rules run against every user, so we refuse any group that contains
 * a quantifier (*, +, ?, {) and is itself followed by *, + or {. This is deliberately
 * conservative: it also refuses some harmless patterns such as (ab?)+, and it does not catch
 * overlapping alternations such as (a|a)*; the length cap bounds what is left.
 * Call only on a pattern that compiled, so that its parentheses are balanced.
 */
export function hasNestedQuantifier(pattern: string): boolean {
  const groupHasQuantifier: boolean[] = [false];
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern.charAt(i);
    if (ch === "\\") {
      i++;
    } else if (ch === "[") {
      i = endOfCharacterClass(pattern, i);
    } else if (ch === "(") {
      groupHasQuantifier.push(false);
      if (pattern.charAt(i + 1) === "?") i++; // (?:, (?=, (?<name> are syntax, not quantifiers
    } else if (ch === ")") {
      const inner = groupHasQuantifier.pop() ?? false;
      const next = pattern.charAt(i + 1);
      if (inner && next !== "" && "*+{".includes(next)) return true;
      if (inner) groupHasQuantifier[groupHasQuantifier.length - 1] = true;
    } else if ("*+?{".includes(ch)) {
      groupHasQuantifier[groupHasQuantifier.length - 1] = true;
    }
  }
  return false;
}

/** Quantifier characters inside [...] are literals, so skip the class. */
function endOfCharacterClass(pattern: string, open: number): number {
  for (let i = open + 1; i < pattern.length; i++) {
    if (pattern.charAt(i) === "\\") i++;
    else if (pattern.charAt(i) === "]") return i;
  }
  return pattern.length;
}
