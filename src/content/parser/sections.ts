/** Sections (by heading or bold line) and their numbered steps, from a Markdown tree. */
import type { List, ListItem, Node, Root, RootContent } from "mdast";
import type { ArticleSection, ArticleStep, SectionKind } from "../model";
import { sectionKind, sectionStart, normalizeTitle } from "./headings";
import { collectLinks, type Definitions, plainText } from "./mdast-text";

interface Draft {
  title: string;
  level: number;
  kind: SectionKind;
  nodes: RootContent[];
}

export interface BuiltSections {
  sections: ArticleSection[];
  recommendedSteps: ArticleStep[];
}

/** `source` is the text the tree was parsed from: section and step Markdown are slices of it. */
export function buildSections(tree: Root, source: string, definitions: Definitions): BuiltSections {
  const drafts = splitSections(tree.children);
  const sections = drafts.map((draft) => toSection(draft, source, definitions));
  return { sections, recommendedSteps: recommendedSteps(sections) };
}

/** Content before the first heading becomes an untitled section, unless it is only comments. */
function splitSections(nodes: RootContent[]): Draft[] {
  const drafts: Draft[] = [];
  let current: Draft | null = null;
  for (const node of nodes) {
    const start = sectionStart(node);
    if (start) {
      current = { ...start, kind: sectionKind(start.title), nodes: [] };
      drafts.push(current);
    } else if (current) {
      current.nodes.push(node);
    } else if (node.type !== "html" && node.type !== "definition") {
      current = { title: "", level: 0, kind: "other", nodes: [node] };
      drafts.push(current);
    }
  }
  return drafts;
}

function toSection(draft: Draft, source: string, definitions: Definitions): ArticleSection {
  const first = draft.nodes[0];
  const last = draft.nodes[draft.nodes.length - 1];
  const markdown = first && last ? source.slice(startOffset(first), endOffset(last)).trim() : "";
  return { title: draft.title, level: draft.level, kind: draft.kind, markdown, steps: sectionSteps(draft, source, definitions) };
}

/**
 * The items of the section's numbered lists. Many "Recommended Steps" sections are bulleted
 * instead: for prerequisites and recommended steps, bullet items count when nothing is numbered.
 */
function sectionSteps(draft: Draft, source: string, definitions: Definitions): ArticleStep[] {
  const lists = draft.nodes.filter((node): node is List => node.type === "list");
  let chosen = lists.filter((list) => list.ordered === true);
  if (chosen.length === 0 && draft.kind !== "other") chosen = lists;
  return chosen.flatMap((list) => listSteps(list, source, definitions));
}

function listSteps(list: List, source: string, definitions: Definitions): ArticleStep[] {
  const start = list.start ?? 1;
  return list.children.map((item: ListItem, index) => {
    const markdown = source.slice(startOffset(item), endOffset(item)).trimEnd();
    return { number: start + index, text: plainText(item), markdown, links: collectLinks(item, definitions, markdown) };
  });
}

/**
 * The steps of every "Recommended Steps" section, with those of its subsections (deeper
 * headings, or bold lines under a heading) until a "Recommended Documents"-like subsection.
 */
function recommendedSteps(sections: ArticleSection[]): ArticleStep[] {
  const steps: ArticleStep[] = [];
  sections.forEach((section, index) => {
    if (section.kind !== "recommendedSteps") return;
    steps.push(...section.steps);
    for (const sub of sections.slice(index + 1)) {
      if (rank(sub) <= rank(section) || sub.kind !== "other" || endsSteps(sub.title)) break;
      steps.push(...sub.steps);
    }
  });
  return steps;
}

/** Bold lines rank below every heading level. */
function rank(section: ArticleSection): number {
  return section.level === 0 ? 7 : section.level;
}

function endsSteps(title: string): boolean {
  return /^(?:re+c+o+m+e+n+d+e+d|related|next steps|see also|references?|more information|additional resources)\b/.test(
    normalizeTitle(title),
  );
}

function startOffset(node: Node): number {
  return node.position?.start.offset ?? 0;
}

function endOffset(node: Node): number {
  return node.position?.end.offset ?? 0;
}
