import type { Article } from "./model";

/**
 * selfHelpType values (lower-cased) of articles written for support engineers or for the
 * portal's own machinery rather than for customers: troubleshooting guides, support topic
 * descriptions, the questions a support request form asks, advisor metadata. Search leaves them
 * out unless asked; troubleshooting prefers a public article.
 */
export const INTERNAL_TYPES: ReadonlySet<string> = new Set([
  "tsg_content",
  "tsg_description",
  "tsg_questions",
  "supporttopicdescription",
  "problemscopingquestions",
  "advisorrecommendationmetadata",
]);

export function isInternal(article: Pick<Article, "selfHelpType">): boolean {
  return INTERNAL_TYPES.has(article.selfHelpType.trim().toLowerCase());
}
