/**
 * Benchmark: search quality over a real library (src/content/search-index.ts through
 * ArticleLibrary.search, as searchArticles calls it).
 *
 * Build and run, from the repository root:
 *
 *   npx tsc -p bench/tsconfig.json && node dist/bench-build/bench/search-eval.js
 *
 * bench/run.ts also runs it (`--only search-eval`). Options: --library DIR (default
 * ../shared/corpus/library/articles beside the checkout, or BENCH_LIBRARY), --questions FILE
 * (default bench/search-questions.json), --show (print each question's first three results).
 * Without the library it prints why and exits 0.
 *
 * The questions (bench/search-questions.json) are what customers type, each with the articles
 * that answer it, judged by reading them. For each question the library is searched as
 * searchArticles does by default (internal article types left out) and these are computed:
 *
 *   answered@3   questions with a relevant article among the first three results
 *   precision@3  relevant articles among the first three, over three, averaged
 *                (a question with one relevant article can reach 1/3 at most)
 *   MRR          1 / the rank of the first relevant article (0 past the tenth), averaged
 *
 * The articles are loaded with the loader and its parse cache (in the temporary folder), so a
 * second run starts in seconds. Results go to bench/results/search-eval.json.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ArticleLibrary } from "../src/content/library";
import { loadArticles } from "../src/content/loader";
import { format, isMain, machine, parseArgs, repositoryRoot, runMain, table, writeResult } from "./common";

interface Question {
  q: string;
  relevant: string[];
}

export interface SearchEvalResult {
  machine: ReturnType<typeof machine>;
  library: string;
  articles: number;
  questions: number;
  answeredAt3: number;
  answeredAt3Share: number;
  precisionAt3: number;
  mrr: number;
  /** Mean milliseconds per search. */
  searchMs: number;
  misses: { q: string; top3: string[] }[];
}

const DEPTH = 10;

export async function run(argv: string[] = process.argv.slice(2)): Promise<SearchEvalResult | null> {
  const args = parseArgs(argv);
  const dir = path.resolve(args.get("library") ?? process.env.BENCH_LIBRARY ?? path.join(repositoryRoot(), "..", "shared", "corpus", "library", "articles"));
  if (!fs.existsSync(dir)) {
    console.log(`search-eval: skipped, no library at ${dir} (--library DIR or BENCH_LIBRARY)`);
    return null;
  }
  const file = path.resolve(args.get("questions") ?? path.join(repositoryRoot(), "bench", "search-questions.json"));
  const { questions } = JSON.parse(fs.readFileSync(file, "utf8")) as { questions: Question[] };

  const loaded = await loadArticles(dir, { cacheDir: path.join(os.tmpdir(), "helpgate-bench-search-cache"), workers: Math.min(2, os.availableParallelism()) });
  const library = new ArticleLibrary();
  library.replaceAll(loaded.articles, loaded.index);
  const known = new Set(loaded.articles.map((entry) => entry.article.file));
  for (const question of questions) {
    for (const relevant of question.relevant) if (!known.has(relevant)) console.warn(`search-eval: ${relevant} (for "${question.q}") is not in the library`);
  }

  let answered = 0;
  let precision = 0;
  let reciprocal = 0;
  let searchMs = 0;
  const misses: SearchEvalResult["misses"] = [];
  const rows: (string | number)[][] = [];
  for (const question of questions) {
    const started = performance.now();
    const hits = library.search(question.q, { limit: DEPTH });
    searchMs += performance.now() - started;
    const paths = hits.map((hit) => hit.article.file);
    const relevant = new Set(question.relevant);
    const rank = paths.findIndex((p) => relevant.has(p)) + 1;
    const top3 = paths.slice(0, 3);
    if (rank >= 1 && rank <= 3) answered += 1;
    else misses.push({ q: question.q, top3 });
    precision += top3.filter((p) => relevant.has(p)).length / 3;
    reciprocal += rank > 0 ? 1 / rank : 0;
    rows.push([question.q, rank > 0 ? rank : "-", ...(args.has("show") ? [top3.join("  ")] : [])]);
  }
  const result: SearchEvalResult = {
    machine: machine(),
    library: path.relative(repositoryRoot(), dir),
    articles: loaded.articles.length,
    questions: questions.length,
    answeredAt3: answered,
    answeredAt3Share: answered / questions.length,
    precisionAt3: precision / questions.length,
    mrr: reciprocal / questions.length,
    searchMs: searchMs / questions.length,
    misses,
  };
  console.log(table(["question", "first relevant", ...(args.has("show") ? ["top 3"] : [])], rows));
  console.log(
    `\n${questions.length} questions over ${loaded.articles.length} articles: answered in the top 3 ${answered} (${format(100 * result.answeredAt3Share)} %), ` +
      `precision@3 ${result.precisionAt3.toFixed(3)}, MRR ${result.mrr.toFixed(3)}, ${format(result.searchMs)} ms per search`,
  );
  console.log(`wrote ${writeResult("search-eval", result)}`);
  return result;
}

if (isMain(module)) runMain(() => run());
