/**
 * The readiness interface: how a green socket waits, without blocking the event loop, until its `ZMQ_FD` signals.
 *
 * `ZMQ_FD` is edge-triggered in the ZeroMQ sense: it becomes readable when *something* changed, and any operation
 * on the socket (including reading `EVENTS`) can consume that signal. A watch therefore only says "look again";
 * the green engine ({@link Green}) decides what is ready by reading `EVENTS`.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import type { ZMQError } from "./ZMQError.ts"

/**
 * A watch on one file descriptor. All methods are synchronous and idempotent. `start` makes `onSignal` run
 * whenever the descriptor is readable and keeps the process alive; `stop` releases both; `close` releases the watch
 * for good.
 *
 * @example
 * ```ts
 * import type { Readiness } from "@effect-zmq/core"
 *
 * const idle = (watch: Readiness.ReadinessWatch) => watch.stop()
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface ReadinessWatch {
  readonly start: () => void
  readonly stop: () => void
  readonly close: () => void
}

/**
 * The readiness service: makes watches on file descriptors. `@effect-zmq/platform-node` provides the Node
 * implementation (a `uv_poll` on a `dup()` of the descriptor).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Readiness } from "@effect-zmq/core"
 *
 * const watchStdin = Effect.gen(function*() {
 *   const readiness = yield* Readiness.Readiness
 *   return yield* readiness.watch(0, () => console.log("stdin is readable"))
 * })
 * ```
 *
 * @since 0.1.0
 * @category services
 */
export class Readiness extends Context.Service<Readiness, {
  readonly watch: (fd: number, onSignal: () => void) => Effect.Effect<ReadinessWatch, ZMQError>
}>()("@effect-zmq/core/Readiness") {}

/**
 * A watch for sockets that have no file descriptor (libzmq's thread-safe draft sockets): while started it signals
 * on a timer that backs off from 1 ms to `maxDelayMillis`, and stops costing anything when stopped. This is the
 * fallback pyzmq's maintainers recommend for such sockets; every socket with a `ZMQ_FD` uses real readiness.
 *
 * @example
 * ```ts
 * import { Readiness } from "@effect-zmq/core"
 *
 * const watch = Readiness.backoffWatch(() => console.log("look again"), 20)
 * watch.start()
 * watch.close()
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const backoffWatch = (onSignal: () => void, maxDelayMillis = 50): ReadinessWatch => {
  let timer: ReturnType<typeof setTimeout> | undefined
  let delay = 1
  let closed = false
  const tick = () => {
    timer = undefined
    delay = Math.min(delay * 2, maxDelayMillis)
    timer = setTimeout(tick, delay)
    onSignal()
  }
  return {
    start: () => {
      if (closed || timer !== undefined) return
      delay = 1
      timer = setTimeout(tick, delay)
    },
    stop: () => {
      if (timer !== undefined) clearTimeout(timer)
      timer = undefined
    },
    close: () => {
      closed = true
      if (timer !== undefined) clearTimeout(timer)
      timer = undefined
    }
  }
}
