import type { Article } from "../../src/content/model";
import { SearchIndex, toFtsQuery } from "../../src/content/search-index";

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
    expect(index.search("assign a license, it says usage location", 3)[0].articleId).toBe("location");
  });

  it("still finds articles holding only some of the words", () => {
    expect(index.search("usage seats", 3).map((hit) => hit.articleId).sort()).toEqual(["location", "seats"]);
  });

  it("highlights matches in the title", () => {
    expect(index.search("seats", 1)[0].highlights).toContainEqual({ field: "title", snippet: "Not enough <mark>seats</mark>" });
  });

  it("leaves out common words and turns operators into plain words", () => {
    expect(toFtsQuery('why can\'t I "usage" NEAR(location *')).toEqual({
      any: '"usage near" OR "near location" OR "usage" OR "near" OR "location"*',
      all: '"usage" AND "near" AND "location"*',
    });
    expect(toFtsQuery("the it of")).toEqual({ any: "", all: "" });
    expect(index.search("the it of", 3)).toEqual([]);
  });
});
