/**
 * The attribute scanner for `<properties ... />`. It reads what authors wrote rather than what
 * XML allows: tabs, single quotes, values over several lines, stray characters between
 * attributes, and a value whose closing quote was forgotten.
 */
import { commonName } from "./names";

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

/** The rest of a name, after its first character ([A-Za-z_]). */
const NAME_REST = /[A-Za-z0-9_.:-]*/y;
/** An unquoted value. */
const BARE_VALUE = /[^\s>]*/y;

/** [A-Za-z_] */
function isNameStart(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f;
}

/** [ \t\n\f\v] */
function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0b;
}

/** Zero-width characters, the BOM as a character, and the no-break space: whitespace to a reader, not to a parser. */
function isInvisible(c: number): boolean {
  return (c >= 0x200b && c <= 0x200d) || c === 0x2060 || c === 0xfeff || c === 0xa0;
}
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
  /** Made when the first invisible character is met (few headers have one). */
  private invisibleSeen: Set<string> | null = null;
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
      const c = text.charCodeAt(this.pos);
      if (isSpace(c)) this.pos += 1;
      else if (c === 0x2f && text.charCodeAt(this.pos + 1) === 0x3e) return this.result(this.pos + 2);
      else if (c === 0x3e) return this.result(this.pos + 1);
      else if (isInvisible(c)) this.skipInvisible();
      else if (isNameStart(c)) this.readAttribute();
      else if (this.atLineStart()) return this.unclosedHeader();
      else this.skipStray(text[this.pos]!);
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
    const { text } = this;
    const offset = this.pos;
    NAME_REST.lastIndex = offset + 1;
    NAME_REST.test(text);
    const end = NAME_REST.lastIndex;
    const name = commonName(text, offset, end) ?? text.slice(offset, end);
    this.pos = end;
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
    BARE_VALUE.lastIndex = this.pos;
    let value = BARE_VALUE.exec(this.text)![0];
    if (value.endsWith("/") && this.text[this.pos + value.length] === ">") value = value.slice(0, -1);
    this.pos += value.length;
    return value;
  }

  /** Reads to the closing quote; a line break followed by another attribute means the quote was never closed. */
  private readQuoted(name: string, quote: string): string {
    const { text } = this;
    const open = this.pos;
    const close = text.indexOf(quote, open + 1);
    // Line breaks before the closing quote (or anywhere after the opening one, without one).
    for (let i = text.indexOf("\n", open + 1); i >= 0 && (close < 0 || i < close); i = text.indexOf("\n", i + 1)) {
      if (NEXT_ATTRIBUTE_LINE.test(text.slice(i + 1, i + 200))) return this.unclosed(name, open, i);
    }
    if (close >= 0) {
      this.pos = close + 1;
      return text.slice(open + 1, close);
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
    this.invisibleSeen ??= new Set();
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
    const { text } = this;
    for (; this.pos < text.length; this.pos += 1) {
      const c = text.charCodeAt(this.pos);
      if (!(c === 0x20 || c === 0x09 || c === 0xa0 || (allowNewline && c === 0x0a))) break;
    }
  }

  /** Only whitespace precedes the cursor on its line. */
  private atLineStart(): boolean {
    for (let i = this.pos - 1; i >= 0; i -= 1) {
      const c = this.text.charCodeAt(i);
      if (c === 0x0a) return true;
      if (!isSpace(c) && !isInvisible(c)) return false;
    }
    return true;
  }

  private report(kind: ScanIssueKind, offset: number, message: string): void {
    this.issues.push({ kind, offset, message });
  }
}
