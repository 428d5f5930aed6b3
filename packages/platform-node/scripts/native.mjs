// Shared by the install script (build-addon.mjs) and `pnpm prebuild` (prebuild.mjs): what to compile (read from
// binding.gyp, the one place that names the addon, its sources and its libraries), where the headers are, how to
// split CC into a command and its arguments, and how to run the compiler.
import { execFileSync } from "node:child_process"
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"

export const root = resolve(dirname(fileURLToPath(import.meta.url)), "..")
export const vendoredInclude = join(root, "native", "include")

/** The addon's target in binding.gyp: `{ name, sources (absolute), libraries(platform) }`. */
export const binding = () => {
  const gyp = JSON.parse(readFileSync(join(root, "binding.gyp"), "utf8"))
  const target = gyp.targets[0]
  const libraries = (platform) => {
    const libs = [...(target.libraries ?? [])]
    for (const [condition, settings] of target.conditions ?? []) {
      const os = /^OS=='(\w+)'$/.exec(condition)?.[1]
      const gypOs = platform === "darwin" ? "mac" : platform
      if (os === gypOs) libs.push(...(settings.libraries ?? []))
    }
    return libs
  }
  return { name: target.target_name, sources: target.sources.map((s) => join(root, s)), libraries }
}

/**
 * Splits a command line such as `ccache gcc` or `zig cc -target aarch64-linux-musl` into words (single and double
 * quotes group, backslash escapes), as make and node-gyp treat CC.
 */
export const splitCommand = (line) => {
  const words = []
  let word = null
  let quote = null
  for (let i = 0; i < line.length; i++) {
    const c = line[i]
    if (quote !== null) {
      if (c === quote) quote = null
      else if (c === "\\" && quote === '"' && i + 1 < line.length) word += line[++i]
      else word += c
    } else if (c === "'" || c === '"') {
      quote = c
      word ??= ""
    } else if (c === "\\" && i + 1 < line.length) {
      word = (word ?? "") + line[++i]
    } else if (/\s/.test(c)) {
      if (word !== null) words.push(word)
      word = null
    } else {
      word = (word ?? "") + c
    }
  }
  if (word !== null) words.push(word)
  return words
}

const hasHeaders = (dirs) =>
  ["node_api.h", "uv.h"].every((header) => dirs.some((dir) => existsSync(join(dir, header))))

/**
 * The include directories for node_api.h and uv.h. A published package ships them in native/include (copied at
 * prepack from pinned npm packages, see vendor-headers.mjs), so a source build needs no Node headers installed.
 * In the workspace before the first prepack: node-api-headers (a pinned devDependency) plus a uv.h from the Node
 * that runs, npm's nodedir or the usual system places. Returns `{ dirs }` or `{ missing: "what is missing" }`.
 */
export const headerDirs = () => {
  if (hasHeaders([vendoredInclude])) return { dirs: [vendoredInclude] }
  const candidates = [
    process.env.EFFECT_ZMQ_NODEDIR && join(process.env.EFFECT_ZMQ_NODEDIR, "include", "node"),
    join(dirname(process.execPath), "..", "include", "node"),
    process.env.npm_config_nodedir && join(process.env.npm_config_nodedir, "include", "node"),
    "/usr/include/node",
    "/usr/local/include/node",
    "/opt/homebrew/include/node"
  ].filter(Boolean)
  let napi
  try {
    napi = join(dirname(createRequire(join(root, "package.json")).resolve("node-api-headers/package.json")), "include")
  } catch {
    napi = undefined
  }
  for (const dir of candidates) {
    const dirs = [...(napi ? [napi] : []), dir]
    if (hasHeaders(dirs)) return { dirs }
  }
  return {
    missing:
      `the headers node_api.h and uv.h (not in ${vendoredInclude}, which a published package ships, nor in ` +
      `${candidates.join(", ")})`
  }
}

/** Compiler flags for a platform: shared object, position independent, N-API symbols left to the host process. */
export const flags = (platform) => [
  "-O2", "-fPIC", "-shared", "-fvisibility=hidden", "-Wall", "-Wextra", "-Wno-unused-parameter",
  ...(platform === "darwin" ? ["-undefined", "dynamic_lookup"] : [])
]

/**
 * Compiles the addon: `cc` is a command line (split into words), `extra` more flags (e.g. `-s` to strip).
 * Throws an Error whose message says what failed; `error.code === "ENOENT"` when the compiler is not there.
 */
export const compile = ({ cc, output, platform = process.platform, extra = [], includeDirs }) => {
  const [command, ...ccArgs] = splitCommand(cc)
  if (command === undefined) throw new Error("CC is empty")
  const { sources, libraries } = binding()
  for (const source of sources) {
    if (!existsSync(source)) throw new Error(`the source file ${source} (named in binding.gyp) is missing`)
  }
  const args = [
    ...ccArgs, ...flags(platform), ...extra,
    ...includeDirs.flatMap((dir) => ["-I", dir]),
    "-o", output, ...sources, ...libraries(platform)
  ]
  mkdirSync(dirname(output), { recursive: true })
  rmSync(output, { force: true })
  try {
    execFileSync(command, args, { stdio: ["ignore", "inherit", "inherit"] })
  } catch (error) {
    const wrapped = new Error(`\`${[command, ...args].join(" ")}\` failed (${error.message})`, { cause: error })
    wrapped.code = error.code
    throw wrapped
  }
  return output
}

export { copyFileSync, existsSync, readdirSync }
