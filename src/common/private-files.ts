import fs from "node:fs";
import path from "node:path";

/**
 * The token secret and the SQLite files are readable by helpgate's own account only: folders it
 * creates get 0700, its files 0600. A folder that already exists keeps its mode, as it may be
 * shared (`/tmp`, a mounted volume); the files in it are private all the same.
 */
export const PRIVATE_FOLDER_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** Creates `folder` (and any missing parent) as 0700; an existing folder is left as it is. */
export function makePrivateFolder(folder: string): void {
  const first = fs.mkdirSync(folder, { recursive: true, mode: PRIVATE_FOLDER_MODE });
  if (first === undefined) return;
  // The folders mkdir made, from `folder` up to the first of them (the umask may have narrowed their mode further).
  const top = path.resolve(first);
  for (let made = path.resolve(folder); made.length >= top.length; made = path.dirname(made)) {
    fs.chmodSync(made, PRIVATE_FOLDER_MODE);
    if (made === top) break;
  }
}

/**
 * Makes an existing file 0600 (files of earlier versions were created 0644); a missing one is
 * skipped, and so is one another account owns (EPERM), whose mode its owner decides.
 */
export function makeFilePrivate(file: string): void {
  try {
    if ((fs.statSync(file).mode & 0o077) !== 0) fs.chmodSync(file, PRIVATE_FILE_MODE);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "ENOENT" && code !== "EPERM") throw error;
  }
}

/** Creates `file` empty as 0600 unless it exists, then makes sure it is 0600. */
export function createPrivateFile(file: string): void {
  fs.closeSync(fs.openSync(file, "a", PRIVATE_FILE_MODE));
  makeFilePrivate(file);
}
