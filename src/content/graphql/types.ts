import { JSONObjectResolver } from "graphql-scalars";
import { Field, Float, ID, Int, ObjectType } from "type-graphql";
import { CacheControl, PUBLIC_CONTENT } from "../../common/cache-control";
import { Connection } from "../../common/connection";
import type { ProblemSeverity, SectionKind } from "../model";
import type { HighlightedField } from "../search-index";
import { ArticleProblemSeverity, ArticleSectionKind, SearchHighlightField } from "./enums";

@CacheControl(PUBLIC_CONTENT)
@ObjectType({ description: "A link in an article step.", simpleResolvers: true })
export class ArticleLink {
  @Field({ description: "The link text." })
  text!: string;

  @Field({ description: "The address as written." })
  url!: string;
}

@CacheControl(PUBLIC_CONTENT)
@ObjectType({ description: "A numbered step of an article section.", simpleResolvers: true })
export class ArticleStep {
  @Field(() => Int, { description: "The step's number, from 1." })
  number!: number;

  @Field({ description: "Plain text, nested text included." })
  text!: string;

  @Field({ description: "The step's Markdown as written." })
  markdown!: string;

  @Field(() => [ArticleLink], { description: "The links in the step." })
  links!: ArticleLink[];

  @Field(() => String, {
    nullable: true,
    description: "The sub-heading the step sits under inside Recommended Steps (a group title); null directly under that heading.",
  })
  group!: string | null;
}

@CacheControl(PUBLIC_CONTENT)
@ObjectType({ description: "A part of an article's body under one heading.", simpleResolvers: true })
export class ArticleSection {
  @Field({ description: "The heading." })
  title!: string;

  @Field(() => ArticleSectionKind, { description: "prerequisites, recommendedSteps or other." })
  kind!: SectionKind;

  @Field(() => [ArticleStep], { description: "The numbered steps in the section." })
  steps!: ArticleStep[];

  @Field({ description: "The section's Markdown." })
  markdown!: string;
}

@CacheControl(PUBLIC_CONTENT)
@ObjectType({ description: "A picture in an article.", simpleResolvers: true })
export class ArticleImage {
  @Field({ description: "The alternative text." })
  alt!: string;

  @Field({ description: "The address as written in the article." })
  url!: string;

  @Field(() => String, { nullable: true, description: "For an address relative to the article, the picture's path in the library." })
  libraryPath!: string | null;
}

@CacheControl(PUBLIC_CONTENT)
@ObjectType({ description: "Something the parser reported about an article's file.", simpleResolvers: true })
export class ArticleParseProblem {
  @Field(() => Int, { description: "1-based line in the file; 0 when it concerns the whole file." })
  line!: number;

  @Field({ description: "A stable identifier such as unclosed-quote, duplicate-article-id, unclosed-code-fence." })
  kind!: string;

  @Field(() => ArticleProblemSeverity, { description: "error or warning." })
  severity!: ProblemSeverity;

  @Field({ description: "What is wrong and where, in words." })
  message!: string;
}

@CacheControl(PUBLIC_CONTENT)
@ObjectType({ description: "A self-help troubleshooting article.", simpleResolvers: true })
export class Article {
  @Field(() => ID, { description: "The article's articleId, as article(id:) takes it; two files may share one (path is unique)." })
  id!: string;

  @Field(() => ID, { description: "The articleId its header declares." })
  articleId!: string;

  @Field({ description: "The file's path in the library (forward slashes): unique even where two files share an articleId." })
  path!: string;

  @Field({ description: "The title shown to readers." })
  pageTitle!: string;

  @Field({ description: "A one-line summary, as search results show it." })
  description!: string;

  @Field({ description: "The Azure service the article is about, e.g. microsoft.keyvault." })
  service!: string;

  @Field({ description: "The resource type the article is about, as its header gives it." })
  resource!: string;

  @Field(() => [String], { description: "The support topics whose forms show the article." })
  supportTopicIds!: string[];

  @Field(() => [String], { description: "The product ids (PES) the article concerns." })
  productPesIds!: string[];

  @Field(() => [String], { description: "The clouds it applies to: public, Fairfax, Mooncake, usnat, ussec." })
  cloudEnvironments!: string[];

  @Field(() => Int, { description: "Where it sits among its topic's articles; null for no particular place.", nullable: true })
  displayOrder!: number | null;

  @Field({ description: "The kind of article as its authors wrote it, e.g. generic, diagnostics, rca, TSG_Content. A String, not an enum: articles carry types helpgate does not know." })
  selfHelpType!: string;

  @Field(() => JSONObjectResolver, { description: "Every header attribute as written." })
  properties!: Record<string, string>;

  @Field(() => [ArticleSection], { description: "The body's sections, by heading." })
  sections!: ArticleSection[];

  @Field(() => [ArticleStep], { description: "The numbered steps under the Recommended Steps heading." })
  recommendedSteps!: ArticleStep[];

  @Field(() => [String], { description: "Licensing error codes the article resolves." })
  errorCodes!: string[];

  @Field({ description: "The body in Markdown, without its metadata blocks." })
  markdown!: string;
}

@CacheControl(PUBLIC_CONTENT)
@ObjectType({ description: "A page of Article items (a Relay connection).", simpleResolvers: true })
export class ArticleConnection extends Connection(Article) {}

@CacheControl(PUBLIC_CONTENT)
@ObjectType({ description: "The articles a support form shows for a topic.", simpleResolvers: true })
export class SupportTopic {
  @Field(() => ID, { description: "The support topic id." })
  id!: string;

  @Field(() => [Article], { description: "The articles in display order." })
  articles!: Article[];
}

@CacheControl(PUBLIC_CONTENT)
@ObjectType({ description: "What to do about an error code, and where the steps come from.", simpleResolvers: true })
export class Troubleshooting {
  @Field({ description: "The error code asked about." })
  errorCode!: string;

  @Field(() => Article, { description: "The article the steps come from." })
  article!: Article;

  @Field(() => [ArticleStep], { description: "The steps to take." })
  steps!: ArticleStep[];
}

@CacheControl(PUBLIC_CONTENT)
@ObjectType({ description: "Where a search matched an article, with the matching text marked.", simpleResolvers: true })
export class SearchHighlight {
  @Field(() => SearchHighlightField, { description: "title, description or steps." })
  field!: HighlightedField;

  @Field({ description: "The matching text, with matches in <mark>…</mark>." })
  snippet!: string;
}

@CacheControl(PUBLIC_CONTENT)
@ObjectType({ description: "An article a search found, with where it matched.", simpleResolvers: true })
export class ArticleSearchHit {
  @Field(() => Article, { description: "The article." })
  article!: Article;

  @Field(() => Float, { description: "Relevance; higher is better." })
  score!: number;

  @Field(() => [SearchHighlight], { description: "The parts of the article that matched." })
  highlights!: SearchHighlight[];
}
