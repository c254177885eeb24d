/**
 * The article header: a `<properties ... />` block wherever it is (usually at the top, sometimes
 * after an H1 or an HTML comment), or YAML front matter. Cheap: no Markdown parsing, so a server
 * can index every header before it reads any body.
 */
import { hash } from "node:crypto";
import type { ArticleProblem } from "../model";
import { type RawAttribute, scanAttributes } from "./attributes";
import { buildFields, type HeaderFields } from "./fields";
import { readFrontMatter } from "./front-matter";
import { ProblemList } from "./problems";
import { decodeArticle, type DecodedText, LineIndex } from "./text";

export interface ArticleHeader extends HeaderFields {
  format: "properties" | "front-matter";
  /** 1-based line where the header starts. */
  line: number;
}

export interface HeaderResult {
  file: string;
  /** Null when the file has no header at all. */
  header: ArticleHeader | null;
  problems: ArticleProblem[];
  /** The decoded text (BOMs removed, line breaks as "\n"); the offsets below index into it. */
  text: string;
  /** Where the header starts; equal to bodyOffset when there is none. */
  headerStart: number;
  /** Where the body starts: after the header and the rest of its last line. */
  bodyOffset: number;
  /** 1-based line of bodyOffset. */
  bodyLine: number;
  /** sha256 of the bytes, hex. */
  contentHash: string;
}

const PROPERTIES_TAG = /<properties(?=[\s/>\u00A0\u200B])/i;

export function parseHeader(bytes: Buffer, file: string): HeaderResult {
  const contentHash = hash("sha256", bytes);
  const problems = new ProblemList(file);
  const decoded = decodeArticle(bytes);
  const { text } = decoded;
  const lines = new LineIndex(text);
  reportEncoding(decoded, problems);
  const found = findHeader(text, problems, lines);
  if (!found) {
    problems.add("missing-header", 0, "no <properties ... /> header and no front matter");
    return { file, header: null, problems: problems.items, text, headerStart: 0, bodyOffset: 0, bodyLine: 1, contentHash };
  }
  const headerLine = lines.lineAt(found.start);
  const fields = buildFields(found.attributes, (kind, offset, message) =>
    problems.add(kind, offset < 0 ? headerLine : lines.lineAt(offset), message),
  );
  const bodyOffset = bodyStart(text, found.end, problems, lines);
  if (text.slice(0, found.start).trim() !== "") {
    problems.add("header-not-at-top", headerLine, "text comes before the header; it is kept as part of the body");
  }
  // The fields object itself, given the two more (copying its twenty fields by a spread cost more than the rest of this function).
  const header: ArticleHeader = Object.assign(fields, { format: found.format, line: headerLine });
  return { file, header, problems: problems.items, text, headerStart: found.start, bodyOffset, bodyLine: lines.lineAt(bodyOffset), contentHash };
}

function reportEncoding(decoded: DecodedText, problems: ProblemList): void {
  if (decoded.invalidUtf8Line !== null) {
    problems.add("non-utf8", decoded.invalidUtf8Line, "the file is not valid UTF-8; it was read as Windows-1252");
  }
  if (decoded.encoding.startsWith("utf-16")) {
    problems.add("utf16", 0, `the file is ${decoded.encoding.toUpperCase()}; articles should be UTF-8`);
  }
  if (decoded.boms > 1) problems.add("repeated-bom", 1, `the file starts with ${decoded.boms} byte-order marks`);
}

interface FoundHeader {
  format: ArticleHeader["format"];
  attributes: RawAttribute[];
  start: number;
  end: number;
}

function findHeader(text: string, problems: ProblemList, lines: LineIndex): FoundHeader | null {
  const frontMatter = readFrontMatter(text);
  if (frontMatter?.ok) return { format: "front-matter", attributes: frontMatter.frontMatter.attributes, start: 0, end: frontMatter.frontMatter.end };
  if (frontMatter) problems.add("invalid-front-matter", frontMatter.line, frontMatter.message);
  const tag = PROPERTIES_TAG.exec(text);
  if (!tag) return null;
  const scan = scanAttributes(text, tag.index + tag[0].length);
  for (const issue of scan.issues) problems.add(issue.kind, lines.lineAt(issue.offset), issue.message);
  return { format: "properties", attributes: scan.attributes, start: tag.index, end: scan.end };
}

/** The body starts on the line after the header, unless text follows the header on its last line. */
function bodyStart(text: string, headerEnd: number, problems: ProblemList, lines: LineIndex): number {
  const lineEnd = text.indexOf("\n", headerEnd);
  const rest = text.slice(headerEnd, lineEnd < 0 ? text.length : lineEnd);
  if (rest.trim() === "") return lineEnd < 0 ? text.length : lineEnd + 1;
  problems.add("text-after-header", lines.lineAt(headerEnd), `text after the header's closing '/>' on the same line: '${rest.trim()}'`);
  return headerEnd;
}
