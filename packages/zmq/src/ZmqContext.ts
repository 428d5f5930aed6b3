/**
 * The ZeroMQ context as an Effect service. Every socket is made from one; releasing it (the end of its Layer or
 * Scope) closes every socket made from it that is still open, then retires the context.
 *
 * @since 0.1.0
 */
import { Readiness } from "@effect-zmq/core/Readiness"
import { ZMQError } from "@effect-zmq/core/ZMQError"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import * as zmq from "zeromq"

/**
 * Context options. `ioThreads` defaults to 1. `blocky: false` (the default here, as in zeromq.js) means sockets
 * created without an explicit `LINGER` do not hold up process exit; effect-zmq sets every socket's `LINGER` itself
 * (see `defaultLinger`).
 *
 * @example
 * ```ts
 * import type { ZmqContext } from "@effect-zmq/zmq"
 *
 * const options: ZmqContext.ContextOptions = { ioThreads: 2, maxSockets: 4096 }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface ContextOptions {
  readonly ioThreads?: number | undefined
  readonly maxSockets?: number | undefined
  readonly maxMessageSize?: number | undefined
  readonly ipv6?: boolean | undefined
  readonly blocky?: boolean | undefined
  readonly threadPriority?: number | undefined
  readonly threadSchedulingPolicy?: number | undefined
  /** The `LINGER` (ms) given to every socket made from this context unless its options say otherwise. */
  readonly defaultLinger?: number | undefined
}

/**
 * The default `LINGER` of a socket, in milliseconds: on close, ZeroMQ keeps trying to deliver queued messages for at
 * most this long, then drops them. Finite, so that a program always exits.
 *
 * @example
 * ```ts
 * import { ZmqContext } from "@effect-zmq/zmq"
 *
 * ZmqContext.DEFAULT_LINGER // 1000
 * ```
 *
 * @since 0.1.0
 * @category constants
 */
export const DEFAULT_LINGER = 1000

/**
 * Something the context closes when it is released (a socket).
 *
 * @example
 * ```ts
 * import type { ZmqContext } from "@effect-zmq/zmq"
 *
 * const member: ZmqContext.Member = { closeNow: () => {} }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface Member {
  readonly closeNow: () => void
}

/**
 * The context service: the zeromq.js context, the readiness service its sockets wait with, and the registry of
 * open sockets.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { ZmqContext } from "@effect-zmq/zmq"
 *
 * const ioThreads = Effect.gen(function*() {
 *   const context = yield* ZmqContext.ZmqContext
 *   return context.options.ioThreads
 * })
 * ```
 *
 * @since 0.1.0
 * @category services
 */
export class ZmqContext extends Context.Service<ZmqContext, {
  readonly native: zmq.Context
  readonly readiness: Readiness["Service"]
  readonly options: ContextOptions & { readonly ioThreads: number; readonly defaultLinger: number }
  /** Registers a socket; fails with `ETERM` once the context is released. Returns the unregister function. */
  readonly register: (member: Member) => Effect.Effect<() => void, ZMQError>
  readonly isTerminated: () => boolean
}>()("@effect-zmq/zmq/ZmqContext") {}

const validateCount = (name: string, value: number | undefined, min: number): ZMQError | undefined =>
  value === undefined || (Number.isInteger(value) && value >= min)
    ? undefined
    : ZMQError.make(
      "EINVAL",
      "context",
      `${name} must be an integer >= ${min}, got ${typeof value === "number" ? String(value) : typeof value}`
    )

/**
 * Makes a context in the current scope, using the {@link Readiness} service for its sockets. When the scope closes,
 * every socket still open is closed (each with its `LINGER`, so its waiting fibers fail with `ENOTSOCK`) and later
 * `ZmqSocket.make` calls fail with `ETERM`. zeromq.js has no call that terminates a context: the native context is
 * shut down when it is garbage-collected and terminated at process exit, which the finite default `LINGER` keeps
 * short.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { ZmqContext } from "@effect-zmq/zmq"
 *
 * const context = ZmqContext.make({ ioThreads: 1 })
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  options: ContextOptions = {}
): Effect.Effect<ZmqContext["Service"], ZMQError, Readiness | Scope.Scope> =>
  Effect.gen(function*() {
    if (options === null || typeof options !== "object") {
      return yield* Effect.fail(ZMQError.make("EINVAL", "context", `options must be an object, got ${options === null ? "null" : typeof options}`))
    }
    const invalid = validateCount("ioThreads", options.ioThreads, 0) ??
      validateCount("maxSockets", options.maxSockets, 1) ??
      validateCount("defaultLinger", options.defaultLinger, -1)
    if (invalid) return yield* Effect.fail(invalid)
    const readiness = yield* Readiness
    const native = yield* Effect.try({
      try: () =>
        new zmq.Context({
          ioThreads: options.ioThreads ?? 1,
          blocky: options.blocky ?? false,
          ...(options.maxSockets === undefined ? {} : { maxSockets: options.maxSockets }),
          ...(options.maxMessageSize === undefined ? {} : { maxMessageSize: options.maxMessageSize }),
          ...(options.ipv6 === undefined ? {} : { ipv6: options.ipv6 }),
          ...(options.threadPriority === undefined ? {} : { threadPriority: options.threadPriority }),
          ...(options.threadSchedulingPolicy === undefined
            ? {}
            : { threadSchedulingPolicy: options.threadSchedulingPolicy })
        }),
      catch: (error) => ZMQError.fromUnknown(error, "context")
    })
    const members = new Set<Member>()
    let terminated = false
    yield* Effect.addFinalizer(() =>
      Effect.sync(() => {
        terminated = true
        // sockets close before their context
        for (const member of Array.from(members)) member.closeNow()
        members.clear()
      })
    )
    return ZmqContext.of({
      native,
      readiness,
      options: { ...options, ioThreads: options.ioThreads ?? 1, defaultLinger: options.defaultLinger ?? DEFAULT_LINGER },
      isTerminated: () => terminated,
      register: (member) =>
        Effect.suspend(() => {
          if (terminated) return Effect.fail(ZMQError.make("ETERM", "socket", "Context was terminated"))
          members.add(member)
          return Effect.succeed(() => {
            members.delete(member)
          })
        })
    })
  })

/**
 * A layer providing {@link ZmqContext}, given a {@link Readiness} implementation (`NodeZmq.layer` from
 * `@effect-zmq/platform-node` includes the Node one).
 *
 * @example
 * ```ts
 * import { Layer } from "effect"
 * import { ZmqContext } from "@effect-zmq/zmq"
 *
 * const context = ZmqContext.layer({ ioThreads: 1 })
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options?: ContextOptions): Layer.Layer<ZmqContext, ZMQError, Readiness> =>
  Layer.effect(ZmqContext, make(options))

/**
 * What this build of zeromq.js supports (`ipc`, `curve`, `draft`, …).
 *
 * @example
 * ```ts
 * import { ZmqContext } from "@effect-zmq/zmq"
 *
 * if (ZmqContext.capability.curve) console.log("CURVE is available")
 * ```
 *
 * @since 0.1.0
 * @category constants
 */
export const capability: Readonly<Partial<Record<"ipc" | "pgm" | "tipc" | "norm" | "curve" | "gssapi" | "draft", boolean>>> =
  zmq.capability

/**
 * The version of libzmq inside zeromq.js.
 *
 * @example
 * ```ts
 * import { ZmqContext } from "@effect-zmq/zmq"
 *
 * console.log(ZmqContext.version) // e.g. "4.3.5"
 * ```
 *
 * @since 0.1.0
 * @category constants
 */
export const version: string = zmq.version

/**
 * A new CURVE key pair (Z85 text), from libzmq.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { ZmqContext } from "@effect-zmq/zmq"
 *
 * const keys = Effect.runSync(ZmqContext.curveKeyPair)
 * keys.publicKey.length // 40
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const curveKeyPair: Effect.Effect<{ readonly publicKey: string; readonly secretKey: string }, ZMQError> = Effect
  .try({
    try: () => zmq.curveKeyPair(),
    catch: (error) => ZMQError.fromUnknown(error, "curveKeyPair")
  })
