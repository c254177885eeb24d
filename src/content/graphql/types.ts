import { JSONObjectResolver } from "graphql-scalars";
import { Field, Float, ID, Int, ObjectType } from "type-graphql";
import { Connection } from "../../common/connection";
import { User } from "../../directory/graphql/types";

@ObjectType()
export class ArticleLink {
  @Field()
  text!: string;

  @Field()
  url!: string;
}

@ObjectType({ description: "A numbered step of an article section." })
export class ArticleStep {
  @Field(() => Int)
  number!: number;

  @Field({ description: "Plain text, nested text included." })
  text!: string;

  @Field({ description: "The step's Markdown as written." })
  markdown!: string;

  @Field(() => [ArticleLink])
  links!: ArticleLink[];
}

@ObjectType()
export class ArticleSection {
  @Field()
  title!: string;

  @Field({ description: "prerequisites, recommendedSteps or other." })
  kind!: string;

  @Field(() => [ArticleStep])
  steps!: ArticleStep[];

  @Field()
  markdown!: string;
}

@ObjectType({ description: "A self-help troubleshooting article." })
export class Article {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  articleId!: string;

  @Field()
  pageTitle!: string;

  @Field()
  description!: string;

  @Field()
  service!: string;

  @Field()
  resource!: string;

  @Field(() => [String])
  supportTopicIds!: string[];

  @Field(() => [String])
  productPesIds!: string[];

  @Field(() => [String])
  cloudEnvironments!: string[];

  @Field(() => Int, { nullable: true })
  displayOrder!: number | null;

  @Field()
  selfHelpType!: string;

  @Field(() => JSONObjectResolver, { description: "Every header attribute as written." })
  properties!: Record<string, string>;

  @Field(() => [ArticleSection])
  sections!: ArticleSection[];

  @Field(() => [ArticleStep])
  recommendedSteps!: ArticleStep[];

  @Field(() => [String], { description: "Licensing error codes the article resolves." })
  errorCodes!: string[];

  @Field({ description: "The body in Markdown, without its metadata blocks." })
  markdown!: string;
}

@ObjectType()
export class ArticleConnection extends Connection(Article) {}

@ObjectType({ description: "The articles a support form shows for a topic." })
export class SupportTopic {
  @Field(() => ID)
  id!: string;

  @Field(() => [Article])
  articles!: Article[];
}

@ObjectType({ description: "What to do about an error code, and where the steps come from." })
export class Troubleshooting {
  @Field()
  errorCode!: string;

  @Field(() => Article)
  article!: Article;

  @Field(() => [ArticleStep])
  steps!: ArticleStep[];
}

@ObjectType()
export class SearchHighlight {
  @Field({ description: "title, description or steps." })
  field!: string;

  @Field({ description: "The matching text, with matches in <mark>…</mark>." })
  snippet!: string;
}

@ObjectType()
export class ArticleSearchHit {
  @Field(() => Article)
  article!: Article;

  @Field(() => Float, { description: "Relevance; higher is better." })
  score!: number;

  @Field(() => [SearchHighlight])
  highlights!: SearchHighlight[];
}

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
