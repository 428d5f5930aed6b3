// Builds the addon (native/effect_zmq.c: the libzmq binding and the readiness driver) into build/effect_zmq.node with the system C compiler.
// Runs as this package's install script. It needs a C compiler and Node's headers (node_api.h, uv.h); it looks
// for the headers next to the running Node (process.execPath/../../include/node), then in npm's `nodedir`, then in
// the usual system places, because pnpm's node-gyp neither reads `nodedir` nor can download headers offline.
import { execFileSync } from "node:child_process"
import { existsSync, mkdirSync } from "node:fs"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..")
const source = join(root, "native", "effect_zmq.c")
const output = join(root, "build", "effect_zmq.node")

const headerCandidates = [
  process.env.EFFECT_ZMQ_NODEDIR && join(process.env.EFFECT_ZMQ_NODEDIR, "include", "node"),
  join(dirname(process.execPath), "..", "include", "node"),
  process.env.npm_config_nodedir && join(process.env.npm_config_nodedir, "include", "node"),
  "/usr/include/node",
  "/usr/local/include/node",
  "/opt/homebrew/include/node"
].filter(Boolean)

const fail = (message) => {
  console.error(`@effect-zmq/platform-node: cannot build the native addon: ${message}`)
  process.exit(1)
}

if (process.platform === "win32") {
  fail("Windows is not supported yet (the driver dup()s a POSIX file descriptor)")
}
const headers = headerCandidates.find((dir) => existsSync(join(dir, "node_api.h")) && existsSync(join(dir, "uv.h")))
if (headers === undefined) {
  fail(
    `Node's C headers (node_api.h and uv.h) were not found in: ${headerCandidates.join(", ")}. ` +
      "Install them (Debian: apt-get install libnode-dev, or use an official Node build, which ships include/node) " +
      "or point EFFECT_ZMQ_NODEDIR at a directory that holds include/node."
  )
}
const compiler = process.env.CC ?? "cc"
const args = [
  "-O2", "-fPIC", "-shared", "-Wall", "-Wextra", "-Wno-unused-parameter",
  "-I", headers,
  ...(process.platform === "darwin" ? ["-undefined", "dynamic_lookup"] : []),
  "-o", output, source,
  // dlopen/dlsym (libzmq is found at run time, not linked); pthread for the release queue's mutex
  ...(process.platform === "linux" ? ["-ldl", "-lpthread"] : [])
]
mkdirSync(dirname(output), { recursive: true })
try {
  execFileSync(compiler, args, { stdio: "inherit" })
} catch (error) {
  fail(`\`${compiler} ${args.join(" ")}\` failed (${error.message}). A C compiler is required (Debian: apt-get install build-essential; set CC to use another).`)
}
