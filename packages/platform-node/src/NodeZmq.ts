/**
 * Layers and a runner for Node: `NodeZmq.layer(options?)` provides a `ZmqContext` over the Node binding (the libzmq
 * inside the `zeromq` package, driven synchronously) whose sockets wait with the Node readiness driver;
 * `NodeZmq.runMain` runs a program as the process's main, interrupting it (and so closing every socket and context
 * it holds) on SIGINT or SIGTERM.
 *
 * @since 0.1.0
 */
import type { ZMQError } from "@effect-zmq/core/ZMQError"
import { ZmqConfig, ZmqContext } from "@effect-zmq/zmq"
import type * as Config from "effect/Config"
import * as Effect from "effect/Effect"
import type * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Runtime from "effect/Runtime"
import * as NodeBinding from "./NodeBinding.ts"
import * as NodeReadiness from "./NodeReadiness.ts"

// what ZmqContext.capability and ZmqContext.version describe: the binding this platform loads
const loaded = NodeBinding.makeUnsafe()
if (!(loaded instanceof Error)) ZmqContext.registerBinding(loaded)

/**
 * Provides `ZmqContext` (a new libzmq context) over the Node binding and readiness driver. Building it fails with
 * `ENODEV` and a message that says which libzmq was tried and what to do when none can be bound. Releasing the layer
 * closes every socket made from it, then terminates the libzmq context.
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
  ZmqContext.layer(options).pipe(Layer.provide(Layer.merge(NodeBinding.layer, NodeReadiness.layer)))

/**
 * {@link layer}, with its options read through `Config` (`ZMQ_IO_THREADS`, `ZMQ_MAX_SOCKETS`, `ZMQ_IPV6`,
 * `ZMQ_DEFAULT_LINGER`, …: see `ZmqConfig.contextOptions`).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { ZmqSocket } from "@effect-zmq/zmq"
 * import { NodeZmq } from "@effect-zmq/platform-node"
 *
 * const program = Effect.scoped(ZmqSocket.make("PULL")).pipe(Effect.provide(NodeZmq.layerConfig))
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig: Layer.Layer<ZmqContext.ZmqContext, ZMQError | Config.ConfigError> = Layer.unwrap(
  Effect.map(ZmqConfig.contextOptions, layer)
)

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
 * Checks that the addon is built and loads and that a libzmq can be bound, with a message that says what is missing
 * if not.
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
export const check: Effect.Effect<void, ZMQError> = Effect.asVoid(NodeBinding.make)
