import type { Article } from "../../src/content/model";
import { parseArticle } from "../../src/content/parser";
import { articleHtml } from "../../src/content/render";
import { htmlElements, unsafeParts } from "../support/html-elements";

// Fixtures are written here, for these tests (no corpus text).

const HEADER = `<properties
    pageTitle="Fix a routing form"
    description="What to do when the routing form fails."
    supportTopicIds="100001"
    cloudEnvironments="public"
    articleId="a1b2c3d4-0000-4000-8000-00000000e001"
/>
`;

/** A metadata block as real libraries write them: an author's address and routing data. */
const METADATA = [
  "---",
  "{",
  '  "$schema": "SelfHelpContent",',
  '  "owner": "form.author@contoso.example",',
  '  "routing": { "queue": "zqx-routing-queue-7", "supportTopicId": "100001" }',
  "}",
  "---",
].join("\n");

async function article(body: string): Promise<Article> {
  const { article: found } = await parseArticle(Buffer.from(HEADER + body), "forms/routing.md");
  if (!found) throw new Error("no article");
  return found;
}

const tags = (html: string) => htmlElements(html).map((element) => element.tagName);

describe("article HTML", () => {
  it("drops a javascript: link target but keeps the link text", () => {
    const html = articleHtml("Click [x](javascript:alert(1)) now.");
    expect(html).toBe("<p>Click <a>x</a> now.</p>");
    expect(html).not.toMatch(/javascript/i);
  });

  it.each([
    ["mixed case", "[x](JaVaScRiPt:alert(1))"],
    ["an entity in the Markdown destination", "[x](jav&#x61;script:alert(1))"],
    ["&colon;", "[x](javascript&colon;alert(1))"],
    ["a reference definition", "[x][r]\n\n[r]: vbscript:msgbox(1)"],
    ["an autolink", "<javascript:alert(1)>"],
    ["raw HTML with an entity", '<a href="&#106;avascript:alert(1)">x</a>'],
    ["raw HTML with a tab, a line break and leading spaces", '<a href="  java\tscr\nipt:alert(1)">x</a>'],
    ["a data: image", "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)"],
    ["a data: image in raw HTML", '<img src="data:text/html,<script>alert(1)</script>">'],
  ])("drops a scriptable URL given as %s", (_, markdown) => {
    const html = articleHtml(markdown);
    expect(unsafeParts(html)).toEqual([]);
    // In no tag (the text of a link may still read "javascript:…": a reader sees it, no browser follows it).
    expect(html.replace(/>[^<]*</g, "><")).not.toMatch(/javascript|vbscript|data:/i);
  });

  it("keeps http, https, mailto, relative and #fragment targets, and http(s) images", () => {
    const html = articleHtml(
      "[a](https://learn.example.com/x?y=1&z=2) [b](HTTP://example.com) [c](mailto:help@contoso.example) [d](../groups/rules.md) [e](#recommended-steps)\n\n![diagram](https://img.example.com/d.png)",
    );
    const links = htmlElements(html).filter((element) => element.tagName === "a").map((element) => element.attributes.href);
    expect(links).toEqual(["https://learn.example.com/x?y=1&z=2", "http://example.com", "mailto:help@contoso.example", "../groups/rules.md", "#recommended-steps"]);
    expect(htmlElements(html).find((element) => element.tagName === "img")!.attributes).toEqual({ src: "https://img.example.com/d.png", alt: "diagram" });
  });

  it("renders raw HTML lists, links, tables and line breaks as elements, without handlers, styles or targets", () => {
    const html = articleHtml(
      [
        'Steps:<br>see <a href="https://learn.example.com/licensing" target="_blank" onclick="steal()">the guide</a>.',
        "",
        '<ul><li style="color:red">First</li><li onmouseover="x()">Second</li></ul>',
        "",
        "<table><tr><th>Plan</th><th>Seats</th></tr><tr><td colspan=\"2\">E3</td></tr></table>",
      ].join("\n"),
    );
    expect(tags(html)).toEqual(["p", "br", "a", "ul", "li", "li", "table", "tbody", "tr", "th", "th", "tr", "td"]);
    expect(htmlElements(html).find((element) => element.tagName === "a")!.attributes).toEqual({ href: "https://learn.example.com/licensing" });
    expect(htmlElements(html).find((element) => element.tagName === "td")!.attributes).toEqual({ colspan: "2" });
    expect(unsafeParts(html)).toEqual([]);
    expect(html).toContain("First");
  });

  it("removes script, style, iframe and svg with their content, and comments; unwraps other unknown elements", () => {
    const html = articleHtml(
      [
        "<script>alert(1)</script>",
        "",
        "<style>body { display: none }</style>",
        "",
        '<iframe src="https://evil.example"></iframe><svg onload="alert(1)"><text>svg text</text></svg>',
        "",
        "<!-- internal note: call the owner -->",
        "",
        '<div><span title="t" style="color:red">kept text</span></div> <center>centred</center>',
      ].join("\n"),
    );
    expect(html).not.toMatch(/alert|display|svg text|internal note|evil/);
    expect(tags(html)).toEqual([]);
    expect(html).toContain("kept text");
    expect(html).toContain("centred");
  });

  it("serves Markdown or raw HTML nested too deep for the renderer as escaped text, not an error", () => {
    for (const deep of ["<div>".repeat(20_000) + "<img src=x onerror=alert(1)>", ">".repeat(5_000) + " <script>alert(1)</script>"]) {
      const html = articleHtml(deep);
      expect(tags(html)).toEqual(["pre"]);
      expect(unsafeParts(html)).toEqual([]);
      expect(html.includes("&#60;div&#62;") || html.includes("&#60;script&#62;")).toBe(true);
    }
  });

  it("shows placeholders written like tags, which no HTML element has, as text", () => {
    const html = articleHtml("Run `Connect` with -Name <your-storage-account> in <b>bold</b>.\n\n- <subscription-id>\n\n<x-widget onclick=\"alert(1)\">");
    expect(html).toContain("-Name &#x3C;your-storage-account> in <b>bold</b>.");
    expect(html).toContain("<li>&#x3C;subscription-id></li>");
    expect(tags(html)).toEqual(["p", "code", "b", "ul", "li", "p"]);
  });

  it("keeps Markdown's own structure: headings, emphasis, lists, tables, code, quotes, task lists", () => {
    const html = articleHtml(
      "# T\n\n## Recommended Steps\n\n1. **Bold** and _em_ and `code`\n2. ~~old~~\n\n- [x] done\n\n> quote\n\n| a | b |\n|:-:|---|\n| 1 | 2 |\n\n```powershell\nGet-MgUser\n```\n",
    );
    expect(new Set(tags(html))).toEqual(
      new Set(["h1", "h2", "ol", "li", "strong", "em", "code", "del", "ul", "input", "blockquote", "p", "table", "thead", "tr", "th", "tbody", "td", "pre"]),
    );
    expect(htmlElements(html).find((element) => element.tagName === "input")!.attributes).toEqual({ type: "checkbox", checked: "", disabled: "" });
    expect(html).toContain('<code class="language-powershell">');
  });

  it("turns a <video><src>URL</src><title>…</title></video> block into a link, and refuses a scriptable one", () => {
    const video = (url: string) => `Watch:\n\n<video>\n<src>${url}</src>\n<title>Assigning licenses</title>\n</video>\n`;
    expect(articleHtml(video("https://www.youtube.com/watch?v=abc"))).toContain('<a href="https://www.youtube.com/watch?v=abc">Assigning licenses</a>');
    expect(unsafeParts(articleHtml(video("javascript:alert(1)")))).toEqual([]);
  });
});

describe("metadata blocks", () => {
  const body = `# Fix a routing form\n${METADATA}\n\nThe form sends the case to support.\n\n## Recommended Steps\n\n1. Check the form.\n2. Send it again.\n`;

  it("are read as metadata and never reach markdown, html, sections or steps", async () => {
    const found = await article(body);
    expect(found.metadata).toEqual([
      { $schema: "SelfHelpContent", owner: "form.author@contoso.example", routing: { queue: "zqx-routing-queue-7", supportTopicId: "100001" } },
    ]);
    const served = { markdown: found.markdown, html: articleHtml(found.markdown), sections: found.sections, steps: found.recommendedSteps };
    for (const secret of ["form.author@contoso.example", "zqx-routing-queue-7", "$schema"]) expect(JSON.stringify(served)).not.toContain(secret);
    expect(found.markdown).toBe("# Fix a routing form\n\nThe form sends the case to support.\n\n## Recommended Steps\n\n1. Check the form.\n2. Send it again.");
    expect(found.recommendedSteps.map((step) => step.text)).toEqual(["Check the form.", "Send it again."]);
    expect(tags(articleHtml(found.markdown))).toEqual(["h1", "p", "h2", "ol", "li", "li"]);
  });

  it("are left out of a header-only parse's markdown too", async () => {
    const { article: found } = await parseArticle(Buffer.from(HEADER + body), "forms/routing.md", { headersOnly: true });
    expect(found!.markdown).not.toContain("form.author@contoso.example");
    expect(found!.metadata).toHaveLength(1);
  });

  it("are left out even when their JSON does not parse (reported, and no metadata)", async () => {
    const broken = await parseArticle(Buffer.from(HEADER + `# T\n---\n{\n  "owner": "form.author@contoso.example",\n}\n---\n\nText.\n`), "forms/broken.md");
    expect(broken.article!.markdown).toBe("# T\n\nText.");
    expect(broken.article!.metadata).toEqual([]);
    expect(broken.problems.map((problem) => problem.kind)).toEqual(["invalid-embedded-json"]);
  });

  it("stay as written inside a code block, where an author shows JSON on purpose", async () => {
    const found = await article('# T\n\n```\n---\n{ "example": true }\n---\n```\n');
    expect(found.metadata).toEqual([]);
    expect(found.markdown).toContain('{ "example": true }');
  });
});

describe("step links", () => {
  it("leave out javascript:, vbscript: and data: targets, and keep a portal's own schemes (which html drops)", async () => {
    const step = [
      "1. See [x](javascript:alert(1)), <a href=\"jav&#x61;script:alert(1)\">y</a>, [v](VBScript:msgbox), [d](data:text/html,hi),",
      "   [the blade](data-blade:Microsoft_AAD_IAM/UsersManagementMenuBlade) and [docs](https://learn.example.com).",
    ].join("\n");
    const found = await article(`# T\n\n## Recommended Steps\n\n${step}\n`);
    expect(found.recommendedSteps[0]!.links).toEqual([
      { text: "the blade", url: "data-blade:Microsoft_AAD_IAM/UsersManagementMenuBlade" },
      { text: "docs", url: "https://learn.example.com" },
    ]);
    const links = htmlElements(articleHtml(found.markdown)).filter((element) => element.tagName === "a");
    expect(links.map((link) => link.attributes.href ?? null)).toEqual([null, null, null, null, null, "https://learn.example.com"]);
  });
});
