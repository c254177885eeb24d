/**
 * Microsoft Entra dynamic membership rules for users, the subset helpgate supports. A pure
 * module: parse once with parseMembershipRule (it throws BAD_USER_INPUT with the position of
 * the problem), then test users with matchesRule.
 *
 *   const rule = parseMembershipRule('(user.department -eq "Sales") -and (user.usageLocation -eq "US")');
 *   matchesRule(rule, user); // true or false
 *
 * Imports point one way: types ← lexer, pattern ← parser; types ← evaluate; this index above them.
 */
export { COMPARISON_OPERATORS, MAX_RULE_LENGTH, RULE_PROPERTIES, parseMembershipRule, parseStoredMembershipRule } from "./parser";
export { matchesRule, ruleProperties } from "./evaluate";
export { MAX_PATTERN_LENGTH } from "./pattern";
export type { Comparison, ComparisonOperator, MembershipRule, RuleProperty, RuleSubject, RuleValue } from "./types";
