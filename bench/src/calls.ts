// Counts what the engine asks of the binding and of the fd watch per message, for one throughput or latency
// scenario of this repository's effect-zmq (see README.md, "Profiling"):
//   node src/calls.ts throughput recv|stream|sink tcp|ipc SIZE COUNT
//   node src/calls.ts latency ROUNDTRIPS
// Prints one line per counter: calls in all, and per message (per round trip for latency).
import { Binding, Readiness } from "@effect-zmq/core"
import { NodeBinding, NodeReadiness } from "@effect-zmq/platform-node"
import { ZmqContext } from "@effect-zmq/zmq"
import { Effect, Layer } from "effect"
import type { Transport } from "./Config.ts"
import * as EffectZmq from "./EffectZmq.ts"
import { current, type Lib } from "./Systems.ts"

const counts = new Map<string, number>()
const count = (name: string) => counts.set(name, (counts.get(name) ?? 0) + 1)

const binding = NodeBinding.makeUnsafe()
if (binding instanceof Error) throw binding
const counted = new Proxy(binding, {
  get: (target, key, receiver) => {
    const value = Reflect.get(target, key, receiver) as unknown
    if (typeof value !== "function") return value
    const name = String(key)
    return (...args: Array<unknown>) => {
      const result = (value as (...a: Array<unknown>) => unknown).apply(target, args)
      // a number from recv/send is an errno (EAGAIN mostly): count failed attempts apart
      count(typeof result === "number" && result !== 0 && (name === "recv" || name === "send") ? `${name} failed` : name)
      return result
    }
  }
})
const readiness = Readiness.Readiness.of({
  watch: (fd, onSignal) =>
    Effect.map(NodeReadiness.readiness.watch(fd, () => {
      count("watch signal")
      onSignal()
    }), (watch) => ({
      start: () => (count("watch start"), watch.start()),
      stop: () => (count("watch stop"), watch.stop()),
      close: () => watch.close()
    }))
})

const layer = ZmqContext.layer().pipe(
  Layer.provide(Layer.merge(Layer.succeed(Binding.Binding, counted), Layer.succeed(Readiness.Readiness, readiness)))
)
const lib: Lib = { ...current, NodeZmq: { ...current.NodeZmq, layer: () => layer } }

const [kind = "throughput", mode = "recv", ...rest] = process.argv.slice(2)
const main = async () => {
  let per: number
  if (kind === "throughput") {
    const [transport = "tcp", size = "16", n = "100000"] = rest
    per = Number(n)
    const rate = mode === "sink"
      ? await EffectZmq.throughput(lib, "stream", transport as Transport, Number(size), per, "sink")
      : await EffectZmq.throughput(lib, mode as EffectZmq.ReceiveMode, transport as Transport, Number(size), per)
    console.log(`${mode} ${transport} ${size} B: ${Math.round(rate)} msg/s`)
  } else {
    per = Number(mode === "recv" ? rest[0] ?? 10000 : mode)
    await EffectZmq.latency(lib, 16, per, 0)
  }
  for (const [name, n] of [...counts].sort((a, b) => b[1] - a[1])) {
    console.log(`${name.padEnd(16)} ${String(n).padStart(9)}  ${(n / per).toFixed(3)} per ${kind === "latency" ? "round trip" : "message"}`)
  }
}
main().catch((error) => {
  console.error(error)
  process.exitCode = 1
})
