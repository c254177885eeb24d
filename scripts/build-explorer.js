#!/usr/bin/env node
// Bundles the in-browser explorer (src/http/explorer-app) with esbuild into dist/explorer: the
// page's script and stylesheet, and Monaco's web workers, each with a content hash in its name
// (served with a year-long cache), plus manifest.json that names them for the server.
// Does nothing when the bundle is newer than its sources and the lock file.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const ROOT = path.resolve(__dirname, "..");
const SOURCE = path.join(ROOT, "src/http/explorer-app");
const OUT = path.join(ROOT, "dist/explorer");
const MANIFEST = path.join(OUT, "manifest.json");

const WORKERS = {
  editor: "monaco-editor/esm/vs/editor/editor.worker.js",
  json: "monaco-editor/esm/vs/language/json/json.worker.js",
  graphql: "monaco-graphql/esm/graphql.worker.js",
};

function fresh() {
  const built = fs.statSync(MANIFEST, { throwIfNoEntry: false });
  if (!built) return false;
  const inputs = [path.join(ROOT, "package-lock.json"), __filename, ...fs.readdirSync(SOURCE).map((name) => path.join(SOURCE, name))];
  return inputs.every((file) => fs.statSync(file).mtimeMs <= built.mtimeMs);
}

async function build() {
  const esbuild = require("esbuild");
  // Built aside, then moved in file by file (each rename is atomic) with the manifest last: a
  // server or a test reading dist/explorer meanwhile, or a second build at the same time, never
  // sees half a bundle.
  fs.mkdirSync(path.dirname(OUT), { recursive: true });
  const staging = fs.mkdtempSync(path.join(path.dirname(OUT), ".explorer-"));
  try {
    const manifest = await buildInto(esbuild, staging);
    fs.mkdirSync(OUT, { recursive: true });
    const files = fs.readdirSync(staging);
    for (const name of files.filter((file) => file !== "manifest.json")) fs.renameSync(path.join(staging, name), path.join(OUT, name));
    fs.renameSync(path.join(staging, "manifest.json"), MANIFEST);
    for (const name of fs.readdirSync(OUT)) if (!files.includes(name)) fs.rmSync(path.join(OUT, name), { force: true });
    return manifest;
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

async function buildInto(esbuild, outdir) {
  const common = {
    bundle: true,
    minify: true,
    format: "iife",
    target: "es2022",
    outdir,
    entryNames: "[name]-[hash]",
    assetNames: "[name]-[hash]",
    loader: { ".ttf": "file", ".woff": "file", ".woff2": "file", ".svg": "file", ".png": "file" },
    define: { "process.env.NODE_ENV": '"production"' },
    metafile: true,
    logLevel: "warning",
    absWorkingDir: ROOT,
  };
  const page = await esbuild.build({ ...common, entryPoints: { explorer: path.join(SOURCE, "main.js") } });
  const workers = await esbuild.build({
    ...common,
    entryPoints: Object.fromEntries(Object.entries(WORKERS).map(([label, module]) => [`${label}.worker`, require.resolve(module, { paths: [ROOT] })])),
  });
  const outputs = { ...page.metafile.outputs, ...workers.metafile.outputs };
  const named = (entry) => {
    const found = Object.entries(outputs).find(([, output]) => output.entryPoint && path.resolve(ROOT, output.entryPoint) === path.resolve(entry));
    if (!found) throw new Error(`build-explorer: no output for ${entry}`);
    return found;
  };
  const [script, scriptOutput] = named(path.join(SOURCE, "main.js"));
  const manifest = {
    script: path.basename(script),
    style: path.basename(scriptOutput.cssBundle),
    workers: Object.fromEntries(Object.entries(WORKERS).map(([label, module]) => [label, path.basename(named(require.resolve(module, { paths: [ROOT] }))[0])])),
  };
  fs.writeFileSync(path.join(outdir, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

module.exports = { fresh };

if (require.main === module && (process.argv.includes("--force") || !fresh())) {
  const started = Date.now();
  build().then(
    () => process.stderr.write(`explorer bundled into dist/explorer in ${((Date.now() - started) / 1000).toFixed(1)} s\n`),
    (error) => {
      process.stderr.write(`build-explorer: ${error.stack ?? error}\n`);
      process.exit(1);
    },
  );
}
