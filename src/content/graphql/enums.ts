import { documentedEnum } from "../../common/enums";
import type { ProblemSeverity, SectionKind } from "../model";
import type { HighlightedField } from "../search-index";

// The article library's fixed value lists. selfHelpType stays a String: articles carry whatever
// type their authors wrote (generic, diagnostics, rca, TSG_Content, … in any case), and an
// article with a new type must still be served.

export const ArticleSectionKind = documentedEnum("ArticleSectionKind", "What an article section holds, by its heading.", {
  prerequisites: "What to check or have before following the steps.",
  recommendedSteps: "The steps that solve the problem.",
  other: "Any other section.",
} satisfies Record<SectionKind, string>);

export const ArticleProblemSeverity = documentedEnum("ArticleProblemSeverity", "How bad a problem the parser found in an article's file is.", {
  error: "The article (or part of it) could not be read as written.",
  warning: "An oddity the parser recovered from.",
} satisfies Record<ProblemSeverity, string>);

export const SearchHighlightField = documentedEnum("SearchHighlightField", "Where in an article a search matched.", {
  title: "The page title.",
  description: "The description.",
  steps: "The recommended steps.",
} satisfies Record<HighlightedField, string>);
