import type http from "node:http";

/** An HTTP-level refusal, answered before GraphQL runs. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Reads the request body, refusing one larger than `maxBytes` with 413 as soon as it is, and
 * parsing JSON bodies (a malformed one is a 400). Other bodies are passed on as text, for
 * Apollo Server to judge by their content type.
 */
export async function readBody(req: http.IncomingMessage, maxBytes: number): Promise<unknown> {
  // A request with neither header has no body (RFC 9112 6.3): a GET, as a rule. Node's parser
  // holds nothing for it, so there is nothing to wait for; the server drains the empty stream
  // when the answer ends.
  if (req.headers["content-length"] === undefined && req.headers["transfer-encoding"] === undefined) return undefined;
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > maxBytes) throw tooLarge(maxBytes);
  const text = await readText(req, maxBytes);
  if (text === "") return undefined;
  const type = req.headers["content-type"] ?? "";
  if (!/^application\/(graphql-response\+)?json\b/i.test(type)) return text;
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, "BAD_REQUEST", "The request body is not valid JSON.");
  }
}

/**
 * The body as text, read from the request's events (cheaper than its async iterator). Past
 * `maxBytes` it refuses at once; the rest of the body still flows, unread, so the connection
 * stays usable for the answer.
 */
function readText(req: http.IncomingMessage, maxBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const settle = (error: Error | null) => {
      req.off("data", onData).off("end", onEnd).off("error", settle).off("close", onClose);
      if (error) reject(error);
      else resolve(Buffer.concat(chunks).toString("utf8"));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) settle(tooLarge(maxBytes));
      else chunks.push(chunk);
    };
    const onEnd = () => settle(null);
    const onClose = () => settle(new Error("The connection closed before the whole request body arrived."));
    req.on("data", onData).on("end", onEnd).on("error", settle).on("close", onClose);
  });
}

function tooLarge(maxBytes: number): HttpError {
  return new HttpError(413, "PAYLOAD_TOO_LARGE", `The request body is larger than ${maxBytes} bytes (MAX_BODY_BYTES).`);
}
