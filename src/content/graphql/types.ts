import { JSONObjectResolver } from "graphql-scalars";
import { Field, Float, ID, Int, ObjectType } from "type-graphql";
import { Connection } from "../../common/connection";

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

  @Field(() => String, {
    nullable: true,
    description: "The sub-heading the step sits under inside Recommended Steps (a group title); null directly under that heading.",
  })
  group!: string | null;
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

@ObjectType({ description: "A picture in an article." })
export class ArticleImage {
  @Field({ description: "The alternative text." })
  alt!: string;

  @Field({ description: "The address as written in the article." })
  url!: string;

  @Field(() => String, { nullable: true, description: "For an address relative to the article, the picture's path in the library." })
  libraryPath!: string | null;
}

@ObjectType({ description: "Something the parser reported about an article's file." })
export class ArticleParseProblem {
  @Field(() => Int, { description: "1-based line in the file; 0 when it concerns the whole file." })
  line!: number;

  @Field({ description: "A stable identifier such as unclosed-quote, duplicate-article-id, unclosed-code-fence." })
  kind!: string;

  @Field({ description: "error or warning." })
  severity!: string;

  @Field()
  message!: string;
}

@ObjectType({ description: "A self-help troubleshooting article." })
export class Article {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  articleId!: string;

  @Field({ description: "The file's path in the library (forward slashes): unique even where two files share an articleId." })
  path!: string;

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
