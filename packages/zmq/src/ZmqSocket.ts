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
import type * as SocketOption from "./SocketOption.ts"
// composition (docs/composition.md)
import type * as Duration from "effect/Duration"
import { dual } from "effect/Function"
import type * as Schedule from "effect/Schedule"
import type * as Schema from "effect/Schema"
import type * as Sink from "effect/Sink"
import type * as Stream from "effect/Stream"
import * as codecInternal from "./internal/codec.ts"
import * as monitorInternal from "./internal/monitor.ts"
import * as pollInternal from "./internal/poll.ts"
import * as reqrepInternal from "./internal/reqrep.ts"
import * as telemetryInternal from "./internal/telemetry.ts"
import type { ZmqContext } from "./ZmqContext.ts"
import type * as ZmqTelemetry from "./ZmqTelemetry.ts"

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
 * options, either by name at the top level or under `options`. `telemetry` turns tracing and metrics on for this
 * socket (`true`, or {@link ZmqTelemetry.Options}) or off (`false`), over the context default of
 * `ZmqTelemetry.layer` (docs/observability.md). The secret options `CURVE_SECRETKEY` and `PLAIN_PASSWORD` accept a
 * `Redacted<string>`.
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
  /** The socket's retry policy after `EAGAIN` (see {@link RetryOptions}); a call's own `retry` overrides it. */
  readonly retry?: Schedule.Schedule<unknown, ZMQError> | undefined
  readonly telemetry?: ZmqTelemetry.Options | boolean | undefined
}

/**
 * The retry policy of a green operation. After each `EAGAIN` the operation steps the `Schedule` with the error;
 * while the schedule continues, the fiber waits for the socket's readiness (or for the step's delay, if it has one,
 * whichever comes first) and attempts again; when it ends, the operation fails with `EAGAIN`. Without one (the
 * default), the fiber waits for readiness as long as it takes. Readiness always wakes the fiber at once: a delay
 * only adds wake-ups, it is never the way readiness is found.
 *
 * @example
 * ```ts
 * import { Effect, Schedule } from "effect"
 * import { ZmqSocket } from "@effect-zmq/zmq"
 *
 * const program = Effect.gen(function*() {
 *   const pull = yield* ZmqSocket.make("PULL", { bind: "tcp://127.0.0.1:*" })
 *   // give up after three fruitless wake-ups
 *   const a = yield* pull.recv({ retry: Schedule.recurs(3) }).pipe(Effect.option)
 *   // give up after about five seconds
 *   const b = yield* pull.recv({ retry: Schedule.spaced("1 second").pipe(Schedule.upTo({ times: 5 })) }).pipe(Effect.option)
 *   return [a, b]
 * })
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface RetryOptions {
  readonly retry?: Schedule.Schedule<unknown, ZMQError> | undefined
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
export interface SendOptions extends RetryOptions {
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
export interface RecvOptions extends RetryOptions {
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
  readonly sendString: (text: string, options?: RetryOptions & { readonly flags?: number | undefined }) => Effect.Effect<void, ZMQError>

  readonly recv: {
    (options: RecvOptions & { readonly copy: false }): Effect.Effect<Frame.Frame, ZMQError>
    (options?: RecvOptions): Effect.Effect<Uint8Array, ZMQError>
  }
  readonly recvMultipart: {
    (options: RecvOptions & { readonly copy: false }): Effect.Effect<ReadonlyArray<Frame.Frame>, ZMQError>
    (options?: RecvOptions): Effect.Effect<ReadonlyArray<Uint8Array>, ZMQError>
  }
  readonly recvString: (options?: RetryOptions & { readonly flags?: number | undefined }) => Effect.Effect<string, ZMQError>

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
 * initial socket options and endpoints to bind and connect, and its `telemetry`. Runs in a `ZmqSocket.make` span.
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
) => Effect.Effect<ZmqSocket, ZMQError, ZmqContext | Scope.Scope> = telemetryInternal.make

// -----------------------------------------------------------------------------------------------------------------
// Effect-native composition: streams, sinks, poll, monitor events, request/reply, typed codecs (docs/composition.md)
// -----------------------------------------------------------------------------------------------------------------

/**
 * Options of {@link stream}: `chunkSize`, how many messages each emitted chunk holds at most (default 1, which
 * makes operators like `Stream.take(n)` exact). The socket is drained in steps of up to 128 messages (or
 * `chunkSize`, if larger) either way; a larger `chunkSize` saves per-chunk overhead in the consumer.
 *
 * @example
 * ```ts
 * import type { ZmqSocket } from "@effect-zmq/zmq"
 *
 * const options: ZmqSocket.StreamOptions = { chunkSize: 16 }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface StreamOptions {
  readonly chunkSize?: number | undefined
}

/**
 * A `Stream` of whole messages. Each step waits (greenly, interruptibly) for a message, then drains every message
 * ready (up to 128, or `chunkSize` if larger) into the stream's own buffer in one step, and emits chunks of
 * `chunkSize` messages (default 1) from it.
 *
 * - Nothing is lost: when the stream stops for any reason (the consumer has had enough, an interrupt, an error), the
 *   messages it had drained but not emitted go back to the front of the socket, in order, for the next `recv`. An
 *   interrupted step that is still waiting has taken nothing. With the default `chunkSize` of 1, `Stream.take(n)`
 *   takes exactly `n` messages; with a larger `chunkSize`, an operator that stops *inside* an emitted chunk drops
 *   the rest of that chunk, as with any chunked stream.
 * - The stream ends when the socket is closed by its owner (`close`, its Scope, its context) and fails with the
 *   real {@link ZMQError} otherwise (`EAGAIN` after `RCVTIMEO`, …).
 *
 * @example
 * ```ts
 * import { Effect, Stream } from "effect"
 * import { ZmqSocket } from "@effect-zmq/zmq"
 *
 * const firstTen = Effect.gen(function*() {
 *   const pull = yield* ZmqSocket.make("PULL", { bind: "tcp://127.0.0.1:*" })
 *   return yield* ZmqSocket.stream(pull).pipe(Stream.take(10), Stream.runCollect)
 * })
 * ```
 *
 * @since 0.1.0
 * @category streams
 */
export const stream: (
  socket: ZmqSocket,
  options?: StreamOptions
) => Stream.Stream<ReadonlyArray<Uint8Array>, ZMQError> = telemetryInternal.stream

/**
 * A `Sink` that sends every message it is fed, with backpressure: each chunk is handed to ZeroMQ in as few
 * synchronous steps as possible (everything it accepts now, in order); at the high-water mark (or with no peer) the
 * sink waits, which slows the upstream down instead of dropping or buffering. Messages are checked and copied as
 * `sendMultipart` does; an interrupted sink sends nothing more.
 *
 * @example
 * ```ts
 * import { Effect, Stream } from "effect"
 * import { ZmqSocket } from "@effect-zmq/zmq"
 *
 * const relay = (from: ZmqSocket.ZmqSocket, to: ZmqSocket.ZmqSocket) =>
 *   ZmqSocket.stream(from).pipe(Stream.run(ZmqSocket.sink(to)))
 * ```
 *
 * @since 0.1.0
 * @category streams
 */
export const sink: (socket: ZmqSocket) => Sink.Sink<void, ReadonlyArray<Uint8Array>, never, ZMQError> =
  telemetryInternal.sink

/**
 * One entry of a {@link poll}: the socket and the events to wait for (`Events.POLLIN`, `Events.POLLOUT` or both;
 * both when omitted).
 *
 * @example
 * ```ts
 * import { Events } from "@effect-zmq/zmq"
 * import type { ZmqSocket } from "@effect-zmq/zmq"
 *
 * declare const socket: ZmqSocket.ZmqSocket
 * const item: ZmqSocket.PollItem = { socket, events: Events.POLLIN }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface PollItem {
  readonly socket: ZmqSocket
  readonly events?: number | undefined
}

/**
 * Options of {@link poll}: `timeout` (a `Duration` input; a number is milliseconds). Omitted or negative waits
 * forever; `0` answers at once.
 *
 * @example
 * ```ts
 * import type { ZmqSocket } from "@effect-zmq/zmq"
 *
 * const options: ZmqSocket.PollOptions = { timeout: "250 millis" }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface PollOptions {
  readonly timeout?: Duration.Input | undefined
}

/**
 * A socket {@link poll} found ready, with the ready events among those asked for.
 *
 * @example
 * ```ts
 * import { Events } from "@effect-zmq/zmq"
 * import type { ZmqSocket } from "@effect-zmq/zmq"
 *
 * const readable = (ready: ZmqSocket.PollReady) => (ready.events & Events.POLLIN) !== 0
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface PollReady {
  readonly socket: ZmqSocket
  readonly events: number
}

/**
 * `zmq_poll` for green sockets: waits, suspending only this fiber, until at least one socket is ready for the
 * events asked (or the timeout passes) and returns every ready socket, in the order of `items` (empty on timeout).
 * Nothing is consumed: a following `recv` takes the message. Interrupting the poll only unregisters its probes.
 * A message already taken into a socket's inbox counts as readable. A socket closed during the poll fails it with
 * `ENOTSOCK`; bad items fail with `EINVAL`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Events, ZmqSocket } from "@effect-zmq/zmq"
 *
 * const either = (a: ZmqSocket.ZmqSocket, b: ZmqSocket.ZmqSocket) =>
 *   Effect.gen(function*() {
 *     const ready = yield* ZmqSocket.poll([{ socket: a, events: Events.POLLIN }, { socket: b, events: Events.POLLIN }], {
 *       timeout: "1 second"
 *     })
 *     return yield* Effect.forEach(ready, ({ socket }) => socket.recvMultipart())
 *   })
 * ```
 *
 * @since 0.1.0
 * @category polling
 */
export const poll: (
  items: Iterable<PollItem>,
  options?: PollOptions
) => Effect.Effect<ReadonlyArray<PollReady>, ZMQError> = pollInternal.poll

/**
 * A socket monitor event (libzmq's `zmq_socket_monitor`), as a tagged union. `address` is the endpoint concerned.
 * `HandshakeFailed.reason` says which kind of failure libzmq reported (`protocol`: a ZMTP or ZAP protocol error,
 * `detail` is its code such as `ERR_ZMTP_UNEXPECTED_COMMAND`; `auth`: the ZAP handler refused, `detail` is its status
 * code; `other`: no detail), and `error` is the failure as a {@link ZMQError}.
 *
 * @example
 * ```ts
 * import type { ZmqSocket } from "@effect-zmq/zmq"
 *
 * const describe = (event: ZmqSocket.SocketEvent): string => {
 *   switch (event._tag) {
 *     case "Accepted":
 *     case "Connected":
 *       return `peer at ${event.address}`
 *     case "HandshakeFailed":
 *       return `handshake failed (${event.reason}): ${event.detail}`
 *     default:
 *       return event._tag
 *   }
 * }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type SocketEvent =
  | { readonly _tag: "Connected"; readonly address: string }
  | { readonly _tag: "ConnectDelayed"; readonly address: string }
  | { readonly _tag: "ConnectRetried"; readonly address: string; readonly interval: number }
  | { readonly _tag: "Listening"; readonly address: string }
  | { readonly _tag: "BindFailed"; readonly address: string; readonly error: ZMQError }
  | { readonly _tag: "Accepted"; readonly address: string }
  | { readonly _tag: "AcceptFailed"; readonly address: string; readonly error: ZMQError }
  | { readonly _tag: "Closed"; readonly address: string }
  | { readonly _tag: "CloseFailed"; readonly address: string; readonly error: ZMQError }
  | { readonly _tag: "Disconnected"; readonly address: string }
  | { readonly _tag: "HandshakeSucceeded"; readonly address: string }
  | {
    readonly _tag: "HandshakeFailed"
    readonly address: string
    readonly reason: "protocol" | "auth" | "other"
    readonly detail: string
    readonly error: ZMQError
  }
  | { readonly _tag: "Unknown"; readonly type: string }

/**
 * The socket's monitor events as a `Stream`, from the moment the stream starts (fork it with
 * `{ startImmediately: true }` to be sure to see what you do next). It ends when the socket is closed, by its owner,
 * its Scope or its context. Several streams may watch one socket at once; each sees every event.
 *
 * The first events stream of a socket starts its monitor (a zeromq.js `Observer`), which then reads until the
 * socket closes, even after that stream ends: zeromq.js cannot stop a monitor on a live socket (closing the
 * Observer makes libzmq block forever on the socket's next event), so the monitor keeps draining instead. Its
 * pending read ends when the socket closes, and every rejection is handled.
 *
 * @example
 * ```ts
 * import { Effect, Stream } from "effect"
 * import { ZmqSocket } from "@effect-zmq/zmq"
 *
 * const firstPeer = Effect.gen(function*() {
 *   const router = yield* ZmqSocket.make("ROUTER", { bind: "tcp://127.0.0.1:*" })
 *   return yield* ZmqSocket.events(router).pipe(
 *     Stream.filter((event) => event._tag === "Accepted"),
 *     Stream.runHead
 *   )
 * })
 * ```
 *
 * @since 0.1.0
 * @category monitoring
 */
export const events: (socket: ZmqSocket) => Stream.Stream<SocketEvent, ZMQError> = monitorInternal.events

/**
 * A message to send: one frame, or the frames of a multipart message.
 *
 * @example
 * ```ts
 * import type { ZmqSocket } from "@effect-zmq/zmq"
 *
 * const message: ZmqSocket.Message = [new TextEncoder().encode("topic"), new TextEncoder().encode("body")]
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type Message = Uint8Array | Frame.Frame | Iterable<Uint8Array | Frame.Frame>

/**
 * Sends a request and receives its reply under one lock per socket, so concurrent callers on one REQ socket queue
 * instead of failing with `EFSM`. Interruption: interrupted while waiting for the lock or while sending, nothing was
 * sent; interrupted after the send, the reply is still owed, and a REQ refuses the next send with `EFSM` until it
 * is recreated — prefer `Effect.timeout` with {@link lazyPirate}, which recreates the socket for you.
 *
 * Runs in a `ZmqSocket.request` client span; with `telemetry: { propagation: true }` on the socket, the span's W3C
 * trace context goes in a leading frame, which a propagating {@link serve} continues (docs/observability.md).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { ZmqSocket } from "@effect-zmq/zmq"
 *
 * const ask = (req: ZmqSocket.ZmqSocket) =>
 *   ZmqSocket.request(req, new TextEncoder().encode("ping")).pipe(Effect.timeout("1 second"))
 * ```
 *
 * @since 0.1.0
 * @category request/reply
 */
export const request: {
  (message: Message): (socket: ZmqSocket) => Effect.Effect<ReadonlyArray<Uint8Array>, ZMQError>
  (socket: ZmqSocket, message: Message): Effect.Effect<ReadonlyArray<Uint8Array>, ZMQError>
} = dual(2, reqrepInternal.request)

/**
 * Options of {@link serve}: `concurrency` (ROUTER only; default 1) is how many requests are handled at once.
 *
 * @example
 * ```ts
 * import type { ZmqSocket } from "@effect-zmq/zmq"
 *
 * const options: ZmqSocket.ServeOptions = { concurrency: 8 }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface ServeOptions {
  readonly concurrency?: number | undefined
}

/**
 * Serves requests on a REP or ROUTER socket with an Effect handler: receive a request, run `handler` on its body,
 * send the reply. On ROUTER the routing envelope (identities and the empty delimiter of REQ peers) is kept and put
 * back in front of the reply, and up to `concurrency` requests are handled at once; a request is only taken from
 * the socket when a handler slot is free. Runs until interrupted; a failing handler fails `serve`.
 *
 * Interruption: a REP interrupted while its handler runs owes a reply (its next `recv` fails with `EFSM`); a
 * ROUTER has no such state, and requests not yet taken stay in the socket.
 *
 * Each request runs in a `ZmqSocket.serve` server span; with `telemetry: { propagation: true }` on the socket, a
 * request's leading trace-context frame is taken off (the handler never sees it) and the span continues the
 * caller's trace (docs/observability.md).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { ZmqSocket } from "@effect-zmq/zmq"
 *
 * const upperCaseServer = Effect.gen(function*() {
 *   const router = yield* ZmqSocket.make("ROUTER", { bind: "tcp://127.0.0.1:*" })
 *   const text = new TextDecoder()
 *   return yield* ZmqSocket.serve(
 *     router,
 *     (request) => Effect.succeed(new TextEncoder().encode(text.decode(request[0]).toUpperCase())),
 *     { concurrency: 4 }
 *   )
 * })
 * ```
 *
 * @since 0.1.0
 * @category request/reply
 */
export const serve: {
  <E, R>(
    handler: (request: ReadonlyArray<Uint8Array>) => Effect.Effect<Message, E, R>,
    options?: ServeOptions
  ): (socket: ZmqSocket) => Effect.Effect<never, ZMQError | E, R>
  <E, R>(
    socket: ZmqSocket,
    handler: (request: ReadonlyArray<Uint8Array>) => Effect.Effect<Message, E, R>,
    options?: ServeOptions
  ): Effect.Effect<never, ZMQError | E, R>
} = dual(
  (args) => typeof args[0] !== "function",
  reqrepInternal.serve
)

/**
 * Options of {@link lazyPirate}: where to connect, how long to wait for a reply, how often to retry (a `Schedule`
 * over the `ZMQError` of the failed attempt; default `Schedule.recurs(2)`, i.e. three attempts), the REQ
 * socket's options (`LINGER` defaults to 0 so a dropped request is not kept) and its `telemetry` (as `make`'s).
 *
 * @example
 * ```ts
 * import { Schedule } from "effect"
 * import type { ZmqSocket } from "@effect-zmq/zmq"
 *
 * const options: ZmqSocket.LazyPirateOptions = {
 *   connect: "tcp://127.0.0.1:5555",
 *   timeout: "2500 millis",
 *   schedule: Schedule.recurs(3)
 * }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface LazyPirateOptions {
  readonly connect: string | ReadonlyArray<string>
  readonly timeout: Duration.Input
  readonly schedule?: Schedule.Schedule<unknown, ZMQError> | undefined
  readonly options?: SocketOption.Init | undefined
  readonly telemetry?: ZmqTelemetry.Options | boolean | undefined
}

/**
 * A reliable REQ client ({@link lazyPirate}). `request` sends and waits for the reply; `socket` is the REQ in use
 * now; `reopened` counts how many times a socket was thrown away and made again.
 *
 * @example
 * ```ts
 * import type { ZmqSocket } from "@effect-zmq/zmq"
 *
 * declare const client: ZmqSocket.LazyPirateClient
 * const ping = client.request(new TextEncoder().encode("ping"))
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface LazyPirateClient {
  readonly request: (message: Message) => Effect.Effect<ReadonlyArray<Uint8Array>, ZMQError>
  readonly socket: Effect.Effect<ZmqSocket, ZMQError>
  readonly reopened: Effect.Effect<number>
}

/**
 * The zguide's "lazy pirate" client: a REQ socket whose request that gets no reply within `timeout` is abandoned by
 * closing the socket and opening a new one (the only way to reset a REQ), then retried as `schedule` allows. When
 * the schedule gives up, the request fails with `EAGAIN`. Requests are serialised; an interrupted request also
 * throws its socket away, so the next request never meets `EFSM`. The sockets belong to the Scope. Each request
 * runs in a `ZmqSocket.lazyPirate` span with one `ZmqSocket.lazyPirate.attempt` child per attempt.
 *
 * @example
 * ```ts
 * import { Effect, Schedule } from "effect"
 * import { ZmqSocket } from "@effect-zmq/zmq"
 *
 * const program = Effect.gen(function*() {
 *   const client = yield* ZmqSocket.lazyPirate({
 *     connect: "tcp://127.0.0.1:5555",
 *     timeout: "1 second",
 *     schedule: Schedule.recurs(2)
 *   })
 *   return yield* client.request(new TextEncoder().encode("hello"))
 * })
 * ```
 *
 * @since 0.1.0
 * @category request/reply
 */
export const lazyPirate: (
  options: LazyPirateOptions
) => Effect.Effect<LazyPirateClient, ZMQError, ZmqContext | Scope.Scope> = reqrepInternal.lazyPirate

/**
 * A received message that could not be decoded (not JSON, or not a value of the schema). It carries the raw
 * `frames`, so nothing is silently lost (the messages after it stay in the socket), and `cause` the `SchemaError`
 * or parse error.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { ZmqSocket } from "@effect-zmq/zmq"
 *
 * const lenient = (socket: ZmqSocket.ZmqSocket) =>
 *   ZmqSocket.recvJson(socket).pipe(
 *     Effect.catchTag("ZmqDecodeError", (error) => Effect.succeed({ undecodable: error.frames.length }))
 *   )
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export const DecodeError: typeof codecInternal.DecodeError = codecInternal.DecodeError

/**
 * The type of {@link DecodeError} instances.
 *
 * @example
 * ```ts
 * import type { ZmqSocket } from "@effect-zmq/zmq"
 *
 * const raw = (error: ZmqSocket.DecodeError) => error.frames
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export type DecodeError = codecInternal.DecodeError

/**
 * Sends a value as one frame of UTF-8 JSON. A value JSON cannot represent (`undefined`, a function, a `BigInt`, a
 * cycle) fails with `EINVAL` and sends nothing.
 *
 * @example
 * ```ts
 * import { ZmqSocket } from "@effect-zmq/zmq"
 *
 * declare const push: ZmqSocket.ZmqSocket
 * const sent = ZmqSocket.sendJson(push, { id: 1, tags: ["a", "b"] })
 * ```
 *
 * @since 0.1.0
 * @category codecs
 */
export const sendJson: {
  (value: unknown): (socket: ZmqSocket) => Effect.Effect<void, ZMQError>
  (socket: ZmqSocket, value: unknown): Effect.Effect<void, ZMQError>
} = dual(2, codecInternal.sendJson)

/**
 * Receives one message of one UTF-8 JSON frame and parses it. A message that is not (one frame, UTF-8, JSON) fails
 * with a {@link DecodeError} carrying its frames.
 *
 * @example
 * ```ts
 * import { ZmqSocket } from "@effect-zmq/zmq"
 *
 * declare const pull: ZmqSocket.ZmqSocket
 * const value = ZmqSocket.recvJson(pull)
 * ```
 *
 * @since 0.1.0
 * @category codecs
 */
export const recvJson: (socket: ZmqSocket) => Effect.Effect<unknown, ZMQError | DecodeError> = codecInternal.recvJson

/**
 * Options of {@link schema}: `format` is `"json"` (default: one frame of UTF-8 JSON holding the schema's encoded
 * value) or `"frames"` (the schema encodes to the message's frames, a non-empty `ReadonlyArray<Uint8Array>`).
 *
 * @example
 * ```ts
 * import type { ZmqSocket } from "@effect-zmq/zmq"
 *
 * const options: ZmqSocket.SchemaSocketOptions = { format: "frames" }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface SchemaSocketOptions {
  readonly format?: "json" | "frames" | undefined
}

/**
 * A socket typed by a `Schema` ({@link schema}): `send` encodes (a value the schema cannot encode fails with
 * `EINVAL`), `recv` and `stream` decode (a message that does not decode fails with {@link DecodeError} carrying its
 * frames). `encode`/`decode` expose the codec itself.
 *
 * @example
 * ```ts
 * import type { ZmqSocket } from "@effect-zmq/zmq"
 *
 * declare const orders: ZmqSocket.SchemaSocket<{ readonly id: number }>
 * const next = orders.recv
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface SchemaSocket<A> {
  readonly socket: ZmqSocket
  readonly send: (value: A) => Effect.Effect<void, ZMQError>
  readonly recv: Effect.Effect<A, ZMQError | DecodeError>
  readonly stream: (options?: StreamOptions) => Stream.Stream<A, ZMQError | DecodeError>
  readonly encode: (value: A) => Effect.Effect<ReadonlyArray<Uint8Array>, ZMQError>
  readonly decode: (frames: ReadonlyArray<Uint8Array>) => Effect.Effect<A, DecodeError>
}

/**
 * Types a socket with an Effect `Schema`: values are encoded with the schema and sent as JSON (one frame) or as
 * the frames the schema encodes to; received messages are decoded, and one that does not decode is a typed
 * {@link DecodeError} carrying the raw frames — never silently dropped. A typed `stream` that meets a bad message
 * first emits the values decoded before it, then fails with the error; the messages after it stay in the socket
 * for the next `recv` or stream.
 *
 * @example
 * ```ts
 * import { Effect, Schema } from "effect"
 * import { ZmqSocket } from "@effect-zmq/zmq"
 *
 * const Order = Schema.Struct({ id: Schema.Number, item: Schema.String })
 *
 * const program = Effect.gen(function*() {
 *   const pull = yield* ZmqSocket.make("PULL", { bind: "tcp://127.0.0.1:*" })
 *   const push = yield* ZmqSocket.make("PUSH", { connect: yield* pull.lastEndpoint })
 *   yield* ZmqSocket.schema(push, Order).send({ id: 1, item: "tea" })
 *   return yield* ZmqSocket.schema(pull, Order).recv
 * })
 * ```
 *
 * @since 0.1.0
 * @category codecs
 */
export const schema: <A, I>(
  socket: ZmqSocket,
  schema: Schema.Codec<A, I>,
  options?: SchemaSocketOptions
) => SchemaSocket<A> = codecInternal.schema
