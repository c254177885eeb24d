import { runCli } from "../../src/content/cli";
import { globToRegExp } from "../../src/content/ignore";
import { type TestLibrary, writeTestLibrary } from "../support/article-library";

async function run(args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { out: (line) => out.push(line), err: (line) => err.push(line) });
  return { code, out, err };
}

describe("articles check on a content repository", () => {
  let library: TestLibrary;
  beforeAll(() => {
    library = writeTestLibrary({ fillerCount: 10 });
  });
  afterAll(() => library.cleanup());

  it("leaves out folders named like templates when pointed at the repository root, and says so", async () => {
    const { out } = await run(["check", library.root]);
    expect(out[0]).toMatch(new RegExp(`^${library.files} articles`));
    expect(out[1]).toBe("left out: documents/Diagnostics-templates, documents/Templates");
    expect(out.join("\n")).not.toMatch(/\{articleId\}/);
  });

  it("reads the templates with --include-templates", async () => {
    const { out } = await run(["check", library.root, "--include-templates", "--json"]);
    const report = JSON.parse(out.join("\n"));
    expect(report.summary.articles).toBe(library.files + 2);
    expect(report.skipped).toEqual([]);
  });

  it("leaves out what --ignore globs match, given several times", async () => {
    const { out } = await run(["check", library.root, "--ignore", "articles/oddities/**", "--ignore=*.keyvault", "--json"]);
    const report = JSON.parse(out.join("\n"));
    expect(report.skipped).toEqual(["articles/microsoft.keyvault", "articles/oddities", "documents/Diagnostics-templates", "documents/Templates"]);
    expect(report.duplicateIds).toEqual([]);
  });

  it("reports the articleIds two files share, with both files", async () => {
    const { code, out } = await run(["check", library.articles]);
    expect(code).toBe(1);
    expect(out).toContain("1 articleIds used by more than one file: shared-id (oddities/duplicate-a.md, oddities/nested/duplicate-b.md)");
  });

  it("refuses --ignore without a glob", async () => {
    const { code, err } = await run(["check", library.root, "--ignore"]);
    expect(code).toBe(2);
    expect(err[0]).toMatch(/--ignore needs a glob/);
  });
});

describe("ignore globs", () => {
  it.each([
    ["documents/**", "documents/Templates/base.md", true],
    ["documents/**", "articles/documents.md", false],
    ["*.keyvault", "articles/microsoft.keyvault", true],
    ["articles/*/draft-?.md", "articles/web/draft-1.md", true],
    ["articles/*/draft-?.md", "articles/web/deep/draft-1.md", false],
    ["**/tsg-*", "articles/a/b/tsg-one.md", true],
  ])("%s matches %s: %s", (glob, path, matches) => {
    expect(globToRegExp(glob).test(path)).toBe(matches);
  });
});
