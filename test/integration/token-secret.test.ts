import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { TestGateway } from "../support/harness";
import { ensureBuilt, ROOT } from "../support/process";

/**
 * The default token secret: a file `token-secret` beside the SQLite database, made on first start.
 * These tests run the built code in real processes, as operators start it.
 */

jest.setTimeout(180_000);

const DIST = path.join(ROOT, "dist/src");

let workDir: string;
beforeAll(async () => {
  await ensureBuilt();
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), "helpgate-secret-"));
});
afterAll(() => fs.rmSync(workDir, { recursive: true, force: true }));

let counter = 0;
/** A folder that does not exist yet, as on a first start. */
const freshFolder = () => path.join(workDir, `run${++counter}`, "data");
const modeOf = (file: string) => fs.statSync(file).mode & 0o777;

/** Environment for a child process: no TOKEN_SECRET inherited, so the file is what counts. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const { TOKEN_SECRET: _ignored, TOKEN_MAX_LIFETIME: _alsoIgnored, ...env } = process.env;
  return { ...env, LOG_LEVEL: "silent", ARTICLES_WATCH: "false", ...extra };
}

/** Runs `code` (CommonJS, with `SECRET_FILE` and `START_AT` in scope) in a new node process; resolves with its stdout. */
function runNode(code: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["-e", code], { cwd: ROOT, env: childEnv(env), stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (exitCode) => resolve({ code: exitCode, stdout, stderr }));
  });
}

describe("the token secret file", () => {
  it("gives 30 processes that start at once on a fresh folder one and the same secret", async () => {
    const file = path.join(freshFolder(), "token-secret");
    // Every process loads the code first, then waits for the same instant to read or create the file.
    const startAt = Date.now() + 3_000;
    const code = `
      const { readOrCreateSecretFile } = require(${JSON.stringify(path.join(DIST, "auth/token-secret.js"))});
      while (Date.now() < ${startAt}) {}
      process.stdout.write(readOrCreateSecretFile(${JSON.stringify(file)}));
    `;
    const runs = await Promise.all(Array.from({ length: 30 }, () => runNode(code, {})));
    for (const run of runs) expect(run).toMatchObject({ code: 0, stderr: "" });
    const secrets = runs.map((run) => run.stdout);
    expect(secrets.every((secret) => secret.length >= 32)).toBe(true);
    expect(new Set(secrets).size).toBe(1);
    expect(fs.readFileSync(file, "utf8").trim()).toBe(secrets[0]);
    // No temporary file is left behind, and what is there is private.
    expect(fs.readdirSync(path.dirname(file))).toEqual(["token-secret"]);
    expect(modeOf(file)).toBe(0o600);
    expect(modeOf(path.dirname(file))).toBe(0o700);
  });

  it.each([
    ["3 characters", "abc\n"],
    ["empty", ""],
    ["31 characters", `${"x".repeat(31)}\n`],
  ])("stops start-up when the file holds a secret that is too short (%s), naming the file", (_name, content) => {
    const folder = freshFolder();
    fs.mkdirSync(folder, { recursive: true });
    const file = path.join(folder, "token-secret");
    fs.writeFileSync(file, content, { mode: 0o600 });
    const run = spawnSync(process.execPath, [path.join(DIST, "main.js")], {
      cwd: ROOT,
      env: childEnv({ PORT: "0", DATABASE_URL: path.join(folder, "helpgate.sqlite") }),
      encoding: "utf8",
      timeout: 60_000,
    });
    // Exit code 2, as for every configuration error.
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("helpgate: bad configuration: TOKEN_SECRET: ");
    expect(run.stderr).toContain(`the secret in ${file} is ${content.trim().length} characters long; HS256 needs at least 32`);
    expect(fs.readFileSync(file, "utf8")).toBe(content);
  });

  it("keeps the data folder 0700 and the secret and the SQLite files (database, -wal, -shm) 0600", async () => {
    const folder = freshFolder();
    const database = path.join(folder, "helpgate.sqlite");
    const gateway = await TestGateway.start({ DATABASE_URL: database });
    try {
      // Migrations and the demo tenant were written: the -wal and -shm files exist while the gateway runs.
      expect(modeOf(folder)).toBe(0o700);
      for (const file of ["token-secret", "helpgate.sqlite", "helpgate.sqlite-wal", "helpgate.sqlite-shm"]) {
        expect([file, modeOf(path.join(folder, file))]).toEqual([file, 0o600]);
      }
    } finally {
      await gateway.stop();
    }
  });

  it("makes world-readable files an earlier version left (secret, database) 0600 on start", async () => {
    const folder = freshFolder();
    fs.mkdirSync(folder, { recursive: true });
    const secret = "s".repeat(48);
    fs.writeFileSync(path.join(folder, "token-secret"), `${secret}\n`, { mode: 0o644 });
    fs.writeFileSync(path.join(folder, "helpgate.sqlite"), "", { mode: 0o644 });
    fs.chmodSync(path.join(folder, "token-secret"), 0o644);
    fs.chmodSync(path.join(folder, "helpgate.sqlite"), 0o644);
    const gateway = await TestGateway.start({ DATABASE_URL: path.join(folder, "helpgate.sqlite") });
    try {
      expect(modeOf(path.join(folder, "token-secret"))).toBe(0o600);
      expect(modeOf(path.join(folder, "helpgate.sqlite"))).toBe(0o600);
      expect(modeOf(path.join(folder, "helpgate.sqlite-wal"))).toBe(0o600);
      // The secret itself is kept: tokens already issued stay valid.
      expect(fs.readFileSync(path.join(folder, "token-secret"), "utf8").trim()).toBe(secret);
    } finally {
      await gateway.stop();
    }
  });
});

describe("npm run token", () => {
  const tokenCommand = (folder: string, args: string[], env: Record<string, string> = {}) =>
    spawnSync(process.execPath, [path.join(DIST, "auth/token-cli.js"), ...args], {
      cwd: ROOT,
      env: childEnv({ DATABASE_URL: path.join(folder, "helpgate.sqlite"), ...env }),
      encoding: "utf8",
      timeout: 60_000,
    });

  it("mints a token, with iat and an exp within TOKEN_MAX_LIFETIME, that the gateway accepts", async () => {
    const folder = freshFolder();
    const run = tokenCommand(folder, ["admin@contoso.com", "--expires-in", "120"], { TOKEN_MAX_LIFETIME: "2h" });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    const token = run.stdout.trim();
    const claims = JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString("utf8"));
    expect(typeof claims.iat).toBe("number");
    expect(claims.exp - claims.iat).toBe(120 * 60);
    const gateway = await TestGateway.start({ DATABASE_URL: path.join(folder, "helpgate.sqlite"), TOKEN_MAX_LIFETIME: "2h" });
    try {
      const response = await gateway.post(JSON.stringify({ query: "{ me { userPrincipalName } }" }), {
        "content-type": "application/json",
        authorization: `Bearer ${token}`,
      });
      expect(response.data).toEqual({ me: { userPrincipalName: "admin@contoso.com" } });
    } finally {
      await gateway.stop();
    }
  });

  it("refuses --expires-in longer than TOKEN_MAX_LIFETIME, saying what the maximum is", () => {
    const run = tokenCommand(freshFolder(), ["admin@contoso.com", "--expires-in", "61"], { TOKEN_MAX_LIFETIME: "1h" });
    expect(run.status).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain("--expires-in takes whole minutes, from 1 to 60 (1 h, TOKEN_MAX_LIFETIME).");
  });
});
