import fs from "node:fs";
import type http from "node:http";
import path from "node:path";
import { chooseEncoding, compress, type Encoding } from "./compress";
import { EXAMPLE_TABS } from "./explorer-examples";

/**
 * The in-browser explorer: GraphiQL from the graphiql package, bundled at build time into
 * dist/explorer (scripts/build-explorer.js) and served by helpgate itself, so it works with no
 * internet. A browser opening the GraphQL endpoint (Accept: text/html, no query) gets the page;
 * its script, stylesheet and Monaco's workers come from ASSET_PREFIX with hashed names and a
 * year-long cache. A Content-Security-Policy keeps the page to this origin.
 */
export const ASSET_PREFIX = "/graphql/explorer/";

const CONTENT_TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".ttf": "font/ttf",
  ".woff": "font/woff",
  ".woff2": "font/woff2",
  ".svg": "image/svg+xml",
  ".png": "image/png",
};

// Monaco sets styles from script and loads fonts from data: URLs.
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "worker-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "font-src 'self' data:",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

interface Manifest {
  script: string;
  style: string;
  workers: Record<string, string>;
}

/** Where the bundle is: dist/explorer, from dist/src/http (built) or src/http (run from source). */
function bundleDir(): string {
  const root = path.resolve(__dirname, "../..");
  return path.basename(root) === "dist" ? path.join(root, "explorer") : path.join(root, "dist", "explorer");
}

/** True when a browser navigates to the endpoint: a GET asking for HTML, with no operation in the URL. */
export function wantsExplorer(req: http.IncomingMessage, search: string): boolean {
  if (req.method !== "GET" || !/\btext\/html\b/i.test(req.headers.accept ?? "")) return false;
  return !new URLSearchParams(search).has("query");
}

/** `GET /`: a browser goes to the explorer; anything else is told where things are. */
export function answerIndex(req: http.IncomingMessage, res: http.ServerResponse, explorerOn: boolean): void {
  if (explorerOn && /\btext\/html\b/i.test(req.headers.accept ?? "")) {
    res.writeHead(302, { location: "/graphql" }).end();
    return;
  }
  res.writeHead(200, { "content-type": "application/json; charset=utf-8" }).end(
    JSON.stringify({
      graphql: "/graphql",
      explorer: explorerOn ? "/graphql (open it in a browser)" : "off (EXPLORER=true turns it on)",
      health: "/healthz",
      readiness: "/readyz",
      metrics: "/metrics",
    }),
  );
}

export class Explorer {
  private manifest: Manifest | null | undefined;
  /** Asset bodies as read, and as compressed (made once each). */
  private readonly files = new Map<string, Buffer>();
  private readonly compressedFiles = new Map<string, Promise<Buffer>>();

  constructor(
    private readonly endpoint: string,
    private readonly dir = bundleDir(),
  ) {}

  private loadManifest(): Manifest | null {
    if (this.manifest === undefined) {
      try {
        this.manifest = JSON.parse(fs.readFileSync(path.join(this.dir, "manifest.json"), "utf8")) as Manifest;
      } catch {
        this.manifest = null;
      }
    }
    return this.manifest;
  }

  /** Answers the page, or 503 with what to run when the bundle was never built. */
  page(res: http.ServerResponse): void {
    const manifest = this.loadManifest();
    res.setHeader("cache-control", "no-store");
    if (!manifest) {
      res.statusCode = 503;
      res.setHeader("content-type", "text/plain; charset=utf-8");
      res.end("The explorer is not built; run `npm run build` (it bundles it into dist/explorer).\n");
      return;
    }
    const asset = (name: string) => `${ASSET_PREFIX}${name}`;
    const config = {
      endpoint: this.endpoint,
      workers: Object.fromEntries(Object.entries(manifest.workers).map(([label, name]) => [label, asset(name)])),
      tabs: EXAMPLE_TABS,
    };
    // JSON inside a script element: "<" escaped so no string can close the element.
    const json = JSON.stringify(config).replace(/</g, "\\u003c");
    res.statusCode = 200;
    res.setHeader("content-type", "text/html; charset=utf-8");
    res.setHeader("content-security-policy", CONTENT_SECURITY_POLICY);
    res.setHeader("x-content-type-options", "nosniff");
    res.end(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>helpgate explorer</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${asset(manifest.style)}">
<style>html, body, #graphiql { height: 100%; margin: 0; }</style>
<script id="helpgate-explorer-config" type="application/json">${json}</script>
</head>
<body>
<div id="graphiql">Loading the explorer…</div>
<script src="${asset(manifest.script)}"></script>
</body>
</html>
`);
  }

  /** Serves one bundled file by name (`pathname` starts with ASSET_PREFIX), compressed when the browser accepts it. */
  async asset(req: http.IncomingMessage, res: http.ServerResponse, pathname: string): Promise<void> {
    const name = pathname.slice(ASSET_PREFIX.length);
    const type = CONTENT_TYPES[path.extname(name)];
    if (!/^[A-Za-z0-9._-]+$/.test(name) || type === undefined || (req.method !== "GET" && req.method !== "HEAD")) return notFound(res);
    const body = this.read(name);
    if (!body) return notFound(res);
    const encoding: Encoding | null = type.startsWith("font/") || type === "image/png" ? null : chooseEncoding(req.headers["accept-encoding"]);
    const sent = encoding ? await this.compressed(name, body, encoding) : body;
    res.statusCode = 200;
    res.setHeader("content-type", type);
    res.setHeader("cache-control", "public, max-age=31536000, immutable");
    res.setHeader("vary", "Accept-Encoding");
    res.setHeader("x-content-type-options", "nosniff");
    if (encoding) res.setHeader("content-encoding", encoding);
    res.setHeader("content-length", sent.length);
    res.end(req.method === "HEAD" ? undefined : sent);
  }

  private read(name: string): Buffer | null {
    const cached = this.files.get(name);
    if (cached) return cached;
    try {
      const body = fs.readFileSync(path.join(this.dir, name));
      this.files.set(name, body);
      return body;
    } catch {
      return null;
    }
  }

  private compressed(name: string, body: Buffer, encoding: Encoding): Promise<Buffer> {
    const key = `${name}\0${encoding}`;
    let result = this.compressedFiles.get(key);
    if (!result) {
      // Made once per file, so a stronger setting than for GraphQL answers: brotli 9 takes
      // 1.6 s for the 5 MB script and gets it to 1.2 MB (11 would take 24 s for 9% less).
      result = compress(body, encoding, 9);
      this.compressedFiles.set(key, result);
    }
    return result;
  }
}

function notFound(res: http.ServerResponse): void {
  res.statusCode = 404;
  res.setHeader("content-type", "text/plain; charset=utf-8");
  res.end("No such explorer file.\n");
}
