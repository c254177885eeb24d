import { createHash } from "node:crypto";
import type http from "node:http";
import { Counter, Gauge } from "prom-client";
import type { ContentService } from "../content/content.service";
import type { RequestContext } from "../context";
import { isPublic } from "./cache-policy";
import { chooseEncoding, compress, MIN_BYTES } from "./compress";
import type { Metrics } from "./metrics";
import { csrfPrevention } from "./use-csrf";

/**
 * Public reads over GET: the answer to an operation whose every field is public content (the
 * schema's cache hints, http/cache-policy.ts) gets `Cache-Control: public, max-age=…` and a
 * strong ETag, `If-None-Match` gets 304, and identical requests are answered from memory before
 * Apollo Server runs, with the bytes encoded as they were sent.
 *
 * - Keyed by the whole query string (the operation or its persisted-query hash, the variables,
 *   the operation name), the Accept header (the media type answered) and the encoding chosen
 *   from Accept-Encoding: whatever changes the bytes.
 * - Bounded by RESPONSE_CACHE_BYTES, least recently used first out; emptied when the library
 *   reloads; nothing is cached or marked public while the articles are still loading.
 * - Only answers without errors, only GET (a POST runs every time and answers `no-store`: no
 *   HTTP cache reuses it), only requests that pass CSRF prevention as Apollo would judge them.
 * - Who asks does not matter: public fields read nothing of the caller, so a signed-in caller is
 *   answered the same bytes (after its token was checked, and its throttle charged on arrival).
 *   An operation with one field that is not public (the directory, licensing, `Article.metadata`)
 *   is never cached and answers `no-store`.
 */
export interface PublicRead {
  /** Answers from memory (200, or 304 for a matching If-None-Match); false when nothing is cached for it. */
  answer(res: http.ServerResponse, state: { operationName?: string | undefined }): boolean;
  /**
   * Ends the response with Apollo's answer if it is public: headers, 304 or the encoded bytes,
   * kept for the next identical request. False when it is not public: the caller sends it as usual.
   */
  finish(res: http.ServerResponse, body: string, observed: RequestContext["observed"]): Promise<boolean>;
}

interface Entry {
  /**
   * The bytes as a string (UTF-8 JSON, or a compressed body as latin1, byte for byte): Node
   * sends a string body in one write with the headers, a Buffer in a second one.
   */
  body: string;
  bodyEncoding: "utf8" | "latin1";
  length: number;
  encoding: string | null;
  contentType: string;
  etag: string;
  cacheControl: string;
  operationName: string | undefined;
  size: number;
}

/** What an entry costs beyond its bytes: the key, the strings, the Map's slot. */
const ENTRY_OVERHEAD = 256;

export class ResponseCache {
  readonly #entries = new Map<string, Entry>();
  #bytes = 0;
  #generation = -1;
  readonly #requests: Counter<"result">;

  constructor(
    readonly maxBytes: number,
    private readonly content: ContentService,
    private readonly metrics: Metrics,
  ) {
    this.#requests = new Counter({
      name: "helpgate_response_cache_requests_total",
      help: "GET requests the public response cache could answer: hit (answered from memory, 200 or 304) or miss (run by Apollo Server: not cached yet, or not public).",
      labelNames: ["result"] as const,
      registers: [metrics.registry],
    });
    const cache = this;
    new Gauge({
      name: "helpgate_response_cache_bytes",
      help: "Bytes held by the public response cache (RESPONSE_CACHE_BYTES bounds it).",
      registers: [metrics.registry],
      collect() {
        this.set(cache.bytes);
      },
    });
  }

  get bytes(): number {
    return this.#bytes;
  }

  get entries(): number {
    return this.#entries.size;
  }

  /** The public-read handling of a request, or null for one it never applies to (not a GET, a forgery Apollo refuses, the library loading). */
  begin(req: http.IncomingMessage, search: string): PublicRead | null {
    if (req.method !== "GET" || !passesCsrfPrevention(req) || !this.content.ready) return null;
    const library = this.content.library;
    const generation = library.generation;
    if (generation !== this.#generation) this.clear(generation);
    const encoding = chooseEncoding(req.headers["accept-encoding"]);
    const key = `${encoding ?? "identity"}\n${req.headers.accept ?? ""}\n${search}`;
    const ifNoneMatch = req.headers["if-none-match"];
    return {
      answer: (res, state) => {
        if (this.maxBytes === 0) return false;
        const entry = this.#entries.get(key);
        if (!entry) {
          this.#requests.inc({ result: "miss" });
          return false;
        }
        // Most recently used last: the first in the Map is the next to go.
        this.#entries.delete(key);
        this.#entries.set(key, entry);
        this.#requests.inc({ result: "hit" });
        state.operationName = entry.operationName;
        this.metrics.requests.inc({ operation: this.metrics.operations.labelOf(entry.operationName), outcome: "ok" });
        res.setHeader("content-type", entry.contentType);
        if (entry.encoding) res.setHeader("content-encoding", entry.encoding);
        send(res, entry, ifNoneMatch);
        return true;
      },
      finish: async (res, body, observed) => {
        if (res.statusCode !== 200 || !observed?.succeeded || !isPublic(observed.cachePolicy)) return false;
        const raw = Buffer.from(body);
        const used = raw.length >= MIN_BYTES ? encoding : null;
        const encoded = used ? await compress(raw, used) : raw;
        const entry: Entry = {
          body: used ? encoded.toString("latin1") : body,
          bodyEncoding: used ? "latin1" : "utf8",
          length: encoded.length,
          encoding: used,
          contentType: String(res.getHeader("content-type") ?? "application/json; charset=utf-8"),
          etag: etagOf(library.version, search, raw, used),
          cacheControl: `public, max-age=${observed.cachePolicy.maxAge}`,
          operationName: observed.operationName,
          size: encoded.length * (used ? 1 : 2) + key.length * 2 + ENTRY_OVERHEAD,
        };
        if (used) res.setHeader("content-encoding", used);
        send(res, entry, ifNoneMatch);
        // A reload while this ran: the answer may be of the previous library.
        if (library.generation === generation && this.content.ready) this.keep(key, entry);
        return true;
      },
    };
  }

  private keep(key: string, entry: Entry): void {
    if (entry.size > this.maxBytes / 4) return;
    const old = this.#entries.get(key);
    if (old) {
      this.#entries.delete(key);
      this.#bytes -= old.size;
    }
    this.#entries.set(key, entry);
    this.#bytes += entry.size;
    for (const [oldest, evicted] of this.#entries) {
      if (this.#bytes <= this.maxBytes) break;
      this.#entries.delete(oldest);
      this.#bytes -= evicted.size;
    }
  }

  private clear(generation: number): void {
    this.#entries.clear();
    this.#bytes = 0;
    this.#generation = generation;
  }
}

/** The answer's headers, then 304 when If-None-Match names its ETag, else its bytes. */
function send(res: http.ServerResponse, entry: Entry, ifNoneMatch: string | undefined): void {
  res.setHeader("cache-control", entry.cacheControl);
  res.setHeader("etag", entry.etag);
  // The media type answered follows Accept, the coding Accept-Encoding: a shared cache must tell them apart.
  res.appendHeader("vary", "Accept, Accept-Encoding");
  if (ifNoneMatch !== undefined && matches(ifNoneMatch, entry.etag)) {
    res.statusCode = 304;
    res.removeHeader("content-type");
    res.removeHeader("content-encoding");
    res.removeHeader("content-length");
    res.end();
    return;
  }
  res.statusCode = 200;
  res.setHeader("content-length", entry.length);
  res.end(entry.body, entry.bodyEncoding);
}

/**
 * A strong ETag: the library's version, the request's operation and variables (its query
 * string) and the answer's bytes, plus the content coding (each coding is its own representation).
 * Every process serving the same library gives the same one, so a CDN can revalidate against any.
 */
function etagOf(libraryVersion: string, search: string, body: Buffer, encoding: string | null): string {
  const digest = createHash("sha256").update(libraryVersion).update("\n").update(search).update("\n").update(body).digest("base64url").slice(0, 27);
  return `"${digest}${encoding ? `-${encoding}` : ""}"`;
}

/** If-None-Match's weak comparison (RFC 9110 13.1.2): any listed tag, W/ or not, or `*`. */
function matches(ifNoneMatch: string, etag: string): boolean {
  if (ifNoneMatch.trim() === "*") return true;
  return ifNoneMatch.split(",").some((tag) => tag.trim().replace(/^W\//, "") === etag);
}

const SIMPLE_TYPES = new Set(["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"]);

/** Apollo Server's CSRF check (use-csrf.ts): a header a simple request cannot carry, or a content type that needs a preflight. */
function passesCsrfPrevention(req: http.IncomingMessage): boolean {
  if (csrfPrevention.requestHeaders.some((name) => req.headers[name] !== undefined)) return true;
  const type = req.headers["content-type"];
  return type !== undefined && !SIMPLE_TYPES.has(type.split(";")[0]!.trim().toLowerCase());
}
