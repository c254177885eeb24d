import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const ROOT = path.resolve(__dirname, "../..");

/**
 * Makes sure dist/explorer holds the explorer bundle (`scripts/build-explorer.js`, which does
 * nothing when it is fresh). Test files in parallel workers take turns through a lock folder.
 */
export async function ensureExplorerBundle(timeoutMs = 180_000): Promise<void> {
  const lock = path.join(os.tmpdir(), `helpgate-explorer-${Buffer.from(ROOT).toString("hex").slice(-32)}.lock`);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const held = fs.statSync(lock, { throwIfNoEntry: false });
      if (held && Date.now() - held.mtimeMs > 300_000) fs.rmSync(lock, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`gave up waiting for another explorer build (lock ${lock})`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  try {
    const build = spawnSync(process.execPath, [path.join(ROOT, "scripts/build-explorer.js")], { cwd: ROOT, encoding: "utf8", timeout: timeoutMs });
    if (build.status !== 0) throw new Error(`scripts/build-explorer.js failed (status ${build.status}):\n${build.stderr}`);
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}
