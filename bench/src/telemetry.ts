// The cost of telemetry (issue 11, docs/observability.md): the plain send/recv loop with telemetry off, against the
// same loop with telemetry on (metrics only; metrics and a span per message), and REQ/REP round trips with plain
// send/recv, with ZmqSocket.request (always in a client span, the server in `serve` spans) and with the trace
// context propagated. Cases alternate within each round; the median of the rounds is printed.
//
//   node src/telemetry.ts            (default: 5 rounds of 100k messages, 20k round trips)
//   node src/telemetry.ts --smoke    (a few thousand, to keep the path working)
//   node src/telemetry.ts --plain    (only the cases with telemetry off: run it on an older checkout too, to compare
//                                     "before"; there, request/serve has no spans)
import { NodeZmq } from "@effect-zmq/platform-node"
import { ZmqSocket } from "@effect-zmq/zmq"
import type { ZmqContext, ZMQError } from "@effect-zmq/zmq"
import { Effect, Fiber, Layer } from "effect"
import { median, nowNanos, payload, summariseLatency } from "./Measure.ts"

const smoke = process.argv.includes("--smoke")
const plainOnly = process.argv.includes("--plain")
const rounds = smoke ? 1 : 5
const messages = smoke ? 5_000 : 100_000
const roundTrips = smoke ? 1_000 : 20_000

/** The `telemetry` option of the sockets of a case; `undefined` is telemetry off (the default). */
type Telemetry = { readonly metrics?: boolean; readonly messageSpans?: boolean; readonly propagation?: boolean } | undefined

const run = <A>(effect: Effect.Effect<A, ZMQError, ZmqContext.ZmqContext>): Promise<A> =>
  Effect.runPromise(effect.pipe(Effect.provide(Layer.fresh(NodeZmq.layer()))))

/** `telemetry` only when on: on an older checkout the option does not exist, and the plain case must run there. */
const withTelemetry = (options: Record<string, unknown>, telemetry: Telemetry) =>
  (telemetry === undefined ? options : { ...options, telemetry }) as ZmqSocket.MakeOptions

/** CPU time (all threads, libzmq's I/O thread included) per message of the last throughput run, in µs. */
const cpuPerMessage: Array<number> = []

/**
 * PUSH → PULL over tcp, 16 B, a sender fiber and the receiving loop: messages per second (and, into
 * `cpuPerMessage`, the CPU µs per message, which is steadier than msg/s on a shared machine).
 */
const throughput = (telemetry: Telemetry): Promise<number> => {
  const data = payload(16)
  return run(Effect.scoped(Effect.gen(function*() {
    const pull = yield* ZmqSocket.make("PULL", withTelemetry({ bind: "tcp://127.0.0.1:*" }, telemetry))
    const push = yield* ZmqSocket.make("PUSH", withTelemetry({ connect: yield* pull.lastEndpoint }, telemetry))
    yield* push.send(data)
    yield* pull.recv()
    const cpu = process.cpuUsage()
    const started = nowNanos()
    const sender = yield* Effect.forkChild(Effect.gen(function*() {
      for (let i = 0; i < messages; i++) yield* push.send(data, { copy: false })
    }))
    for (let i = 0; i < messages; i++) yield* pull.recv()
    const elapsed = nowNanos() - started
    yield* Fiber.join(sender)
    const used = process.cpuUsage(cpu)
    cpuPerMessage.push((used.user + used.system) / messages)
    return (messages * 1e9) / elapsed
  })))
}

/** REQ/REP round trips: `mode` plain send/recv (the user loop), or `ZmqSocket.request` against `ZmqSocket.serve`. */
const latency = (mode: "plain" | "request", telemetry: Telemetry): Promise<number> => {
  const data = payload(16)
  return run(Effect.scoped(Effect.gen(function*() {
    const rep = yield* ZmqSocket.make("REP", withTelemetry({ bind: "tcp://127.0.0.1:*" }, telemetry))
    const req = yield* ZmqSocket.make("REQ", withTelemetry({ connect: yield* rep.lastEndpoint }, telemetry))
    if (mode === "plain") yield* Effect.forkChild(Effect.forever(Effect.flatMap(rep.recv(), (message) => rep.send(message))))
    else yield* Effect.forkChild(ZmqSocket.serve(rep, (request) => Effect.succeed(request)))
    const samples: Array<number> = []
    for (let i = 0; i < 500 + roundTrips; i++) {
      const started = nowNanos()
      if (mode === "plain") {
        yield* req.send(data)
        yield* req.recv()
      } else {
        yield* ZmqSocket.request(req, data)
      }
      if (i >= 500) samples.push(nowNanos() - started)
    }
    return summariseLatency(samples).p50
  })))
}

interface Case {
  readonly name: string
  readonly unit: "msg/s" | "µs p50"
  readonly plain: boolean
  readonly run: () => Promise<number>
}

const cases: ReadonlyArray<Case> = [
  { name: "send/recv loop, telemetry off", unit: "msg/s", plain: true, run: () => throughput(undefined) },
  { name: "send/recv loop, metrics", unit: "msg/s", plain: false, run: () => throughput({ metrics: true }) },
  {
    name: "send/recv loop, metrics + message spans",
    unit: "msg/s",
    plain: false,
    run: () => throughput({ metrics: true, messageSpans: true })
  },
  { name: "REQ/REP send+recv, telemetry off", unit: "µs p50", plain: true, run: () => latency("plain", undefined) },
  { name: "REQ/REP request/serve (spans), telemetry off", unit: "µs p50", plain: true, run: () => latency("request", undefined) },
  {
    name: "REQ/REP request/serve, metrics + propagation",
    unit: "µs p50",
    plain: false,
    run: () => latency("request", { metrics: true, propagation: true })
  }
]

const main = async () => {
  const chosen = cases.filter((c) => c.plain || !plainOnly)
  const results = new Map<string, Array<number>>(chosen.map((c) => [c.name, []]))
  const cpu = new Map<string, Array<number>>(chosen.map((c) => [c.name, []]))
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < chosen.length; i++) {
      const c = chosen[(i + round) % chosen.length]!
      results.get(c.name)!.push(await c.run())
      if (c.unit === "msg/s") cpu.get(c.name)!.push(cpuPerMessage.pop()!)
    }
  }
  const base = (unit: Case["unit"]) => median(results.get(chosen.find((c) => c.unit === unit && c.plain)!.name)!)
  console.log(`telemetry cost, median of ${rounds} round(s) (${messages} messages, ${roundTrips} round trips)`)
  for (const c of chosen) {
    const value = median(results.get(c.name)!)
    const relative = value / base(c.unit)
    const shown = c.unit === "msg/s" ? `${Math.round(value).toLocaleString("en")} msg/s` : `${value.toFixed(1)} µs p50`
    const spread = results.get(c.name)!.map((v) => c.unit === "msg/s" ? Math.round(v / 1000) + "k" : v.toFixed(1)).join(" ")
    const cpuShown = c.unit === "msg/s" ? `  ${median(cpu.get(c.name)!).toFixed(2)} µs CPU/msg` : ""
    console.log(`  ${c.name.padEnd(46)} ${shown.padStart(18)}  x${relative.toFixed(2)}  [${spread}]${cpuShown}`)
  }
}

main().catch((error) => {
  console.error(error)
  process.exitCode = 1
})
