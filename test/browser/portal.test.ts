import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { build } from "esbuild";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { ensureExplorerBundle } from "../support/explorer-bundle";
import { TestGateway } from "../support/harness";

/**
 * A real browser (Debian's Chromium, driven by playwright-core; no browser download): an admin
 * portal served from another loopback origin calls helpgate with a bearer token through urql,
 * Apollo Client and graphql-request, each with its default settings; a page from an origin
 * CORS_ORIGINS does not list is blocked; and the explorer runs a query. Every request the pages
 * make is recorded: none may leave the loopback origins of the test. Screenshots go to the
 * test's temporary folder (kept when HELPGATE_KEEP_SCREENSHOTS=1).
 */

const CHROMIUM = "/usr/bin/chromium";
const hasChromium = fs.existsSync(CHROMIUM);
if (!hasChromium) {
  process.stderr.write(`browser tests skipped: ${CHROMIUM} is missing (apt-get install chromium; .ci/run installs it)\n`);
}
const describeInBrowser = hasChromium ? describe : describe.skip;

jest.setTimeout(120_000);

/** A static site on loopback: the portal page and its bundled script. */
async function staticSite(script: string): Promise<{ origin: string; close: () => Promise<void> }> {
  const page = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>portal</title></head><body><h1>Contoso admin portal</h1><script src="/portal.js"></script></body></html>`;
  const server = http.createServer((req, res) => {
    const pathname = new URL(req.url ?? "/", "http://localhost").pathname;
    if (pathname === "/") res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(page);
    else if (pathname === "/portal.js") res.writeHead(200, { "content-type": "text/javascript; charset=utf-8" }).end(script);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

describeInBrowser("helpgate from a real browser", () => {
  const temp = fs.mkdtempSync(path.join(os.tmpdir(), "helpgate-browser-"));
  let allowed: Awaited<ReturnType<typeof staticSite>>;
  let blocked: Awaited<ReturnType<typeof staticSite>>;
  let gateway: TestGateway;
  let gatewayOrigin: string;
  let token: string;
  let context: BrowserContext;
  /** Every URL any page or worker asked for. */
  const requested: string[] = [];

  beforeAll(async () => {
    await ensureExplorerBundle();
    const bundle = await build({
      entryPoints: [path.join(__dirname, "portal/portal.js")],
      bundle: true,
      format: "iife",
      minify: true,
      write: false,
      define: { "process.env.NODE_ENV": '"production"' },
      logLevel: "silent",
    });
    const script = bundle.outputFiles[0].text;
    allowed = await staticSite(script);
    blocked = await staticSite(script);
    gateway = await TestGateway.start({ CORS_ORIGINS: allowed.origin });
    gatewayOrigin = new URL(gateway.url).origin;
    token = await gateway.tokenFor("admin");
    await gateway.settle();
    context = await chromium.launchPersistentContext(path.join(temp, "profile"), {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1400, height: 900 },
      args: [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync",
      ],
    });
    context.on("request", (request) => requested.push(request.url()));
  }, 200_000);

  afterAll(async () => {
    await context?.close();
    await gateway?.stop();
    await allowed?.close();
    await blocked?.close();
    if (process.env.HELPGATE_KEEP_SCREENSHOTS === "1") process.stderr.write(`browser screenshots kept in ${temp}\n`);
    else fs.rmSync(temp, { recursive: true, force: true });
  });

  afterEach(() => {
    const foreign = requested.filter((url) => {
      if (url.startsWith("data:") || url.startsWith("blob:")) return false;
      return ![allowed.origin, blocked.origin, gatewayOrigin].includes(new URL(url).origin);
    });
    expect(foreign).toEqual([]);
  });

  async function openPortal(site: { origin: string }, client: string): Promise<Page> {
    const page = await context.newPage();
    const query = new URLSearchParams({ client, gateway: gateway.url });
    await page.goto(`${site.origin}/?${query}#token=${encodeURIComponent(token)}`);
    await page.waitForSelector("#status", { timeout: 60_000 });
    return page;
  }

  it.each(["urql", "apollo", "graphql-request"])(
    "a portal on an allowed origin lists users with license errors, previews a license and shows a troubleshooting answer (%s)",
    async (client) => {
      const page = await openPortal(allowed, client);
      await page.screenshot({ path: path.join(temp, `portal-${client}.png`), fullPage: true });
      expect(await page.textContent("#status")).toBe("done");
      const users = (await page.textContent("#users-with-license-errors"))!.split("\n");
      expect(users.length).toBeGreaterThan(0);
      expect(users.every((upn) => upn.endsWith("@contoso.com"))).toBe(true);
      expect(await page.textContent("#preview")).toContain("InvalidUsageLocation");
      expect(await page.textContent("#answer")).toMatch(/usage location/i);
      const calls = requested.filter((url) => url.startsWith(gateway.url));
      expect(calls.length).toBeGreaterThanOrEqual(4);
      await page.close();
    },
  );

  it("urql sends its queries as GET, which the bearer token lets through CSRF prevention", async () => {
    const page = await context.newPage();
    const methods: string[] = [];
    page.on("request", (request) => {
      if (request.url().startsWith(gateway.url)) methods.push(request.method());
    });
    await page.goto(`${allowed.origin}/?${new URLSearchParams({ client: "urql", gateway: gateway.url })}#token=${encodeURIComponent(token)}`);
    await page.waitForSelector("#status");
    expect(await page.textContent("#status")).toBe("done");
    expect(methods.filter((method) => method !== "OPTIONS")).toEqual(["GET", "GET", "GET", "GET"]);
    await page.close();
  });

  it("a page on an origin CORS_ORIGINS does not list is blocked, and its request never runs", async () => {
    const page = await context.newPage();
    const failed: string[] = [];
    const answered: string[] = [];
    page.on("requestfailed", (request) => failed.push(`${request.method()} ${request.url()}`));
    page.on("response", (response) => answered.push(`${response.request().method()} ${response.url()}`));
    await page.goto(`${blocked.origin}/?${new URLSearchParams({ client: "graphql-request", gateway: gateway.url })}#token=${encodeURIComponent(token)}`);
    await page.waitForSelector("#status");
    await page.screenshot({ path: path.join(temp, "portal-blocked.png"), fullPage: true });
    expect(await page.textContent("#status")).toMatch(/^error: /);
    expect(failed).toEqual([`POST ${gateway.url}`]);
    expect(answered.filter((line) => line.startsWith("POST"))).toEqual([]);
    await page.close();
  });

  it("the explorer at GET /graphql runs queries, with a bearer token from its headers editor, loading nothing from elsewhere", async () => {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    // A resource that fails to load (a CDN, a missing worker) shows up as a console error.
    page.on("console", (message) => {
      if (message.type() === "error") errors.push(message.text());
    });
    await page.goto(gateway.url);
    await page.waitForSelector(".graphiql-container .graphiql-query-editor .monaco-editor", { timeout: 60_000 });
    const result = page.locator(".graphiql-response");

    // The first tab looks a support topic up, which needs no token.
    await page.click(".graphiql-execute-button");
    await result.getByText('"recommendedSteps"').first().waitFor({ timeout: 60_000 });
    await page.screenshot({ path: path.join(temp, "explorer-support-topic.png") });
    expect(await result.textContent()).toContain('"pageTitle"');

    // The second lists users with license errors, with the token typed into the headers editor.
    await page.getByRole("tab", { name: /UsersWithLicenseErrors/ }).click();
    await page.getByRole("button", { name: "Headers" }).click();
    await page.click('.graphiql-editor-tool .monaco-editor[data-uri$="headers.json"]');
    await page.keyboard.press("ControlOrMeta+A");
    await page.keyboard.type(`{"authorization": "Bearer ${token}"}`);
    await page.click(".graphiql-execute-button");
    await result.getByText('"membersWithLicenseErrors"').first().waitFor({ timeout: 60_000 });
    await page.screenshot({ path: path.join(temp, "explorer-license-errors.png") });
    const text = (await result.textContent()) ?? "";
    expect(text).toMatch(/@contoso\.com/);
    expect(text).not.toContain('"errors"');

    expect(errors).toEqual([]);
    // Monaco's language services ran in workers served by helpgate.
    expect(requested.some((url) => /\/graphql\/explorer\/graphql\.worker-\w+\.js$/.test(url))).toBe(true);
    await page.close();
  });
});
