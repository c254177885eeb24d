import type { Article } from "../../src/content/model";
import { indexedBody, SearchIndex, toFtsQuery } from "../../src/content/search-index";

function article(articleId: string, pageTitle: string, body: string): Article {
  return {
    file: `${articleId}.md`, articleId, pageTitle, description: "", service: "", resource: "", authors: [], displayOrder: null,
    supportTopicIds: [], productPesIds: [], cloudEnvironments: [], selfHelpType: "generic", errorCodes: [], properties: {},
    sections: [], recommendedSteps: [], markdown: body, metadata: [], contentHash: articleId,
  };
}

describe("article search", () => {
  const index = new SearchIndex();
  index.replaceAll([
    article("groups", "Deleting groups that assign licenses", "Remove the licenses a group assigns before you delete it. Licenses, licenses, licenses."),
    article("location", "Set the usage location", "A license cannot be assigned until the user has a usage location."),
    article("seats", "Not enough seats", "Buy more seats for the license."),
  ]);

  it("puts articles holding every word of the question first", () => {
    expect(index.search("assign a license, it says usage location", { limit: 3 })[0].path).toBe("location.md");
  });

  it("still finds articles holding only some of the words", () => {
    expect(index.search("usage seats", { limit: 3 }).map((hit) => hit.path).sort()).toEqual(["location.md", "seats.md"]);
  });

  it("highlights matches in the title", () => {
    expect(index.search("seats", { limit: 1 })[0].highlights).toContainEqual({ field: "title", snippet: "Not enough <mark>seats</mark>" });
  });

  it("leaves out common words and turns operators into plain words", () => {
    expect(toFtsQuery('why can\'t I "usage" NEAR(location *')).toEqual({
      any: '"usage near" OR "near location" OR "usage" OR "near" OR "location" OR "location"* OR "usagenear" OR "nearlocation"',
      variants: [["usage", "near", "location"], ["usagenear", "location"], ["usage", "nearlocation"]],
    });
    expect(toFtsQuery("the it of")).toEqual({ any: "", variants: [] });
    // Words with a common word between them are no phrase.
    expect(toFtsQuery("can't be removed from the user").any).not.toContain('"removed user"');
    expect(index.search("the it of", { limit: 3 })).toEqual([]);
  });

  it("searches for the words articles use instead: synonyms, joined names and status families", () => {
    const { any, variants } = toFtsQuery("app service 503");
    expect(variants).toContainEqual(["web", "app", "503"]);
    expect(variants).toContainEqual(["appservice", "503"]);
    expect(variants).toContainEqual(["app", "service", "5xx"]);
    expect(any).toContain('"50x"');
  });
});

describe("ranking", () => {
  const index = new SearchIndex();
  const long = (words: string) => `${"Some general text about many services. ".repeat(20)} ${words}`;
  index.replaceAll([
    { ...article("kv", "Troubleshoot access to Key Vault", "Grant an access policy. HTTP 403 means insufficient permissions."), file: "microsoft.keyvault/keyvault-troubleshootaccess.md" },
    article("mention", "Deploying resources", long("key vault access denied 403 key vault access denied")),
    { ...article("tsg", "Troubleshoot access to Key Vault", "Internal guide: 403."), selfHelpType: "TSG_Content", file: "tsg/kv.md" },
    { ...article("fairfax", "Government cloud endpoints", "Key Vault lives at another address in Fairfax."), cloudEnvironments: ["fairfax"], service: "microsoft.keyvault" },
    // Rare words tell articles apart only among many that lack them.
    ...Array.from({ length: 20 }, (_, i) => article(`other-${i}`, `Another topic ${i}`, long("storage and networking"))),
  ]);

  it("puts the article whose title is the question before a long page repeating its words, and leaves internal types out", () => {
    const hits = index.search("key vault access denied 403", { limit: 4 });
    expect(hits[0]!.path).toBe("microsoft.keyvault/keyvault-troubleshootaccess.md");
    expect(hits.map((hit) => hit.path)).not.toContain("tsg/kv.md");
    expect(hits.map((hit) => hit.score)).toEqual([...hits.map((hit) => hit.score)].sort((a, b) => b - a));
  });

  it("includes internal types when asked, and filters by cloud and service", () => {
    expect(index.search("key vault access", { limit: 5, includeInternal: true }).map((hit) => hit.path)).toContain("tsg/kv.md");
    expect(index.search("key vault", { limit: 5, filter: { cloudEnvironment: "Fairfax" } }).map((hit) => hit.path)).toEqual(["fairfax.md"]);
    expect(index.search("key vault", { limit: 5, filter: { service: "MICROSOFT.KEYVAULT" } }).map((hit) => hit.path)).toEqual(["fairfax.md"]);
  });

  it("leaves `---` JSON metadata blocks, HTML comments and link targets out of the text searched", () => {
    expect(indexedBody('Intro\n---\n{ "secret": "metadata" }\n---\n<!-- hidden --> [docs](https://example.com/keyvault)')).not.toMatch(/secret|hidden|example/);
  });
});
