/**
 * The green operation (design §3): try without blocking; on success re-check `EVENTS` and wake waiters; on `EAGAIN`
 * fail at once with `NOBLOCK`, or suspend the fiber until the socket's fd signals and retry. No timer polls, no
 * blocked event loop, and interruption only ever unregisters a waiter.
 *
 * This module holds the engine, independent of any binding: a binding supplies a {@link Backend} (synchronous
 * attempts and an `EVENTS` reader) and gets back a {@link GreenSocket} with `send`, `recvFrame`, `recvMessage`
 * and `events` as Effects.
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import { GreenSocket as GreenSocketImpl } from "./internal/green.ts"
import { backoffWatch, Readiness } from "./Readiness.ts"
import type { ZMQError } from "./ZMQError.ts"

/**
 * What a binding provides to the engine. `receive` and `send` are *synchronous attempts*: the message is taken (or
 * handed over) or `EAGAIN` decided before they return, and the returned promise is already settled (zeromq.js with
 * timeouts of 0). `receive` resolves with the frames of one whole message, optionally followed by a properties
 * object; `send` may be given the message's properties (routing id, group) for the types that need them. `events`
 * reads `EVENTS` and may throw.
 *
 * - `sendIsPredictable`: `POLLOUT` guarantees that a send is accepted (true for every type but ROUTER with
 *   `ROUTER_MANDATORY`, STREAM and the draft types with routing arguments).
 * - `alwaysWritable`: a send never fails for want of room (PUB and XPUB drop, ROUTER drops what it cannot route),
 *   so no `EVENTS` read is needed before it.
 * - `needsRealAttempt`: a first attempt must be made even when `EVENTS` says not ready, because its error matters
 *   (REQ and REP: `EFSM`).
 *
 * @example
 * ```ts
 * import type { Green } from "@effect-zmq/core"
 *
 * declare const backend: Green.Backend
 * const writable = (backend.events() & 2) !== 0
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface Backend {
  readonly fd: number | undefined
  readonly events: () => number
  readonly receive: () => PromiseLike<ReadonlyArray<unknown>>
  readonly send: (
    frames: ReadonlyArray<Uint8Array>,
    properties?: Readonly<Record<string, unknown>> | undefined
  ) => PromiseLike<void>
  readonly sendIsPredictable: boolean
  readonly alwaysWritable?: boolean | undefined
  readonly needsRealAttempt: boolean
  /**
   * Sends messages one after the other until one is refused, all in this synchronous call, and says how many were
   * accepted and why the next one was not (undefined when all were).
   */
  readonly sendMany?: ((messages: ReadonlyArray<ReadonlyArray<Uint8Array>>) => { sent: number; error: unknown }) | undefined
  readonly mapError: (error: unknown, operation: string) => ZMQError
}

/**
 * Engine options: the socket's current receive and send timeouts in milliseconds (`RCVTIMEO`/`SNDTIMEO`; -1 or
 * undefined waits forever). A timed-out wait fails with `EAGAIN`.
 *
 * @example
 * ```ts
 * import type { Green } from "@effect-zmq/core"
 *
 * const options: Green.GreenOptions = { receiveTimeout: () => 500 }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface GreenOptions {
  readonly receiveTimeout?: (() => number) | undefined
  readonly sendTimeout?: (() => number) | undefined
}

/**
 * One frame handed out by `recvFrame`.
 *
 * @example
 * ```ts
 * import type { Green } from "@effect-zmq/core"
 *
 * const last = (frame: Green.ReceivedFrame) => !frame.more
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface ReceivedFrame {
  readonly bytes: Uint8Array
  readonly more: boolean
  readonly properties: Readonly<Record<string, unknown>>
}

/**
 * The engine's internal counts, for tests and diagnostics: waiting receivers and senders, messages taken but not yet
 * handed out, `poll` probes, whether the fd watch runs, and whether a receive attempt is in flight.
 *
 * @example
 * ```ts
 * import type { Green } from "@effect-zmq/core"
 *
 * const idle = (stats: Green.GreenStats) => stats.receivers === 0 && stats.senders === 0 && !stats.watching
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface GreenStats {
  readonly receivers: number
  readonly senders: number
  readonly probes: number
  readonly inbox: number
  readonly watching: boolean
  readonly receiving: boolean
}

/**
 * A green socket engine. `fail(error)` closes it: every waiter fails with `error` at once, and so does every later
 * operation.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import type { Green } from "@effect-zmq/core"
 *
 * const echoOnce = (socket: Green.GreenSocket) =>
 *   socket.recvMessage(false).pipe(Effect.flatMap((frames) => socket.send(frames, false)))
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface GreenSocket {
  readonly recvFrame: (noblock: boolean) => Effect.Effect<ReceivedFrame, ZMQError>
  readonly recvMessage: (noblock: boolean) => Effect.Effect<ReadonlyArray<Uint8Array>, ZMQError>
  /** Waits for at least one message, then takes every message ready, up to `max`, in one step. */
  readonly recvBatch: (max: number, noblock: boolean) => Effect.Effect<ReadonlyArray<ReadonlyArray<Uint8Array>>, ZMQError>
  /** As `recvBatch`, appending to `target` inside the take step; succeeds with how many were appended. */
  readonly recvInto: (
    target: Array<ReadonlyArray<Uint8Array>>,
    max: number,
    noblock: boolean
  ) => Effect.Effect<number, ZMQError>
  /** Gives whole messages back, in order, to the front of the inbox (a stream's leftovers when it stops). */
  readonly requeue: (messages: ReadonlyArray<ReadonlyArray<Uint8Array>>) => void
  /** Waits until any of `mask` (POLLIN, POLLOUT) holds and returns the ready bits, consuming nothing. */
  readonly ready: (mask: number, noblock: boolean) => Effect.Effect<number, ZMQError>
  /** Sends messages in as few steps as possible, each completing with the messages it handed over (see `sink`). */
  readonly sendBatch: (messages: ReadonlyArray<ReadonlyArray<Uint8Array>>) => Effect.Effect<void, ZMQError>
  readonly send: (
    frames: ReadonlyArray<Uint8Array>,
    noblock: boolean,
    properties?: Readonly<Record<string, unknown>>
  ) => Effect.Effect<void, ZMQError>
  readonly events: (operation?: string) => Effect.Effect<number, ZMQError>
  readonly poke: () => void
  readonly rcvMore: boolean
  readonly closedError: ZMQError | undefined
  readonly fail: (error: ZMQError) => void
  readonly stats: () => GreenStats
}

/**
 * Makes the engine for a backend, watching its fd with the {@link Readiness} service (or, for a socket without an
 * fd, with {@link Readiness.backoffWatch}). The watch is released by `fail`, which the owner calls when it closes
 * the socket.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Green } from "@effect-zmq/core"
 *
 * declare const backend: Green.Backend
 * const engine = Green.make(backend, {})
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  backend: Backend,
  options: GreenOptions
): Effect.Effect<GreenSocket, ZMQError, Readiness> =>
  Effect.gen(function*() {
    const engine = new GreenSocketImpl(backend, options)
    const watch = backend.fd === undefined
      ? backoffWatch(engine.onSignal)
      : yield* (yield* Readiness).watch(backend.fd, engine.onSignal)
    engine.attach(watch)
    return engine
  })

/**
 * The green retry as a combinator, for operations outside a socket engine: run `attempt`; while it fails with
 * `EAGAIN`, wait for `ready` (a readiness signal, never a timer) and try again, as long as `schedule` allows (its
 * delays, if any, are added before each wait). When the schedule is done the last `EAGAIN` is the result.
 *
 * @example
 * ```ts
 * import { Effect, Schedule } from "effect"
 * import { Green, ZMQError } from "@effect-zmq/core"
 *
 * let calls = 0
 * const attempt = Effect.suspend(() =>
 *   ++calls < 3 ? Effect.fail(ZMQError.make("EAGAIN", "recv")) : Effect.succeed(calls)
 * )
 * const program = Green.retry(attempt, { ready: Effect.void, schedule: Schedule.recurs(5) })
 * ```
 *
 * @since 0.1.0
 * @category combinators
 */
export const retry = <A, E extends ZMQError, R, R2>(
  attempt: Effect.Effect<A, E, R>,
  options: {
    readonly ready: Effect.Effect<void, E, R2>
    readonly schedule?: Schedule.Schedule<unknown, E> | undefined
  }
): Effect.Effect<A, E, R | R2> =>
  Effect.flatMap(Schedule.toStep(options.schedule ?? defaultSchedule), (step) => {
    const loop: Effect.Effect<A, E, R | R2> = Effect.catchIf(
      attempt,
      (error) => error.code === "EAGAIN",
      (error) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) => step(now, error)).pipe(
          Effect.matchEffect({
            onFailure: () => Effect.fail(error),
            onSuccess: ([, delay]) =>
              Duration.isZero(delay)
                ? Effect.andThen(options.ready, loop)
                : Effect.andThen(Effect.sleep(delay), Effect.andThen(options.ready, loop))
          })
        )
    )
    return loop
  })

/**
 * The default retry policy: retry for as long as it takes, each retry gated by readiness.
 *
 * @example
 * ```ts
 * import { Green } from "@effect-zmq/core"
 *
 * const policy = Green.defaultSchedule
 * ```
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultSchedule: Schedule.Schedule<number, unknown> = Schedule.forever
