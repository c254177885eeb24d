// Jest's module loader needs CommonJS; a few dependencies (jose, remark's family) ship ESM only.
// TypeScript's transpiler rewrites their modules without touching anything else.
const ts = require("typescript");

module.exports = {
  process(sourceText, sourcePath) {
    const { outputText, sourceMapText } = ts.transpileModule(sourceText, {
      fileName: sourcePath,
      compilerOptions: {
        allowJs: true,
        module: ts.ModuleKind.CommonJS,
        target: ts.ScriptTarget.ES2022,
        useDefineForClassFields: true,
        sourceMap: true,
      },
    });
    return { code: outputText, map: sourceMapText };
  },
};
