import type http from "node:http";
import { promisify } from "node:util";
import zlib from "node:zlib";

/**
 * Response compression: brotli or gzip, whichever the client's Accept-Encoding prefers (brotli
 * on a tie), for bodies of at least MIN_BYTES. A page of articles shrinks about fivefold.
 * Smaller bodies go as they are: the headers would outweigh the saving.
 */
export const MIN_BYTES = 1024;

const brotli = promisify(zlib.brotliCompress);
const gzip = promisify(zlib.gzip);

export type Encoding = "br" | "gzip";

/** The encoding Accept-Encoding allows and ranks highest, or null for the body as it is. */
export function chooseEncoding(acceptEncoding: string | undefined): Encoding | null {
  if (!acceptEncoding) return null;
  const q: Record<string, number> = {};
  for (const part of acceptEncoding.toLowerCase().split(",")) {
    const [name, ...params] = part.trim().split(";");
    const qParam = params.map((param) => param.trim()).find((param) => param.startsWith("q="));
    const value = qParam === undefined ? 1 : Number(qParam.slice(2));
    q[name.trim()] = Number.isFinite(value) ? value : 0;
  }
  const rank = (encoding: Encoding) => q[encoding] ?? q["*"] ?? 0;
  const [br, gz] = [rank("br"), rank("gzip")];
  if (br <= 0 && gz <= 0) return null;
  return br >= gz ? "br" : "gzip";
}

/** Compresses `body` with `encoding`: brotli at a quality that costs about what gzip does. */
export function compress(body: Buffer, encoding: Encoding, quality = 5): Promise<Buffer> {
  return encoding === "br"
    ? brotli(body, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: quality, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: body.length } })
    : gzip(body, { level: quality >= 9 ? 9 : 6 });
}

/** Ends the response with `body`, compressed when it is large enough and the client accepts it. */
export async function endCompressed(req: http.IncomingMessage, res: http.ServerResponse, body: string | Buffer): Promise<void> {
  res.appendHeader("vary", "Accept-Encoding");
  const raw = typeof body === "string" ? Buffer.from(body) : body;
  const encoding = raw.length >= MIN_BYTES && req.method !== "HEAD" ? chooseEncoding(req.headers["accept-encoding"]) : null;
  if (encoding === null) {
    res.setHeader("content-length", raw.length);
    res.end(raw);
    return;
  }
  const compressed = await compress(raw, encoding);
  res.setHeader("content-encoding", encoding);
  res.setHeader("content-length", compressed.length);
  res.end(compressed);
}
