// Runs the TypeScript build only when a source file is newer than dist/, so that commands
// started often (the MCP stdio bridge) start at once. Everything it prints goes to stderr:
// stdout may be a protocol stream.
const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");

const root = path.resolve(__dirname, "..");
const target = path.join(root, "dist", "src", process.argv[2] ?? "main.js");

function newest(dir) {
  let time = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    time = Math.max(time, entry.isDirectory() ? newest(full) : /\.(ts|json)$/.test(entry.name) ? fs.statSync(full).mtimeMs : 0);
  }
  return time;
}

const inputs = Math.max(newest(path.join(root, "src")), ...["tsconfig.json", "tsconfig.build.json"].map((f) => fs.statSync(path.join(root, f)).mtimeMs));
if (!fs.existsSync(target) || fs.statSync(target).mtimeMs < inputs) {
  const tsc = path.join(root, "node_modules", "typescript", "bin", "tsc");
  const result = spawnSync(process.execPath, [tsc, "-p", path.join(root, "tsconfig.build.json")], { stdio: ["ignore", 2, 2] });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
