// The RPC benchmark: one Effect RPC service (a unary Echo and a streaming Count) over ZmqRpc (DEALER/ROUTER on
// tcp) and over Effect RPC's own socket protocol on TCP (`RpcClient.makeProtocolSocket` /
// `RpcServer.makeProtocolSocketServer`, on node:net), in the same run, client and server in this process.
// Measures: sequential unary round trips per second, unary calls per second with 64 in flight, and the elements per
// second of a 100k-element stream (acks on: the server waits for the client's ack after each chunk).
import { mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { Effect, Layer, Schema, Stream } from "effect"
import { Rpc, RpcClient, RpcGroup, RpcSerialization, RpcServer } from "effect/rpc"
import type { RpcClientError } from "effect/rpc/RpcClientError"
import * as Socket from "effect/socket/Socket"
import * as SocketServer from "effect/socket/SocketServer"
import { ZmqRpc } from "@effect-zmq/zmq"
import { NodeZmq } from "@effect-zmq/platform-node"
import { median } from "./Measure.ts"
import * as RpcNet from "./RpcNet.ts"

class Bench extends RpcGroup.make(
  Rpc.make("Echo", { payload: { text: Schema.String }, success: Schema.String }),
  Rpc.make("Count", { payload: { to: Schema.Number }, success: Schema.Number, stream: true })
) {}

const BenchLive = Bench.toLayer({
  Echo: ({ text }) => Effect.succeed(text),
  Count: ({ to }) => Stream.range(1, to)
})

interface RpcConfig {
  readonly rounds: number
  readonly warmupCalls: number
  readonly sequentialCalls: number
  readonly concurrentCalls: number
  readonly concurrency: number
  readonly streamElements: number
}

const configs: Record<"full" | "smoke", RpcConfig> = {
  full: { rounds: 3, warmupCalls: 3_000, sequentialCalls: 5_000, concurrentCalls: 20_000, concurrency: 64, streamElements: 100_000 },
  smoke: { rounds: 1, warmupCalls: 300, sequentialCalls: 300, concurrentCalls: 1_000, concurrency: 64, streamElements: 100_000 }
}

export interface RpcTrial {
  readonly sequentialPerSecond: number
  readonly concurrentPerSecond: number
  readonly streamPerSecond: number
}

export interface RpcResult extends RpcTrial {
  readonly system: string
}

type Client = RpcClient.FromGroup<typeof Bench, RpcClientError>

const measure = (client: Client, config: RpcConfig) =>
  Effect.gen(function*() {
    // warm-up (the JIT, and the connection)
    for (let i = 0; i < config.warmupCalls; i++) yield* client.Echo({ text: "warm" })
    yield* client.Count({ to: 10_000 }).pipe(Stream.runDrain)

    let started = performance.now()
    for (let i = 0; i < config.sequentialCalls; i++) yield* client.Echo({ text: "0123456789abcdef" })
    const sequentialPerSecond = config.sequentialCalls / ((performance.now() - started) / 1000)

    started = performance.now()
    yield* Effect.forEach(
      Array.from({ length: config.concurrentCalls }, (_, i) => i),
      () => client.Echo({ text: "0123456789abcdef" }),
      { concurrency: config.concurrency, discard: true }
    )
    const concurrentPerSecond = config.concurrentCalls / ((performance.now() - started) / 1000)

    started = performance.now()
    const count = yield* client.Count({ to: config.streamElements }).pipe(Stream.runCount)
    if (count !== config.streamElements) return yield* Effect.die(new Error(`stream gave ${count} elements`))
    const streamPerSecond = count / ((performance.now() - started) / 1000)
    return { sequentialPerSecond, concurrentPerSecond, streamPerSecond } satisfies RpcTrial
  })

const serve = Effect.fnUntraced(function*(protocol: RpcServer.Protocol["Service"]) {
  yield* RpcServer.make(Bench).pipe(
    Effect.provideService(RpcServer.Protocol, protocol),
    Effect.provide(BenchLive),
    Effect.forkScoped
  )
})

const overZmq = (serialization: Layer.Layer<RpcSerialization.RpcSerialization>, config: RpcConfig) =>
  Effect.gen(function*() {
    const { endpoints, protocol } = yield* ZmqRpc.makeProtocolServerWithEndpoints({ bind: "tcp://127.0.0.1:*" })
    yield* serve(protocol)
    const clientProtocol = yield* ZmqRpc.makeProtocolClient({ connect: endpoints[0]! })
    const client = yield* RpcClient.make(Bench).pipe(Effect.provideService(RpcClient.Protocol, clientProtocol))
    return yield* measure(client, config)
  }).pipe(Effect.scoped, Effect.provide(serialization), Effect.provide(NodeZmq.layer()))

const overEffectSocket = (config: RpcConfig) =>
  Effect.gen(function*() {
    const server = yield* RpcNet.listen
    const protocol = yield* RpcServer.makeProtocolSocketServer.pipe(
      Effect.provideService(SocketServer.SocketServer, server)
    )
    yield* serve(protocol)
    const socket = yield* RpcNet.connect(server.port)
    const clientProtocol = yield* RpcClient.makeProtocolSocket().pipe(Effect.provideService(Socket.Socket, socket))
    const client = yield* RpcClient.make(Bench).pipe(Effect.provideService(RpcClient.Protocol, clientProtocol))
    return yield* measure(client, config)
  }).pipe(Effect.scoped, Effect.provide(RpcSerialization.layerNdjson))

export const EFFECT_SOCKET = "Effect RPC socket protocol, TCP (ndjson)"
const systems: ReadonlyArray<{ readonly name: string; readonly run: (config: RpcConfig) => Effect.Effect<RpcTrial, unknown> }> = [
  { name: "ZmqRpc, tcp (json)", run: (config) => overZmq(RpcSerialization.layerJson, config) },
  { name: "ZmqRpc, tcp (ndjson)", run: (config) => overZmq(RpcSerialization.layerNdjson, config) },
  { name: EFFECT_SOCKET, run: overEffectSocket }
]

export const run = async (name: "full" | "smoke"): Promise<Array<RpcResult>> => {
  const config = configs[name]
  const trials = new Map<string, Array<RpcTrial>>(systems.map((s) => [s.name, []]))
  for (let round = 1; round <= config.rounds; round++) {
    process.stderr.write(`rpc round ${round}/${config.rounds}\n`)
    for (let i = 0; i < systems.length; i++) {
      const system = systems[(i + round) % systems.length]!
      process.stderr.write(`  ${system.name} ...\n`)
      trials.get(system.name)!.push(await Effect.runPromise(system.run(config)))
    }
  }
  return systems.map((s) => {
    const all = trials.get(s.name)!
    return {
      system: s.name,
      sequentialPerSecond: median(all.map((t) => t.sequentialPerSecond)),
      concurrentPerSecond: median(all.map((t) => t.concurrentPerSecond)),
      streamPerSecond: median(all.map((t) => t.streamPerSecond))
    }
  })
}

const fmt = (n: number) => Math.round(n).toLocaleString("en-US")

export const table = (results: ReadonlyArray<RpcResult>): string => {
  const base = results.find((r) => r.system === EFFECT_SOCKET)
  const ratio = (a: number, b: number | undefined) => (b === undefined ? "" : ` (${(a / b).toFixed(2)}x)`)
  const lines = [
    "Effect RPC: ZmqRpc vs Effect's socket protocol on TCP (ratio to the socket protocol)",
    "| system | unary, sequential (calls/s) | unary, 64 in flight (calls/s) | 100k stream (elements/s) |",
    "| --- | --- | --- | --- |"
  ]
  for (const r of results) {
    lines.push(
      `| ${r.system} | ${fmt(r.sequentialPerSecond)}${ratio(r.sequentialPerSecond, base?.sequentialPerSecond)} | ${
        fmt(r.concurrentPerSecond)
      }${ratio(r.concurrentPerSecond, base?.concurrentPerSecond)} | ${fmt(r.streamPerSecond)}${
        ratio(r.streamPerSecond, base?.streamPerSecond)
      } |`
    )
  }
  return lines.join("\n")
}

/** Runs the RPC benchmark, prints its table and writes `results/[smoke-]rpc-latest.json`. */
export const main = async (name: "full" | "smoke", resultsDir: string): Promise<void> => {
  const results = await run(name)
  console.log(`\n${table(results)}`)
  mkdirSync(resultsDir, { recursive: true })
  writeFileSync(
    join(resultsDir, `${name === "smoke" ? "smoke-" : ""}rpc-latest.json`),
    `${JSON.stringify({ date: new Date().toISOString(), config: configs[name], results }, null, 2)}\n`
  )
}

// `node src/Rpc.ts [--smoke]` runs only this benchmark
if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.includes("--smoke") ? "smoke" : "full", join(import.meta.dirname, "..", "results")).catch((error) => {
    console.error(error)
    process.exitCode = 1
  })
}
