import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { TestGateway } from "../support/harness";

/**
 * An article can be a title and a description with links and no numbered steps. When it is the
 * best match, `ask` still answers with steps: those of the next article that has some.
 */
function article(id: string, title: string, description: string, body: string): string {
  return `<properties
    pageTitle="${title}"
    description="${description}"
    service="microsoft.documentdb"
    resource="databaseAccounts"
    authors="helpgate"
    selfHelpType="generic"
    supportTopicIds="40000001"
    articleId="${id}"
/>

# ${title}

${body}
`;
}

let gateway: TestGateway;
let dir: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "helpgate-ask-fallback-"));
  fs.writeFileSync(
    path.join(dir, "cosmos-429.md"),
    article("cosmos-429", "Cosmos DB 429 errors", "Cosmos DB answers 429 when requests exceed the throughput.", "See [request rate too large](https://learn.microsoft.com/azure/cosmos-db/).\n"),
  );
  fs.writeFileSync(
    path.join(dir, "cosmos-throughput.md"),
    article(
      "cosmos-throughput",
      "Cosmos DB request rate too large",
      "Fix 429 answers from Cosmos DB.",
      "## Recommended Steps\n\n1. Look at the normalized RU consumption metric.\n2. Raise the provisioned throughput or spread the partition key.\n",
    ),
  );
  gateway = await TestGateway.start({ ARTICLES_DIR: dir, DEMO_DATA: "false" });
});

afterAll(async () => {
  await gateway?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("ask, when the best article has no numbered steps", () => {
  it("answers with the steps of the next article that has them, and says where they come from", async () => {
    const { ask } = await gateway.ok(null, "query { ask(question: \"cosmos db 429\") { articles { article { articleId } } steps { text } markdown } }");
    expect(ask.articles[0].article.articleId).toBe("cosmos-429");
    expect(ask.steps.map((step: { text: string }) => step.text)).toEqual([
      "Look at the normalized RU consumption metric.",
      "Raise the provisioned throughput or spread the partition key.",
    ]);
    expect(ask.markdown).toMatch(/### Cosmos DB 429 errors[\s\S]*Steps \(from "Cosmos DB request rate too large"\):\n1\. Look at the normalized RU/);
  });
});
