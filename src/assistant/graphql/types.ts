import { Field, ID, ObjectType } from "type-graphql";
import { ArticleSearchHit, ArticleStep, Troubleshooting } from "../../content/graphql/types";
import { User } from "../../directory/graphql/types";

@ObjectType({ description: "One reason a user lacks a license." })
export class UserLicenseProblem {
  @Field({ description: "A licensing error code, or DynamicMembershipPaused." })
  code!: string;

  @Field()
  message!: string;

  @Field(() => ID, { nullable: true })
  skuId!: string | null;

  @Field(() => ID, { nullable: true })
  groupId!: string | null;

  @Field({ description: "Whether the question asked about this kind of problem." })
  matchesQuestion!: boolean;

  @Field(() => Troubleshooting, { nullable: true })
  troubleshooting!: Troubleshooting | null;
}

@ObjectType({ description: "The chatbot's answer: articles and steps, the named user's problems, and Markdown to send." })
export class Answer {
  @Field()
  question!: string;

  @Field(() => [ArticleSearchHit])
  articles!: ArticleSearchHit[];

  @Field(() => [ArticleStep], { description: "The recommended steps of the best article." })
  steps!: ArticleStep[];

  @Field(() => User, { nullable: true })
  user!: unknown;

  @Field(() => [UserLicenseProblem])
  userProblems!: UserLicenseProblem[];

  @Field(() => String, { nullable: true })
  notice!: string | null;

  @Field()
  markdown!: string;
}
