/**
 * Which headings open the sections helpgate looks for, in the spellings authors use:
 * "## **Recommended Steps**", "### Recommended steps:", "**Recommended Step**",
 * "## Reccommended Steps", "Recommended actions", "Steps to resolve", "Prerequisites:",
 * "Things to check first", "Before you begin"...
 */
import type { Heading, Nodes, Paragraph, PhrasingContent } from "mdast";
import type { SectionKind } from "../model";
import { plainText } from "./mdast-text";

const RECOMMENDED_STEPS = [
  /^re+c+o+m+e+n+d+e+d (?:steps?|solutions?|actions?)\b/,
  /^(?:steps|how) to (?:resolve|fix|mitigate)\b/,
  /^(?:resolution|mitigation) steps$/,
];

const PREREQUISITES = [/^pre-?requisites?\b/, /^things to check(?: first)?$/, /^before you (?:begin|start)\b/];

/** Lower case, Markdown and `<br>` leftovers removed, trailing colon dropped, spaces collapsed. */
export function normalizeTitle(title: string): string {
  return title
    .toLowerCase()
    .replace(/<br\s*\/?>/g, " ")
    .replace(/[*_#:.]+/g, " ")
    .replace(/\s+/g, " ")
    .trim();
}

export function sectionKind(title: string): SectionKind {
  const normalized = normalizeTitle(title);
  if (RECOMMENDED_STEPS.some((pattern) => pattern.test(normalized))) return "recommendedSteps";
  if (PREREQUISITES.some((pattern) => pattern.test(normalized))) return "prerequisites";
  return "other";
}

/** The title as shown: stray `*`, `_`, `#` (from unbalanced emphasis) and a trailing colon removed. */
export function displayTitle(title: string): string {
  return title
    .replace(/^[\s*_#]+|[\s*_#:]+$/g, "")
    .replace(/\s+/g, " ")
    .trim();
}

export interface SectionStart {
  title: string;
  /** 1–6 for a heading; 0 for a bold line (or a known section title on a line of its own). */
  level: number;
}

/** A heading, a paragraph that is only bold text, or a paragraph that is only a known section title. */
export function sectionStart(node: Nodes): SectionStart | null {
  if (node.type === "heading") return { title: displayTitle(plainText(node as Heading)), level: (node as Heading).depth };
  if (node.type !== "paragraph") return null;
  const strong = boldLine(node as Paragraph);
  if (strong) return { title: displayTitle(plainText(strong)), level: 0 };
  const text = plainText(node);
  if (!text.includes("\n") && text.length <= 60 && sectionKind(text) !== "other") return { title: displayTitle(text), level: 0 };
  return null;
}

/** The strong node when a paragraph is nothing but bold text (a colon or `<br>` may follow). */
function boldLine(paragraph: Paragraph): PhrasingContent | null {
  const meaningful = paragraph.children.filter((child) => !isFiller(child));
  if (meaningful.length !== 1) return null;
  const only = meaningful[0]!;
  if (only.type === "strong") return only;
  if (only.type === "emphasis" && only.children.length === 1 && only.children[0]!.type === "strong") return only;
  return null;
}

function isFiller(node: PhrasingContent): boolean {
  if (node.type === "break") return true;
  if (node.type === "text") return /^[\s:]*$/.test(node.value);
  return node.type === "html" && /^<br\s*\/?>$/i.test(node.value.trim());
}
