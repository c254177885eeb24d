import { spawnSync } from "node:child_process";
import path from "node:path";
import { oneAtATime } from "./lock";

const ROOT = path.resolve(__dirname, "../..");

/**
 * Makes sure dist/explorer holds the explorer bundle (`scripts/build-explorer.js`, which does
 * nothing when it is fresh). Test files in parallel workers take turns.
 */
export async function ensureExplorerBundle(timeoutMs = 180_000): Promise<void> {
  await oneAtATime("explorer", timeoutMs, () => {
    const build = spawnSync(process.execPath, [path.join(ROOT, "scripts/build-explorer.js")], { cwd: ROOT, encoding: "utf8", timeout: timeoutMs });
    if (build.status !== 0) throw new Error(`scripts/build-explorer.js failed (status ${build.status}):\n${build.stderr}`);
  });
}
