/**
 * Fails when an exported symbol of a public entry point has no doc comment.
 *
 * For every entry point (entryPoints.ts) it asks the TypeScript compiler for
 * the module's exports, follows re-exports to the declaration, and requires
 * a `/** … *\/` comment on it (on any one of its declarations, so an
 * overloaded function or a value and type of the same name is documented
 * once). Prints each undocumented export as `specifier: name (file:line)`
 * and exits 1 if there is any; with `--summary` it prints counts only.
 */
import { relative, resolve } from "node:path";
import ts from "typescript";
import { discoverEntryPoints } from "./entryPoints.js";

const root = resolve(import.meta.dirname, "..", "..");
const entries = discoverEntryPoints(root);
const configPath = resolve(root, "tsconfig.json");
const config = ts.getParsedCommandLineOfConfigFile(
  configPath,
  {},
  { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} },
);
if (!config) throw new Error(`cannot read ${configPath}`);
const program = ts.createProgram({
  rootNames: entries.map((entry) => entry.source),
  options: { ...config.options, noEmit: true },
});
const checker = program.getTypeChecker();

const hasDocComment = (declaration: ts.Declaration): boolean => {
  // A variable's comment sits on its statement (`/** … */ export const x = …`).
  const node = ts.isVariableDeclaration(declaration) ? declaration.parent.parent : declaration;
  const text = node.getSourceFile().getFullText();
  return (ts.getLeadingCommentRanges(text, node.getFullStart()) ?? []).some(
    (range) => range.kind === ts.SyntaxKind.MultiLineCommentTrivia && text.startsWith("/**", range.pos),
  );
};

let undocumented = 0;
let total = 0;
const summary = process.argv.includes("--summary");
for (const entry of entries) {
  const file = program.getSourceFile(entry.source);
  const moduleSymbol = file && checker.getSymbolAtLocation(file);
  if (!moduleSymbol) throw new Error(`cannot read ${entry.source}`);
  let missing = 0;
  const exports = checker.getExportsOfModule(moduleSymbol);
  for (const exported of exports) {
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    const declarations = symbol.getDeclarations() ?? [];
    if (declarations.some(hasDocComment)) continue;
    missing += 1;
    if (!summary) {
      const first = declarations[0];
      const where = first
        ? `${relative(root, first.getSourceFile().fileName)}:${first.getSourceFile().getLineAndCharacterOfPosition(first.getStart()).line + 1}`
        : "?";
      console.log(`${entry.specifier}: ${exported.name} (${where})`);
    }
  }
  total += exports.length;
  undocumented += missing;
  if (summary) console.log(`${entry.specifier}: ${exports.length - missing} of ${exports.length} documented`);
}
console.log(`${total - undocumented} of ${total} exports documented; ${undocumented} without a doc comment`);
process.exitCode = undocumented > 0 ? 1 : 0;
