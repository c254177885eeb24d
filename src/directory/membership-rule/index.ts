/**
 * Microsoft Entra dynamic membership rules for users, the subset helpgate supports. A pure
 * module: parse once with parseMembershipRule (it throws BAD_USER_INPUT with the position of
 * the problem), then test users with matchesRule.
 *
 *   const rule = parseMembershipRule('(user.department -eq "Sales") -and (user.usageLocation -eq "US")');
 *   matchesRule(rule, user); // true or false
 *
 * The types live here, and parser.ts and evaluate.ts import them type-only, so there is no
 * runtime import cycle.
 */
export { COMPARISON_OPERATORS, MAX_RULE_LENGTH, RULE_PROPERTIES, parseMembershipRule } from "./parser";
export { MAX_PATTERN_LENGTH, matchesRule, ruleProperties } from "./evaluate";

/** The user fields a rule can read; the field names are the canonical property names. */
export interface RuleSubject {
  id: string;
  displayName: string;
  userPrincipalName: string;
  mail: string | null;
  department: string | null;
  jobTitle: string | null;
  accountEnabled: boolean;
  usageLocation: string | null;
}

/** A property as RULE_PROPERTIES spells it, without the `user.` prefix rules write. */
export type RuleProperty = keyof RuleSubject;

export type ComparisonOperator =
  | "-eq"
  | "-ne"
  | "-startsWith"
  | "-notStartsWith"
  | "-contains"
  | "-notContains"
  | "-match"
  | "-notMatch"
  | "-in"
  | "-notIn";

export type RuleValue =
  | { kind: "string"; value: string }
  | { kind: "boolean"; value: boolean }
  | { kind: "null" }
  | { kind: "list"; values: string[] }
  /** -match/-notMatch: compiled once, case-insensitive, at parse time. */
  | { kind: "regex"; source: string; regex: RegExp };

export interface Comparison {
  kind: "comparison";
  property: RuleProperty;
  operator: ComparisonOperator;
  value: RuleValue;
}

export type MembershipRule =
  | Comparison
  | { kind: "not"; operand: MembershipRule }
  | { kind: "and" | "or"; left: MembershipRule; right: MembershipRule };
