#!/usr/bin/env node
// Type-checks every JSDoc `@example` code block (```ts, or ```ts followed by an info string such as
// `import.meta.vitest`) of the public modules of the packages: packages/*/src/**/*.ts, minus src/internal/ (not
// public: the packages' exports map `./internal/*` to null) and minus *.test.ts.
//
// Each block becomes a virtual module at .examples/<package>/<Module>.L<line>.ts under the repository root (nothing
// is written unless `--write` is given, then the same files are written to .examples/, which is gitignored, for
// inspection), so that `effect`, `@effect-zmq/core`, `@effect-zmq/zmq` and `@effect-zmq/platform-node` resolve
// from the root node_modules exactly as they do in the workspace (to the packages' src/). All blocks are checked in
// one program with the options of tsconfig.base.json (strict, exactOptionalPropertyTypes, NodeNext, ...), except:
//   - noUnusedLocals and noUnusedParameters are off: examples declare values just to show them;
//   - noEmit (and no declaration or source maps): nothing is emitted.
// A block with no import or export gets `export {}` appended (after its last line, so lines still match), so that
// blocks never share a global scope.
//
// Failures are reported as `file:line (export name): diagnostic`, with the line in the source file. Prints
// `N examples type-checked, M failed` and exits 1 if any block failed.
//
// Usage: node scripts/check-examples.mjs [--write] [--list] [file-or-folder ...]   (default: packages/*/src)
//   --list also prints every block checked, as `file:line (export name)`.
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import ts from "typescript"

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")
const args = process.argv.slice(2)
const write = args.includes("--write")
const list = args.includes("--list")
const only = args.filter((arg) => !arg.startsWith("--")).map((arg) => path.resolve(arg))

// --- the sources -------------------------------------------------------------------------------------------------

const walk = (dir) =>
  fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) return entry.name === "internal" || entry.name === "node_modules" ? [] : walk(full)
    return entry.isFile() && entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts") &&
        !/\.test\.ts$/.test(entry.name)
      ? [full]
      : []
  })

const packagesDir = path.join(root, "packages")
const sources = fs
  .readdirSync(packagesDir, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && fs.existsSync(path.join(packagesDir, entry.name, "src")))
  .flatMap((entry) => walk(path.join(packagesDir, entry.name, "src")))
  .filter((file) => only.length === 0 || only.some((want) => file === want || file.startsWith(want + path.sep)))
  .sort()

// --- the examples ------------------------------------------------------------------------------------------------

// The name of the declaration a JSDoc comment belongs to: `make`, `ZMQError.is`, `Flags.NOBLOCK`, ...
const declarationName = (node) => {
  if (ts.isVariableStatement(node)) {
    return node.declarationList.declarations.map((d) => d.name.getText()).join(", ")
  }
  if (ts.isExportDeclaration(node)) {
    return node.exportClause && ts.isNamespaceExport(node.exportClause) ? node.exportClause.name.text : "export *"
  }
  if (node.name !== undefined) return node.name.getText()
  if (ts.isConstructorDeclaration(node)) return "constructor"
  return ts.SyntaxKind[node.kind]
}

// Every JSDoc comment of a file, by start position, with the name of its declaration (qualified by its enclosing
// classes, interfaces, namespaces and object literals).
const ownersOf = (sourceFile) => {
  const owners = new Map()
  const visit = (node, scope) => {
    let name
    if (Array.isArray(node.jsDoc) && node.jsDoc.length > 0) {
      name = declarationName(node)
      const qualified = [...scope, name].join(".")
      for (const doc of node.jsDoc) owners.set(doc.getStart(sourceFile), qualified)
    }
    const named = ts.isClassLike(node) || ts.isInterfaceDeclaration(node) || ts.isModuleDeclaration(node) ||
      (ts.isVariableDeclaration(node) && node.initializer !== undefined)
    const inner = named && node.name !== undefined ? [...scope, node.name.getText(sourceFile)] : scope
    ts.forEachChild(node, (child) => visit(child, ts.isVariableStatement(node) ? scope : inner))
  }
  visit(sourceFile, [])
  return owners
}

// The start of every `/** ... */` comment of a file, from the trivia of every token (so never a `/**` inside a
// string or a template).
const docCommentsOf = (sourceFile) => {
  const starts = new Set()
  const visit = (node) => {
    for (const range of ts.getLeadingCommentRanges(sourceFile.text, node.pos) ?? []) {
      if (sourceFile.text.startsWith("/**", range.pos) && range.kind === ts.SyntaxKind.MultiLineCommentTrivia) {
        starts.add(range.pos)
      }
    }
    for (const child of node.getChildren(sourceFile)) visit(child)
  }
  visit(sourceFile)
  return [...starts].sort((a, b) => a - b)
}

const fence = /^```(ts|typescript)(\s.*)?$/
const examples = []
for (const file of sources) {
  const text = fs.readFileSync(file, "utf8")
  const sourceFile = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS)
  const owners = ownersOf(sourceFile)
  const relative = path.relative(root, file)
  for (const start of docCommentsOf(sourceFile)) {
    const comment = [text.slice(start, text.indexOf("*/", start) + 2)]
    const firstLine = sourceFile.getLineAndCharacterOfPosition(start).line // 0-based
    const lines = comment[0].split("\n").map((line) => line.replace(/^\s*(\/\*\*|\*\/|\*(?!\/))? ?/, ""))
    const owner = owners.get(start) ?? "(not attached to a declaration)"
    for (let i = 0; i < lines.length; i++) {
      const open = fence.exec(lines[i].trimEnd())
      if (open === null) continue
      let end = i + 1
      while (end < lines.length && !/^```\s*$/.test(lines[end])) end++
      if (end === lines.length) {
        examples.push({ file: relative, line: firstLine + i + 1, owner, code: null, error: "unclosed ```ts block" })
        break
      }
      const body = lines.slice(i + 1, end)
      const vitest = (open[2] ?? "").includes("import.meta.vitest")
      const prelude = vitest ? [`/// <reference types="vitest/importMeta" />`] : []
      let code = [...prelude, ...body].join("\n")
      const sf = ts.createSourceFile("x.ts", code, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS)
      const isModule = sf.statements.some((s) =>
        ts.isImportDeclaration(s) || ts.isImportEqualsDeclaration(s) || ts.isExportDeclaration(s) ||
        ts.isExportAssignment(s) || ts.canHaveModifiers(s) &&
          (ts.getModifiers(s) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword)
      )
      if (!isModule) code += "\nexport {}"
      examples.push({
        file: relative,
        // 1-based source line of the block's first code line, minus the lines added before it
        firstCodeLine: firstLine + i + 2 - prelude.length,
        line: firstLine + i + 1,
        owner,
        code
      })
      i = end
    }
  }
}

// --- the program -------------------------------------------------------------------------------------------------

const base = ts.getParsedCommandLineOfConfigFile(path.join(root, "tsconfig.base.json"), {}, {
  ...ts.sys,
  onUnRecoverableConfigFileDiagnostic: (d) => {
    throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n"))
  }
})
const options = {
  ...base.options,
  noUnusedLocals: false,
  noUnusedParameters: false,
  noEmit: true,
  declaration: false,
  declarationMap: false,
  sourceMap: false,
  composite: false,
  incremental: false
}

const virtual = new Map()
const examplesDir = path.join(root, ".examples")
for (const example of examples) {
  if (example.code === null) continue
  const pkg = example.file.split(path.sep)[1]
  const stem = path.basename(example.file, ".ts")
  example.virtualPath = path.join(examplesDir, pkg, `${stem}.L${example.line}.ts`)
  virtual.set(example.virtualPath, example)
}
if (write) {
  fs.rmSync(examplesDir, { recursive: true, force: true })
  for (const [file, example] of virtual) {
    fs.mkdirSync(path.dirname(file), { recursive: true })
    fs.writeFileSync(file, example.code + "\n")
  }
}

const host = ts.createCompilerHost(options, true)
const virtualDirs = new Set([...virtual.keys()].flatMap((file) => {
  const dirs = []
  for (let dir = path.dirname(file); dir.startsWith(examplesDir); dir = path.dirname(dir)) dirs.push(dir)
  return dirs
}))
const { fileExists, readFile, getSourceFile, directoryExists } = host
host.getCurrentDirectory = () => root
host.fileExists = (file) => virtual.has(path.resolve(file)) || fileExists.call(host, file)
host.readFile = (file) => virtual.get(path.resolve(file))?.code ?? readFile.call(host, file)
host.directoryExists = (dir) =>
  virtualDirs.has(path.resolve(dir)) || (directoryExists?.call(host, dir) ?? ts.sys.directoryExists(dir))
host.getSourceFile = (file, languageVersion, onError, shouldCreate) => {
  const example = virtual.get(path.resolve(file))
  return example !== undefined
    ? ts.createSourceFile(file, example.code, languageVersion, true, ts.ScriptKind.TS)
    : getSourceFile.call(host, file, languageVersion, onError, shouldCreate)
}

const program = ts.createProgram({ rootNames: [...virtual.keys()], options, host })

// --- the report --------------------------------------------------------------------------------------------------

const failed = new Set()
const report = []
for (const example of examples) {
  if (example.code === null) {
    failed.add(example)
    report.push(`${example.file}:${example.line} (${example.owner}): ${example.error}`)
  }
}
const diagnostics = [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()]
for (const d of diagnostics) report.push(`(program): ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`)
for (const [file, example] of virtual) {
  const sourceFile = program.getSourceFile(file)
  const found = [...program.getSyntacticDiagnostics(sourceFile), ...program.getSemanticDiagnostics(sourceFile)]
    .sort((x, y) => (x.start ?? 0) - (y.start ?? 0))
  for (const d of found) {
    failed.add(example)
    const line = d.start === undefined ? 0 : sourceFile.getLineAndCharacterOfPosition(d.start).line
    const message = ts.flattenDiagnosticMessageText(d.messageText, "\n  ")
    report.push(`${example.file}:${example.firstCodeLine + line} (${example.owner}): TS${d.code}: ${message}`)
  }
}
if (list) for (const example of examples) console.log(`${example.file}:${example.line} (${example.owner})`)
for (const line of report) console.log(line)
console.log(`${examples.length} examples type-checked, ${failed.size} failed`)
process.exit(failed.size > 0 || diagnostics.length > 0 ? 1 : 0)
