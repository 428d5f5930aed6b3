/**
 * Telemetry without the engine: options and their defaults, the metric definitions, OpenTelemetry attributes and the
 * per-socket state, with the engine hooks (`stateOf`, `waitObserver`). A leaf module (it imports nothing of the
 * engine), so that `socket.ts` and the green engine can call the hooks without an import cycle.
 */
import * as Frame from "@effect-zmq/core/Frame"
import * as Context from "effect/Context"
import * as Metric from "effect/Metric"
import type * as Tracer from "effect/Tracer"
import type { SocketEvent, SocketType } from "../ZmqSocket.ts"

const describe = (u: unknown): string =>
  u === null ? "null" : Array.isArray(u) ? "an array" : typeof u === "object" ? (u.constructor?.name ?? "an object") : typeof u
// -----------------------------------------------------------------------------------------------------------------
// options

/** What telemetry a socket has (the public face is `ZmqTelemetry.Options`). */
export interface Options {
  readonly enabled?: boolean | undefined
  readonly operationSpans?: boolean | undefined
  readonly messageSpans?: boolean | undefined
  readonly metrics?: boolean | undefined
  readonly monitor?: boolean | undefined
  readonly propagation?: boolean | undefined
  readonly name?: string | undefined
  readonly attributes?: Readonly<Record<string, string>> | undefined
}

/** Options with every default filled in. */
export interface Resolved {
  readonly operationSpans: boolean
  readonly messageSpans: boolean
  readonly metrics: boolean
  readonly monitor: boolean
  readonly propagation: boolean
  readonly name: string | undefined
  readonly attributes: Readonly<Record<string, string>>
}

export const defaults: Resolved = {
  operationSpans: true,
  messageSpans: false,
  metrics: true,
  monitor: false,
  propagation: false,
  name: undefined,
  attributes: {}
}

/** The context-level default (`ZmqTelemetry.layer`); `undefined`: sockets have no telemetry unless `make` asks. */
export const Defaults = Context.Reference<Resolved | undefined>("@effect-zmq/zmq/ZmqTelemetry/Defaults", {
  defaultValue: () => undefined
})

/** `make`'s `telemetry` option over the context default: `false` turns it off, `true` takes the default (or all defaults). */
export const resolve = (options: Options | boolean | undefined, base: Resolved | undefined): Resolved | undefined => {
  if (options === undefined) return base
  if (options === false) return undefined
  if (options === true) return base ?? defaults
  if (options === null || typeof options !== "object") return base
  if (options.enabled === false) return undefined
  const from = base ?? defaults
  return {
    operationSpans: options.operationSpans ?? from.operationSpans,
    messageSpans: options.messageSpans ?? from.messageSpans,
    metrics: options.metrics ?? from.metrics,
    monitor: options.monitor ?? from.monitor,
    propagation: options.propagation ?? from.propagation,
    name: options.name ?? from.name,
    attributes: options.attributes === undefined ? from.attributes : { ...from.attributes, ...options.attributes }
  }
}

const booleanFields = ["enabled", "operationSpans", "messageSpans", "metrics", "monitor", "propagation"] as const

/** Why a `telemetry` option is not one, or `undefined` when it is. */
export const validate = (options: unknown): string | undefined => {
  if (options === undefined || typeof options === "boolean") return undefined
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    return `telemetry must be a boolean or ZmqTelemetry.Options, got ${textOf(options)}`
  }
  const o = options as Record<string, unknown>
  for (const field of booleanFields) {
    if (o[field] !== undefined && typeof o[field] !== "boolean") return `telemetry.${field} must be a boolean, got ${textOf(o[field])}`
  }
  if (o.name !== undefined && typeof o.name !== "string") return `telemetry.name must be a string, got ${textOf(o.name)}`
  if (o.attributes !== undefined) {
    if (o.attributes === null || typeof o.attributes !== "object" || Array.isArray(o.attributes)) {
      return `telemetry.attributes must be a record of strings, got ${textOf(o.attributes)}`
    }
    for (const value of Object.values(o.attributes)) {
      if (typeof value !== "string") return `telemetry.attributes values must be strings, got ${textOf(value)}`
    }
  }
  return undefined
}

// -----------------------------------------------------------------------------------------------------------------
// metrics (OpenTelemetry messaging names where there is one, `zmq.*` otherwise)

const millisBoundaries = Metric.exponentialBoundaries({ start: 0.01, factor: 4, count: 12 })

type Attributes = Readonly<Record<string, string>> | undefined

/**
 * The metrics, as constructors of a series: each socket makes its own with its attributes built in, once. (A metric
 * from `Metric.withAttributes` merges the attributes into a new context on every update, and recomputes the series
 * key each time: too slow for a per-message counter.)
 */
const counterOf = (id: string, description: string) => (attributes?: Attributes): Metric.Counter<number> =>
  Metric.counter(id, { description, incremental: true, attributes })
const histogramOf = (id: string, description: string) => (attributes?: Attributes): Metric.Histogram<number> =>
  Metric.histogram(id, { description, boundaries: millisBoundaries, attributes })

const series = {
  messagesSent: counterOf("messaging.client.sent.messages", "Messages sent (a multipart message counts once)"),
  messagesReceived: counterOf("messaging.client.consumed.messages", "Messages received (a multipart message counts once)"),
  bytesSent: counterOf("zmq.client.sent.bytes", "Bytes sent, all frames"),
  bytesReceived: counterOf("zmq.client.consumed.bytes", "Bytes received, all frames"),
  sendWaits: counterOf("zmq.send.waits", "Sends that had to wait for room (high-water mark reached, or no peer yet)"),
  sendWaitDuration: histogramOf("zmq.send.wait.duration", "How long a send that had to wait waited, in milliseconds"),
  receiveWaits: counterOf("zmq.receive.waits", "Receives that had to wait for a message"),
  receiveWaitDuration: histogramOf(
    "zmq.receive.wait.duration",
    "How long a receive that had to wait waited, in milliseconds"
  ),
  connections: counterOf(
    "zmq.connections",
    "Connections made (monitor events Connected and Accepted; zmq.connection.direction tells which)"
  ),
  disconnections: counterOf("zmq.disconnections", "Connections lost (monitor event Disconnected)"),
  handshakeFailures: counterOf(
    "zmq.handshake.failures",
    "Handshakes that failed (monitor event HandshakeFailed; zmq.handshake.failure.reason tells why)"
  ),
  zapDecisions: counterOf(
    "zmq.zap.decisions",
    "ZAP decisions of the authenticator, by zmq.zap.mechanism, zmq.zap.status and zmq.zap.result"
  ),
  requestDuration: histogramOf("zmq.request.duration", "Duration of ZmqSocket.request round trips, in milliseconds")
}

export const messagesSent = series.messagesSent()
export const messagesReceived = series.messagesReceived()
export const bytesSent = series.bytesSent()
export const bytesReceived = series.bytesReceived()
export const sendWaits = series.sendWaits()
export const sendWaitDuration = series.sendWaitDuration()
export const receiveWaits = series.receiveWaits()
export const receiveWaitDuration = series.receiveWaitDuration()
export const connections = series.connections()
export const disconnections = series.disconnections()
export const handshakeFailures = series.handshakeFailures()
export const zapDecisions = series.zapDecisions()
/** A ZAP decision series with its attributes. */
export const zapDecisionSeries = series.zapDecisions
export const requestDuration = series.requestDuration()

// -----------------------------------------------------------------------------------------------------------------
// attributes

export const SYSTEM = "zeromq"

/** A string for an attribute, never `String(u)` (which throws for null-prototype objects): bad input is reported by the engine. */
export const textOf = (u: unknown): string => typeof u === "string" ? u : describe(u)

const transports: Readonly<Record<string, string>> = { tcp: "tcp", ipc: "unix", inproc: "inproc", udp: "udp" }

/**
 * OpenTelemetry attributes of an endpoint: `zmq.endpoint`, `network.transport`, `server.address`/`server.port`
 * (the bound address for `bind`, the remote one for `connect`, which also sets `network.peer.*`).
 */
export const endpointAttributes = (endpoint: string, role: "bind" | "connect"): Record<string, unknown> => {
  const attributes: Record<string, unknown> = { "zmq.endpoint": endpoint }
  const match = /^([a-z0-9+]+):\/\/(.*)$/i.exec(endpoint)
  if (match === null) return attributes
  const scheme = match[1].toLowerCase()
  attributes["network.transport"] = transports[scheme] ?? scheme
  // tcp://source;destination: the destination is the address
  let rest = match[2]
  const semicolon = rest.lastIndexOf(";")
  if (semicolon >= 0) rest = rest.slice(semicolon + 1)
  let host = rest
  let port: number | undefined
  if (scheme === "tcp" || scheme === "udp" || scheme === "ws" || scheme === "wss") {
    const colon = rest.lastIndexOf(":")
    if (colon >= 0) {
      host = rest.slice(0, colon)
      const text = rest.slice(colon + 1)
      const parsed = Number(text)
      if (text.length > 0 && Number.isInteger(parsed)) port = parsed
    }
    if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1)
  }
  attributes["server.address"] = host
  if (port !== undefined) attributes["server.port"] = port
  if (role === "connect") {
    attributes["network.peer.address"] = host
    if (port !== undefined) attributes["network.peer.port"] = port
  }
  return attributes
}

export const byteLengthOf = (data: unknown): number =>
  data instanceof Uint8Array ? data.byteLength : Frame.isFrame(data) ? data.bytes.byteLength : 0

export const sumBytes = (frames: Iterable<unknown>): number => {
  let bytes = 0
  for (const frame of frames) bytes += byteLengthOf(frame)
  return bytes
}

// -----------------------------------------------------------------------------------------------------------------
// per-socket state

/**
 * The telemetry of one socket: its options, its span attributes, its metric series (tagged with the socket's type,
 * name and attributes) and the context they are recorded in (the one `make` ran in: its `MetricRegistry`). The
 * `on*` methods are synchronous, so the engine can call them from anywhere.
 */
export class SocketTelemetry {
  readonly type: SocketType
  readonly options: Resolved
  readonly context: Context.Context<never>
  readonly metricAttributes: Readonly<Record<string, string>>
  /** Attributes every span of this socket carries; the endpoints of the last bind and connect are added to it. */
  readonly spanAttributes: Record<string, unknown>
  private readonly series: {
    readonly messagesSent: Metric.Counter<number>
    readonly messagesReceived: Metric.Counter<number>
    readonly bytesSent: Metric.Counter<number>
    readonly bytesReceived: Metric.Counter<number>
    readonly sendWaits: Metric.Counter<number>
    readonly sendWaitDuration: Metric.Histogram<number>
    readonly receiveWaits: Metric.Counter<number>
    readonly receiveWaitDuration: Metric.Histogram<number>
    readonly requestDuration: Metric.Histogram<number>
  } | undefined

  constructor(type: SocketType, options: Resolved, context: Context.Context<never>) {
    this.type = type
    this.options = options
    this.context = context
    const metricAttributes: Record<string, string> = {
      "messaging.system": SYSTEM,
      "zmq.socket.type": type,
      ...options.attributes
    }
    if (options.name !== undefined) metricAttributes["zmq.socket.name"] = options.name
    this.metricAttributes = metricAttributes
    this.spanAttributes = { ...metricAttributes }
    this.series = options.metrics
      ? {
        messagesSent: series.messagesSent(metricAttributes),
        messagesReceived: series.messagesReceived(metricAttributes),
        bytesSent: series.bytesSent(metricAttributes),
        bytesReceived: series.bytesReceived(metricAttributes),
        sendWaits: series.sendWaits(metricAttributes),
        sendWaitDuration: series.sendWaitDuration(metricAttributes),
        receiveWaits: series.receiveWaits(metricAttributes),
        receiveWaitDuration: series.receiveWaitDuration(metricAttributes),
        requestDuration: series.requestDuration(metricAttributes)
      }
      : undefined
  }

  /** `messages` whole messages (0 for a frame staged with SNDMORE) of `bytes` bytes were handed to ZeroMQ. */
  onSent(messages: number, bytes: number): void {
    const series = this.series
    if (series === undefined) return
    if (messages > 0) series.messagesSent.updateUnsafe(messages, this.context)
    series.bytesSent.updateUnsafe(bytes, this.context)
  }

  /** `messages` whole messages (0 for a frame followed by more) of `bytes` bytes were received. */
  onReceived(messages: number, bytes: number): void {
    const series = this.series
    if (series === undefined) return
    if (messages > 0) series.messagesReceived.updateUnsafe(messages, this.context)
    series.bytesReceived.updateUnsafe(bytes, this.context)
  }

  /** Engine hook: a send found no room (EAGAIN at the high-water mark, or no peer) and waited `millis` for it. */
  onSendWaited(millis: number): void {
    const series = this.series
    if (series === undefined) return
    series.sendWaits.updateUnsafe(1, this.context)
    series.sendWaitDuration.updateUnsafe(millis, this.context)
  }

  /** Engine hook: a receive found nothing (EAGAIN) and waited `millis` for a message. */
  onRecvWaited(millis: number): void {
    const series = this.series
    if (series === undefined) return
    series.receiveWaits.updateUnsafe(1, this.context)
    series.receiveWaitDuration.updateUnsafe(millis, this.context)
  }

  /** A request/reply round trip took `millis`. */
  onRequest(millis: number): void {
    this.series?.requestDuration.updateUnsafe(millis, this.context)
  }

  /** A monitor event: connections, disconnections and handshake failures are counted. */
  onEvent(event: SocketEvent): void {
    if (this.series === undefined) return
    recordEvent(event, this.metricAttributes, this.context)
  }

  /** The span options of an operation of this socket. */
  spanOptions(
    operation: string,
    kind: Tracer.SpanKind,
    extra?: Record<string, unknown>,
    operationType?: string
  ): Tracer.SpanOptions {
    const attributes: Record<string, unknown> = { ...this.spanAttributes, "messaging.operation.name": operation }
    if (operationType !== undefined) attributes["messaging.operation.type"] = operationType
    return { kind, attributes: extra === undefined ? attributes : Object.assign(attributes, extra), captureStackTrace: false }
  }
}

/** Counts a monitor event under `attributes`, in `context`'s registry. */
export const recordEvent = (
  event: SocketEvent,
  attributes: Readonly<Record<string, string>>,
  context: Context.Context<never>
): void => {
  switch (event._tag) {
    case "Connected":
    case "Accepted":
      series.connections({
        ...attributes,
        "zmq.connection.direction": event._tag === "Connected" ? "connect" : "accept"
      }).updateUnsafe(1, context)
      return
    case "Disconnected":
      series.disconnections(attributes).updateUnsafe(1, context)
      return
    case "HandshakeFailed":
      series.handshakeFailures({ ...attributes, "zmq.handshake.failure.reason": event.reason }).updateUnsafe(1, context)
      return
    default:
      return
  }
}

/** The telemetry of sockets made by `make` with telemetry on, by the socket object users hold and by the engine's. */
const states = new WeakMap<object, SocketTelemetry>()

/** Records the telemetry of a socket object (`make` records both the object it returns and the engine's). */
export const register = (socket: object, state: SocketTelemetry): void => {
  states.set(socket, state)
}

/** The telemetry of a socket (the one `make` returned, or the engine's own socket object), if it has any. */
export const stateOf = (socket: object): SocketTelemetry | undefined => states.get(socket)

/**
 * Engine hook: what to call when a wait of `socket` ends, or `undefined` when nobody records waits (then the engine
 * need not read the clock). Ask when a wait starts (the slow path), not per operation.
 */
export const waitObserver = (
  socket: object
): ((direction: "send" | "recv", millis: number) => void) | undefined => {
  const state = states.get(socket)
  if (state === undefined || !state.options.metrics) return undefined
  return (direction, millis) => direction === "send" ? state.onSendWaited(millis) : state.onRecvWaited(millis)
}

