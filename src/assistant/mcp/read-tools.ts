import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import { badInput, notFound } from "../../errors";
import type { McpContext } from "./context";
import { answer, bounded, guarded, MAX_TEXT, oneLine } from "./results";
import {
  articleRefOut,
  articleRefShape,
  articleUri,
  groupOut,
  groupShape,
  stepShape,
  stepsMarkdown,
  stepsOut,
  troubleshootingOut,
  troubleshootingShape,
  userOut,
  userShape,
} from "./shapes";

const USER_ARG = z.string().max(320).describe("The user's userPrincipalName (e.g. emma.wilson@contoso.com) or object id; a display name (Emma Wilson) is taken when exactly one user has it.");
const SKU_LIST = z.array(z.string().max(64)).max(20).default([]).describe("SKU ids or part numbers (e.g. ENTERPRISEPACK).");
const MAX_QUERY = 2000;
const READ_ONLY = { readOnlyHint: true, openWorldHint: false } as const;

/** The tools that read: diagnosis, error codes, previews, errors per group, and the articles. */
export function registerReadTools(server: McpServer, ctx: McpContext): void {
  diagnoseUserLicenses(server, ctx);
  explainLicenseError(server, ctx);
  previewLicenseAssignment(server, ctx);
  listLicenseErrors(server, ctx);
  searchArticles(server, ctx);
  getArticle(server, ctx);
  getSupportTopic(server, ctx);
}

function diagnoseUserLicenses(server: McpServer, ctx: McpContext): void {
  const { assistant } = ctx.services;
  server.registerTool(
    "diagnose_user_licenses",
    {
      title: "Diagnose a user's licenses",
      description:
        "What stands between a user and their licenses now: license states in error with the reason behind each, a missing usage location, " +
        "a colliding proxy address, paused dynamic groups the user matches, the groups involved, and the steps (with their article) for each problem. " +
        "Anyone may diagnose themself; diagnosing another user needs a directory role.",
      inputSchema: { user: USER_ARG },
      outputSchema: {
        user: userShape,
        problemFound: z.boolean(),
        problems: z.array(
          z.object({
            code: z.string().describe("A licensing error code, InvalidUsageLocation, UniquenessViolation or DynamicMembershipPaused."),
            message: z.string(),
            skuId: z.string().nullable(),
            groupId: z.string().nullable(),
            troubleshooting: troubleshootingShape,
          }),
        ),
        groups: z.array(groupShape),
      },
      annotations: READ_ONLY,
    },
    guarded(async ({ user }) => {
      const found = await assistant.diagnose(ctx.caller, user);
      const name = found.user.displayName;
      const lines =
        found.problems.length === 0
          ? [`No problem found: nothing stands between **${name}** (${found.user.userPrincipalName}) and their licenses now.`]
          : [
              `**What blocks ${name}** (${found.user.userPrincipalName}):`,
              "",
              ...found.problems.flatMap((problem) => [`- **${problem.code}**: ${problem.message}`, ...stepsMarkdown(problem.troubleshooting, "  ")]),
            ];
      if (found.groups.length > 0) lines.push("", `Groups involved: ${found.groups.map((group) => `${group.displayName} (${group.id})`).join(", ")}.`);
      return answer(lines.join("\n"), {
        user: userOut(found.user),
        problemFound: found.problems.length > 0,
        problems: found.problems.map((problem) => ({
          code: problem.code,
          message: problem.message,
          skuId: problem.skuId,
          groupId: problem.groupId,
          troubleshooting: troubleshootingOut(problem.troubleshooting),
        })),
        groups: found.groups.map(groupOut),
      });
    }, ctx.onInternal),
  );
}

function explainLicenseError(server: McpServer, ctx: McpContext): void {
  const { content } = ctx.services;
  server.registerTool(
    "explain_license_error",
    {
      title: "Explain a licensing error code",
      description: "The recommended steps and their article for a licensing error code such as CountViolation or MutuallyExclusiveViolation.",
      inputSchema: { errorCode: z.string().max(100).describe("A licensing error code, e.g. CountViolation.") },
      outputSchema: { errorCode: z.string(), article: articleRefShape, description: z.string(), steps: z.array(stepShape) },
      annotations: READ_ONLY,
    },
    guarded(async ({ errorCode }) => {
      const code = errorCode.trim();
      if (!code) throw badInput("errorCode is empty; give a licensing error code such as CountViolation.", { field: "errorCode" });
      await content.whenLoaded("headers");
      const found = content.troubleshoot(code);
      if (!found) {
        throw badInput(`No article explains the error code '${code}'. Known codes: ${content.errorCodes().join(", ")}.`, { field: "errorCode" });
      }
      const text = [`### ${found.errorCode}: ${found.article.pageTitle}`, "", oneLine(found.article.description), "", ...stepsMarkdown(found)].join("\n");
      return answer(text, { errorCode: found.errorCode, article: articleRefOut(found.article), description: found.article.description, steps: stepsOut(found.steps) });
    }, ctx.onInternal),
  );
}

function previewLicenseAssignment(server: McpServer, ctx: McpContext): void {
  const { assistant } = ctx.services;
  server.registerTool(
    "preview_license_assignment",
    {
      title: "Preview a license change",
      description:
        "Every problem a license change for a user would meet, in the order the service checks them, each with its steps. Nothing is written.",
      inputSchema: { user: USER_ARG, addLicenses: SKU_LIST, removeLicenses: SKU_LIST },
      outputSchema: {
        user: userShape,
        addSkuIds: z.array(z.string()),
        removeSkuIds: z.array(z.string()),
        succeeded: z.boolean().describe("Whether assignLicense would succeed as asked."),
        problems: z.array(
          z.object({
            error: z.string(),
            skuId: z.string(),
            skuPartNumber: z.string(),
            message: z.string(),
            servicePlanNames: z.array(z.string()),
            troubleshooting: troubleshootingShape,
          }),
        ),
      },
      annotations: READ_ONLY,
    },
    guarded(async ({ user, addLicenses, removeLicenses }) => {
      const preview = await assistant.previewAssignment(ctx.caller, user, addLicenses, removeLicenses);
      const name = preview.user.displayName;
      const lines = preview.succeeded
        ? [`The change would succeed for **${name}**: no problem found.`]
        : [
            `The change would fail for **${name}**; ${preview.problems.length} problem(s), in the order the service checks them:`,
            "",
            ...preview.problems.flatMap((problem, i) => [`${i + 1}. **${problem.error}** (${problem.skuPartNumber}): ${problem.message}`, ...stepsMarkdown(problem.troubleshooting, "   ")]),
          ];
      return answer(lines.join("\n"), {
        user: userOut(preview.user),
        addSkuIds: preview.addSkuIds,
        removeSkuIds: preview.removeSkuIds,
        succeeded: preview.succeeded,
        problems: preview.problems.map((problem) => ({
          error: problem.error,
          skuId: problem.skuId,
          skuPartNumber: problem.skuPartNumber,
          message: problem.message,
          servicePlanNames: problem.servicePlanNames,
          troubleshooting: troubleshootingOut(problem.troubleshooting),
        })),
      });
    }, ctx.onInternal),
  );
}

function listLicenseErrors(server: McpServer, ctx: McpContext): void {
  const { assistant } = ctx.services;
  server.registerTool(
    "list_license_errors",
    {
      title: "List license errors",
      description:
        "Without groupId: the groups that have members in license error, with how many. With groupId: that group's members in error and their errors, a page at a time (pass nextCursor as after).",
      inputSchema: {
        groupId: z.string().max(64).optional().describe("A group's object id."),
        first: z.number().int().min(1).max(100).optional().describe("Members per page (default 20, at most 100)."),
        after: z.string().max(64).optional().describe("nextCursor of the previous page."),
      },
      outputSchema: {
        groups: z.array(groupShape.extend({ membersInError: z.number().int() })).optional(),
        group: groupShape.optional(),
        totalCount: z.number().int().optional(),
        members: z
          .array(z.object({ user: userShape, errors: z.array(z.object({ skuId: z.string(), skuPartNumber: z.string(), error: z.string(), state: z.string() })) }))
          .optional(),
        nextCursor: z.string().nullable().optional(),
      },
      annotations: READ_ONLY,
    },
    guarded(async ({ groupId, first, after }) => {
      if (!groupId) {
        if (after !== undefined) throw badInput("after pages through one group's members; give groupId too.", { field: "after" });
        const groups = await assistant.groupsWithLicenseErrors(ctx.caller);
        const lines = groups.length === 0 ? ["No group has members in license error."] : ["Groups with members in license error:", "", ...groups.map((g) => `- ${g.group.displayName} (${g.group.id}): ${g.membersInError} member(s) in error`)];
        return answer(lines.join("\n"), { groups: groups.map((g) => ({ ...groupOut(g.group), membersInError: g.membersInError })) });
      }
      const limit = Math.min(first ?? 20, ctx.limits.maxPageSize);
      const page = await assistant.groupLicenseErrors(ctx.caller, groupId, after ?? null, limit);
      const lines = [
        `**${page.group.displayName}**: ${page.totalCount} member(s) in license error${page.members.length < page.totalCount ? `, ${page.members.length} shown` : ""}.`,
        "",
        ...page.members.map((m) => `- ${m.user.displayName} (${m.user.userPrincipalName}): ${m.errors.map((e) => `${e.skuPartNumber} ${e.error}`).join(", ")}`),
      ];
      if (page.nextCursor) lines.push("", `More: call again with after = "${page.nextCursor}".`);
      return answer(lines.join("\n"), {
        group: groupOut(page.group),
        totalCount: page.totalCount,
        members: page.members.map((m) => ({ user: userOut(m.user), errors: m.errors })),
        nextCursor: page.nextCursor,
      });
    }, ctx.onInternal),
  );
}

function searchArticles(server: McpServer, ctx: McpContext): void {
  const { content } = ctx.services;
  server.registerTool(
    "search_articles",
    {
      title: "Search the troubleshooting articles",
      description: "Ranked full-text search over the self-help articles' titles, descriptions and steps.",
      inputSchema: {
        query: z.string().max(MAX_QUERY).describe("Words to look for, e.g. 'usage location'."),
        first: z.number().int().min(1).max(20).optional().describe("How many articles (default 5, at most 20)."),
      },
      outputSchema: { hits: z.array(articleRefShape.extend({ description: z.string(), score: z.number() })) },
      annotations: READ_ONLY,
    },
    guarded(async ({ query, first }) => {
      if (!query.trim()) throw badInput("query is empty; give words to search for, e.g. 'usage location'.", { field: "query" });
      await content.whenLoaded("bodies");
      const hits = content.search(query, first ?? 5);
      const lines = hits.length === 0 ? [`No article matches '${oneLine(query)}'.`] : hits.map((hit, i) => `${i + 1}. **${hit.article.pageTitle}** (${hit.article.articleId}): ${oneLine(hit.article.description)}`);
      return answer(lines.join("\n"), { hits: hits.map((hit) => ({ ...articleRefOut(hit.article), description: hit.article.description, score: hit.score })) });
    }, ctx.onInternal),
  );
}

function getArticle(server: McpServer, ctx: McpContext): void {
  const { content } = ctx.services;
  server.registerTool(
    "get_article",
    {
      title: "Read an article",
      description: `A troubleshooting article: its recommended steps and its Markdown body (cut at ${MAX_TEXT} characters; the resource holds it whole).`,
      inputSchema: { id: z.string().max(200).describe("The article's id (articleId).") },
      outputSchema: {
        article: articleRefShape,
        description: z.string(),
        errorCodes: z.array(z.string()),
        supportTopicIds: z.array(z.string()),
        steps: z.array(stepShape),
        markdown: z.string(),
        truncated: z.boolean(),
      },
      annotations: READ_ONLY,
    },
    guarded(async ({ id }) => {
      await content.whenLoaded("headers");
      const article = content.article(id);
      if (!article) throw notFound("Article", id);
      const body = bounded(article.markdown, MAX_TEXT, articleUri(article.articleId));
      return answer(`# ${article.pageTitle}\n\n${body.text}`, {
        article: articleRefOut(article),
        description: article.description,
        errorCodes: article.errorCodes,
        supportTopicIds: article.supportTopicIds,
        steps: stepsOut(article.recommendedSteps),
        markdown: body.text,
        truncated: body.truncated,
      });
    }, ctx.onInternal),
  );
}

function getSupportTopic(server: McpServer, ctx: McpContext): void {
  const { content } = ctx.services;
  server.registerTool(
    "get_support_topic",
    {
      title: "Articles of a support topic",
      description: "The articles a support form shows for a support topic id, in display order.",
      inputSchema: { supportTopicId: z.string().max(200).describe("A support topic id as the articles name it.") },
      outputSchema: { supportTopicId: z.string(), articles: z.array(articleRefShape.extend({ description: z.string() })) },
      annotations: READ_ONLY,
    },
    guarded(async ({ supportTopicId }) => {
      await content.whenLoaded("headers");
      const articles = content.supportTopic(supportTopicId).slice(0, 50);
      if (articles.length === 0) throw notFound("Support topic", supportTopicId);
      const lines = [`Articles for support topic ${supportTopicId}:`, "", ...articles.map((a) => `- **${a.pageTitle}** (${a.articleId}): ${oneLine(a.description)}`)];
      return answer(lines.join("\n"), { supportTopicId, articles: articles.map((a) => ({ ...articleRefOut(a), description: a.description })) });
    }, ctx.onInternal),
  );
}
