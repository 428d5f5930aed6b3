/**
 * `zmq_proxy` as Effects: forward messages between a frontend and a backend socket (in both directions when both
 * can send and receive, one way for pairs such as PULL → PUSH), optionally copying every message to a capture
 * socket, green (the event loop never blocks) and interruptible.
 *
 * A message is taken from one side only when the other side (and the capture socket) can accept it at once, and is
 * sent in the same uninterruptible step: interrupting or terminating a proxy never strands a message that was taken
 * but not forwarded. (The exception is a destination whose `POLLOUT` cannot promise acceptance — a ROUTER with
 * `ROUTER_MANDATORY`, a STREAM socket — where the step waits for the send interruptibly.)
 *
 * @since 0.1.0
 */
import type { ZMQError } from "@effect-zmq/core/ZMQError"
import type * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import * as internal from "./internal/proxy.ts"
import type { ZmqSocket } from "./ZmqSocket.ts"

/**
 * How many messages a steerable proxy has forwarded in each direction.
 *
 * @example
 * ```ts
 * import type { ZmqProxy } from "@effect-zmq/zmq"
 *
 * const total = (stats: ZmqProxy.ProxyStats) => stats.frontendToBackend + stats.backendToFrontend
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface ProxyStats {
  readonly frontendToBackend: number
  readonly backendToFrontend: number
}

/**
 * The handle of a steerable proxy (`zmq_proxy_steerable`): `pause` stops forwarding (messages wait in the sockets),
 * `resume` starts again, `terminate` stops the proxy for good; `await` waits until the proxy has stopped (terminated,
 * a socket closed by its owner) and fails if it failed; `stats` counts forwarded messages.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import type { ZmqProxy } from "@effect-zmq/zmq"
 *
 * const maintenance = (proxy: ZmqProxy.ProxyControl) =>
 *   Effect.andThen(proxy.pause, Effect.andThen(Effect.log("paused"), proxy.resume))
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface ProxyControl {
  readonly pause: Effect.Effect<void>
  readonly resume: Effect.Effect<void>
  readonly terminate: Effect.Effect<void>
  readonly await: Effect.Effect<void, ZMQError>
  readonly stats: Effect.Effect<ProxyStats>
}

/**
 * Runs a proxy until interrupted (or until one of its sockets is closed by its owner, when it succeeds). Each message
 * received on one side is sent on the other, and, when `capture` is given, also sent to `capture` (a PUB, PUSH or
 * PAIR socket, say), so the capture sees every message in both directions. Runs in a `ZmqProxy.run` span that
 * records, when the proxy ends, how many messages went each way.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { ZmqProxy, ZmqSocket } from "@effect-zmq/zmq"
 *
 * const broker = Effect.gen(function*() {
 *   const frontend = yield* ZmqSocket.make("ROUTER", { bind: "tcp://127.0.0.1:5559" })
 *   const backend = yield* ZmqSocket.make("DEALER", { bind: "tcp://127.0.0.1:5560" })
 *   yield* ZmqProxy.run(frontend, backend)
 * })
 * ```
 *
 * @since 0.1.0
 * @category running
 */
export const run: (frontend: ZmqSocket, backend: ZmqSocket, capture?: ZmqSocket) => Effect.Effect<void, ZMQError> =
  internal.run

/**
 * Starts a proxy in the background of the current Scope and returns its {@link ProxyControl}. The proxy stops when
 * terminated or when the Scope closes. It runs in a `ZmqProxy.steerable` span, as {@link run} does.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { ZmqProxy, ZmqSocket } from "@effect-zmq/zmq"
 *
 * const program = Effect.gen(function*() {
 *   const pull = yield* ZmqSocket.make("PULL", { bind: "tcp://127.0.0.1:*" })
 *   const push = yield* ZmqSocket.make("PUSH", { bind: "tcp://127.0.0.1:*" })
 *   const proxy = yield* ZmqProxy.steerable(pull, push)
 *   yield* proxy.pause
 *   yield* proxy.resume
 *   yield* proxy.terminate
 * })
 * ```
 *
 * @since 0.1.0
 * @category running
 */
export const steerable: (
  frontend: ZmqSocket,
  backend: ZmqSocket,
  capture?: ZmqSocket
) => Effect.Effect<ProxyControl, never, Scope.Scope> = internal.steerable
