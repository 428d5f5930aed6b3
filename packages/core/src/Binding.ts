/**
 * The binding interface: a *synchronous*, non-blocking libzmq API that a platform provides and the green engine
 * ({@link Green}) drives. Every call returns before anything else runs, and its outcome (done, `EAGAIN`, `EFSM`,
 * `EHOSTUNREACH`, …) is known when it returns: this is what lets a message leave ZeroMQ only in the step that
 * completes its receiver, and a send happen only in the step that completes its sender (design §3).
 *
 * Conventions, chosen so that the hot path allocates nothing on failure and never throws:
 * - a *status* is `0` for success or the platform's positive `errno` for failure;
 * - a call that returns a handle or bytes returns a `number` (the positive `errno`) on failure;
 * - `events` and `fd` return a non-negative value, or a negative `errno`;
 * - the rare calls that return other values return an {@link Errno} on failure.
 *
 * No call blocks, and no call throws for a libzmq failure (`EINTR` is retried inside the binding).
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import type { ZMQErrorCode } from "./ZMQError.ts"

const ErrnoTypeId = "~@effect-zmq/core/Binding/Errno" as const

/**
 * A failed binding call that returns values of several types: the platform's `errno`.
 *
 * @example
 * ```ts
 * import { Binding } from "@effect-zmq/core"
 *
 * const failure = new Binding.Errno(22)
 * Binding.isErrno(failure) // true
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export class Errno {
  readonly [ErrnoTypeId] = ErrnoTypeId
  readonly errno: number
  constructor(errno: number) {
    this.errno = errno
  }
}

/**
 * Whether a binding result is an {@link Errno}.
 *
 * @example
 * ```ts
 * import { Binding } from "@effect-zmq/core"
 *
 * Binding.isErrno(42) // false
 * ```
 *
 * @since 0.1.0
 * @category guards
 */
export const isErrno = (u: unknown): u is Errno => typeof u === "object" && u !== null && ErrnoTypeId in u

/**
 * An opaque libzmq context.
 *
 * @example
 * ```ts
 * import type { Binding } from "@effect-zmq/core"
 *
 * declare const context: Binding.ContextHandle
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface ContextHandle {
  readonly "~@effect-zmq/core/Binding/ContextHandle": unique symbol
}

/**
 * An opaque libzmq socket.
 *
 * @example
 * ```ts
 * import type { Binding } from "@effect-zmq/core"
 *
 * declare const socket: Binding.SocketHandle
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface SocketHandle {
  readonly "~@effect-zmq/core/Binding/SocketHandle": unique symbol
}

/**
 * How a socket option's value is passed: libzmq's `int`, `uint32_t`, `int64_t`, `uint64_t`, a boolean `int`, a
 * NUL-terminated string, or bytes.
 *
 * @example
 * ```ts
 * import type { Binding } from "@effect-zmq/core"
 *
 * const kind: Binding.OptionKind = "int32"
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type OptionKind = "int32" | "uint32" | "int64" | "uint64" | "boolean" | "string" | "bytes"

/**
 * A socket option's value, by {@link OptionKind}: numbers, booleans, strings (`string`), bytes (`bytes`; read back
 * as a `Uint8Array`). `null` clears a string or bytes option.
 *
 * @example
 * ```ts
 * import type { Binding } from "@effect-zmq/core"
 *
 * const linger: Binding.OptionValue = 0
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type OptionValue = number | boolean | string | Uint8Array | null

/**
 * The libzmq capabilities a binding may report (`zmq_has`).
 *
 * @example
 * ```ts
 * import type { Binding } from "@effect-zmq/core"
 *
 * const wanted: Binding.Capability = "curve"
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type Capability = "ipc" | "pgm" | "tipc" | "norm" | "curve" | "gssapi" | "draft"

/**
 * The properties of a received frame, where the socket type or the connection has them: `routingId` (SERVER),
 * `group` (DISH), and the metadata `User-Id` (the ZAP user) and `Peer-Address`.
 *
 * @example
 * ```ts
 * import type { Binding } from "@effect-zmq/core"
 *
 * const from = (properties: Binding.FrameProperties) => properties.routingId
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface FrameProperties {
  readonly routingId?: number | undefined
  readonly group?: string | undefined
  readonly "User-Id"?: string | undefined
  readonly "Peer-Address"?: string | undefined
}

/**
 * Options of one outgoing message: `release` asks the binding not to copy the frames (zero-copy) and is called
 * exactly once, on the main thread, when libzmq no longer references any of them (at once if the binding copied or
 * the send failed); `routingId` (SERVER) and `group` (RADIO) route it.
 *
 * @example
 * ```ts
 * import type { Binding } from "@effect-zmq/core"
 *
 * const options: Binding.SendOptions = { routingId: 7 }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface SendOptions {
  readonly release?: (() => void) | undefined
  readonly routingId?: number | undefined
  readonly group?: string | Uint8Array | undefined
}

/**
 * The synchronous libzmq API (see the module doc for the conventions). Flags are libzmq's: `1` is `ZMQ_DONTWAIT`,
 * `2` is `ZMQ_SNDMORE`; the engine always passes `ZMQ_DONTWAIT`.
 *
 * @example
 * ```ts
 * import type { Binding } from "@effect-zmq/core"
 *
 * declare const binding: Binding.BindingShape
 * declare const socket: Binding.SocketHandle
 * const status = binding.send(socket, new Uint8Array([1]), 1) // 0, or EAGAIN's errno
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface BindingShape {
  /** Which libzmq was bound, and how it was found (for diagnostics). */
  readonly description: string
  /** libzmq's version, `major.minor.patch`. */
  readonly version: string
  readonly capabilities: Readonly<Record<Capability, boolean>>
  /** The code of one of this platform's `errno` numbers. */
  readonly codeOf: (errno: number) => ZMQErrorCode
  /** This platform's `errno` number of a code (`undefined` when the platform has none). */
  readonly errnoOf: (code: ZMQErrorCode) => number | undefined
  /** `zmq_strerror`. */
  readonly strerror: (errno: number) => string

  /** `zmq_ctx_new`. */
  readonly contextNew: () => ContextHandle | number
  /** `zmq_ctx_set` (status). */
  readonly contextSet: (context: ContextHandle, option: number, value: number) => number
  /** `zmq_ctx_get`: the value, or a negative errno. */
  readonly contextGet: (context: ContextHandle, option: number) => number
  /**
   * `zmq_ctx_term` off the main thread: `onDone(status)` runs on the main thread when it returns. Every socket of the
   * context must be closed for it to return. Idempotent: later calls report `0` at once.
   */
  readonly contextTerm: (context: ContextHandle, onDone: (status: number) => void) => void

  /** `zmq_socket`: a socket, or the errno. */
  readonly socket: (context: ContextHandle, type: number) => SocketHandle | number
  /** `zmq_close` (status). Idempotent: closing a closed socket returns `0`. */
  readonly close: (socket: SocketHandle) => number
  readonly bind: (socket: SocketHandle, endpoint: string) => number
  readonly unbind: (socket: SocketHandle, endpoint: string) => number
  readonly connect: (socket: SocketHandle, endpoint: string) => number
  readonly disconnect: (socket: SocketHandle, endpoint: string) => number
  readonly getOption: (socket: SocketHandle, option: number, kind: OptionKind) => OptionValue | Errno
  readonly setOption: (socket: SocketHandle, option: number, kind: OptionKind, value: OptionValue) => number
  /** `ZMQ_EVENTS` (`EINTR` retried): the bits, or a negative errno. Also resets a poller fd (see `fd`). */
  readonly events: (socket: SocketHandle) => number
  /**
   * The descriptor to watch for readiness: `ZMQ_FD`, or for a thread-safe (draft) socket, which has none, the fd of
   * a `zmq_poller` that holds it. A negative errno when there is none.
   */
  readonly fd: (socket: SocketHandle) => number

  /**
   * Receives one frame (`zmq_msg_recv`), or returns the errno (`EAGAIN` with `ZMQ_DONTWAIT` when none is ready).
   * The bytes may be a view of a larger buffer that the binding never writes again. With `properties`, the frame's
   * properties are read for {@link Binding.lastProperties}.
   */
  readonly recv: (socket: SocketHandle, flags: number, properties: boolean) => Uint8Array | number
  /** `ZMQ_RCVMORE` of the frame the last successful `recv` returned (on any socket). */
  readonly more: () => boolean
  /**
   * The properties of the frame the last successful `recv` returned (on any socket): routing id and group always,
   * the metadata only when `recv` was asked for them.
   */
  readonly lastProperties: () => FrameProperties
  /** Sends one frame, copied (`zmq_send`): status. */
  readonly send: (socket: SocketHandle, data: Uint8Array, flags: number) => number
  /**
   * Sends a whole message: every frame but the last with `ZMQ_SNDMORE` (the last one too if `flags` has it), so that
   * libzmq takes all of it or, when the first frame is refused, none of it. Status.
   */
  readonly sendMessage: (
    socket: SocketHandle,
    frames: ReadonlyArray<Uint8Array>,
    flags: number,
    options?: SendOptions | undefined
  ) => number
  /** DISH: `zmq_join` / `zmq_leave` (status). */
  readonly join: (socket: SocketHandle, group: string | Uint8Array) => number
  readonly leave: (socket: SocketHandle, group: string | Uint8Array) => number
  /** `zmq_socket_monitor` (status); `endpoint` `null` stops the monitor. */
  readonly monitor: (socket: SocketHandle, endpoint: string | null, events: number) => number

  /** `zmq_curve_keypair`, as Z85 text. */
  readonly curveKeyPair: () => { readonly publicKey: string; readonly secretKey: string } | Errno
  /** `zmq_curve_public`: the Z85 public key of a Z85 secret key. */
  readonly curvePublic: (secretKey: string) => string | Errno
  readonly z85Encode: (data: Uint8Array) => string | Errno
  readonly z85Decode: (text: string) => Uint8Array | Errno
}

/**
 * The binding service (see {@link BindingShape}); `@effect-zmq/platform-node` provides the Node one.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Binding } from "@effect-zmq/core"
 *
 * const version = Effect.map(Binding.Binding, (binding) => binding.version)
 * ```
 *
 * @since 0.1.0
 * @category services
 */
export class Binding extends Context.Service<Binding, BindingShape>()("@effect-zmq/core/Binding") {}

/**
 * libzmq's `ZMQ_DONTWAIT` (= `Flags.NOBLOCK`).
 *
 * @example
 * ```ts
 * import { Binding } from "@effect-zmq/core"
 *
 * Binding.DONTWAIT // 1
 * ```
 *
 * @since 0.1.0
 * @category constants
 */
export const DONTWAIT = 1

/**
 * libzmq's `ZMQ_SNDMORE` (= `Flags.SNDMORE`).
 *
 * @example
 * ```ts
 * import { Binding } from "@effect-zmq/core"
 *
 * Binding.SNDMORE // 2
 * ```
 *
 * @since 0.1.0
 * @category constants
 */
export const SNDMORE = 2
