/**
 * Tokens of a membership rule, read on demand, each with the 1-based column where it starts:
 * punctuation, dash words (operators), words (properties, keywords) and quoted strings.
 */

export type TokenKind = "(" | ")" | "[" | "]" | "," | "dash" | "word" | "string" | "end";

export interface Token {
  kind: TokenKind;
  /** The token as written, for messages. */
  text: string;
  /** Strings: the unescaped content. Dash words: the lower-cased name without its dash. */
  value: string;
  position: number;
}

export type Fail = (position: number, problem: string) => never;

const PUNCTUATION = "()[],";
// Microsoft's docs sometimes print an en-dash where a hyphen belongs; rules pasted from them
// should still work.
const DASHES = "-\u2013";

function isWhitespace(ch: string): boolean {
  return /\s/.test(ch);
}

/** Reads tokens on demand, so the first problem by position is the one reported. */
export class Lexer {
  private index = 0;
  private lookahead: Token | null = null;

  constructor(private readonly source: string, private readonly fail: Fail) {}

  peek(): Token {
    this.lookahead ??= this.read();
    return this.lookahead;
  }

  next(): Token {
    const token = this.peek();
    this.lookahead = null;
    return token;
  }

  private read(): Token {
    const src = this.source;
    while (this.index < src.length && isWhitespace(src.charAt(this.index))) this.index++;
    const start = this.index;
    if (start >= src.length) return { kind: "end", text: "", value: "", position: src.length + 1 };
    const ch = src.charAt(start);
    if (PUNCTUATION.includes(ch)) {
      this.index++;
      return { kind: ch as TokenKind, text: ch, value: ch, position: start + 1 };
    }
    if (ch === '"') return this.readString(start);
    // A word ends at a dash so that `user.department-eq` still splits into property and operator.
    let end = start + 1;
    while (end < src.length && !isWordBreak(src.charAt(end))) end++;
    this.index = end;
    const text = src.slice(start, end);
    return DASHES.includes(ch)
      ? { kind: "dash", text, value: text.slice(1).toLowerCase(), position: start + 1 }
      : { kind: "word", text, value: text, position: start + 1 };
  }

  /** As in Entra (which borrows PowerShell's escape), a backtick escapes `"` and itself. */
  private readString(start: number): Token {
    const src = this.source;
    let value = "";
    for (let i = start + 1; i < src.length; i++) {
      const ch = src.charAt(i);
      const escaped = src.charAt(i + 1);
      if (ch === "`" && (escaped === '"' || escaped === "`")) {
        value += escaped;
        i++;
      } else if (ch === '"') {
        this.index = i + 1;
        return { kind: "string", text: src.slice(start, i + 1), value, position: start + 1 };
      } else {
        value += ch;
      }
    }
    const problem = "unterminated string: this '\"' is never closed (write `\" for a quote inside one)";
    return this.fail(start + 1, problem);
  }
}

function isWordBreak(ch: string): boolean {
  return isWhitespace(ch) || PUNCTUATION.includes(ch) || DASHES.includes(ch) || ch === '"';
}

export function describe(token: Token): string {
  return token.kind === "end" ? "the end of the rule" : `'${token.text}'`;
}

export function isDash(token: Token, name: string): boolean {
  return token.kind === "dash" && token.value === name;
}

/** The rule column of the character at `index` of a string token's unescaped value. */
export function columnInString(token: Token, index: number): number {
  let raw = 1; // just after the opening quote
  for (let i = 0; i < index && raw < token.text.length - 1; i++) {
    const escaped = token.text.charAt(raw + 1);
    raw += token.text.charAt(raw) === "`" && (escaped === '"' || escaped === "`") ? 2 : 1;
  }
  return token.position + raw;
}
