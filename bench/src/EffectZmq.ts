// effect-zmq under test: the same scenarios as Raw.ts, written the way a user of effect-zmq would write them.
// Every scenario takes the build to run (`Lib`, see Systems.ts): this repository's, or an earlier one loaded with
// its own `effect`, so that one run compares before and after.
import type { ZmqContext, ZMQError, ZmqSocket } from "@effect-zmq/zmq"
import type { Effect } from "effect"
import type { Transport } from "./Config.ts"
import { bindEndpoint, nowNanos, payload } from "./Measure.ts"
import type { Lib } from "./Systems.ts"

/**
 * How the receiving side drains the socket: `recv`, one `recv()` per message (the plain user loop), or `stream`,
 * `ZmqSocket.stream` (whole messages, every ready message taken in one step, in chunks of up to 128).
 */
export type ReceiveMode = "recv" | "stream"

/** Receives `count` single-frame messages from `socket` with the given mode. */
const receiveCount = (
  lib: Lib,
  socket: ZmqSocket.ZmqSocket,
  mode: ReceiveMode,
  count: number
): Effect.Effect<void, ZMQError> =>
  mode === "recv"
    ? lib.Effect.gen(function*() {
      for (let i = 0; i < count; i++) yield* socket.recv()
    })
    : lib.ZmqSocket.stream(socket, { chunkSize: 128 }).pipe(lib.Stream.take(count), lib.Stream.runDrain)

const run = <A>(lib: Lib, effect: Effect.Effect<A, ZMQError, ZmqContext.ZmqContext>): Promise<A> =>
  lib.Effect.runPromise(effect.pipe(lib.Effect.provide(lib.NodeZmq.layer())))

/**
 * How the sending side sends: `send`, one `send(data)` per message in a loop — with the default options
 * (`copy: true`) below 8 KiB, and with `copy: false` from 8 KiB (64 KiB), where raw zeromq.js also hands its buffer
 * to libzmq without a copy and effect-zmq zero-copies — or `sink`, a stream of the messages in chunks of 128 run into
 * `ZmqSocket.sink`.
 */
export type SendMode = "send" | "sink"

/** From this size the `send` loop passes `copy: false` (effect-zmq's zero-copy threshold). */
const ZERO_COPY_SIZE = 8192

/**
 * PUSH → PULL in one process: a sender fiber and the receiving loop run concurrently; the clock runs from the first
 * send (after one warm-up message proved the connection) to the last message received. The sender hands the same
 * buffer each time, with the default options, as a user's loop would.
 */
export const throughput = (
  lib: Lib,
  mode: ReceiveMode,
  transport: Transport,
  size: number,
  count: number,
  sendMode: SendMode = "send"
): Promise<number> => {
  const { Effect, Fiber, Stream, ZmqSocket } = lib
  const { cleanup, endpoint } = bindEndpoint(transport)
  const data = payload(size)
  return run(lib, Effect.scoped(Effect.gen(function*() {
    const pull = yield* ZmqSocket.make("PULL", { bind: endpoint })
    const push = yield* ZmqSocket.make("PUSH", { connect: yield* pull.lastEndpoint })
    yield* push.send(data)
    yield* pull.recv()
    const started = nowNanos()
    const sender = yield* Effect.forkChild(
      sendMode === "sink"
        ? Stream.fromIterable(Array.from({ length: count }, () => [data])).pipe(
          Stream.rechunk(128),
          Stream.run(ZmqSocket.sink(push))
        )
        : size >= ZERO_COPY_SIZE
        ? Effect.gen(function*() {
          for (let i = 0; i < count; i++) yield* push.send(data, { copy: false })
        })
        : Effect.gen(function*() {
          for (let i = 0; i < count; i++) yield* push.send(data)
        })
    )
    yield* receiveCount(lib, pull, mode, count)
    const elapsed = nowNanos() - started
    yield* Fiber.join(sender)
    return (count * 1e9) / elapsed
  }))).finally(cleanup)
}

/** REQ/REP round trips in one process: a REP fiber echoes; returns each round trip's time in nanoseconds. */
export const latency = (lib: Lib, size: number, roundTrips: number, warmup: number): Promise<Array<number>> => {
  const { Effect, ZmqSocket } = lib
  const data = payload(size)
  return run(lib, Effect.scoped(Effect.gen(function*() {
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
  lib: Lib,
  mode: ReceiveMode,
  subscribers: number,
  count: number
): Promise<{ readonly delivered: number; readonly seconds: number }> => {
  const { Effect, Fiber, ZmqSocket } = lib
  const data = payload(16)
  const end = Buffer.from([0x7a])
  return run(lib, Effect.scoped(Effect.gen(function*() {
    const pub = yield* ZmqSocket.make("PUB", { bind: "tcp://127.0.0.1:*" })
    const endpoint = yield* pub.lastEndpoint
    const subs = yield* Effect.forEach(
      Array.from({ length: subscribers }),
      () => ZmqSocket.make("SUB", { connect: endpoint, SUBSCRIBE: "" })
    )
    yield* joinSubscribers(lib, pub, subs)
    const started = nowNanos()
    const receivers = yield* Effect.forEach(subs, (sub) => Effect.forkChild(countUntilEnd(lib, sub, mode)))
    for (let i = 0; i < count; i++) yield* pub.send(data)
    const markers = yield* Effect.forkChild(Effect.forever(Effect.andThen(pub.send(end), Effect.sleep("1 millis"))))
    const counts = yield* Fiber.joinAll(receivers)
    const seconds = (nowNanos() - started) / 1e9
    yield* Fiber.interrupt(markers)
    return { delivered: counts.reduce((sum, n) => sum + n, 0), seconds }
  })))
}

/** PUB/SUB's slow joiner: publish hellos until every subscriber has one, then drain what is left of them. */
const joinSubscribers = (lib: Lib, pub: ZmqSocket.ZmqSocket, subs: ReadonlyArray<ZmqSocket.ZmqSocket>) => {
  const { Effect, Fiber } = lib
  return Effect.gen(function*() {
    const hello = Buffer.from([0x68])
    const hellos = yield* Effect.forkChild(Effect.forever(Effect.andThen(pub.send(hello), Effect.sleep("5 millis"))))
    yield* Effect.forEach(subs, (sub) => sub.recv(), { concurrency: "unbounded", discard: true })
    yield* Fiber.interrupt(hellos)
    yield* Effect.sleep("20 millis")
    for (const sub of subs) {
      while (yield* Effect.map(Effect.option(sub.recv({ flags: 1 })), (o) => o._tag === "Some"));
    }
  })
}

const countUntilEnd = (lib: Lib, sub: ZmqSocket.ZmqSocket, mode: ReceiveMode): Effect.Effect<number, ZMQError> => {
  const { Effect, Stream, ZmqSocket } = lib
  return Effect.gen(function*() {
    let delivered = 0
    if (mode === "recv") {
      for (;;) {
        const message = yield* sub.recv()
        if (message[0] === 0x7a && message.byteLength === 1) return delivered
        delivered++
      }
    }
    let done = false
    yield* ZmqSocket.stream(sub, { chunkSize: 128 }).pipe(
      Stream.takeWhile((frames) => {
        const first = frames[0]!
        done = first[0] === 0x7a && first.byteLength === 1
        if (!done) delivered++
        return !done
      }),
      Stream.runDrain
    )
    return delivered
  })
}
