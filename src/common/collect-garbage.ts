import v8 from "node:v8";
import vm from "node:vm";

let collect: (() => void) | null | undefined;

/**
 * Runs a full garbage collection now. V8 keeps the heap it grew to while it was busy (loading a
 * large article library, for instance) and gives it back to the system only slowly when idle; a
 * full collection compacts the heap and releases its emptied pages. For after a one-off burst of
 * allocation, not for routine use: it pauses this thread for a full collection (tens of
 * milliseconds for a heap of 100 MB). Returns false when the collector cannot be reached here.
 */
export function collectGarbage(): boolean {
  if (collect === undefined) {
    try {
      // The collector is reachable only with --expose-gc; the flag can be set now, and a new
      // context then has `gc` (this context's global object was made without it).
      if (typeof globalThis.gc !== "function") v8.setFlagsFromString("--expose-gc");
      collect = typeof globalThis.gc === "function" ? globalThis.gc : (vm.runInNewContext("gc") as () => void);
    } catch {
      collect = null;
    }
  }
  if (!collect) return false;
  collect();
  return true;
}
