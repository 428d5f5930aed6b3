// effect-zmq under test: the same scenarios as Raw.ts, written the way a user of effect-zmq would write them.
import type { Green, ZMQError } from "@effect-zmq/zmq"
import { ZmqSocket } from "@effect-zmq/zmq"
import { NodeZmq } from "@effect-zmq/platform-node"
import { Effect, Fiber } from "effect"
import type * as Stream from "effect/Stream"
import * as StreamOps from "effect/Stream"
import type { Transport } from "./Config.ts"
import { bindEndpoint, nowNanos, payload } from "./Measure.ts"

/**
 * How the receiving side drains the socket:
 * - `recv`: one `recv()` per message, the plain user loop;
 * - `stream`: `ZmqSocket.stream` (whole messages, drained in chunks), when the library has it;
 * - `batch`: when it has not, the engine's `recvBatch(1024)`, which takes every ready message in one step (what
 *   a batched stream is built on).
 */
export type ReceiveMode = "recv" | "stream" | "batch"

type StreamOf = (socket: ZmqSocket.ZmqSocket) => Stream.Stream<ReadonlyArray<Uint8Array>, ZMQError>

/** `ZmqSocket.stream` is being added by another issue: use it as soon as it exists, without a compile-time tie. */
const publicStream: StreamOf | undefined = (ZmqSocket as unknown as { readonly stream?: StreamOf }).stream

/** The batched receive this build can measure: the public stream if there is one, the engine's batch otherwise. */
export const batchedMode: ReceiveMode = publicStream === undefined ? "batch" : "stream"

/** The green engine behind a socket (not public API; the benchmark reaches for it only when there is no stream). */
const engineOf = (socket: ZmqSocket.ZmqSocket): Green.GreenSocket =>
  (socket as unknown as { readonly engine: Green.GreenSocket }).engine

/** Receives `count` messages (single-frame) from `socket` with the given mode. */
const receiveCount = (
  socket: ZmqSocket.ZmqSocket,
  mode: ReceiveMode,
  count: number
): Effect.Effect<void, ZMQError> => {
  switch (mode) {
    case "recv":
      return Effect.gen(function*() {
        for (let i = 0; i < count; i++) yield* socket.recv()
      })
    case "stream":
      return publicStream!(socket).pipe(StreamOps.take(count), StreamOps.runDrain)
    case "batch":
      return Effect.gen(function*() {
        const engine = engineOf(socket)
        for (let received = 0; received < count;) {
          received += (yield* engine.recvBatch(Math.min(1024, count - received), false)).length
        }
      })
  }
}

const run = <A>(effect: Effect.Effect<A, ZMQError, import("@effect-zmq/zmq").ZmqContext.ZmqContext>): Promise<A> =>
  Effect.runPromise(effect.pipe(Effect.provide(NodeZmq.layer())))

/**
 * PUSH → PULL in one process: a sender fiber and the receiving loop run concurrently; the clock runs from the first
 * send (after one warm-up message proved the connection) to the last message received. The sender hands the same
 * unchanged buffer each time with `copy: false`, which is what raw zeromq.js does with a buffer.
 */
export const throughput = (mode: ReceiveMode, transport: Transport, size: number, count: number): Promise<number> => {
  const { cleanup, endpoint } = bindEndpoint(transport)
  const data = payload(size)
  return run(Effect.scoped(Effect.gen(function*() {
    const pull = yield* ZmqSocket.make("PULL", { bind: endpoint })
    const push = yield* ZmqSocket.make("PUSH", { connect: yield* pull.lastEndpoint })
    yield* push.send(data)
    yield* pull.recv()
    const started = nowNanos()
    const sender = yield* Effect.forkChild(Effect.gen(function*() {
      for (let i = 0; i < count; i++) yield* push.send(data, { copy: false })
    }))
    yield* receiveCount(pull, mode, count)
    const elapsed = nowNanos() - started
    yield* Fiber.join(sender)
    return (count * 1e9) / elapsed
  }))).finally(cleanup)
}

/** REQ/REP round trips in one process: a REP fiber echoes; returns each round trip's time in nanoseconds. */
export const latency = (size: number, roundTrips: number, warmup: number): Promise<Array<number>> => {
  const data = payload(size)
  return run(Effect.scoped(Effect.gen(function*() {
    const rep = yield* ZmqSocket.make("REP", { bind: "tcp://127.0.0.1:*" })
    const req = yield* ZmqSocket.make("REQ", { connect: yield* rep.lastEndpoint })
    yield* Effect.forkChild(Effect.forever(Effect.flatMap(rep.recv(), (message) => rep.send(message))))
    const samples: Array<number> = []
    for (let i = 0; i < warmup + roundTrips; i++) {
      const started = nowNanos()
      yield* req.send(data)
      yield* req.recv()
      if (i >= warmup) samples.push(nowNanos() - started)
    }
    return samples
  })))
}

/**
 * PUB → N SUBs: the publisher sends `count` messages as fast as it is allowed (PUB drops at a subscriber's high
 * water mark, as ZeroMQ does), then end markers until every subscriber saw one. Returns the data messages delivered
 * to all subscribers together, and the time until the last subscriber finished.
 */
export const fanout = (
  mode: ReceiveMode,
  subscribers: number,
  count: number
): Promise<{ readonly delivered: number; readonly seconds: number }> => {
  const data = payload(16)
  const end = Buffer.from([0x7a])
  return run(Effect.scoped(Effect.gen(function*() {
    const pub = yield* ZmqSocket.make("PUB", { bind: "tcp://127.0.0.1:*" })
    const endpoint = yield* pub.lastEndpoint
    const subs = yield* Effect.forEach(
      Array.from({ length: subscribers }),
      () => ZmqSocket.make("SUB", { connect: endpoint, SUBSCRIBE: "" })
    )
    yield* joinSubscribers(pub, subs)
    const started = nowNanos()
    const receivers = yield* Effect.forEach(subs, (sub) => Effect.forkChild(countUntilEnd(sub, mode)))
    for (let i = 0; i < count; i++) yield* pub.send(data, { copy: false })
    const markers = yield* Effect.forkChild(Effect.forever(Effect.andThen(pub.send(end), Effect.sleep("1 millis"))))
    const counts = yield* Fiber.joinAll(receivers)
    const seconds = (nowNanos() - started) / 1e9
    yield* Fiber.interrupt(markers)
    return { delivered: counts.reduce((sum, n) => sum + n, 0), seconds }
  })))
}

/** PUB/SUB's slow joiner: publish hellos until every subscriber has one, then drain what is left of them. */
const joinSubscribers = (pub: ZmqSocket.ZmqSocket, subs: ReadonlyArray<ZmqSocket.ZmqSocket>) =>
  Effect.gen(function*() {
    const hello = Buffer.from([0x68])
    const hellos = yield* Effect.forkChild(Effect.forever(Effect.andThen(pub.send(hello), Effect.sleep("5 millis"))))
    yield* Effect.forEach(subs, (sub) => sub.recv(), { concurrency: "unbounded", discard: true })
    yield* Fiber.interrupt(hellos)
    yield* Effect.sleep("20 millis")
    for (const sub of subs) {
      while (yield* Effect.map(Effect.option(sub.recv({ flags: 1 })), (o) => o._tag === "Some"));
    }
  })

const countUntilEnd = (sub: ZmqSocket.ZmqSocket, mode: ReceiveMode): Effect.Effect<number, ZMQError> =>
  Effect.gen(function*() {
    let delivered = 0
    if (mode === "recv") {
      for (;;) {
        const message = yield* sub.recv()
        if (message[0] === 0x7a && message.byteLength === 1) return delivered
        delivered++
      }
    }
    if (mode === "stream") {
      let done = false
      yield* publicStream!(sub).pipe(
        StreamOps.takeWhile((frames) => {
          const first = frames[0]!
          done = first[0] === 0x7a && first.byteLength === 1
          if (!done) delivered++
          return !done
        }),
        StreamOps.runDrain
      )
      return delivered
    }
    const engine = engineOf(sub)
    for (;;) {
      for (const frames of yield* engine.recvBatch(1024, false)) {
        const first = frames[0]!
        if (first[0] === 0x7a && first.byteLength === 1) return delivered
        delivered++
      }
    }
  })
