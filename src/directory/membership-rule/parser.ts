import { badInput, HelpgateError } from "../../errors";
import { columnInString, describe, isDash, Lexer, type Token } from "./lexer";
import { compilePattern } from "./pattern";
import type { Comparison, ComparisonOperator, MembershipRule, RuleProperty, RuleValue } from "./types";

/**
 * Parser for the subset of Microsoft Entra dynamic membership rules (for users) that helpgate
 * supports. Grammar, loosest binding first, as Entra documents the precedence:
 *
 *   or         := and ("-or" and)*
 *   and        := not ("-and" not)*
 *   not        := "-not" not | primary
 *   primary    := "(" or ")" | comparison
 *   comparison := "user." property operator value
 *
 * Every problem is reported with the 1-based column where it is, because rule authors mostly
 * type rules into one text box and need to know where to look.
 */

/** Canonical property names, in the order error messages list them. */
export const RULE_PROPERTIES: readonly RuleProperty[] = [
  "displayName", "userPrincipalName", "mail", "department",
  "jobTitle", "accountEnabled", "usageLocation", "id",
];

export const COMPARISON_OPERATORS: readonly ComparisonOperator[] = [
  "-eq", "-ne", "-startsWith", "-notStartsWith", "-contains", "-notContains",
  "-match", "-notMatch", "-in", "-notIn",
];

/** Entra's own limit on the length of a membership rule. */
export const MAX_RULE_LENGTH = 3072;

/**
 * How deep parentheses and -not may nest. The parser is recursive, so without a bound a rule of
 * a few thousand '(' (still within MAX_RULE_LENGTH) overflowed the stack instead of being refused.
 */
export const MAX_RULE_NESTING = 100;

/** Multi-valued user properties: Entra needs -any/-all for these, which we do not support. */
const MULTI_VALUED = new Set(["proxyaddresses", "othermails"]);

const PROPERTY_BY_NAME = new Map<string, RuleProperty>([
  ...RULE_PROPERTIES.map((p): [string, RuleProperty] => [p.toLowerCase(), p]),
  ["objectid", "id"],
]);

const OPERATOR_BY_NAME = new Map<string, ComparisonOperator>(
  COMPARISON_OPERATORS.map((op): [string, ComparisonOperator] => [op.slice(1).toLowerCase(), op]),
);

const isListOperator = (op: ComparisonOperator): boolean => op === "-in" || op === "-notIn";
const isRegexOperator = (op: ComparisonOperator): boolean => op === "-match" || op === "-notMatch";
const isEqualityOperator = (op: ComparisonOperator): boolean => op === "-eq" || op === "-ne";

class Parser {
  private readonly lexer: Lexer;
  private depth = 0;

  constructor(private readonly rule: string) {
    this.lexer = new Lexer(rule, (position, problem) => this.failAt(position, problem));
  }

  private failAt(position: number, problem: string): never {
    throw ruleError(this.rule, position, problem);
  }

  private fail(token: Token, problem: string): never {
    return this.failAt(token.position, problem);
  }

  private expected(token: Token, what: string): never {
    return this.fail(token, `expected ${what}, found ${describe(token)}`);
  }

  parse(): MembershipRule {
    const rule = this.parseOr();
    const rest = this.lexer.peek();
    if (rest.kind === ")") this.fail(rest, "unbalanced parentheses: this ')' has no matching '('");
    if (rest.kind !== "end") this.expected(rest, "-and, -or or the end of the rule");
    return rule;
  }

  private parseOr(): MembershipRule {
    let left = this.parseAnd();
    while (isDash(this.lexer.peek(), "or")) {
      this.lexer.next();
      left = { kind: "or", left, right: this.parseAnd() };
    }
    return left;
  }

  private parseAnd(): MembershipRule {
    let left = this.parseNot();
    while (isDash(this.lexer.peek(), "and")) {
      this.lexer.next();
      left = { kind: "and", left, right: this.parseNot() };
    }
    return left;
  }

  private parseNot(): MembershipRule {
    const not = this.lexer.peek();
    if (!isDash(not, "not")) return this.parsePrimary();
    this.lexer.next();
    return { kind: "not", operand: this.nested(not, () => this.parseNot()) };
  }

  private parsePrimary(): MembershipRule {
    const open = this.lexer.peek();
    if (open.kind === "word") return this.parseComparison();
    if (open.kind !== "(") this.expected(open, 'a condition such as user.department -eq "Sales"');
    this.lexer.next();
    const inner = this.nested(open, () => this.parseOr());
    const close = this.lexer.next();
    if (close.kind === "end") this.fail(open, "unbalanced parentheses: this '(' is never closed");
    if (close.kind !== ")") this.expected(close, "')', -and or -or");
    return inner;
  }

  /** Parses what `token` ('(' or -not) opens, one level deeper, refusing rules nested too deep. */
  private nested(token: Token, parse: () => MembershipRule): MembershipRule {
    if (this.depth >= MAX_RULE_NESTING) {
      this.fail(token, `parentheses and -not nest more than ${MAX_RULE_NESTING} levels deep here; simplify the rule`);
    }
    this.depth++;
    try {
      return parse();
    } finally {
      this.depth--;
    }
  }

  private parseComparison(): Comparison {
    const propertyToken = this.lexer.next();
    const property = this.resolveProperty(propertyToken);
    const operator = this.resolveOperator(this.lexer.next(), propertyToken, property);
    const value = isListOperator(operator)
      ? this.parseList(operator)
      : this.parseScalar(property, operator, this.lexer.next());
    return { kind: "comparison", property, operator, value };
  }

  private resolveProperty(token: Token): RuleProperty {
    const lower = token.text.toLowerCase();
    const name = lower.startsWith("user.") ? lower.slice("user.".length) : "";
    if (MULTI_VALUED.has(name)) {
      this.fail(token, `${token.text} is a multi-valued property; multi-valued properties need ` +
        "-any/-all, which helpgate does not support yet");
    }
    const property = PROPERTY_BY_NAME.get(name);
    if (property !== undefined) return property;
    const supported = RULE_PROPERTIES.map((p) => `user.${p}`).join(", ");
    return this.fail(token, `unknown property '${token.text}'; supported: ${supported}`);
  }

  private resolveOperator(token: Token, subject: Token, property: RuleProperty): ComparisonOperator {
    if (token.kind !== "dash") this.expected(token, `an operator such as -eq after ${subject.text}`);
    const operator = OPERATOR_BY_NAME.get(token.value);
    if (operator === undefined) {
      const supported = COMPARISON_OPERATORS.join(", ");
      this.fail(token, `unknown operator '${token.text}'; supported: ${supported}`);
    }
    if (property === "accountEnabled" && !isEqualityOperator(operator)) {
      this.fail(token, `user.accountEnabled is a boolean and supports only -eq and -ne, not ${operator}`);
    }
    return operator;
  }

  private parseScalar(property: RuleProperty, operator: ComparisonOperator, token: Token): RuleValue {
    if (property === "accountEnabled") return this.parseBoolean(operator, token);
    if (token.kind === "word") return this.parseKeyword(operator, token);
    if (token.kind !== "string") this.failValue(operator, token);
    if (!isRegexOperator(operator)) return { kind: "string", value: token.value };
    const compiled = compilePattern(token.value);
    if ("problem" in compiled) {
      const position = compiled.index === null ? token.position : columnInString(token, compiled.index);
      this.failAt(position, `the regular expression after ${operator} ${compiled.problem}`);
    }
    return { kind: "regex", source: token.value, pattern: compiled.pattern };
  }

  private parseBoolean(operator: ComparisonOperator, token: Token): RuleValue {
    const lower = token.kind === "word" ? token.text.toLowerCase() : "";
    if (lower === "true" || lower === "false") return { kind: "boolean", value: lower === "true" };
    return this.expected(token, `true or false after ${operator} (user.accountEnabled is a boolean)`);
  }

  /** Unquoted values: for a string property only null means anything. */
  private parseKeyword(operator: ComparisonOperator, token: Token): RuleValue {
    const lower = token.text.toLowerCase();
    if (lower === "null" && isEqualityOperator(operator)) return { kind: "null" };
    if (lower === "null") this.fail(token, `null can only be used with -eq or -ne, not ${operator}`);
    if (lower === "true" || lower === "false") {
      this.fail(token, `${token.text} can only be compared with the boolean property user.accountEnabled`);
    }
    return this.failValue(operator, token);
  }

  private failValue(operator: ComparisonOperator, token: Token): never {
    const what = isRegexOperator(operator) ? "a quoted regular expression" : "a quoted string";
    const hint = token.text.startsWith("'") ? "; strings use double quotes" : "";
    return this.fail(token, `expected ${what} after ${operator}, found ${describe(token)}${hint}`);
  }

  private parseList(operator: ComparisonOperator): RuleValue {
    const open = this.lexer.next();
    if (open.kind !== "[") this.expected(open, `a list such as ["a", "b"] after ${operator}`);
    const values: string[] = [];
    for (;;) {
      const item = this.lexer.next();
      if (item.kind === "]" && values.length === 0) this.fail(item, `the list after ${operator} is empty`);
      if (item.kind === "end") this.fail(open, "unbalanced brackets: this '[' is never closed");
      if (item.kind !== "string") this.expected(item, `a quoted string in the list after ${operator}`);
      values.push(item.value);
      const separator = this.lexer.next();
      if (separator.kind === "]") return { kind: "list", values };
      if (separator.kind === "end") this.fail(open, "unbalanced brackets: this '[' is never closed");
      if (separator.kind !== ",") this.expected(separator, "',' or ']' in the list");
    }
  }
}

function ruleError(rule: string, position: number, problem: string): HelpgateError {
  return badInput(`Membership rule error at position ${position}: ${problem}.`, { position, rule });
}

/** Parses a rule, throwing a BAD_USER_INPUT error with `details.position` if it is not valid. */
export function parseMembershipRule(text: string): MembershipRule {
  if (text.length > MAX_RULE_LENGTH) {
    const problem = `the rule is ${text.length} characters long; rules are limited to ${MAX_RULE_LENGTH} characters`;
    throw ruleError(text, MAX_RULE_LENGTH + 1, problem);
  }
  if (text.trim() === "") {
    throw ruleError(text, 1, 'the rule is empty; write a condition such as user.department -eq "Sales"');
  }
  return new Parser(text).parse();
}

/**
 * A rule as stored with a group, or null if it no longer parses: a -match pattern that an earlier
 * version accepted but the linear-time engine cannot run (a lookahead, a backreference). Such a
 * group keeps its members until an administrator fixes the rule (updateGroup reports where the
 * problem is); no other user's change is refused because of it.
 */
export function parseStoredMembershipRule(text: string): MembershipRule | null {
  try {
    return parseMembershipRule(text);
  } catch (error) {
    if (error instanceof HelpgateError) return null;
    throw error;
  }
}
