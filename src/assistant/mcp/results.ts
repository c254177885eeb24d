import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { HelpgateError } from "../../errors";

/** The most text one tool result carries; longer text is cut with a note saying where the rest is. */
export const MAX_TEXT = 8_000;

/** A tool's answer: Markdown a model can quote, and the same facts as structured content. */
export function answer(markdown: string, structured: Record<string, unknown>): CallToolResult {
  return { content: [{ type: "text", text: markdown }], structuredContent: structured };
}

/**
 * A refusal as a tool error (never a protocol error): helpgate's code and message, so a chatbot
 * reads the same words a portal shows. Anything else is an internal error without details.
 */
export function toolError(error: unknown): CallToolResult {
  const known = error instanceof HelpgateError ? error : null;
  const code = known?.code ?? "INTERNAL_SERVER_ERROR";
  const message = known?.message ?? "An internal error occurred.";
  return { content: [{ type: "text", text: `${code}: ${message}` }], isError: true, _meta: { "helpgate/code": code, ...(known?.details ?? {}) } };
}

/** Runs a tool's work and turns a refusal into a tool error. */
export function guarded<A>(work: (args: A) => Promise<CallToolResult>, onInternal: (error: unknown) => void): (args: A) => Promise<CallToolResult> {
  return async (args: A) => {
    try {
      return await work(args);
    } catch (error) {
      if (!(error instanceof HelpgateError)) onInternal(error);
      return toolError(error);
    }
  };
}

/** Text cut to `max` characters, saying what was left out and where to read it whole. */
export function bounded(text: string, max: number, whole: string): { text: string; truncated: boolean } {
  if (text.length <= max) return { text, truncated: false };
  return { text: `${text.slice(0, max)}\n\n_(truncated: ${text.length - max} more characters; read ${whole} for the whole text)_`, truncated: true };
}

export const oneLine = (text: string) => text.replace(/\s+/g, " ").trim();
