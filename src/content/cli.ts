/**
 * Checks a folder of articles:
 *
 *   node dist/src/content/cli.js check DIR [--json] [--ignore GLOB]... [--include-templates]
 *
 * Prints the summary, then each problem as `file:line: severity kind: message`. Folders named
 * like templates (`Templates`, `Diagnostics-templates`, `Apollo-template`) are left out unless
 * --include-templates; --ignore leaves out the files and folders a glob matches (see ignore.ts),
 * and may be given several times.
 * Exit code: 1 when any error, 0 otherwise, 2 on a usage error.
 */
import fs from "node:fs";
import { ignorer } from "./ignore";
import type { Article, ArticleProblem } from "./model";
import { type FolderResult, parseFolder } from "./parser";

const USAGE = "usage: articles check DIR [--json] [--ignore GLOB]... [--include-templates]";

export interface CliOutput {
  out: (line: string) => void;
  err: (line: string) => void;
}

interface CheckArgs {
  dir: string;
  json: boolean;
  globs: string[];
  includeTemplates: boolean;
}

function parseArgs(args: string[]): CheckArgs | string {
  const positional: string[] = [];
  const parsed: CheckArgs = { dir: "", json: false, globs: [], includeTemplates: false };
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i]!;
    if (arg === "--json") parsed.json = true;
    else if (arg === "--include-templates") parsed.includeTemplates = true;
    else if (arg === "--ignore" || arg.startsWith("--ignore=")) {
      const glob = arg === "--ignore" ? args[++i] : arg.slice("--ignore=".length);
      if (!glob || glob.startsWith("--")) return `--ignore needs a glob, e.g. --ignore "documents/**"`;
      parsed.globs.push(glob);
    } else if (arg.startsWith("-")) return `unknown option ${arg}`;
    else positional.push(arg);
  }
  if (positional[0] !== "check" || positional.length !== 2) return "";
  parsed.dir = positional[1]!;
  return parsed;
}

export async function runCli(args: string[], output: CliOutput): Promise<number> {
  const parsed = parseArgs(args);
  if (typeof parsed === "string") {
    output.err(parsed ? `${parsed}\n${USAGE}` : USAGE);
    return 2;
  }
  const { dir, json } = parsed;
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    output.err(`not a folder: ${dir}\n${USAGE}`);
    return 2;
  }
  const started = process.hrtime.bigint();
  const result = await parseFolder(dir, { skip: ignorer({ globs: parsed.globs, skipTemplates: !parsed.includeTemplates }) });
  const milliseconds = Number(process.hrtime.bigint() - started) / 1e6;
  if (json) {
    const document = { dir, milliseconds, summary: result.summary, skipped: result.skipped ?? [], duplicateIds: duplicateIds(result.articles), problems: result.problems };
    output.out(JSON.stringify(document, null, 2));
  } else printText(result, milliseconds, output);
  return result.summary.errors > 0 ? 1 : 0;
}

function printText({ articles, summary, problems, skipped }: FolderResult, milliseconds: number, output: CliOutput): void {
  output.out(`${summary.articles} articles, ${summary.withHeader} with a header (${milliseconds.toFixed(0)} ms)`);
  if (skipped && skipped.length > 0) output.out(`left out: ${skipped.join(", ")}`);
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
