/**
 * Tracing and metrics for effect-zmq, following OpenTelemetry's messaging conventions (`messaging.system =
 * "zeromq"`, `messaging.operation.type`, `server.address`/`network.peer.address` from the endpoint, the socket type
 * as `zmq.socket.type`). See docs/observability.md.
 *
 * - Always: a `ZmqSocket.make` span, a client span per `ZmqSocket.request`, a server span per request a
 *   `ZmqSocket.serve` handles, `lazyPirate` request and attempt spans, a span per proxy run, and the ZAP decision
 *   counter.
 * - With telemetry on for a socket (`ZmqSocket.make(type, { telemetry: … })`, or for every socket by
 *   {@link layer}): spans for `bind`, `connect`, `unbind`, `disconnect` and `close`, message and byte counters, and,
 *   opt-in, a span per message (`messageSpans`), connection metrics from the monitor (`monitor`) and the trace
 *   context carried in request/reply messages (`propagation`).
 * - With telemetry off (the default), a socket is the engine's own object: its `send`/`recv` loop is untouched.
 *
 * @since 0.1.0
 */
import type { ZMQError } from "@effect-zmq/core/ZMQError"
import * as Config from "effect/Config"
import type * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Metric from "effect/Metric"
import type * as Tracer from "effect/Tracer"
import * as internal from "./internal/telemetry.ts"
import * as traceparent from "./internal/traceparent.ts"
import * as ZmqConfig from "./ZmqConfig.ts"
import type { ZmqSocket } from "./ZmqSocket.ts"

/**
 * What telemetry a socket has. Given (as `make`'s `telemetry` option or to {@link layer}), telemetry is on unless
 * `enabled: false`; each field defaults as shown:
 * - `operationSpans` (true): spans for `bind`, `connect`, `unbind`, `disconnect`, `close`;
 * - `messageSpans` (false): a span per `send`/`recv` (and per chunk of `stream`/`sink`) — they cost on the hot path;
 * - `metrics` (true): messages and bytes sent and received, waits (where the engine reports them), request durations;
 * - `monitor` (false): starts the socket's monitor and counts connections, disconnections and handshake failures;
 * - `propagation` (false): `request` sends the W3C trace context in a leading frame and `serve` continues it;
 * - `name`: the socket's name (`zmq.socket.name`), so metrics of several sockets can be told apart;
 * - `attributes`: more attributes for every span and metric of the socket (keep their values few: each distinct
 *   set is its own metric series).
 *
 * @example
 * ```ts
 * import type { ZmqTelemetry } from "@effect-zmq/zmq"
 *
 * const options: ZmqTelemetry.Options = { name: "frontend", messageSpans: true, propagation: true }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface Options extends internal.Options {}

/**
 * {@link Options} with every default filled in, as the context default holds them.
 *
 * @example
 * ```ts
 * import type { ZmqTelemetry } from "@effect-zmq/zmq"
 *
 * const spansOnly: ZmqTelemetry.Resolved = {
 *   operationSpans: true,
 *   messageSpans: false,
 *   metrics: false,
 *   monitor: false,
 *   propagation: false,
 *   name: undefined,
 *   attributes: {}
 * }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface Resolved extends internal.Resolved {}

/**
 * The context-level default telemetry of sockets made without a `telemetry` option: `undefined` (the default)
 * means none. Set it with {@link layer} or {@link withTelemetry}.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { ZmqTelemetry } from "@effect-zmq/zmq"
 *
 * const isOn = Effect.gen(function*() {
 *   const defaults = yield* ZmqTelemetry.Defaults
 *   return defaults !== undefined
 * })
 * ```
 *
 * @since 0.1.0
 * @category references
 */
export const Defaults: Context.Reference<Resolved | undefined> = internal.Defaults

/**
 * Resolves options the way `make` does: `true` is every default, `false` or `enabled: false` is off.
 *
 * @example
 * ```ts
 * import { ZmqTelemetry } from "@effect-zmq/zmq"
 *
 * ZmqTelemetry.resolve({ messageSpans: true })?.metrics // true
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const resolve = (options: Options | boolean = true): Resolved | undefined => internal.resolve(options, undefined)

/**
 * Telemetry for every socket made under this layer (a socket's own `telemetry` option is applied over it, and
 * `telemetry: false` turns it off for that socket).
 *
 * @example
 * ```ts
 * import { Effect, Layer } from "effect"
 * import { ZmqSocket, ZmqTelemetry } from "@effect-zmq/zmq"
 * import { NodeZmq } from "@effect-zmq/platform-node"
 *
 * const layer = Layer.mergeAll(NodeZmq.layer(), ZmqTelemetry.layer({ propagation: true }))
 * const program = Effect.scoped(ZmqSocket.make("REQ", { connect: "tcp://127.0.0.1:5555" })).pipe(Effect.provide(layer))
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options | boolean = true): Layer.Layer<never> =>
  Layer.succeed(internal.Defaults, internal.resolve(options, undefined))

/**
 * {@link layer} with its options read through `Config` (see `ZmqConfig.telemetry`: `ZMQ_TELEMETRY`,
 * `ZMQ_TELEMETRY_MESSAGE_SPANS`, …).
 *
 * @example
 * ```ts
 * import { Config } from "effect"
 * import { ZmqTelemetry } from "@effect-zmq/zmq"
 *
 * const layer = ZmqTelemetry.layerConfig({ messageSpans: Config.Boolean("TRACE_MESSAGES") })
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (config: Config.Wrap<Options> = ZmqConfig.telemetry): Layer.Layer<never, Config.ConfigError> =>
  Layer.unwrap(Effect.gen(function*() {
    const options: Options = yield* Config.unwrap(config)
    return layer(options)
  }))

/**
 * Runs an effect with telemetry as the default for the sockets it makes (the Effect counterpart of {@link layer}).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { ZmqSocket, ZmqTelemetry } from "@effect-zmq/zmq"
 *
 * const traced = ZmqSocket.make("PUSH").pipe(ZmqTelemetry.withTelemetry({ messageSpans: true }))
 * ```
 *
 * @since 0.1.0
 * @category combinators
 */
export const withTelemetry: {
  (options?: Options | boolean): <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
} = (options = true) => (self) => Effect.provideService(self, internal.Defaults, internal.resolve(options, undefined))

/**
 * Counts the socket's connections, disconnections and handshake failures (the metrics {@link connections},
 * {@link disconnections}, {@link handshakeFailures}) from its monitor events until it closes. Fork it; `make`
 * does so by itself with `telemetry: { monitor: true }`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { ZmqSocket, ZmqTelemetry } from "@effect-zmq/zmq"
 *
 * const watched = Effect.gen(function*() {
 *   const router = yield* ZmqSocket.make("ROUTER", { bind: "tcp://127.0.0.1:*" })
 *   yield* Effect.forkScoped(ZmqTelemetry.monitor(router), { startImmediately: true })
 *   return router
 * })
 * ```
 *
 * @since 0.1.0
 * @category monitoring
 */
export const monitor: (socket: ZmqSocket) => Effect.Effect<void, ZMQError> = internal.monitor

/**
 * Whether a socket has telemetry, and which.
 *
 * @example
 * ```ts
 * import { ZmqTelemetry } from "@effect-zmq/zmq"
 * import type { ZmqSocket } from "@effect-zmq/zmq"
 *
 * declare const socket: ZmqSocket.ZmqSocket
 * const propagates = ZmqTelemetry.optionsOf(socket)?.propagation === true
 * ```
 *
 * @since 0.1.0
 * @category getters
 */
export const optionsOf = (socket: ZmqSocket): Resolved | undefined => internal.stateOf(socket)?.options

/**
 * OpenTelemetry attributes of an endpoint (`zmq.endpoint`, `network.transport`, `server.address`, `server.port`,
 * and `network.peer.*` for a connect), as the spans carry them.
 *
 * @example
 * ```ts
 * import { ZmqTelemetry } from "@effect-zmq/zmq"
 *
 * ZmqTelemetry.endpointAttributes("tcp://10.0.0.1:5555", "connect")["server.port"] // 5555
 * ```
 *
 * @since 0.1.0
 * @category attributes
 */
export const endpointAttributes: (endpoint: string, role: "bind" | "connect") => Record<string, unknown> =
  internal.endpointAttributes

// -----------------------------------------------------------------------------------------------------------------
// metrics

/**
 * Messages sent (`messaging.client.sent.messages`; a multipart message counts once), by `messaging.system`,
 * `zmq.socket.type`, `zmq.socket.name` and the socket's attributes.
 *
 * @example
 * ```ts
 * import { Effect, Metric } from "effect"
 * import { ZmqTelemetry } from "@effect-zmq/zmq"
 *
 * const sent = Metric.value(Metric.withAttributes(ZmqTelemetry.messagesSent, {
 *   "messaging.system": "zeromq",
 *   "zmq.socket.type": "PUSH"
 * }))
 * ```
 *
 * @since 0.1.0
 * @category metrics
 */
export const messagesSent: Metric.Counter<number> = internal.messagesSent

/**
 * Messages received (`messaging.client.consumed.messages`), tagged as {@link messagesSent}.
 *
 * @example
 * ```ts
 * import { Metric } from "effect"
 * import { ZmqTelemetry } from "@effect-zmq/zmq"
 *
 * const received = Metric.value(ZmqTelemetry.messagesReceived)
 * ```
 *
 * @since 0.1.0
 * @category metrics
 */
export const messagesReceived: Metric.Counter<number> = internal.messagesReceived

/**
 * Bytes sent, all frames (`zmq.client.sent.bytes`).
 *
 * @example
 * ```ts
 * import { Metric } from "effect"
 * import { ZmqTelemetry } from "@effect-zmq/zmq"
 *
 * const bytes = Metric.value(ZmqTelemetry.bytesSent)
 * ```
 *
 * @since 0.1.0
 * @category metrics
 */
export const bytesSent: Metric.Counter<number> = internal.bytesSent

/**
 * Bytes received, all frames (`zmq.client.consumed.bytes`).
 *
 * @example
 * ```ts
 * import { Metric } from "effect"
 * import { ZmqTelemetry } from "@effect-zmq/zmq"
 *
 * const bytes = Metric.value(ZmqTelemetry.bytesReceived)
 * ```
 *
 * @since 0.1.0
 * @category metrics
 */
export const bytesReceived: Metric.Counter<number> = internal.bytesReceived

/**
 * Sends that had to wait for room: the high-water mark was reached, or there was no peer yet (`zmq.send.waits`).
 * Reported by the engine.
 *
 * @example
 * ```ts
 * import { Metric } from "effect"
 * import { ZmqTelemetry } from "@effect-zmq/zmq"
 *
 * const waits = Metric.value(ZmqTelemetry.sendWaits)
 * ```
 *
 * @since 0.1.0
 * @category metrics
 */
export const sendWaits: Metric.Counter<number> = internal.sendWaits

/**
 * How long the sends of {@link sendWaits} waited, in milliseconds (`zmq.send.wait.duration`).
 *
 * @example
 * ```ts
 * import { Metric } from "effect"
 * import { ZmqTelemetry } from "@effect-zmq/zmq"
 *
 * const waited = Metric.value(ZmqTelemetry.sendWaitDuration)
 * ```
 *
 * @since 0.1.0
 * @category metrics
 */
export const sendWaitDuration: Metric.Histogram<number> = internal.sendWaitDuration

/**
 * Receives that had to wait for a message (`zmq.receive.waits`). Reported by the engine.
 *
 * @example
 * ```ts
 * import { Metric } from "effect"
 * import { ZmqTelemetry } from "@effect-zmq/zmq"
 *
 * const waits = Metric.value(ZmqTelemetry.receiveWaits)
 * ```
 *
 * @since 0.1.0
 * @category metrics
 */
export const receiveWaits: Metric.Counter<number> = internal.receiveWaits

/**
 * How long the receives of {@link receiveWaits} waited, in milliseconds (`zmq.receive.wait.duration`).
 *
 * @example
 * ```ts
 * import { Metric } from "effect"
 * import { ZmqTelemetry } from "@effect-zmq/zmq"
 *
 * const waited = Metric.value(ZmqTelemetry.receiveWaitDuration)
 * ```
 *
 * @since 0.1.0
 * @category metrics
 */
export const receiveWaitDuration: Metric.Histogram<number> = internal.receiveWaitDuration

/**
 * Connections made, from monitor events (`zmq.connections`; `zmq.connection.direction` is `connect` or `accept`).
 *
 * @example
 * ```ts
 * import { Metric } from "effect"
 * import { ZmqTelemetry } from "@effect-zmq/zmq"
 *
 * const accepted = Metric.value(Metric.withAttributes(ZmqTelemetry.connections, {
 *   "messaging.system": "zeromq",
 *   "zmq.socket.type": "ROUTER",
 *   "zmq.connection.direction": "accept"
 * }))
 * ```
 *
 * @since 0.1.0
 * @category metrics
 */
export const connections: Metric.Counter<number> = internal.connections

/**
 * Connections lost, from monitor events (`zmq.disconnections`).
 *
 * @example
 * ```ts
 * import { Metric } from "effect"
 * import { ZmqTelemetry } from "@effect-zmq/zmq"
 *
 * const lost = Metric.value(ZmqTelemetry.disconnections)
 * ```
 *
 * @since 0.1.0
 * @category metrics
 */
export const disconnections: Metric.Counter<number> = internal.disconnections

/**
 * Failed handshakes, from monitor events (`zmq.handshake.failures`; `zmq.handshake.failure.reason` is `protocol`,
 * `auth` or `other`).
 *
 * @example
 * ```ts
 * import { Metric } from "effect"
 * import { ZmqTelemetry } from "@effect-zmq/zmq"
 *
 * const failures = Metric.value(ZmqTelemetry.handshakeFailures)
 * ```
 *
 * @since 0.1.0
 * @category metrics
 */
export const handshakeFailures: Metric.Counter<number> = internal.handshakeFailures

/**
 * The ZAP authenticator's decisions (`zmq.zap.decisions`), by `zmq.zap.mechanism` (`NULL`, `PLAIN`, `CURVE`, …),
 * `zmq.zap.status` (`200`, `400`, `500`) and `zmq.zap.result` (`allowed` or `denied`).
 *
 * @example
 * ```ts
 * import { Metric } from "effect"
 * import { ZmqTelemetry } from "@effect-zmq/zmq"
 *
 * const denied = Metric.value(Metric.withAttributes(ZmqTelemetry.zapDecisions, {
 *   "messaging.system": "zeromq",
 *   "zmq.zap.mechanism": "PLAIN",
 *   "zmq.zap.status": "400",
 *   "zmq.zap.result": "denied"
 * }))
 * ```
 *
 * @since 0.1.0
 * @category metrics
 */
export const zapDecisions: Metric.Counter<number> = internal.zapDecisions

/**
 * Round-trip time of `ZmqSocket.request` on a socket with metrics, in milliseconds (`zmq.request.duration`).
 *
 * @example
 * ```ts
 * import { Metric } from "effect"
 * import { ZmqTelemetry } from "@effect-zmq/zmq"
 *
 * const latency = Metric.value(ZmqTelemetry.requestDuration)
 * ```
 *
 * @since 0.1.0
 * @category metrics
 */
export const requestDuration: Metric.Histogram<number> = internal.requestDuration

// -----------------------------------------------------------------------------------------------------------------
// the trace-context frame

/**
 * The first 4 bytes of the trace-context frame of request/reply (`00 74 70 00`, "\0tp\0"); the frame is these and
 * the 55 ASCII bytes of a W3C `traceparent`, 59 bytes in all, put before the request's own frames.
 *
 * @example
 * ```ts
 * import { ZmqTelemetry } from "@effect-zmq/zmq"
 *
 * ZmqTelemetry.TRACE_FRAME_MAGIC.length // 4
 * ```
 *
 * @since 0.1.0
 * @category propagation
 */
export const TRACE_FRAME_MAGIC: Uint8Array = traceparent.MAGIC

/**
 * The trace-context frame that makes `span` the remote parent of the server's span, or `undefined` if the span's
 * ids are not W3C ids (32 and 16 lower-case hex digits). For peers written without effect-zmq.
 *
 * @example
 * ```ts
 * import { Tracer } from "effect"
 * import { ZmqTelemetry } from "@effect-zmq/zmq"
 *
 * const frame = ZmqTelemetry.encodeTraceFrame(Tracer.externalSpan({
 *   traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
 *   spanId: "00f067aa0ba902b7"
 * }))
 * frame?.byteLength // 59
 * ```
 *
 * @since 0.1.0
 * @category propagation
 */
export const encodeTraceFrame: (span: Tracer.AnySpan) => Uint8Array | undefined = traceparent.encodeFrame

/**
 * Reads a trace-context frame: the remote parent span it names, or `undefined` if the frame is not one.
 *
 * @example
 * ```ts
 * import { ZmqTelemetry } from "@effect-zmq/zmq"
 *
 * ZmqTelemetry.decodeTraceFrame(new TextEncoder().encode("hello")) // undefined
 * ```
 *
 * @since 0.1.0
 * @category propagation
 */
export const decodeTraceFrame = (frame: Uint8Array): Tracer.ExternalSpan | undefined => {
  const parent = traceparent.decodeFrame(frame)
  return parent === undefined ? undefined : traceparent.toExternalSpan(parent)
}

/**
 * Engine hooks (for the green engine and platform bindings), keyed by the socket object (the one `make` returned or
 * the engine's own): report that a send or a receive had to wait, and for how long (no-ops for a socket without
 * metrics); `waitObserver(socket)` is the function to call when a wait ends, or `undefined` when nobody records
 * waits, so that the engine reads the clock only when someone will use it.
 *
 * @example
 * ```ts
 * import { ZmqTelemetry } from "@effect-zmq/zmq"
 * import type { ZmqSocket } from "@effect-zmq/zmq"
 *
 * declare const socket: ZmqSocket.ZmqSocket
 * ZmqTelemetry.hooks.onSendWaited(socket, 2.5)
 * const observe = ZmqTelemetry.hooks.waitObserver(socket)
 * const started = observe === undefined ? 0 : performance.now()
 * // … the wait …
 * observe?.("recv", performance.now() - started)
 * ```
 *
 * @since 0.1.0
 * @category hooks
 */
export const hooks: {
  readonly onSendWaited: (socket: object, millis: number) => void
  readonly onRecvWaited: (socket: object, millis: number) => void
  readonly waitObserver: (socket: object) => ((direction: "send" | "recv", millis: number) => void) | undefined
} = {
  onSendWaited: (socket, millis) => internal.stateOf(socket)?.onSendWaited(millis),
  onRecvWaited: (socket, millis) => internal.stateOf(socket)?.onRecvWaited(millis),
  waitObserver: internal.waitObserver
}
