#!/usr/bin/env node
// Runs `npm run build` only when dist/ is older than what it is built from, so `npm start`,
// `npm run token` and the other scripts start at once on an unchanged tree. The build's own
// output goes to stderr: `TOKEN=$(npm run --silent token -- …)` must capture the token alone.
"use strict";
const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");

const explorer = require("./build-explorer");

const ROOT = path.resolve(__dirname, "..");
const BUILT = path.join(ROOT, "dist/src/main.js");
const INPUTS = ["src", "tsconfig.json", "tsconfig.build.json", "package-lock.json"];

/** The newest modification time of a file, or of any file under a folder. */
function newest(file) {
  const stat = fs.statSync(file);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let latest = stat.mtimeMs; // a file deleted from the folder changes the folder
  for (const entry of fs.readdirSync(file)) latest = Math.max(latest, newest(path.join(file, entry)));
  return latest;
}

function fresh() {
  const built = fs.statSync(BUILT, { throwIfNoEntry: false })?.mtimeMs ?? 0;
  return built > 0 && INPUTS.every((input) => newest(path.join(ROOT, input)) <= built) && explorer.fresh();
}

if (!fresh()) {
  process.stderr.write("dist/ is older than src/: building…\n");
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const build = spawnSync(npm, ["run", "--silent", "build"], { cwd: ROOT, stdio: ["ignore", 2, 2] });
  if (build.status !== 0) process.exit(build.status ?? 1);
}
