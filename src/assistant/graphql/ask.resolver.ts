import { Arg, Ctx, FieldResolver, ID, Query, Resolver, Root } from "type-graphql";
import type { RequestContext } from "../../context";
import { articleType, MAX_QUESTION, troubleshootingType } from "../../content/graphql/content.resolver";
import { Troubleshooting } from "../../content/graphql/types";
import { badInput } from "../../errors";
import { LicenseAssignmentState } from "../../licensing/graphql/types";
import { answerMarkdown } from "../answer-markdown";
import { Answer } from "./types";

/** The chatbot's query: public articles for anyone, the named user's problems for who may see them. */
@Resolver(() => Answer)
export class AskResolver {
  @Query(() => Answer, { description: "For chatbots: articles and steps for a question, and the named user's live license problems." })
  async ask(
    @Ctx() ctx: RequestContext,
    @Arg("question", { description: "The question in the user's words." }) question: string,
    @Arg("userId", () => ID, { description: "The user the question is about (id or userPrincipalName), whose license problems the answer lists. Without it, a userPrincipalName written in the question, or a display name that one user has, names the user.", nullable: true }) userId?: string | null,
  ): Promise<Answer> {
    if (!question.trim()) throw badInput("question is empty; ask in words, e.g. \"why can't Ada get a license?\".", { field: "question" });
    if (question.length > MAX_QUESTION) throw badInput(`question is longer than ${MAX_QUESTION} characters.`, { field: "question" });
    const answer = await ctx.services.assistant.ask(ctx.caller, question, userId ?? null);
    return {
      ...answer,
      articles: answer.articles.map((hit) => ({ ...hit, score: Number.isFinite(hit.score) ? hit.score : 1e9, article: articleType(hit.article) })),
      userProblems: answer.userProblems.map((problem) => ({ ...problem, troubleshooting: troubleshootingType(problem.troubleshooting) })),
      markdown: answerMarkdown(answer),
    };
  }
}

/** A license state in error links to the steps that fix it. */
@Resolver(() => LicenseAssignmentState)
export class LicenseStateTroubleshootingResolver {
  @FieldResolver(() => Troubleshooting, { nullable: true, description: "The steps for this state's error; null when there is none." })
  async troubleshooting(@Root() state: LicenseAssignmentState, @Ctx() ctx: RequestContext): Promise<Troubleshooting | null> {
    if (state.error === "None") return null;
    await ctx.services.content.whenLoaded("headers");
    return troubleshootingType(ctx.services.content.troubleshoot(state.error));
  }
}
