import fs from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { parseArticle, parseArticleCounted, parseFromHeader, readHeader } from "../../src/content/parser";
import { type BodySource, preparedBodyText, readBodyText } from "../../src/content/parser/body";
import { isTrimmed } from "../../src/content/parser/body-text";
import { listArticleFiles } from "../../src/content/parser/folder";

/**
 * A header-only parse (what helpgate reads of every file before any body, to answer lookups
 * early) finds the body's Markdown, metadata blocks and error codes its own cheaper way
 * (parser/body-text.ts). It must give what the full parse gives: the same article but for
 * sections and steps, and the header's problems.
 */

// A sample of real articles, kept outside the repository (test input only, never copied here).
const CORPUS = path.resolve(__dirname, "../../../shared/corpus/dev-sample");

(fs.existsSync(CORPUS) ? describe : describe.skip)("a header-only parse of the dev-sample corpus", () => {
  let files: string[];

  beforeAll(async () => {
    files = await listArticleFiles(CORPUS);
  });

  it("gives every article as the full parse does, without its sections and steps", async () => {
    let withMetadata = 0;
    let withTextBeforeHeader = 0;
    for (const file of files) {
      const bytes = fs.readFileSync(path.join(CORPUS, file));
      const read = readHeader(bytes, file);
      const headersOnly = parseFromHeader(read, { headersOnly: true });
      const full = parseArticleCounted(read);
      expect({ file, ...headersOnly }).toStrictEqual({
        file,
        article: full.article && { ...full.article, sections: [], recommendedSteps: [] },
        problems: full.problems.slice(0, full.headerProblems),
      });
      // The same from the bytes, as parseFolder and the CLI call it.
      expect(await parseArticle(bytes, file, { headersOnly: true })).toStrictEqual(headersOnly);
      if (full.article && full.article.metadata.length > 0) withMetadata += 1;
      if (read.head && read.head.headerStart > 0) withTextBeforeHeader += 1;
    }
    // The sample holds the cases the cheaper path treats apart.
    expect(withMetadata).toBeGreaterThan(10);
    expect(withTextBeforeHeader).toBeGreaterThan(0);
  }, 60_000);

  it("matches the full parse's markdown, metadata and error codes field by field", async () => {
    for (const file of files) {
      const bytes = fs.readFileSync(path.join(CORPUS, file));
      const headersOnly = (await parseArticle(bytes, file, { headersOnly: true })).article;
      const full = (await parseArticle(bytes, file)).article;
      if (!full || !headersOnly) {
        expect(headersOnly).toBe(full);
        continue;
      }
      expect([file, headersOnly.markdown]).toEqual([file, full.markdown]);
      expect([file, headersOnly.metadata]).toEqual([file, full.metadata]);
      expect([file, headersOnly.errorCodes]).toEqual([file, full.errorCodes]);
      expect([file, headersOnly.articleId, headersOnly.supportTopicIds, headersOnly.properties]).toEqual([file, full.articleId, full.supportTopicIds, full.properties]);
    }
  }, 60_000);
});

/** Lines that matter to metadata blocks and fences, and text around them. */
const PIECES = [
  "---", " --- ", "\t---", "----", "\u00a0---\u00a0", "-- -", "{", "}", "[", "]", '"', '\\"', "\\", '{"a": 1}', '{ "b": [1, {"c": "}"}] }',
  '{"open": "', "```", "````", "```json", "~~~", " ```", "``", "# Title", "#Heading", "text", "InheritedLicense", "CountViolation",
  " ", "\t", "\u00a0", "\u2028", "\ufeff", "", "null", "[1, 2]",
];
const line = fc.oneof(
  { weight: 3, arbitrary: fc.array(fc.constantFrom(...PIECES), { maxLength: 3 }).map((pieces) => pieces.join("")) },
  // Mostly blocks: a rule, JSON lines with strings, escapes and brackets, another rule.
  { weight: 2, arbitrary: fc.constantFrom("---", "  ---\t", "{", "}", "", " ") },
  { weight: 2, arbitrary: fc.array(fc.constantFrom('"', "\\", "{", "}", "[", "]", "a", ":", ",", " "), { maxLength: 8 }).map((chars) => chars.join("")) },
  { weight: 1, arbitrary: fc.constantFrom("```", "~~~", "````", "```js", "``` ", "~~~~") },
);
const text = fc.array(line, { maxLength: 30 }).map((lines) => lines.join("\n"));

describe("the body text of a header-only parse", () => {
  it("is what the full parse finds, for any text and header position", () => {
    fc.assert(
      fc.property(text, fc.nat(), fc.nat(), (body, a, b) => {
        const first = a % (body.length + 1);
        const second = b % (body.length + 1);
        const headerStart = Math.min(first, second);
        const bodyOffset = Math.max(first, second);
        const source: BodySource = { text: body, headerStart, bodyOffset, bodyLine: body.slice(0, bodyOffset).split("\n").length };
        expect(readBodyText(source)).toStrictEqual(preparedBodyText(source));
      }),
      { numRuns: 2_000 },
    );
  });

  it("separates metadata blocks, unclosed ones and ones inside code fences as the full parse does", () => {
    const cases = [
      "intro\n---\n{\"a\": 1}\n---\nafter",
      "intro\n---\n\n  {\"a\": {\"b\": \"}\"}}\n\n---\n\n---\n{\"c\": 2}\n---\nend\n",
      "---\n{\"unbalanced\": [\n---\ntext",
      "---\n{\"never closed\": 1}\n",
      "```\n---\n{\"in\": \"a fence\"}\n---\n```\n---\n{\"out\": true}\n---",
      "~~~~\n```\n---\n{}\n---\n~~~\nnot closed by a shorter fence\n~~~~\n",
      "a\n---\n{\"x\": \"\\\\\"}\n---\n---\n{\"y\": 2}\n---\nb",
      "---\n{\"x\": \"\\\"}\n\"}\n---\nthe quote before the line break is escaped",
      "---\n{ not json }\n---\n\n\n  \n",
      // Balanced mid-line then opened again; a string opened after the braces balance; escapes at a line's end.
      "---\n{\"a\": 1} {\n\"b\": 2}\n---\nx",
      "---\n{\"a\": 1} \"open\nstring\"\n---\nx",
      "---\n{\"a\": \"x\\\n\"}\n---\ny",
      "---\n{} \"a\\\n\" x\n---\nz",
      "---\n[{\"a\": [1, {\"b\": \"]}\"}]}]\n---\n",
      // U+2028 is white space to trim but no line break to the parser.
      "a \u2028---\n{\"x\": 1}\n---\nb",
      "\u2028---\u2029\n{\"x\": 1}\n---\nb",
    ];
    for (const body of cases) {
      for (const [headerStart, bodyOffset] of [[0, 0], [0, 6], [2, 6], [0, 1]] as const) {
        const source: BodySource = { text: body, headerStart, bodyOffset, bodyLine: 1 };
        expect([body, headerStart, bodyOffset, readBodyText(source)]).toStrictEqual([body, headerStart, bodyOffset, preparedBodyText(source)]);
      }
    }
  });

  it("finds a block whose rule follows the header on the header's last line", () => {
    const body = 'header/> ---\n{"after": "the header"}\n---\ntext';
    const source: BodySource = { text: body, headerStart: 0, bodyOffset: body.indexOf(" ---"), bodyLine: 1 };
    expect(readBodyText(source)).toStrictEqual(preparedBodyText(source));
    expect(readBodyText(source).metadata).toEqual([{ after: "the header" }]);
  });

  it("trims the characters String.prototype.trim trims", () => {
    const differing: number[] = [];
    for (let code = 0; code <= 0xffff; code += 1) if (isTrimmed(code) !== (String.fromCharCode(code).trim() === "")) differing.push(code);
    expect(differing).toEqual([]);
  });
});
