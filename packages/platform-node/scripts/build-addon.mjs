// The install script of @effect-zmq/platform-node. It never fails the install: when no addon can be had it prints a
// warning naming what is missing, and NodeZmq.layer later fails with a ZMQError ENODEV that says what to do.
//
// 1. When a prebuilt binary for this platform (prebuilds/<platform>-<arch>/*.node, found by node-gyp-build, the
//    loader the package uses at run time) or an earlier build (build/Release) loads, there is nothing to do.
// 2. Otherwise the addon is compiled from source (the sources named in binding.gyp) into build/Release with the C
//    compiler in CC (a command line: `CC="ccache gcc"`, `CC="zig cc"` work) or `cc`, against the headers shipped in
//    native/include, so no Node headers need to be installed.
//
// EFFECT_ZMQ_BUILD_FROM_SOURCE=1 (or npm's --build-from-source) skips step 1, and so does the repository (where
// scripts/vendor-headers.mjs exists): a developer's `pnpm install` always compiles the C they have.
// EFFECT_ZMQ_STRICT_BUILD=1 makes a failed build fail the install.
import { execFileSync } from "node:child_process"
import { existsSync, rmSync, symlinkSync } from "node:fs"
import { createRequire } from "node:module"
import { join } from "node:path"
import { binding, compile, headerDirs, root, splitCommand } from "./native.mjs"

const require = createRequire(import.meta.url)
const tag = "@effect-zmq/platform-node"
const strict = process.env.EFFECT_ZMQ_STRICT_BUILD === "1"
const vendor = join(root, "scripts", "vendor-headers.mjs") // in the repository only, not in the published package
const inRepository = existsSync(vendor)
const fromSource = inRepository || process.env.EFFECT_ZMQ_BUILD_FROM_SOURCE === "1" ||
  process.env.npm_config_build_from_source === "true"

const warn = (what) => {
  const message =
    `${tag}: WARNING: no native addon for ${process.platform}-${process.arch}: ${what}. ` +
    "The install goes on, but NodeZmq.layer will fail with ZMQError ENODEV until the addon is built: install a C " +
    "compiler (Debian/Ubuntu: apt-get install gcc libc6-dev; Alpine: apk add build-base; macOS: xcode-select " +
    "--install), then run `npm rebuild @effect-zmq/platform-node --foreground-scripts` (pnpm: `pnpm rebuild " +
    "@effect-zmq/platform-node`)."
  console.warn(message)
  process.exit(strict ? 1 : 0)
}

const loads = (file) => {
  try {
    require(file)
    return true
  } catch (error) {
    console.warn(`${tag}: ${file} does not load here (${error.message.split("\n")[0]})`)
    return false
  }
}

if (!fromSource) {
  let found
  try {
    found = require("node-gyp-build").resolve(root)
  } catch {
    found = undefined
  }
  if (found !== undefined && loads(found)) process.exit(0)
}

if (process.platform === "win32") warn("Windows is not supported yet (the driver dup()s a POSIX file descriptor)")

let headers = headerDirs()
if (headers.missing !== undefined && inRepository) {
  try {
    execFileSync(process.execPath, [vendor], { stdio: "inherit" })
  } catch {
    // reported below as missing headers
  }
  headers = headerDirs()
}
if (headers.missing !== undefined) warn(`cannot build from source: missing ${headers.missing}`)

const cc = process.env.CC?.trim() || "cc"
const output = join(root, "build", "Release", `${binding().name}.node`)
try {
  compile({ cc, output, includeDirs: headers.dirs })
} catch (error) {
  warn(
    error.code === "ENOENT"
      ? `cannot build from source: no C compiler (\`${splitCommand(cc)[0]}\` is not on PATH; set CC to use another)`
      : `cannot build from source: ${error.message}`
  )
}
if (!loads(output)) warn(`the addon built at ${output} does not load`)
if (inRepository) {
  // build/<name>.node, for the repository's tests and scripts that load the file directly
  const link = join(root, "build", `${binding().name}.node`)
  rmSync(link, { force: true })
  symlinkSync(join("Release", `${binding().name}.node`), link)
}
console.log(`${tag}: built ${output} from source with \`${cc}\``)
