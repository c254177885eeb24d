/**
 * The young generation of the worker threads a server starts.
 *
 * `npm start` fixes the main thread's young generation with `--min-semi-space-size` and
 * `--max-semi-space-size` (heap-growth.ts, SERVER_NODE_FLAGS). Those are V8 flags, and V8 flags
 * are the process's: every heap V8 sets up later reads them too, and they take precedence over
 * a worker's own `resourceLimits.maxYoungGenerationSizeMb`. So each of the article loader's
 * parsing threads ran with the main thread's 32 MiB of semi-spaces, not the 16 MB young
 * generation it asks for, and a cold start of the public library peaked at 412–434 MiB instead
 * of 365–390 (the target is under 400); the SQLite checkpointer, which lives as long as the
 * server, held 32 MiB it never used.
 *
 * V8 reads the two flags only when it sets a heap up: setting them back to 0 ("V8 chooses")
 * once the main thread's heap is made leaves that heap as the command line made it and lets
 * each worker started from then on size its own, as its `resourceLimits` say.
 */
import v8 from "node:v8";

const SEMI_SPACE_FLAGS = ["--min-semi-space-size", "--max-semi-space-size"];

let released = false;

/** Call before starting a worker thread: its young generation is then its own (or V8's default), not the main thread's. */
export function releaseYoungGenerationFlags(): void {
  if (released) return;
  released = true;
  // Where they were not given, 0 is already their value.
  for (const flag of SEMI_SPACE_FLAGS) v8.setFlagsFromString(`${flag}=0`);
}
