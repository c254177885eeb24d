import { JSONObjectResolver } from "graphql-scalars";
import { Arg, Args, Ctx, FieldResolver, ID, Int, Query, Resolver, Root } from "type-graphql";
import { demand } from "../../auth/permissions";
import { CacheControl } from "../../common/cache-control";
import { decodeCursor, encodeCursor, PageArgs, pageRequest, pageSize, toPage, type Page } from "../../common/connection";
import type { RequestContext } from "../../context";
import { badInput } from "../../errors";
import { articleImages } from "../images";
import type { Article as ArticleRecord } from "../model";
import { KNOWN_CLOUDS } from "../parser/values";
import { ArticleFilter, ArticleSearchFilter } from "./inputs";
import { Article, ArticleConnection, ArticleImage, ArticleParseProblem, ArticleSearchHit, ArticleSection, ArticleStep, SupportTopic, Troubleshooting } from "./types";

export const MAX_QUESTION = 2000;
const isIdKey = (value: unknown): value is [string] => Array.isArray(value) && value.length === 1 && typeof value[0] === "string";

/**
 * Each record's GraphQL object, made once: a record is never changed (a reload makes new ones),
 * and neither is what is made of it. Copying a record's thirty-odd fields cost a support-topic
 * lookup about 4 µs per article.
 */
const ARTICLE_TYPES = new WeakMap<ArticleRecord, Article>();

export function articleType(article: ArticleRecord): Article {
  let made = ARTICLE_TYPES.get(article);
  if (!made) ARTICLE_TYPES.set(article, (made = { ...article, id: article.articleId, path: article.file }));
  return made;
}

export function troubleshootingType(found: { errorCode: string; article: ArticleRecord; steps: Article["recommendedSteps"] } | null): Troubleshooting | null {
  return found && { errorCode: found.errorCode, article: articleType(found.article), steps: found.steps };
}

/** The article with its body (sections, steps, Markdown, metadata). */
function withBody(ctx: RequestContext, article: Article): ArticleRecord {
  return ctx.services.content.body(article.path)?.article ?? (article as unknown as ArticleRecord);
}

/** Articles are public: none of these queries needs a token. */
@Resolver(() => Article)
export class ContentResolver {
  @Query(() => Article, {
    nullable: true,
    description: "An article by id, or by its path in the library. An id that several files use is refused with their paths (extensions.paths): ask again by path.",
  })
  async article(
    @Ctx() ctx: RequestContext,
    @Arg("id", () => ID, { description: "The article's articleId.", nullable: true }) id?: string | null,
    @Arg("path", () => String, { nullable: true, description: "The file's path in the library, e.g. \"licensing/count-violation.md\"." }) path?: string | null,
  ): Promise<Article | null> {
    if (id == null && path == null) throw badInput("article needs an id or a path; e.g. article(id: \"…\") or article(path: \"folder/file.md\").", { field: "id" });
    await ctx.services.content.whenLoaded("headers");
    const article = ctx.services.content.article({ id, path });
    return article && articleType(article);
  }

  @Query(() => ArticleConnection, { description: "Articles in display order." })
  async articles(
    @Ctx() ctx: RequestContext,
    @Args(() => PageArgs) page: PageArgs,
    @Arg("filter", () => ArticleFilter, { description: "Narrows the list; all given conditions must hold.", nullable: true }) filter?: ArticleFilter | null,
  ): Promise<Page<Article>> {
    await ctx.services.content.whenLoaded("headers");
    const request = pageRequest(page, ctx.limits.maxPageSize);
    const all = ctx.services.content.articles(filter ?? {});
    const cursor = decodeCursor(request.cursor, isIdKey, request.cursorField);
    const at = cursor ? all.findIndex((article) => article.file === cursor[0]) : -1;
    if (cursor && at === -1) throw badInput(`${request.cursorField} names an article that is not in this list.`, { field: request.cursorField });
    // Backward: the rows before the cursor (or the end), nearest first, as a keyset query gives them.
    const rows = request.backward
      ? all.slice(Math.max(0, (cursor ? at : all.length) - request.limit - 1), cursor ? at : all.length).reverse()
      : all.slice(at + 1, at + 1 + request.limit + 1);
    return toPage(rows, request, cursor !== null, (article) => encodeCursor([article.file]), async () => all.length).map(articleType);
  }

  @Query(() => SupportTopic, { description: "What a support form shows for a support topic id." })
  async supportTopic(@Ctx() ctx: RequestContext, @Arg("id", () => ID, { description: "The support topic id, as support forms and articles' supportTopicIds carry it." }) id: string): Promise<SupportTopic> {
    await ctx.services.content.whenLoaded("headers");
    return { id, articles: ctx.services.content.supportTopic(id).map(articleType) };
  }

  @Query(() => Troubleshooting, { nullable: true, description: "The steps to take for an error code (licensing codes, AADSTS50076, 0x80070005, ExtensionSnapshotFailedNoNetwork…), with the article that answers it best; null when no article names the code." })
  async troubleshoot(@Ctx() ctx: RequestContext, @Arg("errorCode", { description: "The error code as the user saw it, e.g. CountViolation or AADSTS50076 (any letter case)." }) errorCode: string): Promise<Troubleshooting | null> {
    await ctx.services.content.whenLoaded("headers");
    return troubleshootingType(ctx.services.content.troubleshoot(errorCode));
  }

  @Query(() => [ArticleSearchHit], {
    description: "Ranked full-text search over titles, file names, descriptions, headings, steps and text, best first. Internal article types (TSG_Content, SupportTopicDescription, scoping questions…) are left out unless includeInternal is true.",
  })
  async searchArticles(
    @Ctx() ctx: RequestContext,
    @Arg("query", { description: "The words to look for, as a user would type them." }) query: string,
    @Arg("first", () => Int, { description: "How many hits to return: 1 to MAX_PAGE_SIZE, 10 by default.", nullable: true }) first?: number | null,
    @Arg("filter", () => ArticleSearchFilter, { description: "Narrows the hits; all given conditions must hold.", nullable: true }) filter?: ArticleSearchFilter | null,
    @Arg("includeInternal", () => Boolean, { description: "true also searches articles written for support engineers.", nullable: true, defaultValue: false }) includeInternal?: boolean | null,
  ): Promise<ArticleSearchHit[]> {
    if (query.length > MAX_QUESTION) throw badInput(`query is longer than ${MAX_QUESTION} characters.`, { field: "query" });
    // Left out, first is 10, or the cap (MAX_PAGE_SIZE) when that is lower.
    const limit = pageSize(first ?? Math.min(10, ctx.limits.maxPageSize), ctx.limits.maxPageSize);
    const cloud = filter?.cloudEnvironment?.trim().toLowerCase();
    if (cloud && !KNOWN_CLOUDS.has(cloud)) {
      throw badInput(`cloudEnvironment '${filter!.cloudEnvironment}' is not a cloud; use one of ${[...KNOWN_CLOUDS].join(", ")}.`, { field: "filter.cloudEnvironment" });
    }
    // Ranking needs every body (headings and steps are indexed).
    await ctx.services.content.whenLoaded("bodies");
    return ctx.services.content
      .search(query, { limit, filter: filter ?? {}, includeInternal: includeInternal === true })
      .map((hit) => ({ ...hit, article: articleType(hit.article) }));
  }

  // The body's fields: the library keeps articles without their bodies, read per request from
  // the parse cache (or parsed: see ContentService.body), the last few kept.
  @FieldResolver(() => [ArticleSection])
  sections(@Root() article: Article, @Ctx() ctx: RequestContext): ArticleSection[] {
    return withBody(ctx, article).sections;
  }

  @FieldResolver(() => [ArticleStep])
  recommendedSteps(@Root() article: Article, @Ctx() ctx: RequestContext): ArticleStep[] {
    return withBody(ctx, article).recommendedSteps;
  }

  @FieldResolver(() => String)
  markdown(@Root() article: Article, @Ctx() ctx: RequestContext): string {
    return withBody(ctx, article).markdown;
  }

  @FieldResolver(() => [ArticleImage], { description: "The article's pictures (Markdown images and <img> tags), in order." })
  images(@Root() article: Article, @Ctx() ctx: RequestContext): ArticleImage[] {
    return articleImages({ file: article.path, markdown: withBody(ctx, article).markdown });
  }

  @FieldResolver(() => [ArticleParseProblem], { description: "What the parser reported about this article's file: errors and the oddities it recovered from." })
  problems(@Root() article: Article, @Ctx() ctx: RequestContext): ArticleParseProblem[] {
    return ctx.services.content.problemsOf(article.path);
  }

  @FieldResolver(() => String, {
    description: "The body as sanitized HTML, safe to show as it is: headings, paragraphs, lists, tables, code, quotes, emphasis, links (http, https, mailto, relative) and images (http, https); no script, style, event handler or other URL scheme.",
  })
  html(@Root() article: Article, @Ctx() ctx: RequestContext): string {
    const full = withBody(ctx, article);
    // Required at the first article asked for as HTML: the Markdown-to-HTML stack (unified,
    // remark-rehype, rehype-raw with parse5, the sanitizer) is not loaded before the server listens.
    const { renderHtml } = require("../render") as typeof import("../render");
    return renderHtml(full.articleId + full.contentHash, full.markdown);
  }

  // Signed-in callers only: never in a public (shared) answer.
  @CacheControl({ maxAge: 0, scope: "PRIVATE" })
  @FieldResolver(() => [JSONObjectResolver], {
    nullable: true,
    description:
      "The JSON objects of the body's `---` metadata blocks (form definitions, advisor metadata), in order; never in markdown, html or search. They may name authors and routing: signed-in callers only (null with UNAUTHENTICATED otherwise).",
  })
  metadata(@Root() article: Article, @Ctx() ctx: RequestContext): Record<string, unknown>[] {
    demand(ctx.caller, "directory.read");
    return withBody(ctx, article).metadata;
  }
}
