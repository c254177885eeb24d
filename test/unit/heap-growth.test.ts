import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { capHeapGrowth, SERVER_NODE_FLAGS } from "../../src/common/heap-growth";

describe("capHeapGrowth", () => {
  it("refuses a factor V8 cannot take, with what it takes", () => {
    for (const factor of [1, 0.5, 4.5, Number.NaN]) expect(() => capHeapGrowth(factor)).toThrow(/above 1 and at most 4/);
  });

  it("is a setting this V8 knows: nothing is said on stderr", () => {
    // An unknown V8 flag is reported on stderr ("unrecognized flag") and changes nothing.
    const child = spawnSync(process.execPath, ["-e", 'require("node:v8").setFlagsFromString("--heap-growing-percent=200"); console.log("set")'], { encoding: "utf8" });
    expect({ stdout: child.stdout.trim(), stderr: child.stderr }).toEqual({ stdout: "set", stderr: "" });
    const unknown = spawnSync(process.execPath, ["-e", 'require("node:v8").setFlagsFromString("--heap-growing-percentage=200")'], { encoding: "utf8" });
    expect(unknown.stderr).toMatch(/unrecognized flag/);
  });
});

describe("the server's Node flags", () => {
  const root = path.resolve(__dirname, "..", "..");

  it("are given by npm start and npm run dev", () => {
    const start = (JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts.start!;
    expect(start).toContain(`node ${SERVER_NODE_FLAGS.join(" ")} dist/src/main.js`);
    const dev = fs.readFileSync(path.join(root, "scripts", "dev.js"), "utf8");
    expect(dev).toContain(SERVER_NODE_FLAGS.map((flag) => JSON.stringify(flag)).join(", "));
  });

  it("fix the young generation at its ceiling in this Node, from the start", () => {
    // The new space's size (MiB) at start, and after some allocation.
    const script =
      'const v8 = require("node:v8"); const size = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === "new_space").space_size / 1048576;' +
      "const first = size(); let kept = []; for (let i = 0; i < 3e6; i++) { kept.push({ i }); if (kept.length > 1000) kept = []; } console.log(JSON.stringify([first, size()]));";
    const sizes = (flags: readonly string[]) => {
      const child = spawnSync(process.execPath, [...flags, "-e", script], { encoding: "utf8" });
      expect(child.stderr).toBe("");
      return JSON.parse(child.stdout) as [number, number];
    };
    expect(sizes(SERVER_NODE_FLAGS)).toEqual([16, 32]);
    // Without them, V8 starts small and grows with the allocation.
    expect(sizes([])[0]).toBeLessThan(16);
  });
});
