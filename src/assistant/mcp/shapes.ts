import { z } from "zod";
import type { Troubleshooting } from "../../content/content.service";
import type { Article, ArticleStep } from "../../content/model";
import type { GroupRecord, UserRecord } from "../../directory/model";
import { oneLine } from "./results";

/** The most characters of one step a tool quotes; the article holds the rest. */
const MAX_STEP = 600;
const stepText = (text: string) => {
  const line = oneLine(text);
  return line.length <= MAX_STEP ? line : `${line.slice(0, MAX_STEP)}… (cut; the article has the whole step)`;
};

/** The output pieces the tools share, and the mappers that fill them. */
export const userShape = z.object({
  id: z.string(),
  userPrincipalName: z.string(),
  displayName: z.string(),
  usageLocation: z.string().nullable(),
});

export const groupShape = z.object({ id: z.string(), displayName: z.string() });

export const stepShape = z.object({ number: z.number().int(), text: z.string() });

export const articleRefShape = z.object({
  articleId: z.string(),
  pageTitle: z.string(),
  uri: z.string().describe("The article as an MCP resource (Markdown)."),
});

export const troubleshootingShape = z
  .object({ errorCode: z.string(), article: articleRefShape, steps: z.array(stepShape) })
  .nullable()
  .describe("The recommended steps and their article; null when no article covers this error.");

export const articleUri = (articleId: string) => `helpgate://articles/${encodeURIComponent(articleId)}`;
export const supportTopicUri = (id: string) => `helpgate://support-topics/${encodeURIComponent(id)}`;

export const userOut = (user: UserRecord) => ({
  id: user.id,
  userPrincipalName: user.userPrincipalName,
  displayName: user.displayName,
  usageLocation: user.usageLocation,
});

export const groupOut = (group: GroupRecord) => ({ id: group.id, displayName: group.displayName });

export const stepsOut = (steps: ArticleStep[]) => steps.map((step) => ({ number: step.number, text: stepText(step.text) }));

export const articleRefOut = (article: Article) => ({ articleId: article.articleId, pageTitle: article.pageTitle, uri: articleUri(article.articleId) });

export const troubleshootingOut = (found: Troubleshooting | null) =>
  found && { errorCode: found.errorCode, article: articleRefOut(found.article), steps: stepsOut(found.steps) };

/** Numbered steps as Markdown, indented under a list item when `indent` is given. */
export function stepsMarkdown(found: Troubleshooting | null, indent = ""): string[] {
  if (!found) return [`${indent}No article covers this error yet.`];
  return [
    `${indent}Steps (from "${found.article.pageTitle}", ${articleUri(found.article.articleId)}):`,
    ...found.steps.map((step) => `${indent}${step.number}. ${stepText(step.text)}`),
  ];
}
