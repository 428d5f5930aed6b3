import * as Flags from "@effect-zmq/core/Flags"
import * as Frame from "@effect-zmq/core/Frame"
import { ZMQError } from "@effect-zmq/core/ZMQError"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Metric from "effect/Metric"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type * as Sink from "effect/Sink"
import type * as Tracer from "effect/Tracer"
import type { ZmqContext } from "../ZmqContext.ts"
import type { MakeOptions, SocketEvent, SocketType, StreamOptions, ZmqSocket } from "../ZmqSocket.ts"
import { describe, engineOf } from "./access.ts"
import * as monitorInternal from "./monitor.ts"
import { unwrapSecret, unwrapSecrets } from "./secret.ts"
import * as socketInternal from "./socket.ts"
import * as streamInternal from "./stream.ts"
import * as traceparent from "./traceparent.ts"

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

const byteLengthOf = (data: unknown): number =>
  data instanceof Uint8Array ? data.byteLength : Frame.isFrame(data) ? data.bytes.byteLength : 0

const sumBytes = (frames: Iterable<unknown>): number => {
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

// -----------------------------------------------------------------------------------------------------------------
// the instrumented socket

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** Whether a send completes a message (no SNDMORE). */
const completes = (options: { readonly flags?: number | undefined } | undefined) =>
  !Flags.has(options?.flags, Flags.SNDMORE)

/**
 * A socket that records its operations: a Proxy over the engine's socket object, so that `instanceof`, the engine
 * (`engineOf`) and every field the composition helpers read stay the engine's own; only the operations below are
 * replaced, each delegating to the original.
 */
const instrument = (impl: ZmqSocket, state: SocketTelemetry): ZmqSocket => {
  const { messageSpans, metrics, operationSpans } = state.options
  const operation = <A, E>(name: string, effect: Effect.Effect<A, E>, extra?: Record<string, unknown>) =>
    operationSpans ? Effect.withSpan(effect, `ZmqSocket.${name}`, state.spanOptions(name, "internal", extra)) : effect

  const endpointOperation = (name: "bind" | "unbind" | "connect" | "disconnect") => (endpoint: string) => {
    const role = name === "bind" || name === "unbind" ? "bind" : "connect"
    const run = impl[name](endpoint)
    if (name === "unbind" || name === "disconnect") return operation(name, run, endpointAttributes(textOf(endpoint), role))
    // after a bind, the resolved endpoint (a real port for tcp://…:*) goes on the span and on later spans
    const recorded = Effect.flatMap(run, () =>
      Effect.flatMap(Effect.orElseSucceed(impl.lastEndpoint, () => textOf(endpoint)), (resolved) => {
        const attributes = endpointAttributes(resolved, role)
        Object.assign(state.spanAttributes, attributes)
        return operationSpans ? Effect.annotateCurrentSpan(attributes) : Effect.void
      }))
    return operation(name, recorded, endpointAttributes(textOf(endpoint), role))
  }

  const sent = <A>(effect: Effect.Effect<A, ZMQError>, messages: number, bytes: number, frames: number) => {
    const counted = metrics
      ? Effect.map(effect, (value) => {
        state.onSent(messages, bytes)
        return value
      })
      : effect
    return messageSpans
      ? Effect.withSpan(
        counted,
        "ZmqSocket.send",
        state.spanOptions("send", "producer", {
          "messaging.message.body.size": bytes,
          "zmq.message.frames": frames
        }, "send")
      )
      : counted
  }

  const received = <A>(effect: Effect.Effect<A, ZMQError>, measure: (value: A) => readonly [messages: number, bytes: number]) => {
    const counted = metrics || messageSpans
      ? Effect.flatMap(effect, (value) => {
        const [messages, bytes] = measure(value)
        state.onReceived(messages, bytes)
        return messageSpans
          ? Effect.as(Effect.annotateCurrentSpan("messaging.message.body.size", bytes), value)
          : Effect.succeed(value)
      })
      : effect
    return messageSpans
      ? Effect.withSpan(counted, "ZmqSocket.recv", state.spanOptions("recv", "consumer", undefined, "receive"))
      : counted
  }

  const moreFollows = (): boolean => {
    const engine = engineOf(impl, "recv")
    return engine instanceof ZMQError ? false : engine.rcvMore
  }

  const send = ((data: Uint8Array | Frame.Frame, options?: Parameters<ZmqSocket["send"]>[1]) =>
    sent(impl.send(data, options), completes(options) ? 1 : 0, byteLengthOf(data), 1)) as ZmqSocket["send"]
  const sendMultipart = ((frames: Iterable<Uint8Array | Frame.Frame>, options?: Parameters<ZmqSocket["sendMultipart"]>[1]) => {
    const list = frames !== null && typeof frames === "object" && Symbol.iterator in frames ? Array.from(frames) : frames
    return sent(
      impl.sendMultipart(list as Iterable<Uint8Array | Frame.Frame>, options),
      completes(options) ? 1 : 0,
      Array.isArray(list) ? sumBytes(list) : 0,
      Array.isArray(list) ? list.length : 0
    )
  }) as ZmqSocket["sendMultipart"]
  const recv = ((options?: Parameters<ZmqSocket["recv"]>[0]) =>
    received(impl.recv(options), (frame: Uint8Array | Frame.Frame) => [moreFollows() ? 0 : 1, byteLengthOf(frame)])) as ZmqSocket["recv"]
  const recvMultipart = ((options?: Parameters<ZmqSocket["recvMultipart"]>[0]) =>
    received(impl.recvMultipart(options), (frames: ReadonlyArray<Uint8Array | Frame.Frame>) => [1, sumBytes(frames)])) as ZmqSocket["recvMultipart"]

  const overrides: Partial<Record<PropertyKey, unknown>> = {
    bind: endpointOperation("bind"),
    unbind: endpointOperation("unbind"),
    connect: endpointOperation("connect"),
    disconnect: endpointOperation("disconnect"),
    close: operation("close", impl.close),
    send,
    sendMultipart,
    sendString: (text: string, options?: { readonly flags?: number | undefined }) =>
      typeof text === "string" ? send(encoder.encode(text), { flags: options?.flags ?? 0 }) : impl.sendString(text, options),
    recv,
    recvMultipart,
    recvString: (options?: { readonly flags?: number | undefined }) =>
      Effect.map(recv({ flags: options?.flags ?? 0 }), (bytes) => decoder.decode(bytes)),
    setOption: (name: string, value: unknown) =>
      (impl.setOption as (name: string, value: unknown) => Effect.Effect<void, ZMQError>)(name, unwrapSecret(name, value))
  }
  const bound = new Map<PropertyKey, unknown>()
  return new Proxy(impl, {
    get(target, property) {
      if (Object.hasOwn(overrides, property)) return overrides[property]
      // getters run on the engine's object itself (its own fields, private or not)
      const value = Reflect.get(target, property, target)
      if (typeof value !== "function" || Object.hasOwn(target, property)) return value
      let method = bound.get(property)
      if (method === undefined) {
        method = (value as (...args: Array<unknown>) => unknown).bind(target)
        bound.set(property, method)
      }
      return method
    }
  })
}

// -----------------------------------------------------------------------------------------------------------------
// make

const toList = (value: unknown): ReadonlyArray<string> =>
  value === undefined ? [] : Array.isArray(value) ? value : [value as string]

/** Attributes of the `ZmqSocket.make` span. */
const makeAttributes = (type: unknown, options: MakeOptions | undefined): Record<string, unknown> => {
  const attributes: Record<string, unknown> = { "messaging.system": SYSTEM, "zmq.socket.type": textOf(type) }
  if (options !== undefined && options !== null && typeof options === "object") {
    const bind = toList(options.bind)
    const connect = toList(options.connect)
    if (bind.length > 0) attributes["zmq.bind"] = bind.map(textOf)
    if (connect.length > 0) attributes["zmq.connect"] = connect.map(textOf)
  }
  return attributes
}

/**
 * `ZmqSocket.make`: the engine's `make` in a span; with telemetry on (the `telemetry` option, or the context default
 * of `ZmqTelemetry.layer`), the socket comes back instrumented, and its `bind`/`connect` endpoints are bound and
 * connected through the instrumented socket (so they get their spans). With telemetry off, the socket is the
 * engine's own object: nothing on its hot path changes.
 */
export const make = Effect.fnUntraced(function*(
  type: SocketType,
  options?: MakeOptions
): Effect.fn.Return<ZmqSocket, ZMQError, ZmqContext | Scope.Scope> {
  const attributes = makeAttributes(type, options)
  const isObject = options !== undefined && options !== null && typeof options === "object"
  const { telemetry, ...rest } = isObject ? options : { telemetry: undefined }
  const invalid = validate(telemetry)
  if (invalid !== undefined) return yield* Effect.fail(ZMQError.make("EINVAL", "socket", invalid))
  const resolved = resolve(telemetry, yield* Defaults)
  const plain = isObject ? unwrapSecrets(telemetry === undefined ? options : rest as MakeOptions) : options
  if (resolved === undefined) {
    return yield* Effect.withSpan(socketInternal.make(type, plain), "ZmqSocket.make", {
      kind: "internal",
      attributes,
      captureStackTrace: false
    })
  }
  return yield* Effect.withSpan(
    Effect.gen(function*() {
      const { bind, connect, ...initial } = (plain ?? {}) as MakeOptions
      const impl = yield* socketInternal.make(type, initial)
      const state = new SocketTelemetry(type, resolved, yield* Effect.context<never>())
      const socket = instrument(impl, state)
      states.set(socket, state)
      states.set(impl, state)
      if (resolved.monitor) {
        yield* Effect.forkScoped(watch(socket, state), { startImmediately: true })
      }
      // as the engine's make does: a socket whose endpoints failed is closed now and never handed out
      yield* Effect.gen(function*() {
        for (const endpoint of toList(bind)) yield* socket.bind(endpoint)
        for (const endpoint of toList(connect)) yield* socket.connect(endpoint)
      }).pipe(Effect.tapError(() => impl.close))
      return socket
    }),
    "ZmqSocket.make",
    { kind: "internal", attributes: { ...attributes, ...state0(resolved) }, captureStackTrace: false }
  )
})

const state0 = (resolved: Resolved): Record<string, unknown> =>
  resolved.name === undefined ? resolved.attributes : { ...resolved.attributes, "zmq.socket.name": resolved.name }

// -----------------------------------------------------------------------------------------------------------------
// monitor metrics

const watch = (socket: ZmqSocket, state: SocketTelemetry): Effect.Effect<void> =>
  Stream.runForEach(monitorInternal.events(socket), (event) => Effect.sync(() => state.onEvent(event))).pipe(
    Effect.ignore
  )

/**
 * Counts the socket's connections, disconnections and handshake failures from its monitor events until it closes
 * (`ZmqTelemetry.monitor`). The counts carry the socket's metric attributes (those of its telemetry, or just its
 * type), recorded in the current `MetricRegistry`.
 */
export const monitor = (socket: ZmqSocket): Effect.Effect<void, ZMQError> =>
  Effect.flatMap(Effect.context<never>(), (context) => {
    const state = stateOf(socket)
    const attributes = state?.metricAttributes ?? { "messaging.system": SYSTEM, "zmq.socket.type": textOf(socket?.type) }
    return Stream.runForEach(
      monitorInternal.events(socket),
      (event) => Effect.sync(() => recordEvent(event, attributes, state?.context ?? context))
    )
  })

// -----------------------------------------------------------------------------------------------------------------
// streams and sinks with telemetry

/**
 * `ZmqSocket.stream`: the engine's stream; for an instrumented socket, each emitted chunk is counted and, with
 * message spans on, recorded as a `ZmqSocket.stream.receive` span (batch size and bytes) inside one
 * `ZmqSocket.stream` span for the stream's life.
 */
export const stream = (
  socket: ZmqSocket,
  options?: StreamOptions
): Stream.Stream<ReadonlyArray<Uint8Array>, ZMQError> => {
  const base = streamInternal.stream(socket, options)
  const state = stateOf(socket)
  if (state === undefined || (!state.options.metrics && !state.options.messageSpans)) return base
  const counted = Stream.mapArrayEffect(base, (chunk) => {
    let bytes = 0
    for (const message of chunk) bytes += sumBytes(message)
    state.onReceived(chunk.length, bytes)
    return state.options.messageSpans
      ? Effect.withSpan(
        Effect.succeed(chunk),
        "ZmqSocket.stream.receive",
        state.spanOptions("receive", "consumer", {
          "messaging.batch.message_count": chunk.length,
          "messaging.message.body.size": bytes
        }, "receive")
      )
      : Effect.succeed(chunk)
  })
  return state.options.messageSpans
    ? Stream.withSpan(counted, "ZmqSocket.stream", state.spanOptions("stream", "consumer", undefined, "receive"))
    : counted
}

/**
 * `ZmqSocket.sink`: the engine's sink; for an instrumented socket, each chunk is counted once sent and, with message
 * spans on, sent in a `ZmqSocket.sink.send` span (batch size and bytes).
 */
export const sink = (socket: ZmqSocket): Sink.Sink<void, ReadonlyArray<Uint8Array>, never, ZMQError> => {
  const state = stateOf(socket)
  if (state === undefined || (!state.options.metrics && !state.options.messageSpans)) return streamInternal.sink(socket)
  return streamInternal.sinkWith(socket, (messages, send) => {
    let bytes = 0
    for (const message of messages) bytes += sumBytes(message)
    const counted = Effect.map(send, () => state.onSent(messages.length, bytes))
    return state.options.messageSpans
      ? Effect.withSpan(
        counted,
        "ZmqSocket.sink.send",
        state.spanOptions("send", "producer", {
          "messaging.batch.message_count": messages.length,
          "messaging.message.body.size": bytes
        }, "send")
      )
      : counted
  })
}

// -----------------------------------------------------------------------------------------------------------------
// request/reply: spans and trace propagation

/**
 * The frames of an outgoing request: with propagation on for this socket, the trace-context frame of `span` in
 * front (docs/observability.md, "On the wire").
 */
export const withTraceFrame = (
  socket: ZmqSocket,
  frames: ReadonlyArray<Uint8Array | Frame.Frame>,
  span: Tracer.AnySpan
): ReadonlyArray<Uint8Array | Frame.Frame> => {
  if (stateOf(socket)?.options.propagation !== true) return frames
  const frame = traceparent.encodeFrame(span)
  return frame === undefined ? frames : [frame, ...frames]
}

/**
 * A request body as `serve` received it: with propagation on for the serving socket and a trace-context frame in
 * front, the remote parent and the body without it; otherwise the body as it is.
 */
export const takeTraceFrame = (
  socket: ZmqSocket,
  body: ReadonlyArray<Uint8Array>
): readonly [parent: Tracer.ExternalSpan | undefined, body: ReadonlyArray<Uint8Array>] => {
  if (stateOf(socket)?.options.propagation !== true) return [undefined, body]
  const parent = traceparent.decodeFrame(body[0])
  return parent === undefined ? [undefined, body] : [traceparent.toExternalSpan(parent), body.slice(1)]
}

/** Span options of a request/reply operation on `socket`, with its endpoints when it has telemetry. */
export const requestSpanOptions = (
  socket: ZmqSocket,
  operation: "request" | "serve" | "lazyPirate" | "lazyPirate.attempt",
  kind: Tracer.SpanKind,
  operationType: string,
  extra?: Record<string, unknown>
): Tracer.SpanOptions => {
  const state = stateOf(socket)
  if (state !== undefined) return state.spanOptions(operation, kind, extra, operationType)
  const attributes: Record<string, unknown> = {
    "messaging.system": SYSTEM,
    "zmq.socket.type": socket.type,
    "messaging.operation.name": operation,
    "messaging.operation.type": operationType
  }
  return { kind, attributes: extra === undefined ? attributes : Object.assign(attributes, extra), captureStackTrace: false }
}
