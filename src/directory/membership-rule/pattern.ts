import { RE2JS, RE2JSSyntaxException } from "re2js";
import type { RulePattern } from "./types";

/**
 * -match / -notMatch patterns, compiled by RE2JS: a pure-JavaScript port of RE2, whose matching
 * takes time linear in the input whatever the pattern (no backtracking), so no rule can hold the
 * event loop the way ^(a|a)*$ held RegExp. RE2 leaves out what only backtracking can do
 * (backreferences, lookaround, possessive quantifiers, atomic groups); such patterns are refused
 * at validation with the position of the construct. Entra compares text ignoring case, and so do
 * these patterns.
 */

export const MAX_PATTERN_LENGTH = 256;

/**
 * Linear time is time proportional to the value's length times the compiled program's size, and
 * counted repetition multiplies the program: `\pL{1000}` repeated to 256 characters compiled in
 * half a second and then took up to a second per 256-character value. Real patterns compile to
 * about one instruction per character, so these bounds leave them alone.
 */
export const MAX_REPEAT = 100;
export const MAX_PROGRAM_SIZE = 300;

/** How many compiled patterns are kept: every user change re-tests every dynamic group's rule. */
export const PATTERN_CACHE_SIZE = 500;

/** A compiled pattern, or why it was refused and at which index (0-based) of the pattern. */
export type CompiledPattern = { pattern: RulePattern } | { problem: string; index: number | null };

const cache = new Map<string, CompiledPattern>();

export function compilePattern(source: string): CompiledPattern {
  const cached = cache.get(source);
  if (cached) {
    // Least recently used goes first: re-inserting moves this one to the back.
    cache.delete(source);
    cache.set(source, cached);
    return cached;
  }
  const compiled = compile(source);
  if (cache.size >= PATTERN_CACHE_SIZE) cache.delete(cache.keys().next().value!);
  cache.set(source, compiled);
  return compiled;
}

function compile(source: string): CompiledPattern {
  if (source.length > MAX_PATTERN_LENGTH) {
    return { problem: `is ${source.length} characters long; the limit is ${MAX_PATTERN_LENGTH}`, index: null };
  }
  const unsupported = findUnsupported(source);
  if (unsupported) return unsupported;
  try {
    const re2 = RE2JS.compile(source, RE2JS.CASE_INSENSITIVE);
    if (re2.programSize() > MAX_PROGRAM_SIZE) {
      return {
        problem: `compiles to ${re2.programSize()} instructions, more than the ${MAX_PROGRAM_SIZE} that keep matching fast; lower its repeat counts ({n}) or split it into several conditions`,
        index: null,
      };
    }
    return { pattern: { test: (text) => re2.test(text) } };
  } catch (error) {
    if (error instanceof RE2JSSyntaxException) {
      // RE2 names the offending text (with the "(?i)" the flag added, when it reaches back to
      // the start) but not where it is; its first occurrence is the best guess.
      const text = (error.input ?? "").replace(/^\(\?i\)/, source.startsWith("(?i)") ? "(?i)" : "");
      const at = text ? source.indexOf(text) : -1;
      return { problem: `is not valid (${error.error}${text ? `: ${text}` : ""})`, index: at >= 0 ? at : null };
    }
    return { problem: `is not valid (${error instanceof Error ? error.message : String(error)})`, index: null };
  }
}

/** Constructs only a backtracking engine can run, each with what to write instead. */
const UNSUPPORTED: readonly { match: RegExp; what: string; instead: string; skip?: number }[] = [
  { match: /^\\[1-9]/, what: "a backreference", instead: "repeat the text itself, or use a second -match" },
  { match: /^\\k</, what: "a named backreference", instead: "repeat the text itself, or use a second -match" },
  { match: /^\(\?<?[=!]/, what: "a lookaround", instead: "combine -match and -notMatch conditions with -and" },
  { match: /^\(\?>/, what: "an atomic group", instead: "use a plain group (?:...)" },
  // The '+' after a quantifier is the culprit, one character in.
  { match: /^[*+?]\+/, what: "a possessive quantifier", instead: "drop the second '+'", skip: 1 },
];

/**
 * The first construct of UNSUPPORTED (or a repeat count over MAX_REPEAT) outside escapes and
 * character classes, so that the refusal names it and points at it; other invalid syntax is left
 * to RE2's own message.
 */
function findUnsupported(source: string): CompiledPattern | null {
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const ch = source.charAt(i);
    if (inClass) {
      if (ch === "\\") i++;
      else if (ch === "]") inClass = false;
      continue;
    }
    const rest = source.slice(i, i + 4);
    for (const { match, what, instead, skip = 0 } of UNSUPPORTED) {
      const found = match.exec(rest);
      if (found) {
        const problem = `uses ${what} ('${found[0]}'), which helpgate's linear-time regular expressions do not support; ${instead}`;
        return { problem, index: i + skip };
      }
    }
    const repeat = /^\{(\d+)(?:,(\d*))?\}/.exec(source.slice(i, i + 24));
    const times = repeat ? Math.max(Number(repeat[1]), Number(repeat[2] || 0)) : 0;
    if (times > MAX_REPEAT) {
      return { problem: `repeats up to ${times} times ('${repeat![0]}'); counted repetition is limited to ${MAX_REPEAT}`, index: i };
    }
    if (ch === "\\") {
      // \x{1F600}, \p{Greek}: the braces belong to the escape.
      const braced = /^\\[xpP]\{[^}]*\}/.exec(source.slice(i, i + 40));
      i += braced ? braced[0].length - 1 : 1;
    } else if (ch === "[") {
      inClass = true;
      // A ']' first in the class (or after '^') is a literal.
      if (source.charAt(i + 1) === "^") i++;
      if (source.charAt(i + 1) === "]") i++;
    }
  }
  return null;
}
