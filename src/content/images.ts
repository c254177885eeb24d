/**
 * The pictures of an article, for a support portal that shows or proxies them: Markdown images
 * (inline and by reference) and HTML `<img>` tags, in the order they appear. Read from the body on
 * demand (a parse of one article: a millisecond or two), not kept for every article.
 */
import path from "node:path";
import type { Article } from "./model";
import { parseMarkdown } from "./parser/markdown";
import { collectDefinitions, walk } from "./parser/mdast-text";

export interface ArticleImage {
  /** The alternative text. */
  alt: string;
  /** The address as written in the article. */
  url: string;
  /** For an address relative to the article, the picture's path in the library; else null. */
  libraryPath: string | null;
}

const HTML_IMG = /<img\s[^>]*?src\s*=\s*(["'])(.*?)\1[^>]*>/gi;
const HTML_ALT = /\balt\s*=\s*(["'])(.*?)\1/i;

export function articleImages(article: Pick<Article, "file" | "markdown">): ArticleImage[] {
  if (!/!\[|<img/i.test(article.markdown)) return [];
  const tree = parseMarkdown(article.markdown);
  const definitions = article.markdown.includes("]:") ? collectDefinitions(tree) : new Map<string, string>();
  const images: ArticleImage[] = [];
  const add = (alt: string, url: string) => images.push({ alt, url, libraryPath: inLibrary(article.file, url) });
  walk(tree, (node) => {
    if (node.type === "image") add(node.alt ?? "", node.url);
    else if (node.type === "imageReference") {
      const url = definitions.get(node.identifier.toLowerCase().replace(/\s+/g, " ").trim());
      if (url !== undefined) add(node.alt ?? "", url);
    } else if (node.type === "html") {
      for (const match of node.value.matchAll(HTML_IMG)) add(HTML_ALT.exec(match[0])?.[2] ?? "", match[2]!);
    }
  });
  return images;
}

/** A relative address (no scheme, not from the root, not a data: URL) resolved against the article's folder. */
function inLibrary(file: string, url: string): string | null {
  if (url === "" || /^[a-z][a-z0-9+.-]*:|^\/\/|^\/|^#/i.test(url)) return null;
  const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(file), url.split(/[?#]/)[0]!));
  return resolved.startsWith("../") ? null : resolved;
}
