import { JSONObjectResolver } from "graphql-scalars";
import { Arg, Ctx, FieldResolver, ID, Int, Query, Resolver, Root } from "type-graphql";
import { demand } from "../../auth/permissions";
import { decodeCursor, encodeCursor, pageSize, toPage, type Page } from "../../common/connection";
import type { RequestContext } from "../../context";
import { badInput } from "../../errors";
import { LicenseAssignmentState } from "../../licensing/graphql/types";
import { answerMarkdown } from "../answer-markdown";
import type { Article as ArticleRecord } from "../model";
import { renderHtml } from "../render";
import { ArticleFilter } from "./inputs";
import { Answer, Article, ArticleConnection, ArticleSearchHit, SupportTopic, Troubleshooting } from "./types";

const MAX_QUESTION = 2000;
const isIdKey = (value: unknown): value is [string] => Array.isArray(value) && value.length === 1 && typeof value[0] === "string";

export function articleType(article: ArticleRecord): Article {
  return { ...article, id: article.articleId };
}

function troubleshootingType(found: { errorCode: string; article: ArticleRecord; steps: Article["recommendedSteps"] } | null): Troubleshooting | null {
  return found && { errorCode: found.errorCode, article: articleType(found.article), steps: found.steps };
}

/** Articles are public: none of these queries needs a token, except ask's user part. */
@Resolver(() => Article)
export class ContentResolver {
  @Query(() => Article, { nullable: true })
  article(@Ctx() ctx: RequestContext, @Arg("id", () => ID) id: string): Article | null {
    const article = ctx.services.content.article(id);
    return article && articleType(article);
  }

  @Query(() => ArticleConnection, { description: "Articles in display order." })
  articles(
    @Ctx() ctx: RequestContext,
    @Arg("filter", () => ArticleFilter, { nullable: true }) filter?: ArticleFilter | null,
    @Arg("first", () => Int, { nullable: true }) first?: number | null,
    @Arg("after", () => String, { nullable: true }) after?: string | null,
  ): Page<Article> {
    const limit = pageSize(first, ctx.limits.maxPageSize);
    const all = ctx.services.content.articles(filter ?? {});
    const cursor = decodeCursor(after, isIdKey);
    const start = cursor ? all.findIndex((article) => article.articleId === cursor[0]) + 1 : 0;
    if (cursor && start === 0) throw badInput("after names an article that is not in this list.", { field: "after" });
    const rows = all.slice(start, start + limit + 1);
    return toPage(rows, limit, cursor !== null, (article) => encodeCursor([article.articleId]), async () => all.length).map(articleType);
  }

  @Query(() => SupportTopic, { description: "What a support form shows for a support topic id." })
  supportTopic(@Ctx() ctx: RequestContext, @Arg("id", () => ID) id: string): SupportTopic {
    return { id, articles: ctx.services.content.supportTopic(id).map(articleType) };
  }

  @Query(() => Troubleshooting, { nullable: true, description: "The steps to take for a licensing error code, with their article." })
  troubleshoot(@Ctx() ctx: RequestContext, @Arg("errorCode") errorCode: string): Troubleshooting | null {
    return troubleshootingType(ctx.services.content.troubleshoot(errorCode));
  }

  @Query(() => [ArticleSearchHit], { description: "Ranked full-text search over titles, descriptions and steps." })
  searchArticles(
    @Ctx() ctx: RequestContext,
    @Arg("query") query: string,
    @Arg("first", () => Int, { nullable: true }) first?: number | null,
  ): ArticleSearchHit[] {
    if (query.length > MAX_QUESTION) throw badInput(`query is longer than ${MAX_QUESTION} characters.`, { field: "query" });
    // Left out, first is 10, or the cap (MAX_PAGE_SIZE) when that is lower.
    const limit = pageSize(first ?? Math.min(10, ctx.limits.maxPageSize), ctx.limits.maxPageSize);
    return ctx.services.content.search(query, limit).map((hit) => ({ ...hit, article: articleType(hit.article) }));
  }

  @Query(() => Answer, { description: "For chatbots: articles and steps for a question, and the named user's live license problems." })
  async ask(
    @Ctx() ctx: RequestContext,
    @Arg("question") question: string,
    @Arg("userId", () => ID, { nullable: true }) userId?: string | null,
  ): Promise<Answer> {
    if (!question.trim()) throw badInput("question is empty; ask in words, e.g. \"why can't Ada get a license?\".", { field: "question" });
    if (question.length > MAX_QUESTION) throw badInput(`question is longer than ${MAX_QUESTION} characters.`, { field: "question" });
    const answer = await ctx.services.content.ask(ctx.caller, question, userId ?? null);
    return {
      ...answer,
      articles: answer.articles.map((hit) => ({ ...hit, score: Number.isFinite(hit.score) ? hit.score : 1e9, article: articleType(hit.article) })),
      userProblems: answer.userProblems.map((problem) => ({ ...problem, troubleshooting: troubleshootingType(problem.troubleshooting) })),
      markdown: answerMarkdown(answer),
    };
  }

  @FieldResolver(() => String, {
    description: "The body as sanitized HTML, safe to show as it is: headings, paragraphs, lists, tables, code, quotes, emphasis, links (http, https, mailto, relative) and images (http, https); no script, style, event handler or other URL scheme.",
  })
  html(@Root() article: Article): string {
    return renderHtml(article.articleId + (article as unknown as ArticleRecord).contentHash, article.markdown);
  }

  @FieldResolver(() => [JSONObjectResolver], {
    nullable: true,
    description:
      "The JSON objects of the body's `---` metadata blocks (form definitions, advisor metadata), in order; never in markdown, html or search. They may name authors and routing: signed-in callers only (null with UNAUTHENTICATED otherwise).",
  })
  metadata(@Root() article: Article, @Ctx() ctx: RequestContext): Record<string, unknown>[] {
    demand(ctx.caller, "directory.read");
    return (article as unknown as ArticleRecord).metadata;
  }
}

/** A license state in error links to the steps that fix it. */
@Resolver(() => LicenseAssignmentState)
export class LicenseStateTroubleshootingResolver {
  @FieldResolver(() => Troubleshooting, { nullable: true, description: "The steps for this state's error; null when there is none." })
  troubleshooting(@Root() state: LicenseAssignmentState, @Ctx() ctx: RequestContext): Troubleshooting | null {
    return state.error === "None" ? null : troubleshootingType(ctx.services.content.troubleshoot(state.error));
  }
}
