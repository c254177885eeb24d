import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { indexArticle, withoutBody } from "../../src/content/indexed";
import { type CacheSaveStats, type LoadedLibrary, type LoadOptions, type LoadStats, loadArticles, PARSER_VERSION } from "../../src/content/loader";
import { cacheVersion, ParseCache } from "../../src/content/loader/cache";
import { type BodyRunner, inThreadRunner, Shards } from "../../src/content/loader/pool";
import { FILES_PER_CHUNK } from "../../src/content/loader/header-chunks";
import { prefetchHeaders } from "../../src/content/loader/prefetch";
import { type FolderResult, parseFolder } from "../../src/content/parser";
import { listArticleFiles } from "../../src/content/parser/folder";
import { SearchIndex } from "../../src/content/search-index";

// Fixtures are written here, for these tests (no corpus text): 30 articles in three folders,
// with the oddities that make a parse differ from a header-only one, and a few problems.

function header(id: string, title: string, extra: Record<string, string> = {}, idFirst = false): string {
  const attributes: Record<string, string> = {
    ...(idFirst ? { articleId: id } : {}),
    pageTitle: title,
    description: `How to fix: ${title.toLowerCase()}.`,
    service: "microsoft.aad",
    resource: "Microsoft_AAD_IAM",
    authors: "helpgate",
    supportTopicIds: "100001, 100002",
    cloudEnvironments: "public, Fairfax",
    selfHelpType: "generic",
    ...(idFirst ? {} : { articleId: id }),
    ...extra,
  };
  const lines = Object.entries(attributes).map(([name, value]) => `    ${name}="${value}"`);
  return `<properties\n${lines.join("\n")}\n/>\n`;
}

function body(n: number): string {
  return [
    `# Troubleshooting topic ${n}`,
    "",
    "Some users see an error when a license is assigned. This applies to group assignments too.",
    "",
    "## Prerequisites",
    "",
    "- An administrator role",
    "- The user's principal name",
    "",
    "## Recommended Steps",
    "",
    `1. Open the [admin center](https://example.com/admin/${n}) and find the user.`,
    "2. Check the usage location; set it if empty (CountViolation or MutuallyExclusiveViolation).",
    "   - Nested step with `inline code`",
    "3. Assign the license again:",
    "",
    "   ```powershell",
    `   Set-License -User user${n}@example.com`,
    "   ```",
    "",
    "| Column | Value |",
    "| ------ | ----- |",
    `| Row | ${n} |`,
    "",
  ].join("\n");
}

const id = (n: number) => `a1b2c3d4-0000-4000-8000-${String(n).padStart(12, "0")}`;

function writeFixtures(dir: string): void {
  const write = (file: string, content: string | Buffer) => {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), content);
  };
  for (let n = 1; n <= 24; n++) {
    const folder = ["licensing", "groups", "nested/deeper"][n % 3]!;
    write(`${folder}/article-${String(n).padStart(2, "0")}.md`, `${header(id(n), `Topic number ${n}`)}\n${body(n)}`);
  }
  // The same articleId twice (its line differs between the two files), and a case variant.
  write("licensing/dup-a.md", `${header(id(900), "Duplicate A")}\n${body(900)}`);
  write("groups/dup-b.md", `${header(id(900).toUpperCase(), "Duplicate B", {}, true)}\n${body(901)}`);
  // No header at all; an unclosed code fence; CRLF and a header after an H1; -0 as displayOrder.
  write("licensing/no-header.md", "# Just notes\n\nNothing to see.\n");
  write("groups/unclosed-fence.md", `${header(id(902), "Unclosed fence")}\n## Recommended Steps\n\n1. Run:\n\n\`\`\`bash\necho never closed\n`);
  write("nested/crlf.md", `# Title first\r\n\r\n${header(id(903), "CRLF article", { displayOrder: "-0" }).replace(/\n/g, "\r\n")}\r\n${body(903).replace(/\n/g, "\r\n")}`);
  // Not UTF-8: a Windows-1252 byte in the body.
  write("nested/latin1.md", Buffer.concat([Buffer.from(`${header(id(904), "Latin-1 body")}\nCaf`), Buffer.from([0xe9]), Buffer.from(" menu\n")]));
}

/** The cache's version folder, or null. */
function versionFolder(cacheDir: string): string | null {
  const [version] = fs.readdirSync(cacheDir).filter((name) => name.startsWith(`v1-${PARSER_VERSION}-`));
  return version ? path.join(cacheDir, version) : null;
}

/** The library snapshot's files: library.json and the full-text index files. */
const isSnapshotFile = (name: string) => name === "library.json" || /^index-[0-9a-f]+\.fts$/.test(name);

/** The cache's entries (and any other file but its last-used mark and the snapshot's) in its version folder. */
function cacheEntries(cacheDir: string): string[] {
  const folder = versionFolder(cacheDir);
  if (!folder) return [];
  return fs.readdirSync(folder).filter((name) => name !== ".last-used" && !isSnapshotFile(name)).map((name) => path.join(folder, name));
}

/** The snapshot's files in the cache's version folder. */
function snapshotFiles(cacheDir: string): string[] {
  const folder = versionFolder(cacheDir);
  return folder ? fs.readdirSync(folder).filter(isSnapshotFile).sort() : [];
}

/** Removes the library snapshot, so that the next load reads every file and looks each up in the cache. */
function dropSnapshot(cacheDir: string): void {
  fs.rmSync(path.join(versionFolder(cacheDir)!, "library.json"));
}

interface Loaded {
  result: LoadedLibrary;
  stats: LoadStats;
  /** Awaited before returning, so that the next load sees the cache this one wrote. */
  saved: CacheSaveStats;
  headers: FolderResult[];
  order: string[];
}

async function load(dir: string, options: Partial<LoadOptions>): Promise<Loaded> {
  let stats: LoadStats | null = null;
  const headers: FolderResult[] = [];
  const order: string[] = [];
  const result = await loadArticles(dir, {
    cacheDir: null,
    workers: 0,
    filesPerWorker: 8, // so that 30 files get two worker threads
    onHeaders: (found) => {
      order.push("headers");
      headers.push(found);
    },
    onStats: (found) => (stats = found),
    ...options,
  });
  order.push("result");
  const saved = await stats!.cacheSaved;
  return { result, stats: stats!, saved, headers, order };
}

/**
 * The load gave parseFolder's result: the same problems and summary, each article without its
 * body but with the error codes it names, and a full-text index that answers as one built from
 * the whole articles does.
 */
function expectLoaded(result: LoadedLibrary, folder: FolderResult): void {
  const kept = folder.articles.map((article) => {
    const { text: _text, ...indexed } = indexArticle(article);
    return indexed;
  });
  expect({ articles: result.articles, problems: result.problems, summary: result.summary }).toEqual({ articles: kept, problems: folder.problems, summary: folder.summary });
  expect(result.articles.every(({ article }) => article.markdown === "" && article.sections.length === 0)).toBe(true);
  const reference = new SearchIndex();
  reference.replaceAll(folder.articles);
  for (const query of ["topic number 7", "how to fix", "echo never closed", "caf menu", "recommended steps"]) {
    const options = { limit: 100, includeInternal: true };
    expect(result.index.search(query, options)).toEqual(reference.search(query, options));
  }
  reference.close();
}

describe("loadArticles", () => {
  let root: string;
  let dir: string;
  let expected: FolderResult;
  let expectedHeaders: FolderResult;

  beforeEach(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "helpgate-loader-"));
    dir = path.join(root, "articles");
    writeFixtures(dir);
    expected = await parseFolder(dir);
    const headersOnly = await parseFolder(dir, { headersOnly: true });
    expectedHeaders = { ...headersOnly, articles: headersOnly.articles.map(withoutBody) };
  });

  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it("the fixtures exercise duplicates, missing headers and body problems", () => {
    const kinds = new Set(expected.problems.map((problem) => problem.kind));
    expect([...kinds]).toEqual(expect.arrayContaining(["duplicate-article-id", "missing-header", "unclosed-code-fence", "non-utf8", "header-not-at-top"]));
    const duplicates = expected.problems.filter((problem) => problem.kind === "duplicate-article-id");
    expect(new Set(duplicates.map((problem) => problem.line)).size).toBe(2);
    expect(expected.articles.find((article) => article.file === "nested/crlf.md")!.displayOrder).toBe(-0);
  });

  it("in this thread, without a cache, gives what parseFolder gives", async () => {
    const { result, stats } = await load(dir, { workers: 0 });
    expectLoaded(result, expected);
    expect(stats).toMatchObject({ files: 30, fromCache: 0, workers: 0 });
    expect(stats.parsed).toHaveLength(30);
  });

  it("in worker threads, gives what parseFolder gives and fills the cache", async () => {
    const cacheDir = path.join(root, "cache");
    const { result, stats, saved } = await load(dir, { workers: 2, cacheDir });
    expect(stats.workerErrors).toEqual([]);
    expect(stats.workers).toBe(2);
    expectLoaded(result, expected);
    const hashes = new Set(expected.articles.map((article) => article.contentHash));
    expect(saved).toEqual({ written: hashes.size + 1, failed: 0, staleRemoved: 0, snapshot: true });
    expect(cacheEntries(cacheDir)).toHaveLength(hashes.size + 1); // + the file without a header
    expect(cacheEntries(cacheDir).every((file) => file.endsWith(".json"))).toBe(true);
  }, 60_000);

  it("in worker threads without onHeaders (the workers get the bytes, not the header read here), gives the same and the same cache", async () => {
    const cacheDir = path.join(root, "cache");
    const { result, stats, saved, headers } = await load(dir, { workers: 2, cacheDir, onHeaders: undefined });
    expect(headers).toEqual([]);
    expect(stats.workers).toBe(2);
    expectLoaded(result, expected);
    const hashes = new Set(expected.articles.map((article) => article.contentHash));
    expect(saved).toEqual({ written: hashes.size + 1, failed: 0, staleRemoved: 0, snapshot: true });
    // The entries serve a warm load with onHeaders as well as those written from the header read.
    dropSnapshot(cacheDir);
    const warm = await load(dir, { workers: 2, cacheDir });
    expect(warm.stats.fromCache).toBe(30);
    expect(warm.headers).toEqual([expectedHeaders]);
    expectLoaded(warm.result, expected);
  }, 60_000);

  it("parses only what is not cached, and removes entries no file has any more", async () => {
    const cacheDir = path.join(root, "cache");
    await load(dir, { workers: 2, cacheDir });

    dropSnapshot(cacheDir);
    const warm = await load(dir, { workers: 2, cacheDir });
    expect(warm.stats).toMatchObject({ fromSnapshot: false, fromCache: 30, parsed: [], workers: 0 });
    expect(warm.saved).toEqual({ written: 0, failed: 0, staleRemoved: 0, snapshot: true });
    expectLoaded(warm.result, expected);
    expect(warm.headers).toEqual([expectedHeaders]);

    const changed = path.join(dir, "licensing", "article-03.md");
    fs.appendFileSync(changed, "\n4. One more step.\n");
    const oldHash = expected.articles.find((article) => article.file === "licensing/article-03.md")!.contentHash;
    const after = await load(dir, { workers: 2, cacheDir });
    expect(after.stats).toMatchObject({ fromCache: 29, parsed: ["licensing/article-03.md"] });
    expect(after.saved).toEqual({ written: 1, failed: 0, staleRemoved: 1, snapshot: true });
    expectLoaded(after.result, await parseFolder(dir));
    expect(cacheEntries(cacheDir).some((file) => path.basename(file).startsWith(oldHash))).toBe(false);
  }, 60_000);

  it("ignores and rewrites a corrupt cache entry, or one of another format", async () => {
    const cacheDir = path.join(root, "cache");
    await load(dir, { workers: 0, cacheDir });
    const hashOf = (file: string) => expected.articles.find((article) => article.file === file)!.contentHash;
    const [corrupt, outdated] = [hashOf("licensing/dup-a.md"), hashOf("nested/crlf.md")];
    const entryOf = (hash: string) => cacheEntries(cacheDir).find((file) => path.basename(file) === `${hash}.json`)!;
    fs.writeFileSync(entryOf(corrupt), '{"format":1,"version":');
    const old = JSON.parse(fs.readFileSync(entryOf(outdated), "utf8")) as { format: number };
    fs.writeFileSync(entryOf(outdated), JSON.stringify({ ...old, format: 0 }));
    dropSnapshot(cacheDir);

    const { result, stats } = await load(dir, { workers: 0, cacheDir });
    expect(stats.parsed).toEqual(["licensing/dup-a.md", "nested/crlf.md"]);
    expectLoaded(result, expected);
    expect(JSON.parse(fs.readFileSync(entryOf(corrupt), "utf8"))).toMatchObject({ hash: corrupt, format: 1 });
    expect(JSON.parse(fs.readFileSync(entryOf(outdated), "utf8"))).toMatchObject({ hash: outdated, format: 1 });
    dropSnapshot(cacheDir);
    expect((await load(dir, { workers: 0, cacheDir })).stats.parsed).toEqual([]);
  });

  it("never serves a body cached by the previous parser, which kept metadata blocks in markdown", async () => {
    const cacheDir = path.join(root, "cache");
    const forms = path.join(root, "forms");
    const metadata = '---\n{ "owner": "form.author@contoso.example", "queue": "routing-7" }\n---';
    const text = `${header(id(950), "Routing form")}\n# Routing form\n${metadata}\n\nFill it in.\n`;
    fs.mkdirSync(forms);
    fs.writeFileSync(path.join(forms, "routing.md"), text);
    const hash = createHash("sha256").update(text).digest("hex");
    const fresh = (await parseFolder(forms)).articles[0]!;
    // What version 1 cached: the body as written, and no metadata field.
    const { metadata: _metadata, ...old } = { ...fresh, markdown: `# Routing form\n${metadata}\n\nFill it in.` };
    const entry = (dir: string) => new ParseCache(dir).encode(hash, { article: old as typeof fresh, problems: [], headerProblems: 0 });
    const current = cacheVersion();
    const previous = current.replace(`-${PARSER_VERSION}-`, `-${PARSER_VERSION - 1}-`);
    for (const version of [previous, current]) {
      fs.mkdirSync(path.join(cacheDir, version), { recursive: true });
      fs.writeFileSync(path.join(cacheDir, version, `${hash}.json`), entry(path.join(cacheDir, version)));
    }

    const { result, stats } = await load(forms, { workers: 0, cacheDir });
    expect(stats.fromCache).toBe(0);
    expect(stats.parsed).toEqual(["routing.md"]);
    expect(result.articles[0]!.article.file).toBe("routing.md");
    const body = new ParseCache(path.join(cacheDir, current)).get(hash, "routing.md")!.article!;
    expect(body.markdown).toBe("# Routing form\n\nFill it in.");
    expect(body.metadata).toEqual([{ owner: "form.author@contoso.example", queue: "routing-7" }]);
    // The entry in the current folder was rewritten from the new parse.
    expect(fs.readFileSync(path.join(cacheDir, current, `${hash}.json`), "utf8")).not.toContain('"markdown":"# Routing form\\n---');
    expect((await load(forms, { workers: 0, cacheDir })).stats.fromCache).toBe(1);
  });

  it("parses in this thread the batches of a worker thread that fails", async () => {
    const failing: BodyRunner = {
      run: () => Promise.reject(new Error("worker died")),
      save: async () => ({ written: 0, failed: 0 }),
      close: async () => undefined,
    };
    const shards = new Shards({ workers: 2, filesPerWorker: 1, batchSize: 4, startWorker: () => failing, inThread: () => inThreadRunner(dir, null) });
    const files = await listArticleFiles(dir);
    for (const file of files) shards.add({ file });
    const { outcomes, errors } = await shards.finish();
    await shards.close();
    expect(errors).toEqual(["worker died", "worker died"]);
    const articles = files.flatMap((file) => outcomes.get(file)?.result?.article ?? []);
    expect(articles).toEqual(expected.articles.map(indexArticle));
  });

  it("removes the folders of other cache versions once unused for a week", async () => {
    const cacheDir = path.join(root, "cache");
    const other = (name: string, daysAgo: number) => {
      const folder = path.join(cacheDir, name);
      fs.mkdirSync(folder, { recursive: true });
      fs.writeFileSync(path.join(folder, `${"0".repeat(64)}.json`), "{}");
      const mark = path.join(folder, ".last-used");
      fs.writeFileSync(mark, "");
      const when = new Date(Date.now() - daysAgo * 24 * 3600 * 1000);
      fs.utimesSync(mark, when, when);
      return folder;
    };
    const [abandoned, recent, unrelated] = [other("v1-0-0123abcd", 8), other("v1-0-4567cdef", 1), other("notes", 30)];
    await load(dir, { workers: 0, cacheDir });
    expect([fs.existsSync(abandoned), fs.existsSync(recent), fs.existsSync(unrelated)]).toEqual([false, true, true]);
    expect(cacheEntries(cacheDir)).toHaveLength(30); // one per file: their bytes all differ
  });

  it("calls onHeaders first, with the header-only articles, cold and warm", async () => {
    const cacheDir = path.join(root, "cache");
    for (const workers of [2, 0]) {
      if (workers === 0) dropSnapshot(cacheDir);
      const { headers, order, result, stats } = await load(dir, { workers, cacheDir });
      expect(order).toEqual(["headers", "result"]);
      expect(headers).toEqual([expectedHeaders]);
      expect(headers[0]!.articles.every((article) => article.sections.length === 0)).toBe(true);
      expectLoaded(result, expected);
      expect(stats.headersMs).toBeLessThanOrEqual(stats.totalMs);
    }
  }, 60_000);

  it("takes a start with the same files from the library snapshot, and goes the long way when a file is added, removed or changed", async () => {
    const cacheDir = path.join(root, "cache");
    const cold = await load(dir, { workers: 2, cacheDir });
    expect(cold.saved.snapshot).toBe(true);
    expect(snapshotFiles(cacheDir)).toHaveLength(2);

    const warm = await load(dir, { workers: 2, cacheDir });
    expect(warm.stats).toMatchObject({ fromSnapshot: true, fromCache: 30, parsed: [], workers: 0 });
    expect(warm.headers).toEqual([]);
    expectLoaded(warm.result, expected); // the -0 displayOrder of nested/crlf.md included

    // Each change makes the next load read every file (those unchanged from the cache) and write a new snapshot.
    const changes: [string, () => void][] = [
      ["a touched file", () => fs.utimesSync(path.join(dir, "groups", "dup-b.md"), new Date(), new Date(Date.now() + 5000))],
      ["an added file", () => fs.writeFileSync(path.join(dir, "groups", "added.md"), `${header(id(990), "Added later")}\n${body(990)}`)],
      ["a removed file", () => fs.rmSync(path.join(dir, "licensing", "article-03.md"))],
      ["a replaced file", () => fs.renameSync(path.join(dir, "groups", "added.md"), path.join(dir, "groups", "article-01.md"))],
    ];
    for (const [change, make] of changes) {
      make();
      const next = await load(dir, { workers: 0, cacheDir });
      expect({ change, fromSnapshot: next.stats.fromSnapshot, snapshot: next.saved.snapshot }).toEqual({ change, fromSnapshot: false, snapshot: true });
      expectLoaded(next.result, await parseFolder(dir));
      const again = await load(dir, { workers: 0, cacheDir });
      expect({ change, fromSnapshot: again.stats.fromSnapshot }).toEqual({ change, fromSnapshot: true });
      expectLoaded(again.result, await parseFolder(dir));
      expect(snapshotFiles(cacheDir)).toHaveLength(2); // the replaced snapshot's index file is gone
    }
  }, 60_000);

  it("hands the snapshot's headers to onHeaders first when the bodies are held back", async () => {
    const cacheDir = path.join(root, "cache");
    await load(dir, { workers: 0, cacheDir });
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let released = false;
    const headers: { articles: unknown[]; beforeRelease: boolean }[] = [];
    let seen!: () => void;
    const headersSeen = new Promise<void>((resolve) => (seen = resolve));
    const loading = load(dir, {
      workers: 0,
      cacheDir,
      holdBodies: held,
      onHeaders: (found) => {
        headers.push({ articles: found.articles, beforeRelease: !released });
        seen();
      },
    });
    // The bodies stay held until the headers arrive (a fixed wait was too short on a busy host),
    // or for 3 s: a loader that waited for the bodies first would then hand them over late.
    await Promise.race([headersSeen, new Promise((resolve) => setTimeout(resolve, 3000))]);
    released = true;
    release();
    const { stats, result } = await loading;
    expect(stats.fromSnapshot).toBe(true);
    expect(headers).toEqual([{ articles: result.articles.map((entry) => entry.article), beforeRelease: true }]);
    expectLoaded(result, expected);
  });

  it("keeps searching an index whose snapshot was replaced by another load", async () => {
    const cacheDir = path.join(root, "cache");
    await load(dir, { workers: 0, cacheDir });
    const serving = (await load(dir, { workers: 0, cacheDir })).result;
    expect(serving.index.search("topic number 7", { limit: 1 })[0]?.path).toBe("groups/article-07.md");
    fs.appendFileSync(path.join(dir, "groups", "article-07.md"), "\nOne more line.\n");
    const [before] = snapshotFiles(cacheDir).filter((name) => name.endsWith(".fts"));
    await load(dir, { workers: 0, cacheDir });
    expect(snapshotFiles(cacheDir)).not.toContain(before);
    expect(serving.index.search("topic number 7", { limit: 1 })[0]?.path).toBe("groups/article-07.md");
    serving.index.close();
  });

  it("goes the long way when the snapshot is unreadable or its index file is gone, and writes none without a cache", async () => {
    const cacheDir = path.join(root, "cache");
    await load(dir, { workers: 0, cacheDir });
    const folder = versionFolder(cacheDir)!;
    fs.writeFileSync(path.join(folder, "library.json"), '{"format":1,"files":[');
    const corrupt = await load(dir, { workers: 0, cacheDir });
    expect({ fromSnapshot: corrupt.stats.fromSnapshot, fromCache: corrupt.stats.fromCache, snapshot: corrupt.saved.snapshot }).toEqual({ fromSnapshot: false, fromCache: 30, snapshot: true });
    expectLoaded(corrupt.result, expected);
    for (const name of snapshotFiles(cacheDir).filter((file) => file.endsWith(".fts"))) fs.rmSync(path.join(folder, name));
    const noIndex = await load(dir, { workers: 0, cacheDir });
    expect(noIndex.stats.fromSnapshot).toBe(false);
    expectLoaded(noIndex.result, expected);
    expect((await load(dir, { workers: 0, cacheDir })).stats.fromSnapshot).toBe(true);

    const uncached = await load(dir, { workers: 0, cacheDir: null });
    expect({ fromSnapshot: uncached.stats.fromSnapshot, snapshot: uncached.saved.snapshot }).toEqual({ fromSnapshot: false, snapshot: false });
  });

  it("takes the headers a worker thread read ahead, cold and warm, when they are of the files it finds", async () => {
    const cacheDir = path.join(root, "cache");
    const version = path.join(cacheDir, cacheVersion());
    const ahead = prefetchHeaders(dir, version);
    expect((await ahead)?.files).toEqual(await listArticleFiles(dir));
    const cold = await load(dir, { workers: 2, cacheDir, headers: ahead });
    expect(cold.stats).toMatchObject({ headersReadAhead: true, fromCache: 0 });
    expect(cold.headers).toEqual([expectedHeaders]);
    expectLoaded(cold.result, expected);

    // The snapshot serves the folder as it is: nothing to read ahead.
    expect(await prefetchHeaders(dir, version)).toBeNull();
    dropSnapshot(cacheDir);
    const warm = await load(dir, { workers: 0, cacheDir, headers: prefetchHeaders(dir, version) });
    expect(warm.stats).toMatchObject({ headersReadAhead: true, fromCache: 30, parsed: [] });
    expect(warm.headers).toEqual([expectedHeaders]);
    expectLoaded(warm.result, expected);

    // Headers read before a file was added are not taken.
    const before = prefetchHeaders(dir, null);
    await before;
    fs.writeFileSync(path.join(dir, "groups", "added.md"), `${header(id(991), "Added meanwhile")}\n${body(991)}`);
    const later = await load(dir, { workers: 0, cacheDir, headers: before });
    expect(later.stats.headersReadAhead).toBe(false);
    expectLoaded(later.result, await parseFolder(dir));
    // A folder that cannot be read ahead leaves the load to read it.
    expect(await prefetchHeaders(path.join(root, "missing"), null)).toBeNull();
  }, 60_000);

  it("reads headers in this thread too once asked to help, and gives what the worker alone gives", async () => {
    // Twenty chunks of headers, so that both threads claim some.
    const many = path.join(root, "many");
    for (let n = 1; n <= 20 * FILES_PER_CHUNK; n++) {
      const file = path.join(many, `part-${n % 7}`, `article-${n}.md`);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, `${header(id(10_000 + n), `Many ${n}`)}\n${body(n)}`);
    }
    const alone = await prefetchHeaders(many, null);
    const helped = prefetchHeaders(many, null);
    helped.help();
    const both = await helped;
    expect(alone!.chunksReadHere).toBe(0);
    expect(both!.chunksReadHere).toBeGreaterThan(0);
    expect(both!.chunksReadHere).toBeLessThan(20);
    expect(both!.files).toEqual(alone!.files);
    expect(both!.slots).toEqual(alone!.slots);
  }, 120_000);

  it("keeps the header read ahead with its body, unless the file changed before its body was parsed", async () => {
    const copy = path.join(root, "changed-meanwhile");
    fs.cpSync(dir, copy, { recursive: true });
    const files = await listArticleFiles(copy);
    const ahead = prefetchHeaders(copy, null);
    await ahead;
    fs.writeFileSync(path.join(copy, files[3]!), `${header(id(992), "Changed meanwhile")}\n${body(992)}`);
    const loaded = await load(copy, { workers: 2, headers: ahead });
    expect(loaded.stats).toMatchObject({ headersReadAhead: true, workers: 2 });
    // Served meanwhile: the header as it was read.
    expect(loaded.headers[0]!.articles.map((article) => article.pageTitle)).not.toContain("Changed meanwhile");
    // Loaded: every file as it is now, and the other files' articles are the headers served meanwhile.
    expectLoaded(loaded.result, await parseFolder(copy));
    expect(loaded.result.articles.find((entry) => entry.article.file === files[3])!.article.pageTitle).toBe("Changed meanwhile");
    const served = new Set(loaded.headers[0]!.articles);
    expect(loaded.result.articles.filter((entry) => served.has(entry.article))).toHaveLength(served.size - 1);
  }, 60_000);
});
