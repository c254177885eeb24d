/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  transform: {
    // Type-checking runs once for the whole tree (`tsc --noEmit` in `npm test`); here each file
    // is only transpiled (isolatedModules in tsconfig.json).
    "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.json" }],
    // ESM-only dependencies, turned into CommonJS for jest's module loader.
    "^.+\\.js$": "<rootDir>/test/support/esm-to-cjs.js",
  },
  transformIgnorePatterns: ["/node_modules/(?!(jose)/)"],
  setupFiles: ["reflect-metadata"],
};
