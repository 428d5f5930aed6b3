/**
 * The Node implementation of the {@link Binding} service: a synchronous, non-blocking libzmq API over this
 * package's N-API addon (`native/effect_zmq.c`), which binds the libzmq that the `zeromq` package ships (its prebuilt
 * `addon.node` exports the libzmq C API on Linux and macOS), falling back to any loaded object that defines
 * `zmq_msg_send` and then to a system `libzmq.so.5` / `libzmq.5.dylib` (`EFFECT_ZMQ_LIBZMQ` names a library to use
 * instead). Windows is not supported.
 *
 * What the engine may rely on, beyond the `Binding` interface:
 * - `recv` returns a frame of up to 4 KiB as a `subarray` view of a 64 KiB slab that the binding never writes
 *   again (a fresh slab when one is full); larger frames get a `Buffer` of their own. Views are independent: keep
 *   them as long as you like (a view keeps its slab alive).
 * - `more()` and `lastProperties()` describe the last successful `recv` of this binding (any socket); `more()` reads
 *   a shared `Int32Array` (no call into C); `lastProperties()` builds an object (call it only when needed).
 * - `sendMessage` with `release` zero-copies the frames of at least 8 KiB (`zmq_msg_init_data`), keeps them alive
 *   until libzmq frees them, and calls `release` on the main thread once all are freed; smaller frames are copied.
 *   If nothing was zero-copied (or the send failed), `release` runs before `sendMessage` returns.
 * - `fd` of a thread-safe (draft) socket is the fd of a `zmq_poller` holding it; `events` resets that poller.
 * - `contextTerm` on a context that is already terminating or terminated calls `onDone(0)` synchronously.
 * - A socket handle that is collected while still open is closed by its finalizer (with its `LINGER`).
 *
 * @since 0.1.0
 */
import { Binding, Errno } from "@effect-zmq/core/Binding"
import type { BindingShape, Capability, OptionKind, OptionValue } from "@effect-zmq/core/Binding"
import { ZMQError } from "@effect-zmq/core/ZMQError"
import type { ZMQErrorCode } from "@effect-zmq/core/ZMQError"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import {
  type Addon,
  bind,
  type Description,
  type Kind,
  SHARED_ERRNO,
  SHARED_LENGTH,
  SHARED_MORE,
  SHARED_SLAB_GENERATION
} from "./internal/addon.ts"

const kinds = {
  int32: 0,
  uint32: 1,
  int64: 2,
  uint64: 3,
  boolean: 4,
  string: 5,
  bytes: 6
} as const satisfies Record<OptionKind, Kind>

const isKind = (kind: unknown): kind is OptionKind => typeof kind === "string" && Object.hasOwn(kinds, kind)

/**
 * The binding's errno table: this platform's numbers for the codes of `ZMQErrorCode` (from `<errno.h>`, and
 * libzmq's `ZMQ_HAUSNUMERO`-based `EFSM`, `ENOCOMPATPROTO`, `ETERM`, `EMTHREAD`).
 */
const errnoTables = (addon: Addon) => {
  const byCode = addon.errnos() as Partial<Record<ZMQErrorCode, number>>
  const byErrno = new Map<number, ZMQErrorCode>()
  for (const [code, errno] of Object.entries(byCode) as Array<[ZMQErrorCode, number]>) {
    if (!byErrno.has(errno)) byErrno.set(errno, code)
  }
  return { byCode, byErrno }
}

const build = (addon: Addon, description: Description): BindingShape => {
  const shared = addon.shared
  const { byCode, byErrno } = errnoTables(addon)
  const EINVAL = byCode.EINVAL ?? 22
  let generation = -1
  let slab = new Uint8Array(0)
  const capabilities: Record<Capability, boolean> = { ...description.capabilities }

  return Binding.of({
    description: `libzmq ${description.version} from ${description.file} (${description.how})`,
    version: description.version,
    capabilities,
    codeOf: (errno) => byErrno.get(errno) ?? "UNKNOWN",
    errnoOf: (code) => byCode[code],
    strerror: (errno) => addon.strerror(errno),

    contextNew: () => addon.contextNew(),
    contextSet: (context, option, value) => addon.contextSet(context, option, value),
    contextGet: (context, option) => addon.contextGet(context, option),
    contextTerm: (context, onDone) => addon.contextTerm(context, onDone),

    socket: (context, type) => addon.socket(context, type),
    close: (socket) => addon.close(socket),
    bind: (socket, endpoint) => addon.bind(socket, endpoint),
    unbind: (socket, endpoint) => addon.unbind(socket, endpoint),
    connect: (socket, endpoint) => addon.connect(socket, endpoint),
    disconnect: (socket, endpoint) => addon.disconnect(socket, endpoint),
    getOption: (socket, option, kind) => {
      if (!isKind(kind)) return new Errno(EINVAL)
      const value = addon.getOption(socket, option, kinds[kind])
      return value === undefined ? new Errno(shared[SHARED_ERRNO]!) : value
    },
    setOption: (socket, option, kind, value: OptionValue) =>
      isKind(kind) ? addon.setOption(socket, option, kinds[kind], value) : EINVAL,
    events: (socket) => addon.events(socket),
    fd: (socket) => addon.fd(socket),

    recv: (socket, flags, properties) => {
      const result = addon.recv(socket, flags, properties)
      if (typeof result !== "number") return result
      if (result < 0) return -result
      if (shared[SHARED_SLAB_GENERATION] !== generation) {
        generation = shared[SHARED_SLAB_GENERATION]!
        slab = new Uint8Array(addon.slab())
      }
      return slab.subarray(result, result + shared[SHARED_LENGTH]!)
    },
    more: () => shared[SHARED_MORE] !== 0,
    lastProperties: () => addon.lastProperties(),
    send: (socket, data, flags) => addon.send(socket, data, flags),
    sendMessage: (socket, frames, flags, options) =>
      options === undefined
        ? addon.sendMessage(socket, frames, flags, undefined, undefined, undefined)
        : addon.sendMessage(socket, frames, flags, options.release, options.routingId, options.group),
    join: (socket, group) => addon.join(socket, group),
    leave: (socket, group) => addon.leave(socket, group),
    monitor: (socket, endpoint, events) => addon.monitor(socket, endpoint, events),

    curveKeyPair: () => {
      const result = addon.curveKeyPair()
      return typeof result === "number" ? new Errno(result) : result
    },
    curvePublic: (secretKey) => {
      const result = addon.curvePublic(secretKey)
      return typeof result === "number" ? new Errno(result) : result
    },
    z85Encode: (data) => {
      const result = addon.z85Encode(data)
      return typeof result === "number" ? new Errno(result) : result
    },
    z85Decode: (text) => {
      const result = addon.z85Decode(text)
      return typeof result === "number" ? new Errno(result) : result
    }
  })
}

let cached: BindingShape | ZMQError | undefined

const resolve = (): BindingShape | ZMQError => {
  if (cached !== undefined) return cached
  const result = bind()
  cached = result instanceof Error
    ? ZMQError.make("ENODEV", "NodeBinding", result.message, result)
    : build(result.addon, result.description)
  return cached
}

/**
 * The Node binding: loads the addon and binds libzmq once per process (later calls return the same service).
 * Fails with `ENODEV` and a message that names what was tried and what to do when the addon is not built, no libzmq
 * could be bound, or the platform is Windows.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { NodeBinding } from "@effect-zmq/platform-node"
 *
 * const program = Effect.gen(function*() {
 *   const binding = yield* NodeBinding.make
 *   yield* Effect.log(binding.description, binding.version, binding.capabilities.curve)
 * })
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: Effect.Effect<BindingShape, ZMQError> = Effect.suspend(() => {
  const result = resolve()
  return result instanceof ZMQError ? Effect.fail(result) : Effect.succeed(result)
})

/**
 * A layer providing {@link make}'s binding; building it fails with `ENODEV` (and a message saying why) when no
 * libzmq can be bound.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Binding } from "@effect-zmq/core"
 * import { NodeBinding } from "@effect-zmq/platform-node"
 *
 * const version = Effect.gen(function*() {
 *   const binding = yield* Binding.Binding
 *   return binding.version
 * }).pipe(Effect.provide(NodeBinding.layer))
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<Binding, ZMQError> = Layer.effect(Binding, make)

/**
 * The binding, synchronously, or the `ZMQError` (`ENODEV`) saying why there is none. For code outside Effect (a
 * benchmark, a diagnostic script).
 *
 * @example
 * ```ts
 * import { NodeBinding } from "@effect-zmq/platform-node"
 *
 * const binding = NodeBinding.makeUnsafe()
 * if (!(binding instanceof Error)) console.log(binding.description)
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeUnsafe = (): BindingShape | ZMQError => resolve()
