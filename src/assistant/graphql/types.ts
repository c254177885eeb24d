import { Field, ID, ObjectType } from "type-graphql";
import { ArticleSearchHit, ArticleStep, Troubleshooting } from "../../content/graphql/types";
import { User } from "../../directory/graphql/types";
import { LicenseProblemCode } from "../../licensing/graphql/enums";
import type { LicenseDiagnosisCode } from "../../licensing/services/diagnosis.service";

@ObjectType({ description: "One reason a user lacks a license." })
export class UserLicenseProblem {
  @Field(() => LicenseProblemCode, { description: "A licensing error code, or DynamicMembershipPaused." })
  code!: LicenseDiagnosisCode;

  @Field({ description: "The problem in words." })
  message!: string;

  @Field(() => ID, { description: "The SKU concerned; null when the problem is not about one.", nullable: true })
  skuId!: string | null;

  @Field(() => ID, { description: "The group the license comes from; null for a direct license.", nullable: true })
  groupId!: string | null;

  @Field({ description: "Whether the question asked about this kind of problem." })
  matchesQuestion!: boolean;

  @Field(() => Troubleshooting, { description: "The steps that fix it; null when no article names the code.", nullable: true })
  troubleshooting!: Troubleshooting | null;
}

@ObjectType({ description: "The chatbot's answer: articles and steps, the named user's problems, and Markdown to send." })
export class Answer {
  @Field({ description: "The question as asked." })
  question!: string;

  @Field(() => [ArticleSearchHit], { description: "The articles that answer it, best first." })
  articles!: ArticleSearchHit[];

  @Field(() => [ArticleStep], { description: "The recommended steps of the best article." })
  steps!: ArticleStep[];

  @Field(() => User, { description: "The user the question is about (userId, or else the one userPrincipalName or user's display name written in the question); null when none, or when the caller may not see their problems (see notice).", nullable: true })
  user!: unknown;

  @Field(() => [UserLicenseProblem], { description: "The named user's license problems now." })
  userProblems!: UserLicenseProblem[];

  @Field(() => String, { description: "Something the asker should know, e.g. that the named user was not found; null when nothing.", nullable: true })
  notice!: string | null;

  @Field({ description: "The whole answer as Markdown, ready to send in a chat." })
  markdown!: string;
}
