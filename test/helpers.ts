import { Effect, Layer } from "effect"
import { ZmqSocket } from "@effect-zmq/zmq"
import { NodeZmq } from "@effect-zmq/platform-node"

export const encode = (text: string) => new TextEncoder().encode(text)
export const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes)

/** A context for one test, released (closing every socket) when the test's effect ends. */
export const zmqTest = <A, E, R>(self: Effect.Effect<A, E, R>) =>
  self.pipe(Effect.provide(NodeZmq.layer()), Effect.timeout("30 seconds"))

export const contextLayer: Layer.Layer<import("@effect-zmq/zmq").ZmqContext.ZmqContext, import("@effect-zmq/zmq").ZMQError> =
  NodeZmq.layer()

/** `a` binds to a free loopback port, `b` connects to it. */
export const pair = (a: ZmqSocket.SocketType, b: ZmqSocket.SocketType, options?: {
  readonly a?: ZmqSocket.MakeOptions
  readonly b?: ZmqSocket.MakeOptions
}) =>
  Effect.gen(function*() {
    const first = yield* ZmqSocket.make(a, { ...options?.a, bind: "tcp://127.0.0.1:*" })
    const endpoint = yield* first.lastEndpoint
    const second = yield* ZmqSocket.make(b, { ...options?.b, connect: endpoint })
    return [first, second, endpoint] as const
  })

/**
 * Lets other fibers and settled promises run (one scheduler turn at a time) until `condition` holds: a way to wait
 * for a waiter to be registered without sleeping. Fails after `turns` turns.
 */
export const eventually = (condition: () => boolean, turns = 1000) =>
  Effect.gen(function*() {
    for (let i = 0; i < turns; i++) {
      if (condition()) return
      yield* Effect.yieldNow
    }
    return yield* Effect.die(new Error("condition never held"))
  })
