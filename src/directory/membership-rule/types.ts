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

/** A compiled -match pattern: finds a match anywhere in the text, in time linear in its length. */
export interface RulePattern {
  test(text: string): boolean;
}

export type RuleValue =
  | { kind: "string"; value: string }
  | { kind: "boolean"; value: boolean }
  | { kind: "null" }
  | { kind: "list"; values: string[] }
  /** -match/-notMatch: compiled once (case-insensitive, linear-time) at parse time. */
  | { kind: "regex"; source: string; pattern: RulePattern };

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
