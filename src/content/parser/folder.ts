/** Finding and reading the article files of a folder, and what only a whole folder can show. */
import fs from "node:fs/promises";
import path from "node:path";
import type { ArticleProblem, ParseResult } from "../model";

/** Says whether to leave out a file or folder (its path relative to the folder listed). */
export type Skip = (relative: string, folder: boolean) => boolean;

/**
 * Every `*.md` under `dir`, relative, with forward slashes, sorted; hidden folders, node_modules
 * and what `skip` names left out (a folder with all it holds). `skipped` receives each path left
 * out by `skip`.
 *
 * The folders of a level are read at once, not one after the other: a library of 500 folders
 * took 500 turns of the event loop, each waiting for one read, and while the loading thread
 * also reads headers between its turns (loader/prefetch.ts) each turn takes milliseconds.
 */
export async function listArticleFiles(dir: string, skip?: Skip, skipped?: string[]): Promise<string[]> {
  const files: string[] = [];
  const list = async (relative: string): Promise<void> => {
    const entries = await fs.readdir(path.join(dir, relative), { withFileTypes: true });
    const folders: string[] = [];
    for (const entry of entries) {
      const child = relative === "" ? entry.name : `${relative}/${entry.name}`;
      const folder = entry.isDirectory() && !entry.name.startsWith(".") && entry.name !== "node_modules";
      const article = entry.isFile() && entry.name.endsWith(".md");
      if ((folder || article) && skip?.(child, folder)) skipped?.push(child);
      else if (folder) folders.push(child);
      else if (article) files.push(child);
    }
    await Promise.all(folders.map(list));
  };
  await list("");
  skipped?.sort();
  return files.sort();
}

export type FileHandler = (file: string, bytes: Buffer | null, error: string | null) => void;

/** Reads files `concurrency` at a time and hands each to `handle` as it arrives. */
export async function readAll(dir: string, files: string[], concurrency: number, handle: FileHandler): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < files.length) {
      const file = files[next++]!;
      try {
        handle(file, await fs.readFile(path.join(dir, file)), null);
      } catch (error) {
        handle(file, null, error instanceof Error ? error.message : String(error));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, files.length)) }, worker));
}

interface IdentifiedFile extends ParseResult {
  file: string;
  articleIdLine: number;
}

/**
 * The files that share an articleId (compared case-insensitively), a group per id in the order
 * the ids first appear, each group in the files' order. Most ids are used once: only the second
 * file of an id starts a group.
 */
export function duplicateGroups<T extends Pick<ParseResult, "article">>(parsed: readonly T[]): T[][] {
  const first = new Map<string, T>();
  const groups = new Map<string, T[]>();
  for (const result of parsed) {
    const id = result.article?.articleId.toLowerCase();
    if (!id) continue;
    const seen = first.get(id);
    if (seen === undefined) first.set(id, result);
    else {
      const group = groups.get(id);
      if (group) group.push(result);
      else groups.set(id, [seen, result]);
    }
  }
  if (groups.size === 0) return [];
  const ordered: T[][] = [];
  for (const id of first.keys()) {
    const group = groups.get(id);
    if (group) ordered.push(group);
  }
  return ordered;
}

/** An articleId must be unique in the folder (compared case-insensitively: they are mostly GUIDs). */
export function findDuplicateIds(parsed: IdentifiedFile[]): ArticleProblem[] {
  const problems: ArticleProblem[] = [];
  for (const group of duplicateGroups(parsed)) {
    for (const result of group) {
      const others = group.filter((other) => other !== result).map((other) => other.file);
      const message = `articleId '${result.article!.articleId}' is also used by ${others.join(", ")}`;
      problems.push({ file: result.file, line: result.articleIdLine, kind: "duplicate-article-id", severity: "error", message });
    }
  }
  return problems;
}
