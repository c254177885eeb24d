import { spawnSync } from "node:child_process";
import { capHeapGrowth } from "../../src/common/heap-growth";

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
