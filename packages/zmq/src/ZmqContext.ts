/**
 * The ZeroMQ context as an Effect service. Every socket is made from one; releasing it (the end of its Layer or
 * Scope) closes every socket made from it that is still open, then terminates the libzmq context.
 *
 * @since 0.1.0
 */
import * as Binding from "@effect-zmq/core/Binding"
import { Readiness } from "@effect-zmq/core/Readiness"
import { ZMQError } from "@effect-zmq/core/ZMQError"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"

/**
 * Context options. `ioThreads` defaults to 1. `blocky: false` (the default here) means sockets created without an
 * explicit `LINGER` do not hold up the context's termination; effect-zmq sets every socket's `LINGER` itself (see
 * `defaultLinger`).
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
 * The context service: the binding and its libzmq context, the readiness service its sockets wait with, and the
 * registry of open sockets.
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
  readonly binding: Binding.BindingShape
  readonly handle: Binding.ContextHandle
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

/** libzmq's context options (`zmq_ctx_set`). */
const ZMQ_IO_THREADS = 1
const ZMQ_MAX_SOCKETS = 2
const ZMQ_THREAD_PRIORITY = 3
const ZMQ_THREAD_SCHED_POLICY = 4
const ZMQ_MAX_MSGSZ = 5
const ZMQ_IPV6 = 42
const ZMQ_BLOCKY = 70

/**
 * Makes a context in the current scope, with the {@link Binding.Binding} and {@link Readiness} services. When the
 * scope closes, every socket still open is closed (each with its `LINGER`; its waiting fibers fail with `ENOTSOCK`),
 * later `ZmqSocket.make` calls fail with `ETERM`, and the libzmq context is terminated (`zmq_ctx_term`, off the main
 * thread): the release completes when libzmq has let go of every socket, which the finite default `LINGER` bounds.
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
): Effect.Effect<ZmqContext["Service"], ZMQError, Binding.Binding | Readiness | Scope.Scope> =>
  Effect.gen(function*() {
    if (options === null || typeof options !== "object") {
      return yield* Effect.fail(ZMQError.make("EINVAL", "context", `options must be an object, got ${options === null ? "null" : typeof options}`))
    }
    const invalid = validateCount("ioThreads", options.ioThreads, 0) ??
      validateCount("maxSockets", options.maxSockets, 1) ??
      validateCount("defaultLinger", options.defaultLinger, -1) ??
      validateCount("maxMessageSize", options.maxMessageSize, -1)
    if (invalid) return yield* Effect.fail(invalid)
    const binding = yield* Binding.Binding
    const readiness = yield* Readiness
    registerBinding(binding)
    const settings: ReadonlyArray<readonly [number, number | boolean | undefined]> = [
      [ZMQ_IO_THREADS, options.ioThreads ?? 1],
      [ZMQ_BLOCKY, options.blocky ?? false],
      [ZMQ_MAX_SOCKETS, options.maxSockets],
      [ZMQ_MAX_MSGSZ, options.maxMessageSize],
      [ZMQ_IPV6, options.ipv6],
      [ZMQ_THREAD_PRIORITY, options.threadPriority],
      [ZMQ_THREAD_SCHED_POLICY, options.threadSchedulingPolicy]
    ]
    const handle = yield* Effect.acquireRelease(
      Effect.suspend(() => {
        const created = binding.contextNew()
        if (typeof created === "number") return Effect.fail(ZMQError.fromErrno(created, "context", binding))
        for (const [option, value] of settings) {
          if (value === undefined) continue
          const status = binding.contextSet(created, option, typeof value === "boolean" ? (value ? 1 : 0) : value)
          if (status !== 0) {
            binding.contextTerm(created, () => {})
            return Effect.fail(ZMQError.fromErrno(status, "context", binding))
          }
        }
        return Effect.succeed(created)
      }),
      (created) =>
        // every socket is closed by the finalizer below, which runs first: zmq_ctx_term can return
        Effect.callback<void>((resume) => {
          binding.contextTerm(created, () => resume(Effect.void))
        })
    )
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
      binding,
      handle,
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
 * A layer providing {@link ZmqContext}, given a {@link Binding.Binding} and a {@link Readiness} implementation
 * (`NodeZmq.layer` from `@effect-zmq/platform-node` includes the Node ones).
 *
 * @example
 * ```ts
 * import { ZmqContext } from "@effect-zmq/zmq"
 *
 * const context = ZmqContext.layer({ ioThreads: 1 })
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options?: ContextOptions): Layer.Layer<ZmqContext, ZMQError, Binding.Binding | Readiness> =>
  Layer.effect(ZmqContext, make(options))

/**
 * The binding the constants below describe: the one a platform registered when it loaded (`@effect-zmq/platform-node`
 * does, on import), or the one of the last context made.
 */
let registered: Binding.BindingShape | undefined = undefined

/**
 * Registers the binding that {@link capability}, {@link version} and {@link curveKeyPair} describe. A platform calls
 * it when its binding loads; contexts register theirs.
 *
 * @example
 * ```ts
 * import { Binding } from "@effect-zmq/core"
 * import { ZmqContext } from "@effect-zmq/zmq"
 *
 * declare const binding: Binding.BindingShape
 * ZmqContext.registerBinding(binding)
 * ```
 *
 * @since 0.1.0
 * @category binding
 */
export const registerBinding = (binding: Binding.BindingShape): void => {
  registered = binding
  version = binding.version
}

const noCapabilities: Readonly<Record<Binding.Capability, boolean>> = {
  ipc: false,
  pgm: false,
  tipc: false,
  norm: false,
  curve: false,
  gssapi: false,
  draft: false
}

const capabilityView = Object.freeze(Object.defineProperties(
  {},
  Object.fromEntries(
    (Object.keys(noCapabilities) as Array<Binding.Capability>).map((name) => [
      name,
      { enumerable: true, get: () => (registered?.capabilities ?? noCapabilities)[name] }
    ])
  )
)) as Readonly<Record<Binding.Capability, boolean>>

/**
 * What the bound libzmq supports (`ipc`, `curve`, `draft`, …), from `zmq_has`. All false until a platform's binding
 * has loaded (importing `@effect-zmq/platform-node` loads it).
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
export const capability: Readonly<Partial<Record<Binding.Capability, boolean>>> = capabilityView

/**
 * The version of the bound libzmq (`"unknown"` until a platform's binding has loaded; a live binding, so it reads the
 * registered binding's version once there is one).
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
// eslint-disable-next-line prefer-const
export let version: string = "unknown"

/**
 * The version of the bound libzmq, read when asked.
 *
 * @example
 * ```ts
 * import { ZmqContext } from "@effect-zmq/zmq"
 *
 * console.log(ZmqContext.libzmqVersion()) // e.g. "4.3.5"
 * ```
 *
 * @since 0.1.0
 * @category constants
 */
export const libzmqVersion = (): string => registered?.version ?? "unknown"

const noBinding = () =>
  ZMQError.make(
    "ENODEV",
    "curveKeyPair",
    "no libzmq binding is loaded: import @effect-zmq/platform-node (or provide a ZmqContext)"
  )

/**
 * A new CURVE key pair (Z85 text), from libzmq: the binding of the `ZmqContext` in context, else the registered one.
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
  .suspend(() => {
    const binding = registered
    if (binding === undefined) return Effect.fail(noBinding())
    const pair = binding.curveKeyPair()
    return Binding.isErrno(pair) ? Effect.fail(ZMQError.fromErrno(pair.errno, "curveKeyPair", binding)) : Effect.succeed(pair)
  })
