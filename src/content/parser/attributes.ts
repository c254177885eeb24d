/**
 * The attribute scanner for `<properties ... />`. It reads what authors wrote rather than what
 * XML allows: tabs, single quotes, values over several lines, stray characters between
 * attributes, and a value whose closing quote was forgotten.
 */

export interface RawAttribute {
  /** The name as written. */
  name: string;
  /** The value as written, entities not yet decoded. */
  value: string;
  /** Offset of the name in the scanned text. */
  offset: number;
}

export type ScanIssueKind =
  | "unclosed-quote"
  | "unclosed-header"
  | "stray-character"
  | "invisible-character"
  | "attribute-without-value";

export interface ScanIssue {
  kind: ScanIssueKind;
  offset: number;
  message: string;
}

export interface ScanResult {
  attributes: RawAttribute[];
  /** Offset just after `/>` (or `>`); where the header ends. */
  end: number;
  issues: ScanIssue[];
}

const NAME = /[A-Za-z_][A-Za-z0-9_.:-]*/y;
const NAME_START = /[A-Za-z_]/;
const SPACE = /[ \t\n\f\v]/;
/** Zero-width characters, the BOM as a character, and the no-break space: whitespace to a reader, not to a parser. */
const INVISIBLE = /[\u200B-\u200D\u2060\uFEFF\u00A0]/;
/** A line that starts the next attribute or closes the header: proof that a quote was left open. */
const NEXT_ATTRIBUTE_LINE = /^[ \t\u00A0\u200B-\u200D\uFEFF]*(?:[A-Za-z_][A-Za-z0-9_.:-]*[ \t]*=[ \t]*["']|\/?>)/;

/** Scans attributes from `start` (just after `<properties`) to the closing `/>`. */
export function scanAttributes(text: string, start: number): ScanResult {
  const scanner = new Scanner(text, start);
  return scanner.run();
}

class Scanner {
  private readonly attributes: RawAttribute[] = [];
  private readonly issues: ScanIssue[] = [];
  private readonly invisibleSeen = new Set<string>();
  /** End of the last complete attribute: where an unclosed header is cut. */
  private lastGoodEnd: number;

  constructor(
    private readonly text: string,
    private pos: number,
  ) {
    this.lastGoodEnd = pos;
  }

  run(): ScanResult {
    const { text } = this;
    while (this.pos < text.length) {
      const ch = text[this.pos]!;
      if (SPACE.test(ch)) this.pos += 1;
      else if (text.startsWith("/>", this.pos)) return this.result(this.pos + 2);
      else if (ch === ">") return this.result(this.pos + 1);
      else if (INVISIBLE.test(ch)) this.skipInvisible();
      else if (this.atLineStart() && !NAME_START.test(ch)) return this.unclosedHeader();
      else if (NAME_START.test(ch)) this.readAttribute();
      else this.skipStray(ch);
    }
    return this.unclosedHeader();
  }

  private result(end: number): ScanResult {
    return { attributes: this.attributes, end, issues: this.issues };
  }

  /** No `/>`: the header ends with the line of its last attribute, and what was read after it is body. */
  private unclosedHeader(): ScanResult {
    const cut = this.lastGoodEnd;
    const lineEnd = this.text.indexOf("\n", cut);
    const attributes = this.attributes.filter((attribute) => attribute.offset < cut);
    const issues = this.issues.filter((issue) => issue.offset < cut);
    issues.push({ kind: "unclosed-header", offset: cut, message: "the <properties> header has no closing '/>'" });
    return { attributes, end: lineEnd < 0 ? this.text.length : lineEnd, issues };
  }

  private readAttribute(): void {
    const offset = this.pos;
    NAME.lastIndex = offset;
    const name = NAME.exec(this.text)![0];
    this.pos += name.length;
    this.skipInlineSpace(true);
    if (this.text[this.pos] !== "=") {
      this.report("attribute-without-value", offset, `attribute '${name}' has no '=' and no value`);
      this.attributes.push({ name, value: "", offset });
      return;
    }
    this.pos += 1;
    this.skipInlineSpace(false);
    const value = this.readValue(name);
    this.attributes.push({ name, value, offset });
    this.lastGoodEnd = this.pos;
  }

  private readValue(name: string): string {
    const quote = this.text[this.pos];
    if (quote === '"' || quote === "'") return this.readQuoted(name, quote);
    const match = /[^\s>]*/y;
    match.lastIndex = this.pos;
    let value = match.exec(this.text)![0];
    if (value.endsWith("/") && this.text[this.pos + value.length] === ">") value = value.slice(0, -1);
    this.pos += value.length;
    return value;
  }

  /** Reads to the closing quote; a line break followed by another attribute means the quote was never closed. */
  private readQuoted(name: string, quote: string): string {
    const { text } = this;
    const open = this.pos;
    for (let i = open + 1; i < text.length; i += 1) {
      if (text[i] === quote) {
        this.pos = i + 1;
        return text.slice(open + 1, i);
      }
      if (text[i] === "\n" && NEXT_ATTRIBUTE_LINE.test(text.slice(i + 1, i + 200))) return this.unclosed(name, open, i);
    }
    const lineEnd = text.indexOf("\n", open);
    return this.unclosed(name, open, lineEnd < 0 ? text.length : lineEnd);
  }

  private unclosed(name: string, open: number, end: number): string {
    this.report("unclosed-quote", open, `the value of '${name}' has no closing quote; read to the end of its line`);
    this.pos = end;
    return this.text.slice(open + 1, end);
  }

  /** Reported once per character per header: a block indented with no-break spaces is one oddity. */
  private skipInvisible(): void {
    const ch = this.text[this.pos]!;
    if (!this.invisibleSeen.has(ch)) {
      this.invisibleSeen.add(ch);
      const code = ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0");
      this.report("invisible-character", this.pos, `invisible character U+${code} between attributes, ignored`);
    }
    this.pos += 1;
  }

  private skipStray(ch: string): void {
    this.report("stray-character", this.pos, `stray '${ch}' between attributes, ignored`);
    this.pos += 1;
  }

  /** Spaces and tabs around '='; a line break too before it (`name\n= "v"` is rare but harmless). */
  private skipInlineSpace(allowNewline: boolean): void {
    const space = allowNewline ? /[ \t\n\u00A0]/ : /[ \t\u00A0]/;
    while (this.pos < this.text.length && space.test(this.text[this.pos]!)) this.pos += 1;
  }

  /** Only whitespace precedes the cursor on its line. */
  private atLineStart(): boolean {
    for (let i = this.pos - 1; i >= 0; i -= 1) {
      const ch = this.text[i]!;
      if (ch === "\n") return true;
      if (!SPACE.test(ch) && !INVISIBLE.test(ch)) return false;
    }
    return true;
  }

  private report(kind: ScanIssueKind, offset: number, message: string): void {
    this.issues.push({ kind, offset, message });
  }
}
