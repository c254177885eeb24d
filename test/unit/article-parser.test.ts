import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { runCli } from "../../src/content/cli";
import type { Article, ArticleProblem, ParseResult } from "../../src/content/model";
import type { Nodes } from "mdast";
import { remark } from "remark";
import remarkGfm from "remark-gfm";
import { parseArticle, parseFolder, parseHeader } from "../../src/content/parser";
import { parseMarkdown } from "../../src/content/parser/markdown";

// Fixtures are written here, for these tests: a header built from attributes, then a body.

const ATTRIBUTES: Record<string, string> = {
  pageTitle: "Cannot assign a license",
  description: "Fix a failed license assignment.",
  service: "microsoft.aad",
  resource: "Microsoft_AAD_IAM",
  authors: "helpgate",
  displayOrder: "10",
  supportTopicIds: "100001, 100002",
  selfHelpType: "generic",
  productPesIds: "2001",
  cloudEnvironments: "public, Fairfax, Mooncake",
  articleId: "a1b2c3d4-0000-4000-8000-000000000001",
};

interface FixtureOptions {
  attributes?: Record<string, string>;
  body?: string;
  /** Text before the header. */
  before?: string;
}

function header(attributes: Record<string, string> = ATTRIBUTES): string {
  const lines = Object.entries(attributes).map(([name, value]) => `    ${name}="${value}"`);
  return `<properties\n${lines.join("\n")}\n/>\n`;
}

function fixture({ attributes, body = "# Cannot assign a license\n", before = "" }: FixtureOptions = {}): string {
  return `${before}${header(attributes)}\n${body}`;
}

const bytes = (text: string) => Buffer.from(text, "utf8");

async function parse(text: string | Buffer): Promise<ParseResult> {
  return parseArticle(typeof text === "string" ? bytes(text) : text, "licensing/test.md");
}

async function article(text: string | Buffer): Promise<Article> {
  const result = await parse(text);
  if (!result.article) throw new Error(`no article: ${JSON.stringify(result.problems)}`);
  return result.article;
}

function kinds(problems: ArticleProblem[]): string[] {
  return problems.map((problem) => problem.kind);
}

function problem(result: ParseResult, kind: string): ArticleProblem {
  const found = result.problems.find((item) => item.kind === kind);
  if (!found) throw new Error(`no ${kind} among ${kinds(result.problems).join(", ")}`);
  return found;
}

describe("article header", () => {
  it("reads the canonical attributes, splits lists and lower-cases clouds", async () => {
    const result = await parse(fixture());
    expect(result.problems).toEqual([]);
    expect(result.article).toMatchObject({
      file: "licensing/test.md",
      articleId: "a1b2c3d4-0000-4000-8000-000000000001",
      pageTitle: "Cannot assign a license",
      authors: ["helpgate"],
      displayOrder: 10,
      supportTopicIds: ["100001", "100002"],
      productPesIds: ["2001"],
      cloudEnvironments: ["public", "fairfax", "mooncake"],
      properties: { cloudEnvironments: "public, Fairfax, Mooncake" },
    });
    expect(result.article!.contentHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it("tells where the body starts without parsing Markdown", () => {
    const text = fixture({ body: "# Title\n\nText.\n" });
    const result = parseHeader(bytes(text), "a.md");
    expect(result.bodyLine).toBe(14);
    expect(result.text.slice(result.bodyOffset)).toBe("\n# Title\n\nText.\n");
    expect(result.header!.line).toBe(1);
  });

  it("strips a byte-order mark silently, and warns about a repeated one", async () => {
    const once = await parse(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes(fixture())]));
    expect(once.problems).toEqual([]);
    const twice = await parse(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf, 0xef, 0xbb, 0xbf]), bytes(fixture())]));
    expect(kinds(twice.problems)).toEqual(["repeated-bom"]);
    expect(twice.article!.articleId).toBe(ATTRIBUTES.articleId);
  });

  it.each([
    ["CRLF", "\r\n"],
    ["lone CR", "\r"],
  ])("reads %s line endings and counts lines as an editor does", async (_name, eol) => {
    const text = fixture({ attributes: { ...ATTRIBUTES, authors: "helpgate\nhelpgate-docs" } }).replace(/\n/g, eol);
    const result = await parse(text);
    expect(result.article!.authors).toEqual(["helpgate helpgate-docs"]);
    expect(result.article!.sections[0]!.title).toBe("Cannot assign a license");
    expect(parseHeader(bytes(text), "a.md").bodyLine).toBe(15);
  });

  it("reads mixed line endings", async () => {
    const text = fixture().replace("\n    service", "\r\n    service").replace("\n/>", "\r\n/>");
    expect((await article(text)).service).toBe("microsoft.aad");
  });

  it("accepts tabs, spaces around '=' and single quotes (which may contain double quotes)", async () => {
    const text = `<properties\n\tpageTitle = 'Assign "All users"'\n\tarticleId=\t"id-1"\n/>\n# T\n`;
    const result = await parse(text);
    expect(result.problems).toEqual([]);
    expect(result.article).toMatchObject({ pageTitle: 'Assign "All users"', articleId: "id-1" });
  });

  it("recovers a value whose closing quote is missing, as an error on its line", async () => {
    const text = `<properties\n  pageTitle="T"\n  authors="ana\n  displayOrder="2"\n  articleId="id-2"\n/>\n# T\n`;
    const result = await parse(text);
    expect(problem(result, "unclosed-quote")).toMatchObject({ line: 3, severity: "error", file: "licensing/test.md" });
    expect(result.article).toMatchObject({ authors: ["ana"], displayOrder: 2, articleId: "id-2" });
  });

  it("reads a value over several lines", async () => {
    const text = fixture({ attributes: { ...ATTRIBUTES, supportTopicIds: "\n100001,\n100002,\n100003\n" } });
    const result = await parse(text);
    expect(result.problems).toEqual([]);
    expect(result.article!.supportTopicIds).toEqual(["100001", "100002", "100003"]);
  });

  it("decodes entities such as &#xD; and &amp;", async () => {
    const text = fixture({ attributes: { ...ATTRIBUTES, pageTitle: "Users &amp; groups &lt;preview&gt;&#xD;" } });
    expect((await article(text)).pageTitle).toBe("Users & groups <preview>");
  });

  it("ignores zero-width and no-break spaces between attributes, with a warning on their line", async () => {
    const text = `<properties\n  pageTitle="T"\u200B\n\u00A0\u00A0articleId="id-3"\n/>\n# T\n`;
    const result = await parse(text);
    expect(result.problems.map((item) => [item.kind, item.line])).toEqual([
      ["invisible-character", 2],
      ["invisible-character", 3],
    ]);
    expect(result.article!.articleId).toBe("id-3");
  });

  it("finds a header after an H1 or an HTML comment and keeps that text in the body", async () => {
    for (const before of ["# Check the logs\n\n", "<!-- for the 'other' topic -->\n"]) {
      const result = await parse(fixture({ before, body: "## Recommended Steps\n\n1. Look.\n" }));
      expect(problem(result, "header-not-at-top")).toMatchObject({ severity: "warning", line: before.startsWith("#") ? 3 : 2 });
      expect(result.article!.markdown.startsWith(before.trim())).toBe(true);
      expect(result.article!.recommendedSteps.map((step) => step.text)).toEqual(["Look."]);
    }
    const afterH1 = await article(fixture({ before: "# Check the logs\n\n" }));
    expect(afterH1.sections[0]!.title).toBe("Check the logs");
  });

  it("reads YAML front matter", async () => {
    const text = "---\npageTitle: Licensing\narticleId: id-4\nsupportTopicIds: [100001, 100002]\ncloudEnvironments: public, USNat\n---\n# Licensing\n";
    const result = await parse(text);
    expect(result.problems).toEqual([]);
    expect(result.article).toMatchObject({ articleId: "id-4", supportTopicIds: ["100001", "100002"], cloudEnvironments: ["public", "usnat"] });
    expect(result.article!.markdown).toBe("# Licensing");
  });

  it("reports YAML front matter that does not parse", async () => {
    const result = await parse("---\npageTitle: [unclosed\n---\n# T\n");
    expect(kinds(result.problems)).toEqual(["invalid-front-matter", "missing-header"]);
  });

  it("maps attribute names in any letter case, keeping them as written in properties", async () => {
    const text = `<properties\n  pagetitle="T"\n  ArticleID="id-5"\n  SUPPORTTOPICIDS="1"\n/>\n`;
    const result = await parse(text);
    expect(result.article).toMatchObject({ pageTitle: "T", articleId: "id-5", supportTopicIds: ["1"] });
    expect(Object.keys(result.article!.properties)).toEqual(["pagetitle", "ArticleID", "SUPPORTTOPICIDS"]);
    expect(problem(result, "attribute-name-case")).toMatchObject({ severity: "warning", line: 2 });
  });

  it("keeps attributes named like Object.prototype's members, and leaves such entities as written", async () => {
    const text = `<properties\n  pageTitle="A &constructor; B &toString; &amp; C"\n  articleId="id-proto"\n  __proto__="x"\n  constructor="y"\n/>\n# T\n`;
    const result = await parse(text);
    expect(result.article!.pageTitle).toBe("A &constructor; B &toString; & C");
    expect(Object.keys(result.article!.properties)).toEqual(["pageTitle", "articleId", "__proto__", "constructor"]);
    expect(result.article!.properties.constructor).toBe("y");
  });

  it("recovers the supportToicIds typo as supportTopicIds", async () => {
    const { supportTopicIds, ...rest } = ATTRIBUTES;
    const result = await parse(fixture({ attributes: { ...rest, supportToicIds: supportTopicIds! } }));
    expect(result.article!.supportTopicIds).toEqual(["100001", "100002"]);
    expect(problem(result, "attribute-typo").message).toContain("supportToicIds");
  });

  it("drops empty list items with a warning", async () => {
    const result = await parse(fixture({ attributes: { ...ATTRIBUTES, supportTopicIds: "100001,, 100002," } }));
    expect(result.article!.supportTopicIds).toEqual(["100001", "100002"]);
    expect(problem(result, "empty-list-item")).toMatchObject({ line: 8 });
  });

  it("skips stray characters between attributes", async () => {
    const text = `<properties\n  pageTitle="T""\n  cloudEnvironments="public",\n  articleId="id-6"\n/>\n`;
    const result = await parse(text);
    expect(result.problems.map((item) => [item.kind, item.line])).toEqual([
      ["stray-character", 2],
      ["stray-character", 3],
    ]);
    expect(result.article).toMatchObject({ pageTitle: "T", cloudEnvironments: ["public"], articleId: "id-6" });
  });

  it("reads bytes that are not UTF-8 as Windows-1252, as an error on the first bad line", async () => {
    const text = Buffer.concat([bytes(fixture({ body: "# T\n\nIt" })), Buffer.from([0x92]), bytes("s done.\n")]);
    const result = await parse(text);
    expect(problem(result, "non-utf8")).toMatchObject({ severity: "error", line: 17 });
    expect(result.article!.markdown).toContain("It\u2019s done.");
  });

  it("reports a file without a header as an error, with no article", async () => {
    const result = await parse("# Just Markdown\n");
    expect(result.article).toBeNull();
    expect(result.problems).toEqual([
      { file: "licensing/test.md", line: 0, kind: "missing-header", severity: "error", message: expect.any(String) },
    ]);
  });

  it("reports a header without articleId or without its closing '/>' as errors", async () => {
    const { articleId: _id, ...noId } = ATTRIBUTES;
    expect(problem(await parse(fixture({ attributes: noId })), "missing-article-id").severity).toBe("error");
    const unclosed = await parse(`<properties\n  pageTitle="T"\n  articleId="id-7"\nSome text.\n\n# Title\n`);
    expect(unclosed.problems.map((item) => [item.kind, item.severity, item.line])).toEqual([["unclosed-header", "error", 3]]);
    expect(Object.keys(unclosed.article!.properties)).toEqual(["pageTitle", "articleId"]);
    expect(unclosed.article!.sections.map((section) => section.title)).toEqual(["", "Title"]);
  });

  it("keeps text after '/>' on the same line in the body, with a warning", async () => {
    const result = await parse(`<properties articleId="id-8" />x\n# T\n`);
    expect(problem(result, "text-after-header").line).toBe(1);
    expect(result.article!.markdown).toBe("x\n# T");
  });
});

describe("article body", () => {
  const withBody = (body: string) => article(fixture({ body }));

  it("splits sections at headings of any level and at bold lines", async () => {
    const { sections } = await withBody("# Title\n\nIntro.\n\n**Before anything**\n\nCheck.\n\n### Details\n\nMore.\n");
    expect(sections.map(({ title, level, kind }) => [title, level, kind])).toEqual([
      ["Title", 1, "other"],
      ["Before anything", 0, "other"],
      ["Details", 3, "other"],
    ]);
    expect(sections[1]!.markdown).toBe("Check.");
  });

  it.each([
    "## **Recommended Steps**",
    "## Recommended steps",
    "### Recommended Steps:",
    "**Recommended Steps**",
    "**Recommended Steps:**<br>",
    "## **Recommended Steps",
    "#### **Recommended Step**",
    "## Reccommended Steps",
    "## Recommended Solutions",
    "## Recommended actions",
    "## Steps to resolve",
    "Recommended steps:",
  ])("recognises %j as Recommended Steps", async (heading) => {
    const { sections, recommendedSteps } = await withBody(`# Title\n\n${heading}\n\n1. Do this.\n2. Then that.\n`);
    expect(sections[1]!.kind).toBe("recommendedSteps");
    expect(sections[1]!.title).toMatch(/^Rec+om+ended|^Steps to resolve/);
    expect(recommendedSteps.map((step) => [step.number, step.text])).toEqual([
      [1, "Do this."],
      [2, "Then that."],
    ]);
  });

  it.each(["**Prerequisites**", "## Prerequisites:", "### Prerequisite", "**Things to check first**", "## Before you begin", "Prerequisites:"])(
    "recognises %j as prerequisites",
    async (heading) => {
      const { sections } = await withBody(`${heading}\n\n1. You are an administrator.\n`);
      expect(sections[0]!.kind).toBe("prerequisites");
      expect(sections[0]!.steps).toHaveLength(1);
    },
  );

  it("does not take a bold phrase inside a paragraph, or Recommended Documents, for a section", async () => {
    const { sections } = await withBody("# T\n\n**Note:** read this.\n\n## **Recommended Documents**\n\n- [Docs](https://example.com)\n");
    expect(sections.map((section) => [section.title, section.kind, section.steps.length])).toEqual([
      ["T", "other", 0],
      ["Recommended Documents", "other", 0],
    ]);
  });

  it("keeps nested lists, code blocks and links inside a step", async () => {
    const body = [
      "## Recommended Steps",
      "",
      "1. **Count the seats** in the [portal](https://portal.example.com).",
      "   - Free seats are `enabled` minus `consumed`.",
      "",
      "   ```graphql",
      "   query { subscribedSkus { consumedUnits } }",
      "   ```",
      "2. Retry, see [the guide][guide] or https://aka.example.com/retry and <a href=\"https://example.com/a\">this page</a>.",
      "",
      "[guide]: https://example.com/guide",
      "",
    ].join("\n");
    const [first, second] = (await withBody(body)).recommendedSteps;
    expect(first!.text).toBe("Count the seats in the portal.\nFree seats are enabled minus consumed.\nquery { subscribedSkus { consumedUnits } }");
    expect(first!.markdown).toBe(body.split("\n").slice(2, 8).join("\n"));
    expect(first!.links).toEqual([{ text: "portal", url: "https://portal.example.com" }]);
    expect(second!.links.map((link) => link.url)).toEqual([
      "https://example.com/guide",
      "https://aka.example.com/retry",
      "https://example.com/a",
    ]);
  });

  it("numbers steps as written when a list restarts after an interruption", async () => {
    const { recommendedSteps } = await withBody("## Recommended Steps\n\n1. One.\n\nA note.\n\n2. Two.\n");
    expect(recommendedSteps.map((step) => step.number)).toEqual([1, 2]);
  });

  it("takes bullet items as recommended steps when nothing is numbered, and numbered items of subsections", async () => {
    const bullets = await withBody("## Recommended Steps\n\n* Check the usage location.\n* Retry.\n\n## Recommended Documents\n\n* [Docs](https://example.com)\n");
    expect(bullets.recommendedSteps.map((step) => step.text)).toEqual(["Check the usage location.", "Retry."]);
    const nested = await withBody("## Recommended Steps\n\n**For one user**\n\n1. Assign.\n\n**For a group**\n\n1. Reprocess.\n\n## Other\n\n1. Not a step.\n");
    expect(nested.recommendedSteps.map((step) => step.text)).toEqual(["Assign.", "Reprocess."]);
  });

  it("takes the items under sub-headings of Recommended Steps, numbered or bulleted, grouped by sub-heading", async () => {
    const body = "## Recommended Steps\n\n### Portal\n- Open it.\n- Look.\n\n### CLI\n1. Run.\n\n- A note beside numbered steps.\n\n#### Deeper\n* Deep.\n\n### Related links\n- Not a step.\n";
    const { recommendedSteps } = await withBody(body);
    expect(recommendedSteps.map((step) => [step.group, step.number, step.text])).toEqual([
      ["Portal", 1, "Open it."],
      ["Portal", 2, "Look."],
      ["CLI", 1, "Run."],
      ["Deeper", 1, "Deep."],
    ]);
  });

  it("gives a Recommended Steps section of paragraphs its paragraphs as steps, a lead-in with what it introduces", async () => {
    const { sections, recommendedSteps } = await withBody("## Recommended Steps\n\nFirst do this.\n\nThen run:\n\n```\nfix --now\n```\n\nFinally check.\n\nAs follows:\n");
    expect(recommendedSteps.map((step) => [step.number, step.text, step.group])).toEqual([
      [1, "First do this.", null],
      [2, "Then run:\nfix --now", null],
      [3, "Finally check.", null],
    ]);
    expect(sections[0]!.steps).toEqual(recommendedSteps);
  });

  it("reads the sections after an empty Recommended Steps heading, at its level, as its parts", async () => {
    const { recommendedSteps } = await withBody("## Recommended Steps\n\n## Problem one\n\n- Fix one.\n\n## Problem two\n\nFix two.\n\n## Recommended Documents\n\n- Docs.\n");
    expect(recommendedSteps.map((step) => [step.group, step.text])).toEqual([
      ["Problem one", "Fix one."],
      ["Problem two", "Fix two."],
    ]);
  });

  it("warns about a code fence that is never closed, on the line that opens it", async () => {
    const result = await parse(fixture({ body: "# T\n\n```powershell\nGet-MsolUser\n" }));
    expect(problem(result, "unclosed-code-fence")).toMatchObject({ line: 17, severity: "warning" });
  });

  it("sets JSON blocks between '---' lines apart as metadata instead of reading them as a heading", async () => {
    const json = '---\n{\n  "$schema": "SelfHelpContent",\n  "title": "Form"\n}\n---\n';
    const result = await parse(fixture({ body: `# Form\n${json}\n## Recommended Steps\n\n1. Fill the form.\n` }));
    expect(result.problems).toEqual([]);
    expect(result.article!.sections.map((section) => section.title)).toEqual(["Form", "Recommended Steps"]);
    expect(result.article!.metadata).toEqual([{ $schema: "SelfHelpContent", title: "Form" }]);
    expect(result.article!.markdown).toBe("# Form\n\n## Recommended Steps\n\n1. Fill the form.");
    const broken = await parse(fixture({ body: "# Form\n---\n{\n  \"a\": 1,\n}\n---\n" }));
    expect(problem(broken, "invalid-embedded-json").line).toBe(17);
  });

  it("reads '#Heading' without its space as a heading, with a warning", async () => {
    const result = await parse(fixture({ body: "#Title\n\n##Recommended Steps\n\n1. Go.\n" }));
    expect(kinds(result.problems)).toEqual(["heading-without-space", "heading-without-space"]);
    expect(result.article!.recommendedSteps).toHaveLength(1);
  });

  it("collects licensing error codes from the errorCodes attribute and the text, once each", async () => {
    const attributes = { ...ATTRIBUTES, errorCodes: "CountViolation, ,MutuallyExclusiveViolation" };
    const body = "# T\n\nA CountViolation or an InvalidUsageLocation, not a CountViolations or countviolation.\n";
    const result = await parse(fixture({ attributes, body }));
    expect(result.article!.errorCodes).toEqual(["CountViolation", "MutuallyExclusiveViolation", "InvalidUsageLocation"]);
    expect(kinds(result.problems)).toEqual(["empty-list-item"]);
  });
});

describe("Markdown parsing", () => {
  const gfm = remark().use(remarkGfm).freeze();
  const types = (node: Nodes): string[] => [node.type, ...("children" in node ? (node.children as Nodes[]).flatMap(types) : [])];

  // Each text is parsed with only the GFM constructs it can use; the tree must be remark-gfm's.
  const texts: Record<string, string> = {
    plain: "# Title\n\nSome *text* with [a link](https://example.com) and `code`.\n\n1. One\n2. Two\n",
    table: "| Column | Value |\n| ------ | ----: |\n| a | b |\n\nAfter | the table\n",
    "one-column table without a pipe": "Heading\n:-\nrow\n\nOther\n-:\ncell\n",
    strikethrough: "Not ~~this~~ but ~that~, and ~~~\nfenced\n~~~\n",
    footnote: "A claim[^1] and another[^note].\n\n[^1]: The source.\n[^note]: More.\n",
    "task list": "- [ ] to do\n- [x] done\n- [X] done too\n* [\n] odd\n",
    "www autolink": "See www.example.com/path, or WWW.Example.org.\n",
    "http autolink": "Open http://example.com or HTTPS://example.com/a_(b) now.\n",
    "e-mail autolinks": "Write to someone@example.com, mailto:a@b.example or xmpp:c@d.example/e.\n",
    "URLs only in link destinations and HTML": "[text](https://example.com/x) <a href=\"http://example.com\">y</a> <https://example.com>\n\n[ref]: https://example.com\n",
    "autolink inside a link": "[see https://example.com and www.example.com](https://x.example)\n",
    "autolink against emphasis": "*www.example.com* _https://example.com/*a*_ **a@b.co**\n",
  };

  it.each(Object.entries(texts))("gives remark-gfm's tree: %s", (_, text) => {
    expect(parseMarkdown(text)).toStrictEqual(gfm.parse(text));
  });

  it("still reads every GFM construct where the text has one", () => {
    const found = new Set(Object.values(texts).flatMap((text) => types(parseMarkdown(text))));
    expect([...found]).toEqual(expect.arrayContaining(["table", "delete", "footnoteReference", "footnoteDefinition", "link"]));
    const items = parseMarkdown(texts["task list"]!).children.flatMap((node) => (node.type === "list" ? node.children : []));
    expect(items.map((item) => item.checked)).toEqual([false, true, true, false]); // "[\n]" is a task too, as on GitHub
  });
});

describe("parseArticle", () => {
  it("never throws, whatever the bytes", async () => {
    for (const input of [Buffer.alloc(0), Buffer.from([0xff, 0xfe, 0x00]), Buffer.from("<properties"), Buffer.from("<properties a='")]) {
      const result = await parseArticle(input, "odd.md");
      expect(result.problems.some((item) => item.severity === "error")).toBe(true);
    }
  });

  it("reads only the header when asked, leaving sections empty", async () => {
    const text = fixture({ body: "## Recommended Steps\n\n1. Fix the CountViolation.\n" });
    const result = await parseArticle(bytes(text), "a.md", { headersOnly: true });
    expect(result.article).toMatchObject({ sections: [], recommendedSteps: [], errorCodes: ["CountViolation"] });
  });
});

describe("parseFolder and the check command", () => {
  let dir: string;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "helpgate-articles-"));
    const write = (file: string, text: string) => {
      fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      fs.writeFileSync(path.join(dir, file), text);
    };
    write("licensing/count.md", fixture());
    write("licensing/nested/count-copy.md", fixture({ attributes: { ...ATTRIBUTES, cloudEnvironments: "public" } }));
    write("other/usage.md", fixture({ attributes: { ...ATTRIBUTES, articleId: "id-9", supportTopicIds: "100003", cloudEnvironments: "USNat" } }));
    write("other/notes.txt", "not an article");
  });

  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("parses every .md file and reports an articleId used twice on both files", async () => {
    const { articles, problems, summary } = await parseFolder(dir);
    expect(articles.map((item) => item.file)).toEqual(["licensing/count.md", "licensing/nested/count-copy.md", "other/usage.md"]);
    expect(problems.map((item) => [item.file, item.line, item.kind])).toEqual([
      ["licensing/count.md", 12, "duplicate-article-id"],
      ["licensing/nested/count-copy.md", 12, "duplicate-article-id"],
    ]);
    expect(summary).toEqual({
      articles: 3,
      withHeader: 3,
      distinctSupportTopicIds: 3,
      byCloud: { public: 2, fairfax: 1, mooncake: 1, usnat: 1 },
      problemsByKind: { "duplicate-article-id": 2 },
      errors: 2,
      warnings: 0,
    });
  });

  async function run(args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(args, { out: (line) => out.push(line), err: (line) => err.push(line) });
    return { code, out, err };
  }

  it("prints the summary and one line per problem, and exits 1 on errors", async () => {
    const { code, out } = await run(["check", dir]);
    expect(code).toBe(1);
    expect(out[0]).toMatch(/^3 articles, 3 with a header/);
    expect(out).toContain(
      "licensing/count.md:12: error duplicate-article-id: articleId 'a1b2c3d4-0000-4000-8000-000000000001' is also used by licensing/nested/count-copy.md",
    );
    expect(out).toContain("1 articleIds used by more than one file: a1b2c3d4-0000-4000-8000-000000000001 (licensing/count.md, licensing/nested/count-copy.md)");
  });

  it("prints one JSON document with --json, and exits 0 without errors", async () => {
    fs.rmSync(path.join(dir, "licensing/nested"), { recursive: true });
    const { code, out } = await run(["check", dir, "--json"]);
    expect(code).toBe(0);
    expect(JSON.parse(out.join("\n"))).toMatchObject({ summary: { articles: 2, errors: 0 }, problems: [] });
  });

  it("exits 2 on a usage error", async () => {
    expect((await run([])).code).toBe(2);
    expect((await run(["check"])).code).toBe(2);
    expect((await run(["check", dir, "--verbose"])).code).toBe(2);
    expect((await run(["check", path.join(dir, "missing")])).code).toBe(2);
  });
});
