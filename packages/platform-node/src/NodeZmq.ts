/**
 * Layers and a runner for Node: `NodeZmq.layer(options?)` provides a `ZmqContext` whose sockets wait with the Node
 * readiness driver; `NodeZmq.runMain` runs a program as the process's main, interrupting it (and so closing every
 * socket and context it holds) on SIGINT or SIGTERM.
 *
 * @since 0.1.0
 */
import type { ZMQError } from "@effect-zmq/core/ZMQError"
import { ZmqContext } from "@effect-zmq/zmq"
import * as Effect from "effect/Effect"
import type * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Runtime from "effect/Runtime"
import * as NodeReadiness from "./NodeReadiness.ts"

/**
 * Provides `ZmqContext` (a new zeromq.js context) with the Node readiness driver. Releasing the layer closes every
 * socket made from it, then retires the context.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { ZmqSocket } from "@effect-zmq/zmq"
 * import { NodeZmq } from "@effect-zmq/platform-node"
 *
 * const program = Effect.scoped(Effect.gen(function*() {
 *   const pull = yield* ZmqSocket.make("PULL", { bind: "tcp://127.0.0.1:*" })
 *   return yield* pull.lastEndpoint
 * })).pipe(Effect.provide(NodeZmq.layer({ ioThreads: 1 })))
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  options?: ZmqContext.ContextOptions
): Layer.Layer<ZmqContext.ZmqContext, ZMQError> =>
  ZmqContext.layer(options).pipe(Layer.provide(NodeReadiness.layer))

/**
 * Runs an Effect as the main program: SIGINT and SIGTERM interrupt it (so scopes close and sockets close with their
 * `LINGER`), a failure is logged and sets a non-zero exit code.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { NodeZmq } from "@effect-zmq/platform-node"
 *
 * NodeZmq.runMain(Effect.log("hello").pipe(Effect.provide(NodeZmq.layer())))
 * ```
 *
 * @since 0.1.0
 * @category running
 */
export const runMain: <E, A>(
  effect: Effect.Effect<A, E>,
  options?: { readonly disableErrorReporting?: boolean | undefined }
) => void = Runtime.makeRunMain(({ fiber, teardown }) => {
  const onSignal = () => {
    fiber.interruptUnsafe()
  }
  process.once("SIGINT", onSignal)
  process.once("SIGTERM", onSignal)
  ;(fiber as Fiber.Fiber<unknown, unknown>).addObserver((exit) => {
    process.removeListener("SIGINT", onSignal)
    process.removeListener("SIGTERM", onSignal)
    teardown(exit, (code) => {
      process.exitCode = code
    })
  })
})

/**
 * Checks that the readiness addon is built and loads, with a message that says what is missing if not.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { NodeZmq } from "@effect-zmq/platform-node"
 *
 * Effect.runSync(NodeZmq.check)
 * ```
 *
 * @since 0.1.0
 * @category diagnostics
 */
export const check: Effect.Effect<void, ZMQError> = NodeReadiness.check
