import fs from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { remark } from "remark";
import remarkGfm from "remark-gfm";
import type { ParseResult } from "../../src/content/model";
import { parseArticle } from "../../src/content/parser";
import { parseMarkdown } from "../../src/content/parser/markdown";
import { PROBLEM_SEVERITY } from "../../src/content/parser/problems";

/**
 * parseArticle never stops at a bad file: whatever the bytes, it resolves, and every problem it
 * reports names the file and a line that exists in it. It also never has to fall back on its
 * own safety net (an "internal-error" problem means a parser step threw).
 */

const RUNS = Number(process.env.PROP_RUNS ?? 200);
const FILE = "licensing/fuzzed.md";
const ARTICLES_DIR = path.join(__dirname, "..", "..", "articles", "licensing");
const ARTICLES = fs
  .readdirSync(ARTICLES_DIR)
  .filter((name) => name.endsWith(".md"))
  .sort()
  .map((name) => fs.readFileSync(path.join(ARTICLES_DIR, name)));

/** Byte sequences that matter to the parser: header syntax, line breaks, encodings, Markdown. */
const FRAGMENTS = [
  "<properties", "/>", ">", "<", '"', "'", "=", '="', "articleId=", "pageTitle=", "supportTopicIds=",
  "errorCodes=", "cloudEnvironments=", "\n", "\r", "\r\n", "\t", " ", "---\n", "```", "```json\n",
  "# ", "## Recommended Steps\n", "**Prerequisites**\n", "1. ", "- ", "&amp;", "&#x", "<!--", "-->",
  "\u200b", "\u00a0", "\ufeff", "😀", "[link](", "](https://x)", "{", "}", "\\",
].map((text) => Buffer.from(text, "utf8"));
const RAW_BYTES = [
  [0xef, 0xbb, 0xbf], // UTF-8 BOM
  [0xff, 0xfe], // UTF-16 LE BOM
  [0xfe, 0xff], // UTF-16 BE BOM
  [0x00],
  [0xc3, 0x28], // invalid UTF-8
  [0x80],
  [0xf0, 0x9f, 0x98], // truncated 4-byte sequence
  [0xed, 0xa0, 0x80], // encoded surrogate
].map((bytes) => Buffer.from(bytes));

const chunk = fc.oneof(
  fc.constantFrom(...FRAGMENTS, ...RAW_BYTES),
  fc.uint8Array({ maxLength: 8 }).map((bytes) => Buffer.from(bytes)),
  fc.string({ maxLength: 12 }).map((text) => Buffer.from(text, "utf8")),
);

type Edit =
  | { kind: "insert"; at: number; bytes: Buffer }
  | { kind: "delete"; at: number; length: number }
  | { kind: "duplicate"; at: number; length: number }
  | { kind: "truncate"; at: number }
  | { kind: "prefix"; bytes: Buffer };

const edit: fc.Arbitrary<Edit> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), bytes: chunk }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("delete" as const), at: fc.nat(), length: fc.integer({ min: 1, max: 200 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("duplicate" as const), at: fc.nat(), length: fc.integer({ min: 1, max: 400 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("prefix" as const), bytes: chunk }) },
);

function apply(original: Buffer, edits: Edit[]): Buffer {
  let bytes = original;
  for (const change of edits) {
    const at = change.kind === "prefix" ? 0 : change.at % (bytes.length + 1);
    switch (change.kind) {
      case "insert":
        bytes = Buffer.concat([bytes.subarray(0, at), change.bytes, bytes.subarray(at)]);
        break;
      case "delete":
        bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + change.length)]);
        break;
      case "duplicate":
        bytes = Buffer.concat([bytes.subarray(0, at + change.length), bytes.subarray(at, at + change.length), bytes.subarray(at + change.length)]);
        break;
      case "truncate":
        bytes = bytes.subarray(0, at);
        break;
      case "prefix":
        bytes = Buffer.concat([change.bytes, bytes]);
        break;
    }
  }
  return bytes;
}

const mutatedArticle = fc
  .tuple(fc.constantFrom(...ARTICLES), fc.array(edit, { minLength: 1, maxLength: 8 }))
  .map(([article, edits]) => apply(article, edits));

/** A mutated article re-encoded as UTF-16 (the parser decodes it and warns). */
const utf16Article = mutatedArticle.map((bytes) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(bytes.toString("utf8"), "utf16le")]));

const arbitraryBytes = fc.oneof(
  fc.uint8Array({ maxLength: 2000 }).map((bytes) => Buffer.from(bytes)),
  fc.string({ unit: "binary", maxLength: 500 }).map((text) => Buffer.from(text, "utf8")),
  fc.array(chunk, { maxLength: 60 }).map((chunks) => Buffer.concat(chunks)),
);

/** Line breaks as the parser counts them: \n, \r\n or a lone \r. */
function lineCount(bytes: Buffer): number {
  let lines = 1;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 0x0a) lines++;
    else if (bytes[i] === 0x0d && bytes[i + 1] !== 0x0a) lines++;
  }
  return lines;
}

async function checkParse(bytes: Buffer): Promise<void> {
  let result: ParseResult;
  try {
    result = await parseArticle(bytes, FILE);
  } catch (error) {
    throw new Error(`parseArticle rejected with ${String(error)} for ${JSON.stringify(bytes.toString("latin1").slice(0, 300))}`);
  }
  expect(Array.isArray(result.problems)).toBe(true);
  const lines = lineCount(bytes);
  for (const problem of result.problems) {
    expect(problem.file).toBe(FILE);
    expect(Number.isInteger(problem.line)).toBe(true);
    expect(problem.line).toBeGreaterThanOrEqual(0);
    if (problem.line > lines) {
      throw new Error(`problem ${problem.kind} on line ${problem.line} of a ${lines}-line file: ${problem.message}`);
    }
    expect(Object.keys(PROBLEM_SEVERITY)).toContain(problem.kind);
    expect(problem.severity).toBe(PROBLEM_SEVERITY[problem.kind as keyof typeof PROBLEM_SEVERITY]);
    expect(typeof problem.message).toBe("string");
    expect(problem.message.length).toBeGreaterThan(0);
    if (problem.kind === "internal-error") throw new Error(`the parser failed internally on line ${problem.line}: ${problem.message}`);
  }
  if (result.article) expect(result.article.file).toBe(FILE);
}

describe("parseArticle (property)", () => {
  it("parses every shipped article without errors (the mutations start from valid articles)", async () => {
    for (const bytes of ARTICLES) {
      const result = await parseArticle(bytes, FILE);
      expect(result.article).not.toBeNull();
      expect(result.problems.filter((problem) => problem.severity === "error")).toEqual([]);
    }
  });

  it("on arbitrary bytes, resolves with problems that name the file and an existing line", async () => {
    await fc.assert(fc.asyncProperty(arbitraryBytes, checkParse), { numRuns: RUNS });
  });

  it("on mutated valid articles, resolves with problems that name the file and an existing line", async () => {
    await fc.assert(fc.asyncProperty(mutatedArticle, checkParse), { numRuns: RUNS });
  });

  it("on mutated articles in UTF-16, resolves with problems that name the file and an existing line", async () => {
    await fc.assert(fc.asyncProperty(utf16Article, checkParse), { numRuns: RUNS / 2 });
  });
});

/** Markdown and GFM syntax in pieces, so that tables, autolinks, footnotes... start, stop and collide. */
const MARKDOWN_PIECES = [
  "\n", "\n\n", " ", "  ", "\t", "    ", "# ", "- ", "* ", "1. ", "> ", "```\n", "~~~\n", "---\n", "***", "*", "**", "_", "`",
  "\\", "[", "]", "(", ")", "<", ">", "!", "&amp;", "<br>", "<a href=\"https://x.example\">", "</a>", "<!--", "-->",
  "|", " | ", "|---|", "| a | b |\n|---|:-:|\n", ":-", "-:", ":-:", "~", "~~", "[^1]", "[^1]: note\n", "[^",
  "[ ]", "[x] ", "[X]", "www.", "WWW.example.com", "www.a.example/b_c", "http://", "HTTPS://a.example/(b)", "https://a.example/*c*",
  "@", "a@b.example", "mailto:a@b.example", "xmpp:a@b.example/c", "[t](https://d.example)", "[r]: http://e.example\n", "[r]",
  "word", "Word.", "x",
];

describe("parseMarkdown (property)", () => {
  const gfm = remark().use(remarkGfm).freeze();

  it("gives the tree remark with remark-gfm gives, on Markdown made of GFM pieces", () => {
    const markdown = fc.array(fc.oneof(fc.constantFrom(...MARKDOWN_PIECES), fc.string({ maxLength: 6 })), { maxLength: 40 }).map((pieces) => pieces.join(""));
    fc.assert(
      fc.property(markdown, (text) => {
        expect(parseMarkdown(text)).toStrictEqual(gfm.parse(text));
      }),
      { numRuns: RUNS * 5 },
    );
  });

  it("gives the tree remark with remark-gfm gives, on mutated articles", () => {
    fc.assert(
      fc.property(mutatedArticle, (bytes) => {
        const text = bytes.toString("utf8");
        expect(parseMarkdown(text)).toStrictEqual(gfm.parse(text));
      }),
      { numRuns: RUNS },
    );
  });
});
