/**
 * Effect RPC over ZeroMQ in one process: every call kind over tcp and ipc and with each serialization, interruption
 * reaching the server handler, span propagation, many calls and many clients, bad options.
 */
import { afterAll, describe, expect, it } from "@effect/vitest"
import { Cause, Deferred, Effect, Exit, Fiber, Layer, Scope, Stream } from "effect"
import { RpcSerialization } from "effect/rpc"
import { ZmqRpc } from "@effect-zmq/zmq"
import { Boom } from "./service.ts"
import { ipcEndpoint, removeIpcFiles, makeClient, makeProbe, serializations, startServer, zmq } from "./util.ts"


const transports = {
  tcp: () => "tcp://127.0.0.1:*",
  ipc: ipcEndpoint
} as const

describe("ZmqRpc", () => {
  afterAll(removeIpcFiles)

  for (const [transport, endpoint] of Object.entries(transports)) {
    for (const serialization of Object.keys(serializations) as Array<keyof typeof serializations>) {
      it.live(`every call kind over ${transport} with ${serialization}`, () =>
        Effect.gen(function*() {
          const probe = yield* makeProbe
          const [bound] = yield* startServer({ bind: endpoint(), serialization, probe: probe.layer })
          const client = yield* makeClient({ connect: bound!, serialization })

          expect(yield* client.Echo({ text: "hello" })).toBe("hello")
          const failure = yield* client.Fail({ reason: "nope" }).pipe(Effect.flip)
          expect(failure).toBeInstanceOf(Boom)
          expect(failure.reason).toBe("nope")
          const died = yield* client.Die({ message: "kaput" }).pipe(Effect.exit)
          expect(Exit.isFailure(died) && Cause.hasDies(died.cause)).toBe(true)
          const squashed = Exit.isFailure(died) ? Cause.squash(died.cause) : undefined
          expect(String((squashed as Error | undefined)?.message)).toContain("kaput")

          const counted = yield* client.Count({ from: 1, to: 1000 }).pipe(Stream.runCollect)
          expect(counted.length).toBe(1000)
          expect(counted[0]).toBe(1)
          expect(counted[999]).toBe(1000)

          // taking a few elements of an endless stream interrupts the server's stream
          const head = yield* client.Forever({ tag: "f" }).pipe(Stream.take(5), Stream.runCollect)
          expect(head).toEqual([0, 1, 2, 3, 4])
          yield* probe.next("interrupted f")

          // interrupting a unary call interrupts its handler
          const hang = yield* client.Hang({ tag: "h" }).pipe(Effect.forkChild)
          yield* probe.next("started h")
          yield* Fiber.interrupt(hang)
          yield* probe.next("interrupted h")

          // the client goes on working after all that
          expect(yield* client.Echo({ text: "again" })).toBe("again")
        }).pipe(Effect.scoped, Effect.provide(zmq), Effect.timeout("30 seconds")))
    }
  }

  it.live("binds several endpoints; clients on each", () =>
    Effect.gen(function*() {
      const bound = yield* startServer({ bind: ["tcp://127.0.0.1:*", ipcEndpoint()] })
      expect(bound.length).toBe(2)
      for (const endpoint of bound) {
        const client = yield* makeClient({ connect: endpoint })
        expect(yield* client.Echo({ text: endpoint })).toBe(endpoint)
      }
    }).pipe(Effect.scoped, Effect.provide(zmq)))

  it.live("propagates spans: the server span is in the client's trace, under the client's span", () =>
    Effect.gen(function*() {
      const [bound] = yield* startServer({ bind: "tcp://127.0.0.1:*" })
      const client = yield* makeClient({ connect: bound! })
      const [span, seen] = yield* Effect.all([Effect.currentSpan, client.Span()]).pipe(Effect.withSpan("caller"))
      expect(seen.traceId).toBe(span.traceId)
      expect(seen.parentSpanId).toBeDefined()
    }).pipe(Effect.scoped, Effect.provide(zmq)))

  it.live("1,000 concurrent calls from 10 clients are all answered once, each with its own answer", () =>
    Effect.gen(function*() {
      const [bound] = yield* startServer({ bind: "tcp://127.0.0.1:*" })
      const clients = yield* Effect.forEach(Array.from({ length: 10 }, (_, i) => i), () => makeClient({ connect: bound! }))
      const answers = yield* Effect.forEach(
        Array.from({ length: 1000 }, (_, i) => i),
        (i) => clients[i % 10]!.Echo({ text: `call ${i}` }),
        { concurrency: "unbounded" }
      )
      expect(answers).toEqual(Array.from({ length: 1000 }, (_, i) => `call ${i}`))
      // and the server ran each exactly once
      expect(yield* clients[0]!.Echoes()).toBe(1000)
    }).pipe(Effect.scoped, Effect.provide(zmq)))

  it.live("concurrent streams on one client with backpressure", () =>
    Effect.gen(function*() {
      const [bound] = yield* startServer({ bind: "tcp://127.0.0.1:*" })
      const client = yield* makeClient({ connect: bound! })
      const sums = yield* Effect.forEach(
        [100, 2000, 5000],
        (n) => client.Count({ from: 1, to: n }).pipe(Stream.runFold(() => 0, (a, b) => a + b)),
        { concurrency: "unbounded" }
      )
      expect(sums).toEqual([5050, 2001000, 12502500])
    }).pipe(Effect.scoped, Effect.provide(zmq)))

  it.live("several endpoints: calls spread over the servers, streams keep their server, a dead server fails only its calls", () =>
    Effect.gen(function*() {
      const probeA = yield* makeProbe
      const probeB = yield* makeProbe
      const scopeA = yield* Scope.make()
      const [a] = yield* startServer({ bind: "tcp://127.0.0.1:*", probe: probeA.layer }).pipe(Scope.provide(scopeA))
      const [b] = yield* startServer({ bind: "tcp://127.0.0.1:*", probe: probeB.layer })
      const client = yield* makeClient({ connect: [a!, b!], client: { pingInterval: 250, pingTimeout: 2000 } })
      // streams with acks on both servers at once: each ack must reach the server of its stream
      const sums = yield* Effect.forEach(
        [1, 2, 3, 4],
        () => client.Count({ from: 1, to: 3000 }).pipe(Stream.runFold(() => 0, (x, y) => x + y)),
        { concurrency: "unbounded" }
      )
      expect(sums).toEqual([4501500, 4501500, 4501500, 4501500])
      // one hanging call on each server, in turn
      const onA = yield* client.Hang({ tag: "a" }).pipe(Effect.forkChild)
      const onB = yield* client.Hang({ tag: "b" }).pipe(Effect.forkChild)
      yield* Effect.all([probeA.next("started a"), probeB.next("started b")], { concurrency: 2 })
      yield* Scope.close(scopeA, Exit.void)
      const exit = yield* Fiber.await(onA).pipe(Effect.timeout("15 seconds"))
      expect(Exit.isFailure(exit)).toBe(true)
      expect(onB.pollUnsafe()).toBeUndefined()
      yield* Fiber.interrupt(onB)
      yield* probeB.next("interrupted b")
      // new calls go to b; one sent to a before the client saw a's connection drop fails typed, and the retry goes to b
      expect(yield* client.Echo({ text: "b is alive" }).pipe(Effect.retry({ times: 1 }))).toBe("b is alive")
    }).pipe(Effect.scoped, Effect.provide(zmq)))

  it.live("backpressure: a stream whose consumer stops pulling stops producing on the server", () =>
    Effect.gen(function*() {
      const [bound] = yield* startServer({ bind: "tcp://127.0.0.1:*" })
      const client = yield* makeClient({ connect: bound! })
      const first = yield* Deferred.make<void>()
      const held = yield* client.Ticks().pipe(
        Stream.tap(() => Effect.andThen(Deferred.succeed(first, undefined), Effect.never)),
        Stream.runDrain,
        Effect.forkChild
      )
      yield* Deferred.await(first)
      // 100 round trips on the same connection (which a held stream must not block): the server produced only
      // what the client's stream buffer (16 elements) and the chunk in flight hold, not thousands
      let produced = 0
      for (let i = 0; i < 100; i++) produced = yield* client.Produced()
      expect(produced).toBeGreaterThan(0)
      expect(produced).toBeLessThan(64)
      yield* Fiber.interrupt(held)
    }).pipe(Effect.scoped, Effect.provide(zmq)))

  it.live("bad options fail with EINVAL", () =>
    Effect.gen(function*() {
      const layers = Layer.mergeAll(zmq, RpcSerialization.layerJson)
      const noEndpoint = yield* ZmqRpc.makeProtocolClient({ connect: [] }).pipe(Effect.flip, Effect.scoped, Effect.provide(layers))
      expect(noEndpoint.code).toBe("EINVAL")
      const badPing = yield* ZmqRpc.makeProtocolClient({ connect: "tcp://127.0.0.1:1", pingInterval: -1 }).pipe(
        Effect.flip,
        Effect.scoped,
        Effect.provide(layers)
      )
      expect(badPing.code).toBe("EINVAL")
      const badEndpoint = yield* ZmqRpc.makeProtocolServer({ bind: "nonsense://x" }).pipe(Effect.flip, Effect.scoped, Effect.provide(layers))
      expect(badEndpoint._tag).toBe("ZMQError")
      const notOptions = yield* ZmqRpc.makeProtocolServer(null as never).pipe(Effect.flip, Effect.scoped, Effect.provide(layers))
      expect(notOptions.code).toBe("EINVAL")
    }))
})
