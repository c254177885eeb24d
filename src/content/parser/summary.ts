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
  // Plain loops: a server runs this once or twice a load, over 15,000 articles, before its code
  // is optimized, and the first lookups wait for it (see loader.ts, assemble).
  const topics = new Set<string>();
  const clouds = new Map<string, number>();
  for (const article of articles) {
    for (const id of article.supportTopicIds) topics.add(id);
    const list = article.cloudEnvironments;
    // Each cloud once per article.
    for (let i = 0; i < list.length; i += 1) if (list.indexOf(list[i]!) === i) count(clouds, list[i]!);
  }
  const kinds = new Map<string, number>();
  let errors = 0;
  let warnings = 0;
  for (const problem of problems) {
    count(kinds, problem.kind);
    if (problem.severity === "error") errors += 1;
    else if (problem.severity === "warning") warnings += 1;
  }
  return {
    articles: files,
    withHeader: articles.length,
    distinctSupportTopicIds: topics.size,
    byCloud: sortedCounts(clouds),
    problemsByKind: sortedCounts(kinds),
    errors,
    warnings,
  };
}

function count(counts: Map<string, number>, value: string): void {
  counts.set(value, (counts.get(value) ?? 0) + 1);
}

/** Counts, largest first, then by name. */
function sortedCounts(counts: ReadonlyMap<string, number>): Record<string, number> {
  const entries = [...counts].sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1));
  return Object.fromEntries(entries);
}
