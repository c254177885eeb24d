/**
 * Checks a folder of articles: `node dist/src/content/cli.js check DIR [--json]`.
 * Prints the summary, then each problem as `file:line: severity kind: message`.
 * Exit code: 1 when any error, 0 otherwise, 2 on a usage error.
 */
import fs from "node:fs";
import type { Article, ArticleProblem } from "./model";
import { type FolderResult, parseFolder } from "./parser";

const USAGE = "usage: articles check DIR [--json]";

export interface CliOutput {
  out: (line: string) => void;
  err: (line: string) => void;
}

export async function runCli(args: string[], output: CliOutput): Promise<number> {
  const json = args.includes("--json");
  const positional = args.filter((arg) => arg !== "--json");
  const unknown = positional.find((arg) => arg.startsWith("-"));
  if (positional[0] !== "check" || positional.length !== 2 || unknown) {
    output.err(unknown ? `unknown option ${unknown}\n${USAGE}` : USAGE);
    return 2;
  }
  const dir = positional[1]!;
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    output.err(`not a folder: ${dir}\n${USAGE}`);
    return 2;
  }
  const started = process.hrtime.bigint();
  const result = await parseFolder(dir);
  const milliseconds = Number(process.hrtime.bigint() - started) / 1e6;
  if (json) output.out(JSON.stringify({ dir, milliseconds, summary: result.summary, duplicateIds: duplicateIds(result.articles), problems: result.problems }, null, 2));
  else printText(result, milliseconds, output);
  return result.summary.errors > 0 ? 1 : 0;
}

function printText({ articles, summary, problems }: FolderResult, milliseconds: number, output: CliOutput): void {
  output.out(`${summary.articles} articles, ${summary.withHeader} with a header (${milliseconds.toFixed(0)} ms)`);
  output.out(`${summary.distinctSupportTopicIds} distinct support topic ids`);
  output.out(`clouds: ${formatCounts(summary.byCloud)}`);
  output.out(`${summary.errors} errors, ${summary.warnings} warnings: ${formatCounts(summary.problemsByKind)}`);
  const duplicates = duplicateIds(articles);
  if (duplicates.length > 0) {
    const list = duplicates.map(({ articleId, paths }) => `${articleId} (${paths.join(", ")})`).join("; ");
    output.out(`${duplicates.length} articleIds used by more than one file: ${list}`);
  }
  for (const problem of problems) output.out(formatProblem(problem));
}

/** Ids (compared in any case) that several files use, with those files. */
function duplicateIds(articles: Article[]): { articleId: string; paths: string[] }[] {
  const byId = new Map<string, Article[]>();
  for (const article of articles) byId.set(article.articleId.toLowerCase(), [...(byId.get(article.articleId.toLowerCase()) ?? []), article]);
  return [...byId.values()].filter((group) => group.length > 1).map((group) => ({ articleId: group[0]!.articleId, paths: group.map((article) => article.file) }));
}

function formatCounts(counts: Record<string, number>): string {
  const entries = Object.entries(counts);
  return entries.length === 0 ? "none" : entries.map(([name, count]) => `${name} ${count}`).join(", ");
}

export function formatProblem({ file, line, severity, kind, message }: ArticleProblem): string {
  return `${file}:${line}: ${severity} ${kind}: ${message}`;
}

if (require.main === module) {
  runCli(process.argv.slice(2), { out: (line) => console.log(line), err: (line) => console.error(line) }).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(error);
      process.exitCode = 2;
    },
  );
}
