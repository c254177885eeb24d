import { Field, InputType } from "type-graphql";

@InputType({ description: "Narrows the article list; all given conditions must hold." })
export class ArticleFilter {
  @Field(() => String, { nullable: true })
  service?: string | null;

  @Field(() => String, { nullable: true })
  supportTopicId?: string | null;

  @Field(() => String, { nullable: true })
  productPesId?: string | null;

  @Field(() => String, { nullable: true, description: "public, Fairfax, Mooncake, usnat or ussec (any case)." })
  cloudEnvironment?: string | null;

  @Field(() => String, { nullable: true })
  errorCode?: string | null;

  @Field(() => String, { nullable: true })
  selfHelpType?: string | null;
}
