/**
 * The Node implementation of the {@link Readiness} service: a small N-API addon watches a `dup()` of each socket's
 * `ZMQ_FD` with a `uv_poll` and calls back into JavaScript (through `napi_make_callback`, so promise and fiber
 * continuations run). The poll runs only while a fiber waits (no handle, no CPU when idle), keeps the process alive
 * only while it runs, and is closed with its socket (or, failing that, by the garbage collector or at exit). The
 * addon holds the callback strongly only while the poll runs, so a socket whose watch was never closed can still be
 * collected.
 *
 * @since 0.1.0
 */
import { Readiness, type ReadinessWatch } from "@effect-zmq/core/Readiness"
import { ZMQError, type ZMQErrorCode } from "@effect-zmq/core/ZMQError"
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
      // the addon holds this callback weakly while the watch is stopped: the watch object below keeps it alive, so
      // that a forgotten socket, its watch and its callback can be collected together
      const onReadable = (): void => onSignal()
      const handle = addon.watchNew(fd, onReadable)
      if (typeof handle === "number") return Effect.fail(watchError(addon.errnos(), handle, fd))
      let closed = false
      const watch: ReadinessWatch & { readonly onReadable: () => void } = {
        onReadable,
        start: () => {
          if (closed) return
          // a poll that cannot start (the descriptor went bad): wake the waiter, which re-reads EVENTS and fails
          // with a typed error instead of waiting forever
          if (addon.watchStart(handle) !== 0) setImmediate(onReadable)
        },
        stop: () => {
          if (!closed) addon.watchStop(handle)
        },
        close: () => {
          if (closed) return
          closed = true
          addon.watchClose(handle)
        }
      }
      return Effect.succeed(watch)
    })
})

const watchError = (errnos: Record<string, number>, errno: number, fd: number): ZMQError => {
  const code = (Object.keys(errnos) as Array<ZMQErrorCode>).find((key) => errnos[key] === errno) ?? "UNKNOWN"
  return new ZMQError({
    code,
    errno,
    message: code === "EINVAL" ? `fd must be an open file descriptor (got ${fd})` : `cannot watch fd ${fd}`,
    operation: "readiness"
  })
}

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
