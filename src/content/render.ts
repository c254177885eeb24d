import rehypeStringify from "rehype-stringify";
import remarkGfm from "remark-gfm";
import remarkParse from "remark-parse";
import remarkRehype from "remark-rehype";
import { unified } from "unified";

const processor = unified().use(remarkParse).use(remarkGfm).use(remarkRehype).use(rehypeStringify);
const cache = new Map<string, string>();
const CACHE_LIMIT = 2000;

/**
 * Markdown to HTML for clients that show articles as they are. Raw HTML in an article is
 * dropped (remark-rehype's default), so no author can inject script into a portal.
 */
export function renderHtml(key: string, markdown: string): string {
  const cached = cache.get(key);
  if (cached !== undefined) return cached;
  const html = String(processor.processSync(markdown));
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
  cache.set(key, html);
  return html;
}
