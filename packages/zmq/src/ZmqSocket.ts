/**
 * Green ZeroMQ sockets: scoped resources whose `send`/`recv` suspend only their own fiber until the socket's fd
 * says ZeroMQ is ready, are safe to interrupt, and fail with a typed {@link ZMQError}.
 *
 * Guarantees (see the README for how each is tested):
 * - an interrupted `recv` takes nothing, and a message ZeroMQ handed over is always handed to a fiber or kept for
 *   the next `recv`;
 * - an interrupted `send` has sent nothing and sends nothing later (a multipart message staged with `SNDMORE` is
 *   discarded with it);
 * - several fibers may wait on one socket, in both directions, and are served in FIFO order;
 * - `close` (or the end of the socket's Scope, or of its context) fails every waiting fiber with `ENOTSOCK` at once.
 *
 * @since 0.1.0
 */
import type * as Frame from "@effect-zmq/core/Frame"
import type { GreenStats } from "@effect-zmq/core/Green"
import type * as MessageTracker from "@effect-zmq/core/MessageTracker"
import type { ZMQError } from "@effect-zmq/core/ZMQError"
import type * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import * as internal from "./internal/socket.ts"
import type * as SocketOption from "./SocketOption.ts"
import type { ZmqContext } from "./ZmqContext.ts"

/**
 * The socket types. The draft types (`SERVER`, `CLIENT`, `RADIO`, `DISH`, `GATHER`, `SCATTER`, `DGRAM`) are
 * available where `ZmqContext.capability.draft` is true; they have no `ZMQ_FD`, so their waits fall back to a
 * backing-off timer (see `Readiness.backoffWatch`). SERVER and RADIO messages are sent as a `Frame` whose
 * `properties` hold the `routingId` (reply with the properties of the received frame) or the `group`; a DISH
 * `join`s groups.
 *
 * @example
 * ```ts
 * import type { ZmqSocket } from "@effect-zmq/zmq"
 *
 * const type: ZmqSocket.SocketType = "PUSH"
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type SocketType =
  | "PAIR"
  | "PUB"
  | "SUB"
  | "REQ"
  | "REP"
  | "DEALER"
  | "ROUTER"
  | "PULL"
  | "PUSH"
  | "XPUB"
  | "XSUB"
  | "STREAM"
  | "SERVER"
  | "CLIENT"
  | "RADIO"
  | "DISH"
  | "GATHER"
  | "SCATTER"
  | "DGRAM"

/**
 * Options of `make`: endpoints to bind and connect (in that order, after the options are set) and initial socket
 * options, either by name at the top level or under `options`.
 *
 * @example
 * ```ts
 * import type { ZmqSocket } from "@effect-zmq/zmq"
 *
 * const options: ZmqSocket.MakeOptions = { bind: "tcp://127.0.0.1:*", LINGER: 0, options: { SNDHWM: 100 } }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type MakeOptions = SocketOption.Init & {
  readonly bind?: string | ReadonlyArray<string> | undefined
  readonly connect?: string | ReadonlyArray<string> | undefined
  readonly options?: SocketOption.Init | undefined
}

/**
 * Options of `send`: `flags` (`NOBLOCK`, `SNDMORE`), `copy` (default true: the caller may reuse the buffer as soon
 * as the send completes; false hands the buffer itself to ZeroMQ, which may read it until the message has gone) and
 * `track` (with `copy: false`, return a {@link MessageTracker.MessageTracker}).
 *
 * @example
 * ```ts
 * import { Flags } from "@effect-zmq/zmq"
 * import type { ZmqSocket } from "@effect-zmq/zmq"
 *
 * const options: ZmqSocket.SendOptions = { flags: Flags.NOBLOCK }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface SendOptions {
  readonly flags?: number | undefined
  readonly copy?: boolean | undefined
  readonly track?: boolean | undefined
}

/**
 * Options of `recv`: `flags` (`NOBLOCK`) and `copy` (false returns a {@link Frame.Frame}); `track` is accepted for
 * pyzmq compatibility and has no effect on receiving.
 *
 * @example
 * ```ts
 * import type { ZmqSocket } from "@effect-zmq/zmq"
 *
 * const options: ZmqSocket.RecvOptions = { copy: false }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface RecvOptions {
  readonly flags?: number | undefined
  readonly copy?: boolean | undefined
  readonly track?: boolean | undefined
}

/**
 * A green ZeroMQ socket.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { ZmqSocket } from "@effect-zmq/zmq"
 *
 * const echo = Effect.gen(function*() {
 *   const rep = yield* ZmqSocket.make("REP", { bind: "tcp://127.0.0.1:*" })
 *   const request = yield* rep.recv()
 *   yield* rep.send(request)
 * })
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface ZmqSocket {
  readonly type: SocketType
  /** Whether the socket has been closed. */
  readonly closed: boolean

  readonly bind: (endpoint: string) => Effect.Effect<void, ZMQError>
  readonly unbind: (endpoint: string) => Effect.Effect<void, ZMQError>
  readonly connect: (endpoint: string) => Effect.Effect<void, ZMQError>
  readonly disconnect: (endpoint: string) => Effect.Effect<void, ZMQError>
  /** The endpoint of the last bind or connect, with the port filled in (`tcp://127.0.0.1:*` → a real port). */
  readonly lastEndpoint: Effect.Effect<string, ZMQError>

  readonly send: {
    (
      data: Uint8Array | Frame.Frame,
      options: SendOptions & { readonly copy: false; readonly track: true }
    ): Effect.Effect<MessageTracker.MessageTracker, ZMQError>
    (data: Uint8Array | Frame.Frame, options?: SendOptions): Effect.Effect<void, ZMQError>
  }
  readonly sendMultipart: {
    (
      frames: Iterable<Uint8Array | Frame.Frame>,
      options: SendOptions & { readonly copy: false; readonly track: true }
    ): Effect.Effect<MessageTracker.MessageTracker, ZMQError>
    (frames: Iterable<Uint8Array | Frame.Frame>, options?: SendOptions): Effect.Effect<void, ZMQError>
  }
  readonly sendString: (text: string, options?: { readonly flags?: number | undefined }) => Effect.Effect<void, ZMQError>

  readonly recv: {
    (options: RecvOptions & { readonly copy: false }): Effect.Effect<Frame.Frame, ZMQError>
    (options?: RecvOptions): Effect.Effect<Uint8Array, ZMQError>
  }
  readonly recvMultipart: {
    (options: RecvOptions & { readonly copy: false }): Effect.Effect<ReadonlyArray<Frame.Frame>, ZMQError>
    (options?: RecvOptions): Effect.Effect<ReadonlyArray<Uint8Array>, ZMQError>
  }
  readonly recvString: (options?: { readonly flags?: number | undefined }) => Effect.Effect<string, ZMQError>

  readonly getOption: <N extends SocketOption.Readable>(name: N) => Effect.Effect<SocketOption.Value<N>, ZMQError>
  readonly setOption: <N extends SocketOption.Writable>(
    name: N,
    value: SocketOption.Input<N>
  ) => Effect.Effect<void, ZMQError>

  readonly subscribe: (prefix?: string | Uint8Array) => Effect.Effect<void, ZMQError>
  readonly unsubscribe: (prefix?: string | Uint8Array) => Effect.Effect<void, ZMQError>
  /** DISH only (draft): receive the messages a RADIO sends to `group`. */
  readonly join: (group: string | Uint8Array) => Effect.Effect<void, ZMQError>
  readonly leave: (group: string | Uint8Array) => Effect.Effect<void, ZMQError>

  /** Closes now, idempotently: waiting fibers fail with `ENOTSOCK`; queued messages get the socket's `LINGER`. */
  readonly close: Effect.Effect<void>
  /** Internal counts (waiting fibers, undelivered messages, whether the fd is watched), for tests and diagnostics. */
  readonly stats: () => GreenStats
}

/**
 * Makes a socket of `type` from the {@link ZmqContext} in context, closed when the scope closes. `options` may set
 * initial socket options and endpoints to bind and connect.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { ZmqSocket } from "@effect-zmq/zmq"
 *
 * const program = Effect.gen(function*() {
 *   const pull = yield* ZmqSocket.make("PULL", { bind: "tcp://127.0.0.1:*" })
 *   const endpoint = yield* pull.lastEndpoint
 *   const push = yield* ZmqSocket.make("PUSH", { connect: endpoint })
 *   yield* push.sendString("hello")
 *   return yield* pull.recvString()
 * })
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: (
  type: SocketType,
  options?: MakeOptions
) => Effect.Effect<ZmqSocket, ZMQError, ZmqContext | Scope.Scope> = internal.make
