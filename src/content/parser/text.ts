/**
 * Bytes to text. Articles come from many editors: UTF-8 with or without a BOM (sometimes two),
 * UTF-16, or Windows-1252 saved by an old tool; CRLF, LF, both, or a lone CR.
 */
import { Buffer, isAscii } from "node:buffer";

export interface DecodedText {
  /** The text with BOMs removed and every line break turned into "\n" (one for one). */
  text: string;
  encoding: "utf-8" | "utf-16le" | "utf-16be" | "windows-1252";
  /** Leading byte-order marks removed (0, 1, or more for a file saved twice with a BOM). */
  boms: number;
  /** 1-based line of the first byte that is not UTF-8, when the file had to be read as Windows-1252. */
  invalidUtf8Line: number | null;
}

const BOM = "\uFEFF";
/** Decoding holds no state between calls (no `stream`), so one decoder serves every file. */
const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

export function decodeArticle(bytes: Uint8Array): DecodedText {
  const utf16 = utf16Encoding(bytes);
  if (utf16) return finish(new TextDecoder(utf16, { ignoreBOM: true }).decode(bytes), utf16, null);
  // ASCII reads the same as UTF-8, and a single-byte decode is the cheaper one.
  if (isAscii(bytes)) return finish(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1"), "utf-8", null);
  try {
    return finish(UTF8.decode(bytes), "utf-8", null);
  } catch {
    return finish(decodeWindows1252(bytes), "windows-1252", firstInvalidUtf8Line(bytes));
  }
}

/** What Windows-1252 puts at 0x80–0x9F (Latin-1 has control characters there); undefined bytes stay as they are. */
const WINDOWS_1252_HIGH =
  "\u20AC\u0081\u201A\u0192\u201E\u2026\u2020\u2021\u02C6\u2030\u0160\u2039\u0152\u008D\u017D\u008F" +
  "\u0090\u2018\u2019\u201C\u201D\u2022\u2013\u2014\u02DC\u2122\u0161\u203A\u0153\u009D\u017E\u0178";

/**
 * Single-byte fallback: every byte maps to one character, so nothing is lost. Written out
 * because Node 20's TextDecoder("windows-1252") decodes as Latin-1.
 */
export function decodeWindows1252(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    .toString("latin1")
    .replace(/[\u0080-\u009F]/g, (ch) => WINDOWS_1252_HIGH[ch.charCodeAt(0) - 0x80]!);
}

function utf16Encoding(bytes: Uint8Array): "utf-16le" | "utf-16be" | null {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return "utf-16le";
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return "utf-16be";
  return null;
}

function finish(raw: string, encoding: DecodedText["encoding"], invalidUtf8Line: number | null): DecodedText {
  let start = 0;
  while (raw.startsWith(BOM, start)) start += BOM.length;
  const text = normalizeLineBreaks(start > 0 ? raw.slice(start) : raw);
  return { text, encoding, boms: start, invalidUtf8Line };
}

/** CRLF and lone CR become LF, so line numbers match what an editor shows. */
export function normalizeLineBreaks(text: string): string {
  return text.includes("\r") ? text.replace(/\r\n?/g, "\n") : text;
}

/** Finds the first line (split on LF bytes, which never occur inside a UTF-8 sequence) that does not decode. */
function firstInvalidUtf8Line(bytes: Uint8Array): number {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let line = 1;
  let start = 0;
  while (start <= bytes.length) {
    let end = bytes.indexOf(0x0a, start);
    if (end < 0) end = bytes.length;
    try {
      decoder.decode(bytes.subarray(start, end));
    } catch {
      return line;
    }
    line += 1;
    start = end + 1;
  }
  return 1;
}

/**
 * Maps offsets in a text to 1-based line numbers. It finds line starts only as far as the offsets
 * asked for (a header's are near the top of a long text).
 */
export class LineIndex {
  private readonly starts: number[] = [0];
  /** Every line break before this offset is in `starts`. */
  private scanned = 0;

  constructor(private readonly text: string) {}

  lineAt(offset: number): number {
    if (offset > this.scanned) this.scanTo(offset);
    let low = 0;
    let high = this.starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (this.starts[mid]! <= offset) low = mid;
      else high = mid - 1;
    }
    return low + 1;
  }

  private scanTo(offset: number): void {
    const { text, starts } = this;
    let i = text.indexOf("\n", this.scanned);
    while (i >= 0 && i < offset) {
      starts.push(i + 1);
      i = text.indexOf("\n", i + 1);
    }
    this.scanned = i < 0 ? Infinity : offset;
  }
}

/** Zero-width characters and the BOM as a character: invisible, and never meant in a header. */
export const INVISIBLE_CHARACTERS = /[\u200B-\u200D\u2060\uFEFF]/g;
