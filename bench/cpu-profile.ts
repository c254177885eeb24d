/**
 * Summarises a V8 .cpuprofile (node --cpu-prof): self time by area (helpgate's src, TypeORM,
 * SQLite's native calls, GC, ...), the top functions by self time, and each sample charged to
 * the nearest helpgate function on its stack (what that function costs with the library calls
 * it makes synchronously). Used by bench/group-licensing.ts --cpu-prof, or on its own:
 *
 *   node dist/bench-build/bench/cpu-profile.js dist/bench-profiles/<file>.cpuprofile [--top 25]
 */
import fs from "node:fs";
import path from "node:path";
import { format, isMain, parseArgs, repositoryRoot, runMain, table } from "./common";

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  file: string;
  totalMs: number;
  byArea: { area: string; ms: number; pct: number }[];
  topSelf: { fn: string; where: string; ms: number; pct: number }[];
  byHelpgateFunction: { fn: string; where: string; ms: number; pct: number }[];
  text: string;
}

const SQLITE_NATIVE = new Set(["run", "all", "get", "iterate", "prepare", "exec", "pragma"]);

function shortUrl(url: string): string {
  const nm = url.lastIndexOf("node_modules/");
  if (nm >= 0) return url.slice(nm + "node_modules/".length);
  const src = url.search(/\/(src|bench)\//);
  if (src >= 0) return url.slice(src + 1);
  return url.replace(/^file:\/\//, "");
}

function area(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (functionName === "(garbage collector)") return "GC";
  if (functionName === "(idle)") return "idle";
  if (functionName === "(program)") return "V8/native (program)";
  if (url === "" && SQLITE_NATIVE.has(functionName)) return "SQLite (native via better-sqlite3)";
  if (url.includes("node_modules/typeorm/")) return "TypeORM";
  if (url.includes("node_modules/better-sqlite3/")) return "better-sqlite3 (JS)";
  if (url.includes("node_modules/")) {
    const [first, second] = url.slice(url.lastIndexOf("node_modules/") + "node_modules/".length).split("/");
    return first!.startsWith("@") ? `${first}/${second}` : first!;
  }
  if (/\/src\//.test(url)) return "helpgate src";
  if (/\/bench\//.test(url)) return "bench";
  if (url.startsWith("node:") || url === "") return "node internals / builtins";
  return "other";
}

export function summarizeProfile(profileFile: string, top = 25): ProfileSummary {
  const profile = JSON.parse(fs.readFileSync(profileFile, "utf8")) as Profile;
  // Named from the repository root in what is printed and kept in bench/results.
  const file = path.relative(repositoryRoot(), path.resolve(profileFile)).split(path.sep).join("/");
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const selfUs = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const us = profile.timeDeltas[i + 1] ?? 0;
    selfUs.set(profile.samples[i]!, (selfUs.get(profile.samples[i]!) ?? 0) + us);
  }
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const busy = total - [...selfUs].filter(([id]) => nodes.get(id)!.callFrame.functionName === "(idle)").reduce((a, [, us]) => a + us, 0);
  const pct = (us: number) => (100 * us) / busy;

  const areas = new Map<string, number>();
  const fns = new Map<string, { fn: string; where: string; us: number }>();
  const charged = new Map<string, { fn: string; where: string; us: number }>();
  for (const [id, us] of selfUs) {
    const frame = nodes.get(id)!.callFrame;
    if (frame.functionName === "(idle)") continue;
    const a = area(frame);
    areas.set(a, (areas.get(a) ?? 0) + us);
    const where = frame.url ? `${shortUrl(frame.url)}:${frame.lineNumber + 1}` : "(native)";
    const key = `${frame.functionName}@${where}`;
    const entry = fns.get(key) ?? { fn: frame.functionName || "(anonymous)", where, us: 0 };
    entry.us += us;
    fns.set(key, entry);
    // The nearest helpgate function on the stack, the sample's own frame included.
    let cursor: number | undefined = id;
    let owner: CallFrame | null = null;
    while (cursor !== undefined) {
      const f: CallFrame = nodes.get(cursor)!.callFrame;
      if (/\/src\//.test(f.url)) {
        owner = f;
        break;
      }
      cursor = parent.get(cursor);
    }
    const ownerKey = owner ? `${owner.functionName}@${shortUrl(owner.url)}:${owner.lineNumber + 1}` : "(no helpgate frame: microtask/async plumbing, GC, bench)";
    const ownerEntry = charged.get(ownerKey) ?? { fn: owner ? owner.functionName || "(anonymous)" : ownerKey, where: owner ? `${shortUrl(owner.url)}:${owner.lineNumber + 1}` : "", us: 0 };
    ownerEntry.us += us;
    charged.set(ownerKey, ownerEntry);
  }
  const byArea = [...areas].sort((a, b) => b[1] - a[1]).map(([name, us]) => ({ area: name, ms: us / 1000, pct: pct(us) }));
  const topSelf = [...fns.values()].sort((a, b) => b.us - a.us).slice(0, top).map((f) => ({ fn: f.fn, where: f.where, ms: f.us / 1000, pct: pct(f.us) }));
  const byHelpgateFunction = [...charged.values()].sort((a, b) => b.us - a.us).slice(0, top).map((f) => ({ fn: f.fn, where: f.where, ms: f.us / 1000, pct: pct(f.us) }));
  const text = [
    `CPU profile ${file}: ${format(busy / 1000)} ms busy of ${format(total / 1000)} ms`,
    "self time by area:",
    table(["area", "ms", "%"], byArea.slice(0, 15).map((a) => [a.area, a.ms, a.pct])),
    `top ${top} functions by self time:`,
    table(["function", "where", "ms", "%"], topSelf.map((f) => [f.fn, f.where, f.ms, f.pct])),
    `samples charged to the nearest helpgate function on the stack (top ${top}):`,
    table(["function", "where", "ms", "%"], byHelpgateFunction.map((f) => [f.fn, f.where, f.ms, f.pct])),
  ].join("\n");
  return { file, totalMs: total / 1000, byArea, topSelf, byHelpgateFunction, text };
}

async function main(): Promise<void> {
  const [file, ...rest] = process.argv.slice(2);
  if (!file) throw new Error("usage: node dist/bench-build/bench/cpu-profile.js <file.cpuprofile> [--top N]");
  const args = parseArgs(rest);
  console.log(summarizeProfile(file, Number(args.get("top") ?? 25)).text);
}

if (isMain(module)) runMain(main);
