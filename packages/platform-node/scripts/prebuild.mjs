// `pnpm prebuild`: compiles the addon for every platform the published package ships a binary for, with the
// cross toolchains Debian provides, into prebuilds/<platform>-<arch>/<name>.napi.<libc>.node, the layout and names
// of `prebuildify --napi --strip --tag-libc` that node-gyp-build loads. One build per platform serves every Node
// version: the addon uses only N-API (ABI-stable), libuv, libc and libdl.
//
//   node scripts/prebuild.mjs                 all Linux targets, failing when a toolchain is missing
//   node scripts/prebuild.mjs --if-available  the targets whose compiler is installed (prepack uses this)
//   node scripts/prebuild.mjs --targets linux-x64-glibc,linux-arm64-musl
//   node scripts/prebuild.mjs --check         fails unless every Linux binary is there (prepublishOnly)
//
// The Debian toolchains (as root): dpkg --add-architecture arm64 && apt-get update && apt-get install -y gcc
//   gcc-aarch64-linux-gnu musl-tools musl-dev:arm64
// Each target's compiler can be replaced by EFFECT_ZMQ_CC_<TARGET> (e.g. EFFECT_ZMQ_CC_LINUX_ARM64_MUSL="zig cc
// -target aarch64-linux-musl"); on macOS the darwin target builds a universal binary with the system cc.
import { execFileSync } from "node:child_process"
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs"
import { join } from "node:path"
import { binding, compile, root, splitCommand, vendoredInclude } from "./native.mjs"

const TARGETS = {
  "linux-x64-glibc": { platform: "linux", dir: "linux-x64", libc: "glibc", cc: "x86_64-linux-gnu-gcc", apt: "gcc" },
  "linux-x64-musl": { platform: "linux", dir: "linux-x64", libc: "musl", cc: "x86_64-linux-musl-gcc", apt: "musl-tools" },
  "linux-arm64-glibc": {
    platform: "linux", dir: "linux-arm64", libc: "glibc", cc: "aarch64-linux-gnu-gcc", apt: "gcc-aarch64-linux-gnu"
  },
  "linux-arm64-musl": {
    platform: "linux", dir: "linux-arm64", libc: "musl", cc: "aarch64-linux-musl-gcc",
    apt: "gcc-aarch64-linux-gnu musl-dev:arm64 (after dpkg --add-architecture arm64)"
  },
  "darwin-x64+arm64": { platform: "darwin", dir: "darwin-x64+arm64", cc: "cc -arch x86_64 -arch arm64", apt: "Xcode" }
}
const LINUX = Object.keys(TARGETS).filter((t) => TARGETS[t].platform === "linux")

const argv = process.argv.slice(2)
if (argv.includes("--check")) {
  // prepublishOnly: a release must carry every Linux binary
  const { name } = binding()
  const missing = LINUX.map((id) => join(root, "prebuilds", TARGETS[id].dir, `${name}.napi.${TARGETS[id].libc}.node`))
    .filter((file) => !existsSync(file))
  if (missing.length > 0) {
    console.error(`missing prebuilt binaries (run \`pnpm prebuild\`): ${missing.join(", ")}`)
    process.exit(1)
  }
  process.exit(0)
}
const ifAvailable = argv.includes("--if-available")
const listed = argv.includes("--targets") ? argv[argv.indexOf("--targets") + 1].split(",") : undefined
const wanted = listed ?? (process.platform === "darwin" ? [...LINUX, "darwin-x64+arm64"] : LINUX)

const onPath = (command) => {
  try {
    execFileSync("sh", ["-c", 'command -v "$1"', "sh", command], { stdio: "ignore" })
    return true
  } catch {
    return false
  }
}

if (!existsSync(join(vendoredInclude, "uv.h"))) {
  execFileSync(process.execPath, [join(root, "scripts", "vendor-headers.mjs")], { stdio: "inherit" })
}

// The oldest glibc the glibc binaries may need: the floor of the Node releases they serve (Node 22 and 24 need 2.28).
const GLIBC_FLOOR = [2, 28]
const glibcNeeded = (file) => {
  let newest = [0, 0]
  for (const [, major, minor] of readFileSync(file).toString("latin1").matchAll(/GLIBC_(\d+)\.(\d+)/g)) {
    const version = [Number(major), Number(minor)]
    if (version[0] > newest[0] || (version[0] === newest[0] && version[1] > newest[1])) newest = version
  }
  return newest
}
const extraFlags = (target) => {
  if (target.platform === "darwin") return []
  // -s strips the symbol table, as prebuildify --strip does
  if (target.libc !== "glibc") return ["-s"]
  // old symbol versions for dlopen & co. (see native/compat/glibc.h), and libdl.so.2, which has them before 2.34
  return ["-s", "-include", join(root, "native", "compat", "glibc.h"), "-Wl,--no-as-needed,-l:libdl.so.2"]
}

const { name } = binding()
const built = []
const skipped = []
const failed = []
for (const id of wanted) {
  const target = TARGETS[id]
  if (target === undefined) throw new Error(`unknown target ${id}; known: ${Object.keys(TARGETS).join(", ")}`)
  const cc = process.env[`EFFECT_ZMQ_CC_${id.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`] ??
    (id === "linux-x64-glibc" && process.platform === "linux" && process.arch === "x64" && !onPath(target.cc)
      ? "cc"
      : target.cc)
  if ((target.platform === "darwin") !== (process.platform === "darwin") || !onPath(splitCommand(cc)[0])) {
    skipped.push(`${id} (\`${splitCommand(cc)[0]}\` not found; ${target.apt})`)
    continue
  }
  const output = join(root, "prebuilds", target.dir, `${name}.napi${target.libc ? `.${target.libc}` : ""}.node`)
  try {
    compile({ cc, output, platform: target.platform, extra: extraFlags(target), includeDirs: [vendoredInclude] })
    let note = ""
    if (target.libc === "glibc") {
      const needed = glibcNeeded(output)
      if (needed[0] > GLIBC_FLOOR[0] || (needed[0] === GLIBC_FLOOR[0] && needed[1] > GLIBC_FLOOR[1])) {
        throw new Error(`${output} needs GLIBC_${needed.join(".")}, newer than the floor ${GLIBC_FLOOR.join(".")}`)
      }
      note = ` (needs glibc >= ${needed.join(".")})`
    }
    built.push(`${id}: ${output.slice(root.length + 1)}${note}`)
  } catch (error) {
    rmSync(output, { force: true })
    failed.push(`${id}: ${error.message}`)
  }
}
mkdirSync(join(root, "prebuilds"), { recursive: true })
for (const line of built) console.log(`prebuilt ${line}`)
for (const line of skipped) console.warn(`skipped ${line}`)
for (const line of failed) console.error(`FAILED ${line}`)
if (failed.length > 0 || (!ifAvailable && skipped.length > 0)) process.exit(1)
