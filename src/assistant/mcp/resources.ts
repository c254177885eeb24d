import { ResourceTemplate, type McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import { notFound } from "../../errors";
import type { McpContext } from "./context";
import { oneLine } from "./results";
import { articleUri, supportTopicUri } from "./shapes";

/** The most resources one listing names; a larger article folder is read through search_articles. */
const MAX_LISTED = 1000;

/** Every article as Markdown, and the support topics as lists of their articles. */
export function registerResources(server: McpServer, ctx: McpContext): void {
  const { content } = ctx.services;
  const value = (variable: string | string[]) => decodeURIComponent(Array.isArray(variable) ? variable[0] : variable);

  server.registerResource(
    "article",
    new ResourceTemplate("helpgate://articles/{articleId}", {
      list: async () => ({
        resources: content.articles({}).slice(0, MAX_LISTED).map((article) => ({
          uri: articleUri(article.articleId),
          name: article.articleId,
          title: article.pageTitle,
          description: oneLine(article.description),
          mimeType: "text/markdown",
        })),
      }),
    }),
    { title: "Troubleshooting article", description: "A self-help article in Markdown.", mimeType: "text/markdown" },
    async (uri, { articleId }) => {
      const article = content.article(value(articleId));
      if (!article) throw notFound("Article", value(articleId));
      return { contents: [{ uri: uri.href, mimeType: "text/markdown", text: `# ${article.pageTitle}\n\n${article.markdown}` }] };
    },
  );

  server.registerResource(
    "support-topic",
    new ResourceTemplate("helpgate://support-topics/{id}", {
      list: async () => ({
        resources: content.supportTopicIds().slice(0, MAX_LISTED).map((id) => ({
          uri: supportTopicUri(id),
          name: id,
          title: `Support topic ${id}`,
          mimeType: "text/markdown",
        })),
      }),
    }),
    { title: "Support topic", description: "The articles a support form shows for a support topic id.", mimeType: "text/markdown" },
    async (uri, { id }) => {
      const articles = content.supportTopic(value(id));
      if (articles.length === 0) throw notFound("Support topic", value(id));
      const text = [`# Support topic ${value(id)}`, "", ...articles.map((a) => `- [${a.pageTitle}](${articleUri(a.articleId)}): ${oneLine(a.description)}`)].join("\n");
      return { contents: [{ uri: uri.href, mimeType: "text/markdown", text }] };
    },
  );
}

/** A prompt that sets a model up to find and explain what blocks a user's licenses, with the tools above. */
export function registerPrompts(server: McpServer): void {
  server.registerPrompt(
    "troubleshoot_license_problem",
    {
      title: "Troubleshoot a user's license problem",
      description: "Sets the model up to diagnose a user's licenses with helpgate's tools and explain the fix.",
      argsSchema: { user: z.string().max(320).describe("The user's userPrincipalName (e.g. emma.wilson@contoso.com) or object id; a display name (Emma Wilson) is taken when exactly one user has it.") },
    },
    ({ user }) => ({
      messages: [
        {
          role: "user",
          content: {
            type: "text",
            text: [
              `Find out why ${user} cannot get (or lost) a Microsoft 365 license, and tell me how to fix it.`,
              "",
              "Use helpgate's tools:",
              `1. Call diagnose_user_licenses with user "${user}". It returns each problem with its cause and the recommended steps from a troubleshooting article.`,
              "2. For an error code you need explained further, call explain_license_error; to read a whole article, call get_article or read its helpgate://articles/ resource.",
              "3. Before suggesting a license change, call preview_license_assignment to see every problem it would meet; nothing is written.",
              "4. If many users of a group are affected, call list_license_errors with the group's id.",
              "",
              "Answer with: what blocks the user (name the conflicting plans, the missing prerequisite, the colliding address and its holder, or the paused group),",
              "the steps to fix each problem in order, and the title of the article they come from. If the diagnosis finds no problem, say so plainly.",
              "Do not invent causes the tools did not report.",
            ].join("\n"),
          },
        },
      ],
    }),
  );
}
