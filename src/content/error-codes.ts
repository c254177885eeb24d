/**
 * The error codes articles are about, for `troubleshoot(errorCode)`: every code an article names,
 * with how strongly it names it, and the best article for each code.
 *
 * A code is one of:
 * - an Entra sign-in code: `AADSTS` and 4–6 digits (AADSTS50076);
 * - a Windows/HRESULT code: `0x` and 8 hex digits (0x80070005);
 * - a PascalCase identifier of at least two words, one of which says it is an error:
 *   Error, Exception, Failed, Failure, Fault, NotFound, Violation, Denied, Timeout, TimedOut,
 *   NotConfigured, Exceeded, Unavailable, Conflict, Forbidden, NotAllowed, Disallowed, Mismatch,
 *   NotSupported, Unsupported, Invalid (ExtensionSnapshotFailedNoNetwork,
 *   UserErrorKeyVaultPermissionsNotConfigured, CountViolation, InvalidUsageLocation).
 * Codes compare in any letter case.
 */
import { isInternal } from "./article-types";
import type { Article } from "./model";

/** How strongly an article is about a code: where it names it. */
export const CODE_SIGNALS = { errorCodes: 5, title: 4, fileName: 3, description: 2, text: 1 } as const;
export type CodeSignal = keyof typeof CODE_SIGNALS;

const AADSTS = /\bAADSTS\d{4,6}\b/gi;
const HRESULT = /\b0x[0-9A-F]{8}\b/gi;
const PASCAL = /\b[A-Z][a-z0-9]+(?:[A-Z][A-Za-z0-9]*)+\b/g;
const MARKER = /(?:Error|Exception|Failed|Failure|Fault|NotFound|Violation|Denied|Timeout|TimedOut|NotConfigured|Exceeded|Unavailable|Conflict|Forbidden|NotAllowed|Disallowed|Mismatch|NotSupported|Unsupported|Invalid)(?![a-z])/;
/** Identifiers that look like codes but name other things (options, classes of content). */
const NOT_CODES = new Set(["errormessage", "errordetails", "errorcode", "errorcodes", "errorlist"]);
const MAX_CODE_LENGTH = 100;

/** The codes named in a text, in their canonical spelling (AADSTS and hex upper-cased), once each. */
export function recognizeErrorCodes(text: string): string[] {
  const found = new Set<string>();
  for (const match of text.matchAll(AADSTS)) found.add(match[0].toUpperCase());
  for (const match of text.matchAll(HRESULT)) found.add(`0x${match[0].slice(2).toUpperCase()}`);
  for (const [word] of text.matchAll(PASCAL)) {
    if (word.length <= MAX_CODE_LENGTH && MARKER.test(word) && !NOT_CODES.has(word.toLowerCase())) found.add(word);
  }
  return [...found];
}

/** A code's key in the index: its lower-cased form. */
export function codeKey(code: string): string {
  return code.trim().toLowerCase();
}

interface Posting {
  article: Article;
  /** The strongest place the article names the code (CODE_SIGNALS). */
  strength: number;
  /** How many distinct codes the article names: fewer means it is about this one more. */
  codes: number;
}

/** A code an article names: its key, its spelling there, and how strongly (CODE_SIGNALS). */
export interface CodeMention {
  key: string;
  code: string;
  strength: number;
}

/** Every code any article names, by key, with the articles that name it. */
export class ErrorCodeIndex {
  private readonly postings = new Map<string, Posting[]>();
  /** Canonical spelling by key. */
  private readonly spellings = new Map<string, string>();

  /**
   * From whole articles, or from articles kept without their bodies with the codes found in
   * them beforehand (`mentions` of the whole article).
   */
  constructor(articles: Iterable<Article | { article: Article; codes: CodeMention[] }>) {
    for (const entry of articles) {
      if ("codes" in entry) this.add(entry.article, entry.codes);
      else this.add(entry, ErrorCodeIndex.mentions(entry));
    }
  }

  /** The codes an article names, and how strongly (codesOf), as a list to keep or send. */
  static mentions(article: Article): CodeMention[] {
    return [...ErrorCodeIndex.codesOf(article)].map(([key, { code, strength }]) => ({ key, code, strength }));
  }

  get size(): number {
    return this.postings.size;
  }

  /**
   * The article that answers a code best: where it names it, then one whose title starts with
   * the code ("Other: …", an article about that error) before one that only resolves it among
   * other things, then how few other codes it names, public before internal, then display order.
   */
  best(code: string, byDisplayOrder: (a: Article, b: Article) => number): Article | null {
    const key = codeKey(code);
    const postings = this.postings.get(key);
    if (!postings) return null;
    const titled = (posting: Posting) => (codeKey(posting.article.pageTitle.slice(0, code.trim().length)) === key ? 0 : 1);
    const sorted = [...postings].sort(
      (a, b) =>
        b.strength - a.strength ||
        titled(a) - titled(b) ||
        a.codes - b.codes ||
        Number(isInternal(a.article)) - Number(isInternal(b.article)) ||
        byDisplayOrder(a.article, b.article),
    );
    return sorted[0]!.article;
  }

  /** Every article that names the code, however weakly. */
  articlesNaming(code: string): Set<Article> {
    return new Set((this.postings.get(codeKey(code)) ?? []).map((posting) => posting.article));
  }

  /** The canonical spelling of a code some article names, or null. */
  spelling(code: string): string | null {
    return this.spellings.get(codeKey(code)) ?? null;
  }

  /** The codes an article names and how strongly, strongest first. */
  static codesOf(article: Article): Map<string, { code: string; strength: number }> {
    const found = new Map<string, { code: string; strength: number }>();
    const note = (codes: string[], signal: CodeSignal) => {
      for (const code of codes) {
        const key = codeKey(code);
        const strength = CODE_SIGNALS[signal];
        if ((found.get(key)?.strength ?? 0) < strength) found.set(key, { code, strength });
      }
    };
    note(recognizeErrorCodes(article.markdown), "text");
    note(recognizeErrorCodes(article.description), "description");
    note(recognizeErrorCodes(article.file.slice(article.file.lastIndexOf("/") + 1).replace(/\.md$/i, "")), "fileName");
    note(recognizeErrorCodes(article.pageTitle), "title");
    // The licensing codes the parser found in the text, then our errorCodes attribute: it names
    // codes that need not look like one ("Other").
    note(article.errorCodes, "text");
    note(attributeCodes(article), "errorCodes");
    return found;
  }

  private add(article: Article, codes: readonly CodeMention[]): void {
    for (const { key, code, strength } of codes) {
      let postings = this.postings.get(key);
      if (!postings) {
        postings = [];
        this.postings.set(key, postings);
      }
      postings.push({ article, strength, codes: codes.length });
      if (!this.spellings.has(key) || strength === CODE_SIGNALS.errorCodes) this.spellings.set(key, code);
    }
  }
}

/** The codes of the errorCodes attribute, however its name is cased. */
function attributeCodes(article: Article): string[] {
  for (const [name, value] of Object.entries(article.properties)) {
    if (name.toLowerCase() === "errorcodes") return value.split(/[\s,;]+/).filter(Boolean);
  }
  return [];
}
