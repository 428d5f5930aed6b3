import * as Flags from "@effect-zmq/core/Flags"
import type * as Frame from "@effect-zmq/core/Frame"
import { ZMQError } from "@effect-zmq/core/ZMQError"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type * as Sink from "effect/Sink"
import type * as Tracer from "effect/Tracer"
import type { ZmqContext } from "../ZmqContext.ts"
import type { MakeOptions, SocketType, StreamOptions, ZmqSocket } from "../ZmqSocket.ts"
import { engineOf } from "./access.ts"
import {
  byteLengthOf,
  Defaults,
  endpointAttributes,
  recordEvent,
  register,
  type Resolved,
  resolve,
  SocketTelemetry,
  stateOf,
  sumBytes,
  SYSTEM,
  textOf,
  validate
} from "./meter.ts"
import * as monitorInternal from "./monitor.ts"
import { unwrapSecret, unwrapSecrets } from "./secret.ts"
import * as socketInternal from "./socket.ts"
import * as streamInternal from "./stream.ts"
import * as traceparent from "./traceparent.ts"

export * from "./meter.ts"
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
      register(socket, state)
      register(impl, state)
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
