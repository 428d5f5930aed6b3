// Microbenchmark of the synchronous binding (not a test): 16 B send + recv on one thread, ns per message.
// Usage: node scripts/micro.mjs [messages]   (from packages/platform-node, after the addon is built)
import { createRequire } from "node:module"

const require = createRequire(import.meta.url)
require("zeromq")
const native = require("../build/effect_zmq.node")
const description = native.init(Object.keys(require.cache).find((key) => key.endsWith("addon.node")) ?? null)
if (typeof description === "string") throw new Error(description)
const EAGAIN = native.errnos().EAGAIN
const count = Number(process.argv[2] ?? 1_000_000)
const shared = native.shared
let generation = -1
let slab = new Uint8Array(0)
const recv = (socket) => {
  const result = native.recv(socket, 1, false)
  if (typeof result !== "number") return result
  if (result < 0) return -result
  if (shared[3] !== generation) {
    generation = shared[3]
    slab = new Uint8Array(native.slab())
  }
  return slab.subarray(result, result + shared[1])
}

const bench = (endpoint, size) => {
  const context = native.contextNew()
  const pull = native.socket(context, 7)
  const push = native.socket(context, 8)
  for (const s of [pull, push]) {
    native.setOption(s, 17, 0, 0)
    native.setOption(s, 23, 0, 0) // SNDHWM unlimited
    native.setOption(s, 24, 0, 0) // RCVHWM unlimited
  }
  native.bind(pull, endpoint)
  native.connect(push, native.getOption(pull, 32, 5))
  const payload = new Uint8Array(size)
  // warm up until the connection is there
  while (native.send(push, payload, 1) === EAGAIN);
  while (typeof recv(pull) === "number");
  const batch = 1000
  const start = process.hrtime.bigint()
  let received = 0
  while (received < count) {
    let sent = 0
    while (sent < batch && native.send(push, payload, 1) === 0) sent++
    for (let got = 0; got < sent;) {
      const frame = recv(pull)
      if (typeof frame === "number") {
        if (frame !== EAGAIN) throw new Error(native.strerror(frame))
        continue // spin: the frames are on their way through libzmq's I/O thread
      }
      got++
    }
    received += sent
  }
  const ns = Number(process.hrtime.bigint() - start) / received
  native.close(push)
  native.close(pull)
  native.contextTerm(context, () => {})
  return ns
}

console.log(`libzmq ${description.version} from ${description.file}`)
for (const [name, endpoint] of [["inproc", "inproc://micro"], ["tcp", "tcp://127.0.0.1:*"], ["ipc", "ipc:///tmp/effect-zmq-micro.sock"]]) {
  for (const size of [16, 1024]) {
    console.log(`${name} ${size} B send+recv: ${bench(endpoint, size).toFixed(0)} ns/msg`)
  }
}
