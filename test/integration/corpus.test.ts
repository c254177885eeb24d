import fs from "node:fs";
import path from "node:path";
import { type FolderResult, parseFolder } from "../../src/content/parser";

// A sample of real articles, kept outside the repository (test input only, never copied here).
// stats_dev-sample.json next to it holds counts computed independently over the same files.
const CORPUS = path.resolve(__dirname, "../../../shared/corpus/dev-sample");
const STATS = path.resolve(CORPUS, "../stats_dev-sample.json");
const present = fs.existsSync(CORPUS) && fs.existsSync(STATS);

interface CorpusStats {
  article_count: number;
  articles_with_properties_block: number;
  supportTopicIds: { distinct_ids: number };
  cloudEnvironments: { articles_per_env_ci: Record<string, number> };
  articleId: { distinct: number };
  recommended_steps: { articles_by_number_of_such_headings: Record<string, number> };
}

(present ? describe : describe.skip)("the dev-sample corpus", () => {
  let stats: CorpusStats;
  let full: FolderResult;

  beforeAll(async () => {
    stats = JSON.parse(fs.readFileSync(STATS, "utf8")) as CorpusStats;
    full = await parseFolder(CORPUS);
  }, 60_000);

  it("parses every article without crashing", () => {
    expect(full.summary.articles).toBe(stats.article_count);
    expect(full.summary.withHeader).toBe(stats.articles_with_properties_block);
    expect(full.articles).toHaveLength(stats.article_count);
    expect(full.problems.filter((problem) => problem.kind === "internal-error")).toEqual([]);
  });

  it("finds as many distinct support topic ids as the independent count", () => {
    expect(full.summary.distinctSupportTopicIds).toBe(stats.supportTopicIds.distinct_ids);
  });

  it("counts the articles of each cloud as the independent count does", () => {
    expect(full.summary.byCloud).toEqual(stats.cloudEnvironments.articles_per_env_ci);
  });

  it("gives every article a distinct articleId", () => {
    expect(new Set(full.articles.map((article) => article.articleId.toLowerCase())).size).toBe(stats.articleId.distinct);
    expect(full.summary.problemsByKind["duplicate-article-id"]).toBeUndefined();
  });

  it("finds a Recommended Steps section at least wherever the independent count does", () => {
    // The stats count headings matching "recommended step(s)" only; helpgate also recognises
    // "Recommended Action(s)", "Recommended Solutions" and "Steps to resolve", so it may find more.
    const counted = Object.entries(stats.recommended_steps.articles_by_number_of_such_headings)
      .filter(([headings]) => headings !== "0")
      .reduce((sum, [, articles]) => sum + articles, 0);
    const found = full.articles.filter((article) => article.sections.some((section) => section.kind === "recommendedSteps"));
    expect(found.length).toBeGreaterThanOrEqual(counted);
  });

  it("reads the same headers when asked for headers only", async () => {
    const headers = await parseFolder(CORPUS, { headersOnly: true });
    expect(headers.summary.distinctSupportTopicIds).toBe(full.summary.distinctSupportTopicIds);
    expect(headers.summary.byCloud).toEqual(full.summary.byCloud);
    expect(headers.articles.every((article) => article.sections.length === 0)).toBe(true);
  });
});
