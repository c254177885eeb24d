/** Sections (by heading or bold line) and their numbered steps, from a Markdown tree. */
import type { List, ListItem, Node, Paragraph, Root, RootContent } from "mdast";
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
  return { sections, recommendedSteps: recommendedSteps(drafts, source, definitions) };
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
  if (draft.kind === "recommendedSteps") return groupSteps(draft, null, source, definitions);
  const lists = draft.nodes.filter((node): node is List => node.type === "list");
  let chosen = lists.filter((list) => list.ordered === true);
  if (chosen.length === 0 && draft.kind !== "other") chosen = lists;
  return chosen.flatMap((list) => listSteps(list, source, definitions));
}

function listSteps(list: List, source: string, definitions: Definitions, group: string | null = null): ArticleStep[] {
  const start = list.start ?? 1;
  return list.children.map((item: ListItem, index) => {
    const markdown = source.slice(startOffset(item), endOffset(item)).trimEnd();
    return { number: start + index, text: plainText(item), markdown, links: collectLinks(item, definitions, markdown), group };
  });
}

/**
 * The steps of every "Recommended Steps" section and of its subsections (deeper headings, or
 * bold lines under a heading), until a "Recommended Documents"-like subsection: each
 * subsection's steps carry its title as their group.
 */
function recommendedSteps(drafts: Draft[], source: string, definitions: Definitions): ArticleStep[] {
  const steps: ArticleStep[] = [];
  drafts.forEach((draft, index) => {
    if (draft.kind !== "recommendedSteps") return;
    steps.push(...groupSteps(draft, null, source, definitions));
    // A heading with nothing under it, not even a deeper heading, is followed by its parts at
    // the next heading's level ("## Recommended Steps" then "## The first problem").
    const next = drafts[index + 1];
    const empty = next !== undefined && rank(next) <= rank(draft) && draft.nodes.every((node) => node.type === "html" || node.type === "definition");
    const floor = empty ? rank(next) - 1 : rank(draft);
    for (const sub of drafts.slice(index + 1)) {
      if (rank(sub) <= floor || sub.kind === "recommendedSteps" || endsSteps(sub.title)) break;
      steps.push(...groupSteps(sub, sub.title, source, definitions));
    }
  });
  return steps;
}

/**
 * The steps of one part of a Recommended Steps section: the items of its numbered lists, else
 * of its bulleted lists; a part without lists gives its paragraphs (or a quote that opens it),
 * each with the code blocks, tables and quotes after it ("Run this:" and its command are one step). A lead-in paragraph
 * (ending with a colon) with nothing after it is no step.
 */
function groupSteps(draft: Draft, group: string | null, source: string, definitions: Definitions): ArticleStep[] {
  const lists = draft.nodes.filter((node): node is List => node.type === "list");
  const numbered = lists.filter((list) => list.ordered === true);
  const chosen = numbered.length > 0 ? numbered : lists;
  if (chosen.length > 0) return chosen.flatMap((list) => listSteps(list, source, definitions, group));
  const runs: RootContent[][] = [];
  for (const node of draft.nodes) {
    if ((node.type === "paragraph" && !onlyPictures(node) && plainText(node) !== "") || (node.type === "blockquote" && runs.length === 0)) runs.push([node]);
    else if (runs.length > 0 && (ATTACHED.has(node.type) || node.type === "paragraph")) runs[runs.length - 1]!.push(node);
  }
  return runs
    .filter((run) => run.length > 1 || !/:\s*$/.test(plainText(run[0]!)))
    .map((run, index) => {
      const markdown = source.slice(startOffset(run[0]!), endOffset(run[run.length - 1]!)).trimEnd();
      const text = run.map((node) => plainText(node)).join("\n");
      const links = collectLinks({ type: "root", children: run }, definitions, markdown);
      return { number: index + 1, text, markdown, links, group };
    });
}

/** A paragraph of images (and line breaks) only: it illustrates the step before it. */
function onlyPictures(paragraph: Paragraph): boolean {
  return paragraph.children.every((child) => child.type === "image" || child.type === "imageReference" || child.type === "break" || (child.type === "text" && child.value.trim() === "") || child.type === "html");
}

/** Blocks that belong to the paragraph before them when paragraphs are the steps. */
const ATTACHED = new Set<string>(["code", "table", "blockquote"]);

/** Bold lines rank below every heading level. */
function rank(section: { level: number }): number {
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
