import * as Events from "@effect-zmq/core/Events"
import type * as Green from "@effect-zmq/core/Green"
import { ZMQError } from "@effect-zmq/core/ZMQError"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Latch from "effect/Latch"
import type * as Scope from "effect/Scope"
import type { ProxyControl, ProxyStats } from "../ZmqProxy.ts"
import type { ZmqSocket } from "../ZmqSocket.ts"
import { engineOf, isClosedByOwner } from "./access.ts"
import { SYSTEM, textOf } from "./meter.ts"

/** How many messages one uninterruptible forwarding step moves at most before it looks at interruption again. */
const STEP = 64

interface Counter {
  count: number
}

const isAgain = (error: ZMQError) => error.code === "EAGAIN"

/**
 * One direction. A message is taken from `from` only when `to` (and `capture`) can accept it at once (POLLOUT), and
 * it is sent in the same uninterruptible step it was taken in: an interrupted proxy has never taken a message it did
 * not forward. Waiting for readiness is interruptible and takes nothing; the latch holds a paused proxy before it
 * takes anything.
 */
const forward = (
  from: Green.GreenSocket,
  to: Green.GreenSocket,
  capture: Green.GreenSocket | undefined,
  running: Latch.Latch,
  counter: Counter
): Effect.Effect<never, ZMQError> => {
  const writable = (socket: Green.GreenSocket) => socket.ready(Events.POLLOUT, true).pipe(Effect.map((e) => e !== 0))
  const moveOne = (restore: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>) =>
    Effect.gen(function*() {
      if (!(yield* writable(to))) return false
      if (capture !== undefined && !(yield* writable(capture))) return false
      const message = yield* from.recvMessage(true).pipe(
        Effect.catchIf(isAgain, () => Effect.succeed(undefined))
      )
      if (message === undefined) return false
      // POLLOUT promised acceptance; a socket whose POLLOUT cannot promise it (ROUTER_MANDATORY, STREAM) may still
      // say EAGAIN: then wait for it, interruptibly (the one case where an interrupted proxy drops a message)
      yield* to.send(message, true).pipe(Effect.catchIf(isAgain, () => restore(to.send(message, false))))
      if (capture !== undefined) {
        yield* capture.send(message, true).pipe(Effect.catchIf(isAgain, () => restore(capture.send(message, false))))
      }
      counter.count++
      return true
    })
  const step = Effect.uninterruptibleMask((restore) =>
    Effect.gen(function*() {
      for (let i = 0; i < STEP; i++) {
        if (!(yield* moveOne(restore))) return i
      }
      return STEP
    })
  )
  const waitReady = Effect.gen(function*() {
    yield* to.ready(Events.POLLOUT, false)
    if (capture !== undefined) yield* capture.ready(Events.POLLOUT, false)
    yield* from.ready(Events.POLLIN, false)
    yield* running.await
  })
  // readiness said go but nothing moved (another fiber receiving from the same socket took it): let others run
  // before looking again, rather than spinning
  return Effect.forever(Effect.andThen(waitReady, Effect.flatMap(step, (moved) => moved === 0 ? Effect.yieldNow : Effect.void)))
}

interface Engines {
  readonly frontend: Green.GreenSocket
  readonly backend: Green.GreenSocket
  readonly capture: Green.GreenSocket | undefined
}

const engines = (frontend: ZmqSocket, backend: ZmqSocket, capture: ZmqSocket | undefined): Engines | ZMQError => {
  const front = engineOf(frontend, "proxy(frontend)", "recv")
  if (front instanceof ZMQError) return front
  const back = engineOf(backend, "proxy(backend)", "recv")
  if (back instanceof ZMQError) return back
  const frontOut = engineOf(frontend, "proxy(frontend)", "send")
  if (frontOut instanceof ZMQError) return frontOut
  const backOut = engineOf(backend, "proxy(backend)", "send")
  if (backOut instanceof ZMQError) return backOut
  if (capture === undefined) return { frontend: front, backend: back, capture: undefined }
  const cap = engineOf(capture, "proxy(capture)", "send")
  if (cap instanceof ZMQError) return cap
  return { frontend: front, backend: back, capture: cap }
}

/** PUSH/PULL-style one-way sockets forward one way only: the way the socket types allow. */
const oneWay = (frontend: ZmqSocket, backend: ZmqSocket, capture: ZmqSocket | undefined) => {
  const recvFront = engineOf(frontend, "proxy(frontend)", "recv")
  const sendBack = engineOf(backend, "proxy(backend)", "send")
  const cap = capture === undefined ? undefined : engineOf(capture, "proxy(capture)", "send")
  if (recvFront instanceof ZMQError) return recvFront
  if (sendBack instanceof ZMQError) return sendBack
  if (cap instanceof ZMQError) return cap
  return { from: recvFront, to: sendBack, capture: cap }
}

const runWith = (
  frontend: ZmqSocket,
  backend: ZmqSocket,
  capture: ZmqSocket | undefined,
  running: Latch.Latch,
  stats: { readonly frontendToBackend: Counter; readonly backendToFrontend: Counter }
): Effect.Effect<void, ZMQError> =>
  Effect.suspend(() => {
    const both = engines(frontend, backend, capture)
    let loops: ReadonlyArray<Effect.Effect<never, ZMQError>>
    if (both instanceof ZMQError) {
      // a one-way pair (PULL → PUSH, SUB → PUB …) is a valid proxy too, as with zmq_proxy
      const single = oneWay(frontend, backend, capture)
      if (single instanceof ZMQError) return Effect.fail(both.code === "ENOTSUP" ? single : both)
      loops = [forward(single.from, single.to, single.capture, running, stats.frontendToBackend)]
    } else {
      loops = [
        forward(both.frontend, both.backend, both.capture, running, stats.frontendToBackend),
        forward(both.backend, both.frontend, both.capture, running, stats.backendToFrontend)
      ]
    }
    // both directions run until interrupted; a failure of one stops the other. A socket closed by its owner ends the
    // proxy quietly, like zmq_proxy returning when its context terminates.
    return Effect.all(loops, { concurrency: "unbounded", discard: true }).pipe(
      Effect.catchIf(isClosedByOwner, () => Effect.void)
    )
  })

/**
 * The proxy in a `ZmqProxy.run` span (kind internal: it relays others' messages) with the sockets' types and, when
 * it ends, how many messages went each way.
 */
const traced = (
  name: string,
  frontend: ZmqSocket,
  backend: ZmqSocket,
  capture: ZmqSocket | undefined,
  stats: { readonly frontendToBackend: Counter; readonly backendToFrontend: Counter },
  effect: Effect.Effect<void, ZMQError>
): Effect.Effect<void, ZMQError> => {
  const attributes: Record<string, unknown> = {
    "messaging.system": SYSTEM,
    "messaging.operation.name": "proxy",
    "zmq.proxy.frontend.type": textOf(frontend?.type),
    "zmq.proxy.backend.type": textOf(backend?.type)
  }
  if (capture !== undefined) attributes["zmq.proxy.capture.type"] = textOf(capture?.type)
  return Effect.withSpan(
    Effect.onExit(effect, () =>
      Effect.annotateCurrentSpan({
        "zmq.proxy.frontend_to_backend.messages": stats.frontendToBackend.count,
        "zmq.proxy.backend_to_frontend.messages": stats.backendToFrontend.count
      })),
    name,
    { kind: "internal", attributes, captureStackTrace: false }
  )
}

export const run = (
  frontend: ZmqSocket,
  backend: ZmqSocket,
  capture?: ZmqSocket
): Effect.Effect<void, ZMQError> =>
  Effect.suspend(() => {
    const stats = { frontendToBackend: { count: 0 }, backendToFrontend: { count: 0 } }
    return traced(
      "ZmqProxy.run",
      frontend,
      backend,
      capture,
      stats,
      runWith(frontend, backend, capture, Latch.makeUnsafe(true), stats)
    )
  })

export const steerable = (
  frontend: ZmqSocket,
  backend: ZmqSocket,
  capture?: ZmqSocket
): Effect.Effect<ProxyControl, never, Scope.Scope> =>
  Effect.gen(function*() {
    const running = yield* Latch.make(true)
    const frontendToBackend: Counter = { count: 0 }
    const backendToFrontend: Counter = { count: 0 }
    const fiber = yield* Effect.forkScoped(
      traced(
        "ZmqProxy.steerable",
        frontend,
        backend,
        capture,
        { frontendToBackend, backendToFrontend },
        runWith(frontend, backend, capture, running, { frontendToBackend, backendToFrontend })
      )
    )
    const stats: Effect.Effect<ProxyStats> = Effect.sync(() => ({
      frontendToBackend: frontendToBackend.count,
      backendToFrontend: backendToFrontend.count
    }))
    const await_: Effect.Effect<void, ZMQError> = Effect.flatMap(Fiber.await(fiber), (exit) =>
      Exit.isSuccess(exit) || Cause.hasInterruptsOnly(exit.cause) ? Effect.void : Effect.failCause(exit.cause))
    return {
      pause: running.close,
      resume: Effect.asVoid(running.open),
      terminate: Fiber.interrupt(fiber),
      await: await_,
      stats
    } satisfies ProxyControl
  })
