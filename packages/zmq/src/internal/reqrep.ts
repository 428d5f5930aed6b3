import * as Frame from "@effect-zmq/core/Frame"
import { ZMQError } from "@effect-zmq/core/ZMQError"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberSet from "effect/FiberSet"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import * as Scope from "effect/Scope"
import * as Semaphore from "effect/Semaphore"
import { ZmqContext } from "../ZmqContext.ts"
import type {
  LazyPirateClient,
  LazyPirateOptions,
  Message,
  ServeOptions,
  ZmqSocket
} from "../ZmqSocket.ts"
import type * as Tracer from "effect/Tracer"
import { describe, engineOf, invalid } from "./access.ts"
import * as telemetry from "./telemetry.ts"

/**
 * One lock per socket, shared by every `request` on it: REQ must alternate send and receive, so a second caller
 * waits for the first one's reply instead of failing with EFSM.
 */
const locks = new WeakMap<ZmqSocket, Semaphore.Semaphore>()
const lockOf = (socket: ZmqSocket): Semaphore.Semaphore => {
  let lock = locks.get(socket)
  if (lock === undefined) {
    lock = Semaphore.makeUnsafe(1)
    locks.set(socket, lock)
  }
  return lock
}

/** A message to send: one frame or several. */
export const framesOf = (message: Message, operation: string): ReadonlyArray<Uint8Array | Frame.Frame> | ZMQError => {
  if (message instanceof Uint8Array || Frame.isFrame(message)) return [message]
  if (message === null || typeof message !== "object" || !(Symbol.iterator in message)) {
    return invalid(operation, `message must be a Uint8Array or an array of them, got ${describe(message)}`)
  }
  return Array.from(message)
}

export const request = (socket: ZmqSocket, message: Message): Effect.Effect<ReadonlyArray<Uint8Array>, ZMQError> =>
  Effect.suspend(() => {
    const engine = engineOf(socket, "request", "send")
    if (engine instanceof ZMQError) return Effect.fail(engine)
    const frames = framesOf(message, "request")
    if (frames instanceof ZMQError) return Effect.fail(frames)
    const state = telemetry.stateOf(socket)
    const exchange = state?.options.propagation === true
      ? withCurrentSpan((span) =>
        lockOf(socket).withPermit(Effect.andThen(sendRequest(socket, frames, span), socket.recvMultipart()))
      )
      : lockOf(socket).withPermit(Effect.andThen(socket.sendMultipart(frames), socket.recvMultipart()))
    const measured = state?.options.metrics === true ? timed(exchange, (millis) => state.onRequest(millis)) : exchange
    return Effect.withSpan(measured, "ZmqSocket.request", telemetry.requestSpanOptions(socket, "request", "client", "send"))
  })

/** Runs `f` with the current span (the request's own), if there is one. */
const withCurrentSpan = <A, E, R>(f: (span: Tracer.AnySpan | undefined) => Effect.Effect<A, E, R>) =>
  Effect.flatMap(Effect.orElseSucceed(Effect.currentSpan, () => undefined), f)

/** Sends a request's frames, behind the trace-context frame of `span` when the socket propagates the trace. */
const sendRequest = (
  socket: ZmqSocket,
  frames: ReadonlyArray<Uint8Array | Frame.Frame>,
  span: Tracer.AnySpan | undefined
) => socket.sendMultipart(span === undefined ? frames : telemetry.withTraceFrame(socket, frames, span))

const timed = <A, E, R>(effect: Effect.Effect<A, E, R>, record: (millis: number) => void) =>
  Effect.suspend(() => {
    const started = performance.now()
    return Effect.tap(effect, () => Effect.sync(() => record(performance.now() - started)))
  })

/** ROUTER messages from REQ peers are `[routing id…, "", body…]`; from DEALER peers `[routing id, body…]`. */
const splitEnvelope = (
  frames: ReadonlyArray<Uint8Array>
): readonly [envelope: ReadonlyArray<Uint8Array>, body: ReadonlyArray<Uint8Array>] => {
  const delimiter = frames.findIndex((frame) => frame.byteLength === 0)
  return delimiter < 0 ? [frames.slice(0, 1), frames.slice(1)] : [frames.slice(0, delimiter + 1), frames.slice(delimiter + 1)]
}

export const serve = <E, R>(
  socket: ZmqSocket,
  handler: (request: ReadonlyArray<Uint8Array>) => Effect.Effect<Message, E, R>,
  options?: ServeOptions
): Effect.Effect<never, ZMQError | E, R> =>
  Effect.suspend((): Effect.Effect<never, ZMQError | E, R> => {
    const engine = engineOf(socket, "serve", "recv")
    if (engine instanceof ZMQError) return Effect.fail(engine)
    if (typeof handler !== "function") return Effect.fail(invalid("serve", `handler must be a function, got ${describe(handler)}`))
    const concurrency = options?.concurrency ?? 1
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      return Effect.fail(invalid("serve", `concurrency must be an integer >= 1, got ${String(concurrency)}`))
    }
    const reply = (envelope: ReadonlyArray<Uint8Array>, response: Message) => {
      const frames = framesOf(response, "serve")
      return frames instanceof ZMQError
        ? Effect.fail(frames)
        : socket.sendMultipart(envelope.length === 0 ? frames : [...envelope, ...frames])
    }
    /**
     * One request in a `ZmqSocket.serve` server span: a child of the caller's request span when the socket
     * propagates the trace and the request carries the trace-context frame (which the handler does not see).
     */
    const handle = (envelope: ReadonlyArray<Uint8Array>, request: ReadonlyArray<Uint8Array>) => {
      const [parent, body] = telemetry.takeTraceFrame(socket, request)
      const options = telemetry.requestSpanOptions(socket, "serve", "server", "process", {
        "messaging.message.body.size": body.reduce((sum, frame) => sum + frame.byteLength, 0)
      })
      return Effect.withSpan(
        Effect.flatMap(handler(body), (response) => reply(envelope, response)),
        "ZmqSocket.serve",
        parent === undefined ? options : { ...options, parent }
      )
    }
    if (socket.type === "REP") {
      if (concurrency !== 1) {
        return Effect.fail(invalid("serve", "a REP socket answers one request at a time: use a ROUTER for concurrency"))
      }
      return Effect.forever(Effect.flatMap(socket.recvMultipart(), (request) => handle([], request)))
    }
    if (socket.type !== "ROUTER") {
      return Effect.fail(ZMQError.make("ENOTSUP", "serve", `serve needs a REP or ROUTER socket, got ${socket.type}`))
    }
    // A permit is taken before a request is received, so at most `concurrency` requests are ever out of the socket;
    // the rest wait in ZeroMQ. A failing handler fails `serve` (the FiberSet's join), interrupting the others.
    return Effect.scoped(Effect.gen(function*() {
      const slots = yield* Semaphore.make(concurrency)
      const handlers = yield* FiberSet.make<void, ZMQError | E>()
      const accept = Effect.gen(function*() {
        yield* slots.take(1)
        const frames = yield* socket.recvMultipart().pipe(Effect.onError(() => slots.release(1)))
        const [envelope, body] = splitEnvelope(frames)
        yield* FiberSet.run(handlers)(
          handle(envelope, body).pipe(Effect.ensuring(slots.release(1)))
        )
      })
      return yield* Effect.raceFirst(Effect.forever(accept), Effect.andThen(FiberSet.join(handlers), Effect.never))
    }))
  })

// ---------------------------------------------------------------------------------------------------------------
// lazy pirate

const toList = (value: string | ReadonlyArray<string>) => typeof value === "string" ? [value] : value

export const lazyPirate = (
  options: LazyPirateOptions
): Effect.Effect<LazyPirateClient, ZMQError, ZmqContext | Scope.Scope> =>
  Effect.gen(function*() {
    if (options === null || typeof options !== "object") {
      return yield* Effect.fail(invalid("lazyPirate", `options must be an object, got ${describe(options)}`))
    }
    const endpoints = toList(options.connect)
    if (endpoints.length === 0) return yield* Effect.fail(invalid("lazyPirate", "connect must name at least one endpoint"))
    const timeout = Duration.fromInput(options.timeout)
    if (Option.isNone(timeout) || !Duration.isFinite(timeout.value)) {
      return yield* Effect.fail(invalid("lazyPirate", `timeout must be a finite Duration input, got ${String(options.timeout)}`))
    }
    const schedule = options.schedule ?? Schedule.recurs(2)
    const context = yield* ZmqContext
    const outer = yield* Effect.scope

    // the current REQ and the scope that owns it; replaced after a timeout (zguide: "close and reopen the socket")
    let current: { readonly socket: ZmqSocket; readonly scope: Scope.Closeable } | undefined
    let generation = 0
    const open = Effect.gen(function*() {
      const scope = yield* Scope.fork(outer)
      const socket = yield* telemetry.make("REQ", {
        LINGER: 0,
        ...options.options,
        connect: endpoints,
        telemetry: options.telemetry
      }).pipe(
        Effect.provideService(ZmqContext, context),
        Scope.provide(scope),
        Effect.onError(() => Scope.close(scope, Exit.void))
      )
      current = { socket, scope }
      generation++
      return socket
    })
    const discard = Effect.suspend(() => {
      const old = current
      current = undefined
      return old === undefined ? Effect.void : Scope.close(old.scope, Exit.void)
    })
    yield* open

    const lock = yield* Semaphore.make(1)
    const attempt = (frames: ReadonlyArray<Uint8Array | Frame.Frame>, number: number) =>
      Effect.gen(function*() {
        const socket = current?.socket ?? (yield* open)
        yield* Effect.annotateCurrentSpan(telemetry.stateOf(socket)?.spanAttributes ?? {})
        const span = yield* Effect.orElseSucceed(Effect.currentSpan, () => undefined)
        const reply = yield* Effect.andThen(sendRequest(socket, frames, span), socket.recvMultipart()).pipe(
          Effect.timeoutOption(timeout.value),
          // interrupted between send and reply, the REQ would refuse the next send (EFSM): start over next time
          Effect.onInterrupt(() => discard)
        )
        if (Option.isSome(reply)) return reply.value
        yield* discard
        return yield* Effect.fail(ZMQError.make(
          "EAGAIN",
          "request",
          `no reply within ${Duration.format(timeout.value)}: the REQ socket was closed and will be reopened`
        ))
      }).pipe(Effect.withSpan("ZmqSocket.lazyPirate.attempt", {
        kind: "client",
        attributes: {
          "messaging.system": telemetry.SYSTEM,
          "zmq.socket.type": "REQ",
          "messaging.operation.name": "lazyPirate.attempt",
          "messaging.operation.type": "send",
          "zmq.lazy_pirate.attempt": number
        }
      }, { captureStackTrace: false }))

    const requestOf = (message: Message) =>
      Effect.suspend(() => {
        const frames = framesOf(message, "request")
        if (frames instanceof ZMQError) return Effect.fail(frames)
        let attempts = 0
        return lock.withPermit(
          Effect.suspend(() => attempt(frames, ++attempts)).pipe(
            Effect.retry({ schedule, while: (error) => error.code === "EAGAIN" }),
            Effect.tap(() => Effect.annotateCurrentSpan("zmq.lazy_pirate.attempts", attempts)),
            Effect.tapError(() => Effect.annotateCurrentSpan("zmq.lazy_pirate.attempts", attempts))
          )
        ).pipe(Effect.withSpan("ZmqSocket.lazyPirate", {
          kind: "client",
          attributes: {
            "messaging.system": telemetry.SYSTEM,
            "zmq.socket.type": "REQ",
            "messaging.operation.name": "lazyPirate",
            "messaging.operation.type": "send",
            "zmq.connect": endpoints
          }
        }, { captureStackTrace: false }))
      })
    return {
      request: requestOf,
      socket: Effect.suspend(() => current === undefined ? open : Effect.succeed(current.socket)),
      reopened: Effect.sync(() => generation - 1)
    } satisfies LazyPirateClient
  })
