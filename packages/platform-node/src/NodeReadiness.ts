/**
 * The Node implementation of the {@link Readiness} service: a small N-API addon watches a `dup()` of each socket's
 * `ZMQ_FD` with a `uv_poll` and calls back into JavaScript (through `napi_make_callback`, so promise and fiber
 * continuations run). The poll runs only while a fiber waits (no handle, no CPU when idle), keeps the process alive
 * only while it runs, and is closed with its socket (or, failing that, by the garbage collector or at exit).
 *
 * @since 0.1.0
 */
import { Readiness } from "@effect-zmq/core/Readiness"
import { ZMQError } from "@effect-zmq/core/ZMQError"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { load } from "./internal/addon.ts"

/**
 * The Node readiness service. Making a watch fails with `ENODEV` (and a message that says how to build it) when the
 * addon is not built or cannot be loaded.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Readiness } from "@effect-zmq/core"
 * import { NodeReadiness } from "@effect-zmq/platform-node"
 *
 * const program = Effect.gen(function*() {
 *   const readiness = yield* Readiness.Readiness
 *   const watch = yield* readiness.watch(0, () => {})
 *   watch.close()
 * }).pipe(Effect.provideService(Readiness.Readiness, NodeReadiness.readiness))
 * ```
 *
 * @since 0.1.0
 * @category services
 */
export const readiness: Readiness["Service"] = Readiness.of({
  watch: (fd, onSignal) =>
    Effect.suspend(() => {
      const addon = load()
      if (addon instanceof Error) return Effect.fail(ZMQError.make("ENODEV", "readiness", addon.message, addon))
      try {
        const watcher = new addon.Watcher(fd, () => onSignal())
        let closed = false
        return Effect.succeed({
          start: () => {
            if (!closed) watcher.start()
          },
          stop: () => {
            if (!closed) watcher.stop()
          },
          close: () => {
            if (closed) return
            closed = true
            watcher.close()
          }
        })
      } catch (error) {
        return Effect.fail(ZMQError.fromUnknown(error, "readiness"))
      }
    })
})

/**
 * A layer providing {@link readiness}.
 *
 * @example
 * ```ts
 * import { Layer } from "effect"
 * import { ZmqContext } from "@effect-zmq/zmq"
 * import { NodeReadiness } from "@effect-zmq/platform-node"
 *
 * const context = ZmqContext.layer().pipe(Layer.provide(NodeReadiness.layer))
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<Readiness> = Layer.succeed(Readiness, readiness)

/**
 * Fails with a clear message if the addon cannot be loaded on this machine; succeeds otherwise.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { NodeReadiness } from "@effect-zmq/platform-node"
 *
 * Effect.runSync(NodeReadiness.check)
 * ```
 *
 * @since 0.1.0
 * @category diagnostics
 */
export const check: Effect.Effect<void, ZMQError> = Effect.suspend(() => {
  const addon = load()
  return addon instanceof Error ? Effect.fail(ZMQError.make("ENODEV", "readiness", addon.message, addon)) : Effect.void
})
