import { rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Layer, Queue } from "effect"
import { RpcClient, RpcSerialization, RpcServer } from "effect/rpc"
import { ZmqRpc } from "@effect-zmq/zmq"
import { NodeZmq } from "@effect-zmq/platform-node"
import { Probe, Service, ServiceLive } from "./service.ts"

export const serializations = {
  json: RpcSerialization.layerJson,
  ndjson: RpcSerialization.layerNdjson,
  schemaBinary: RpcSerialization.layerSchemaBinary()
} as const

/** A probe whose events go to a queue: `next("started", "x")` waits (bounded) for that event. */
export const makeProbe = Effect.gen(function*() {
  const events = yield* Queue.unbounded<string>()
  const layer = Layer.succeed(Probe)({
    started: (tag) => Queue.offer(events, `started ${tag}`).pipe(Effect.asVoid),
    interrupted: (tag) => Queue.offer(events, `interrupted ${tag}`).pipe(Effect.asVoid)
  })
  const next = (event: string) =>
    Effect.gen(function*() {
      for (;;) if ((yield* Queue.take(events)) === event) return
    }).pipe(Effect.timeoutOrElse({ duration: "15 seconds", orElse: () => Effect.die(new Error(`no "${event}"`)) }))
  return { layer, next }
})

/**
 * Runs the test service on a ROUTER bound at `bind` (in the current scope); returns the bound endpoints (and, as
 * `protocol`, the server protocol, to look at its `clientIds`).
 */
export const startServer = (options: {
  readonly bind: string | ReadonlyArray<string>
  readonly serialization?: keyof typeof serializations
  readonly probe?: Layer.Layer<Probe>
  readonly server?: Partial<ZmqRpc.ServerOptions>
}) =>
  Effect.gen(function*() {
    const { endpoints, protocol } = yield* ZmqRpc.makeProtocolServerWithEndpoints({ ...options.server, bind: options.bind })
    yield* RpcServer.make(Service).pipe(
      Effect.provideService(RpcServer.Protocol, protocol),
      Effect.provide(ServiceLive),
      Effect.provide(options.probe ?? Layer.succeed(Probe)({ started: () => Effect.void, interrupted: () => Effect.void })),
      Effect.forkScoped
    )
    return Object.assign([...endpoints], { protocol })
  }).pipe(Effect.provide(serializations[options.serialization ?? "json"]))

/** A client of the test service over a DEALER connected to `connect` (scoped). */
export const makeClient = (options: {
  readonly connect: string | ReadonlyArray<string>
  readonly serialization?: keyof typeof serializations
  readonly client?: Partial<ZmqRpc.ClientOptions>
}) =>
  Effect.gen(function*() {
    const protocol = yield* ZmqRpc.makeProtocolClient({ ...options.client, connect: options.connect })
    return yield* RpcClient.make(Service).pipe(Effect.provideService(RpcClient.Protocol, protocol))
  }).pipe(Effect.provide(serializations[options.serialization ?? "json"]))

export const zmq = NodeZmq.layer()

/** A fresh ipc endpoint in the temporary directory; `removeIpcFiles` (in `afterAll`) removes what is left. */
const ipcFiles = new Set<string>()
/** Removes the files of the ipc endpoints made so far (a server killed with SIGKILL leaves its file behind). */
export const removeIpcFiles = () => {
  for (const file of ipcFiles) rmSync(file, { force: true })
  ipcFiles.clear()
}
export const ipcEndpoint = () => {
  const file = join(tmpdir(), `effect-zmq-rpc-${process.pid}-${Math.random().toString(36).slice(2)}.sock`)
  ipcFiles.add(file)
  return `ipc://${file}`
}
