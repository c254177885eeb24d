import { parseFolder, type FolderResult } from "./parser";

export interface LoadOptions {
  /** Where parsed articles are cached by content hash; null disables the cache. */
  cacheDir: string | null;
  /** Worker threads for parsing bodies; 0 parses in this thread. */
  workers: number;
  /** Called once every header is read, before bodies are parsed, so lookups can start early. */
  onHeaders?: (headers: FolderResult) => void;
}

/**
 * Loads a folder of articles: headers first (cheap), then the bodies.
 * (A first version: both passes in this thread, no cache.)
 */
export async function loadArticles(dir: string, options: LoadOptions): Promise<FolderResult> {
  if (options.onHeaders) options.onHeaders(await parseFolder(dir, { headersOnly: true }));
  return parseFolder(dir);
}
