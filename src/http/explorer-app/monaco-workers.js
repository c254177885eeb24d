// Monaco runs its language services in web workers. Each one is bundled into its own file
// (scripts/build-explorer.js), served by helpgate beside the explorer, and named in the page's
// configuration; nothing is fetched from anywhere else.
import { explorerConfig } from "./config.js";

globalThis.MonacoEnvironment = {
  getWorker(_workerId, label) {
    const { workers } = explorerConfig();
    return new Worker(workers[label] ?? workers.editor, { name: `monaco-${label}` });
  },
};
