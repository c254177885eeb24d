import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { ROOT, ServerProcess, TOKEN_SECRET, ensureBuilt, killAllServers, request, sleep, tempDir } from "../support/process";

/**
 * The built gateway listens before its articles are loaded: live at once, ready once every body
 * is in, and still stopped at start by a missing articles folder (a configuration error) or by
 * a signal while it loads.
 */

jest.setTimeout(180_000);

const temp = tempDir();
const library = path.join(temp.dir, "library");

/** A library of `count` articles: copies of the repository's own, each with its own articleId. */
function generateLibrary(count: number): void {
  const sourceDir = path.join(ROOT, "articles");
  const sources = fs
    .readdirSync(sourceDir, { recursive: true, encoding: "utf8" })
    .filter((file) => file.endsWith(".md"))
    .map((file) => fs.readFileSync(path.join(sourceDir, file), "utf8"));
  fs.mkdirSync(library, { recursive: true });
  for (let i = 0; i < count; i++) {
    const text = sources[i % sources.length]!.replace(/articleId="([^"]*)"/, (_, id: string) => `articleId="copy-${i}-${id}"`);
    fs.writeFileSync(path.join(library, `article-${i}.md`), text);
  }
}

beforeAll(async () => {
  await ensureBuilt();
  generateLibrary(3000);
}, 240_000);
afterEach(() => killAllServers());
afterAll(() => temp.cleanup());

it("stops before listening, with exit code 2, when ARTICLES_DIR names no folder", () => {
  const missing = path.join(temp.dir, "no-such-folder");
  const run = spawnSync(process.execPath, [path.join(ROOT, "dist/src/main.js")], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", NODE_ENV: "production", PORT: "0", HOST: "127.0.0.1", DATABASE_URL: path.join(temp.dir, "missing.db"), TOKEN_SECRET, ARTICLES_DIR: missing },
    encoding: "utf8",
    timeout: 60_000,
  });
  expect(run.status).toBe(2);
  expect(run.stderr).toContain(`helpgate: bad configuration: ARTICLES_DIR: the folder ${missing} does not exist.`);
  expect(run.stdout).not.toContain("helpgate listening");
});

it("is live from the moment it listens, and reports only article progress, then ready", async () => {
  const server = await ServerProcess.startListening(path.join(temp.dir, "order.db"), { ARTICLES_DIR: library });
  const seen: string[] = [];
  for (;;) {
    const health = await request(`${server.origin}/healthz`);
    expect(health.outcome.kind === "response" && health.outcome.status).toBe(200);
    const ready = await request(`${server.origin}/readyz`);
    if (ready.outcome.kind !== "response") throw new Error(`no answer from /readyz: ${JSON.stringify(ready.outcome)}`);
    const { status, json } = ready.outcome;
    seen.push(`${status} ${json.checks.articles}`);
    if (status === 200) break;
    expect(status).toBe(503);
    expect(json.checks).toMatchObject({ database: "ok", migrations: "ok" });
    expect(json.checks.articles).toMatch(/^loading \(\d+ of (3000|\?)\)$/);
    if (server.exit) throw new Error(`the gateway stopped while loading:\n${server.output()}`);
    await sleep(20);
  }
  expect(seen.at(-1)).toBe("200 ok");
  // Progress only goes up.
  const counts = seen.flatMap((line) => /loading \((\d+) of/.exec(line)?.[1] ?? []).map(Number);
  expect(counts).toEqual([...counts].sort((a, b) => a - b));
  expect((await server.stop()).code).toBe(0);
});

it("stops cleanly on SIGTERM as soon as it listens, articles loaded or not", async () => {
  const server = await ServerProcess.startListening(path.join(temp.dir, "sigterm.db"), { ARTICLES_DIR: library });
  const exit = await server.stop(30_000);
  expect(exit).toMatchObject({ code: 0, signal: null });
  expect(server.logLines().some((line) => line.msg === "shutting down")).toBe(true);
});
