import type { Article, ArticleProblem } from "../model";

export interface FolderSummary {
  /** Article files read. */
  articles: number;
  /** Files with a `<properties>` header or front matter. */
  withHeader: number;
  /** Distinct supportTopicIds over all articles, compared as written. */
  distinctSupportTopicIds: number;
  /** Articles per (lower-cased) cloud. */
  byCloud: Record<string, number>;
  problemsByKind: Record<string, number>;
  errors: number;
  warnings: number;
}

export function summarize(files: number, articles: Article[], problems: ArticleProblem[]): FolderSummary {
  const topics = new Set(articles.flatMap((article) => article.supportTopicIds));
  return {
    articles: files,
    withHeader: articles.length,
    distinctSupportTopicIds: topics.size,
    byCloud: sortedCounts(articles.flatMap((article) => [...new Set(article.cloudEnvironments)])),
    problemsByKind: sortedCounts(problems.map((problem) => problem.kind)),
    errors: problems.filter((problem) => problem.severity === "error").length,
    warnings: problems.filter((problem) => problem.severity === "warning").length,
  };
}

/** Counts, largest first, then by name. */
function sortedCounts(values: string[]): Record<string, number> {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  const entries = [...counts].sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1));
  return Object.fromEntries(entries);
}
