import { Field, InputType } from "type-graphql";

@InputType({ description: "Narrows the article list; all given conditions must hold." })
export class ArticleFilter {
  @Field(() => String, { description: "The service attribute, e.g. microsoft.keyvault (any letter case).", nullable: true })
  service?: string | null;

  @Field(() => String, { description: "Articles shown for this support topic.", nullable: true })
  supportTopicId?: string | null;

  @Field(() => String, { description: "Articles about this product (PES id).", nullable: true })
  productPesId?: string | null;

  @Field(() => String, { nullable: true, description: "public, Fairfax, Mooncake, usnat or ussec (any case)." })
  cloudEnvironment?: string | null;

  @Field(() => String, { description: "Articles that name this error code, as troubleshoot knows them.", nullable: true })
  errorCode?: string | null;

  @Field(() => String, { description: "Articles of this type, e.g. generic (any letter case).", nullable: true })
  selfHelpType?: string | null;
}

@InputType({ description: "Narrows a search; all given conditions must hold (any letter case)." })
export class ArticleSearchFilter {
  @Field(() => String, { nullable: true, description: "public, Fairfax, Mooncake, usnat or ussec." })
  cloudEnvironment?: string | null;

  @Field(() => String, { nullable: true, description: "e.g. generic, diagnostics, rca; an internal type also needs includeInternal." })
  selfHelpType?: string | null;

  @Field(() => String, { nullable: true, description: "The service attribute, e.g. microsoft.keyvault." })
  service?: string | null;

  @Field(() => String, { description: "Articles shown for this support topic.", nullable: true })
  supportTopicId?: string | null;
}
