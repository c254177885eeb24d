import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pino from "pino";

export const silentLog = pino({ level: "silent" });

/** A fresh SQLite file in its own temporary folder, removed by the returned cleanup. */
export function tempDatabaseFile(): { file: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "helpgate-test-"));
  return { file: path.join(dir, "helpgate.sqlite"), cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
