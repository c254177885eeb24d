import type { ArticleStep } from "../content/model";
import type { Answer } from "./assistant.service";

/** The answer as Markdown a chatbot can send as it is. */
export function answerMarkdown(answer: Answer): string {
  const parts: string[] = [];
  if (answer.user) parts.push(...userPart(answer));
  if (answer.notice) parts.push(`_${answer.notice}_`, "");
  const [top, ...more] = answer.articles;
  if (top) {
    parts.push(`### ${top.article.pageTitle}`, "", top.article.description, "");
    if (answer.stepsFrom && answer.stepsFrom !== top.article) parts.push(`Steps (from "${answer.stepsFrom.pageTitle}"):`);
    parts.push(...steps(answer.steps), "");
  } else {
    parts.push("No article matches that question yet.", "");
  }
  if (more.length > 0) parts.push("See also:", ...more.map((hit) => `- ${hit.article.pageTitle} (article ${hit.article.articleId})`), "");
  return parts.join("\n").trim() + "\n";
}

function userPart(answer: Answer): string[] {
  const name = answer.user!.displayName;
  if (answer.userProblems.length === 0) return [`**${name}** has no license problem that helpgate can see.`, ""];
  const lines = [`**What blocks ${name}:**`, ""];
  for (const problem of answer.userProblems) {
    lines.push(`- **${problem.code}**${problem.matchesQuestion ? " (what you asked about)" : ""}: ${problem.message}`);
    if (problem.troubleshooting) {
      lines.push(`  Steps (from "${problem.troubleshooting.article.pageTitle}"):`);
      lines.push(...steps(problem.troubleshooting.steps).map((line) => `  ${line}`));
    }
  }
  return [...lines, ""];
}

export function steps(list: ArticleStep[]): string[] {
  return list.map((step) => `${step.number}. ${step.text.replace(/\s+/g, " ").trim()}`);
}
