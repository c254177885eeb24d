/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  // The fault tests run the built server as a child process: `npm run test:faults`.
  testPathIgnorePatterns: ["/node_modules/", "<rootDir>/test/faults/"],
  transform: {
    // Type-checking runs once for the whole tree (`tsc --noEmit` in `npm test`); here each file
    // is only transpiled (isolatedModules in tsconfig.json).
    "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.json" }],
    // ESM-only dependencies, turned into CommonJS for jest's module loader.
    "^.+\\.js$": "<rootDir>/test/support/esm-to-cjs.js",
  },
  // ESM-only packages: jose, and the unified / remark / rehype / micromark / mdast / hast family.
  transformIgnorePatterns: [
    "/node_modules/(?!(" +
      [
        "jose", "unified", "bail", "devlop", "is-plain-obj", "trough", "vfile", "vfile-message",
        "unist-util-[^/]+", "mdast-util-[^/]+", "micromark[^/]*", "decode-named-character-reference",
        "character-entities[^/]*", "remark[^/]*", "rehype[^/]*", "hast-util-[^/]+", "html-void-elements",
        "property-information", "space-separated-tokens", "comma-separated-tokens", "stringify-entities",
        "zwitch", "longest-streak", "markdown-table", "ccount", "escape-string-regexp", "trim-lines",
        "@ungap/structured-clone",
        // rehype-raw (raw HTML in articles, parsed by parse5) and what it needs.
        "hastscript", "vfile-location", "web-namespaces", "parse5", "entities",
      ].join("|") +
      ")/)",
  ],
  setupFiles: ["reflect-metadata"],
  // End-to-end files start a real gateway (migrations, demo tenant, articles) in beforeAll.
  testTimeout: 30_000,
};
