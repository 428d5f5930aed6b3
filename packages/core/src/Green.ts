/**
 * The green operation (design §3): try without blocking; on success re-check `EVENTS` and wake waiters; on `EAGAIN`
 * fail at once with `NOBLOCK`, or suspend the fiber until the socket's fd signals and retry. No timer polls, no
 * blocked event loop, and interruption only ever unregisters a waiter.
 *
 * This module holds the engine, independent of any platform: it drives a synchronous {@link Binding.Binding} (every
 * attempt's outcome is known when the call returns) and gives back a {@link GreenSocket} whose operations are
 * Effects.
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import type * as Binding from "./Binding.ts"
import type * as Frame from "./Frame.ts"
import { GreenSocket as GreenSocketImpl } from "./internal/green.ts"
import { backoffWatch, Readiness } from "./Readiness.ts"
import type { ZMQError } from "./ZMQError.ts"

/**
 * What a receive returns, by mode: `"bytes"` one frame's bytes, `"frame"` one {@link Frame.Frame} with its
 * properties (routing id, group, `User-Id`, `Peer-Address`), `"message"` the frames of one whole message.
 *
 * @example
 * ```ts
 * import type { Green } from "@effect-zmq/core"
 *
 * const mode: Green.RecvMode = "message"
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type RecvMode = "bytes" | "frame" | "message"

/**
 * The value of a receive: bytes, a frame or a message's frames (see {@link RecvMode}).
 *
 * @example
 * ```ts
 * import type { Green } from "@effect-zmq/core"
 *
 * const size = (result: Green.RecvResult) => Array.isArray(result) ? result.length : 1
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type RecvResult = Uint8Array | Frame.Frame | ReadonlyArray<Uint8Array>

/**
 * Options of one outgoing message (zero-copy release, routing id, group): the binding's.
 *
 * @example
 * ```ts
 * import type { Green } from "@effect-zmq/core"
 *
 * const options: Green.SendOptions = { group: "weather" }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type SendOptions = Binding.SendOptions

/**
 * Engine options: the socket's current receive and send timeouts in milliseconds (`RCVTIMEO`/`SNDTIMEO`; -1 or
 * undefined waits forever; a timed-out wait fails with `EAGAIN`), and its retry policy: after each `EAGAIN` an
 * operation steps the `Schedule`; while it continues, the fiber waits for readiness (or the step's delay, whichever
 * comes first) and attempts again; when it ends, the operation fails with `EAGAIN`. Without one, the fiber waits for
 * readiness as long as it takes.
 *
 * @example
 * ```ts
 * import { Schedule } from "effect"
 * import type { Green } from "@effect-zmq/core"
 *
 * const options: Green.GreenOptions = { receiveTimeout: () => 500, retry: () => Schedule.recurs(3) }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface GreenOptions {
  readonly receiveTimeout?: (() => number) | undefined
  readonly sendTimeout?: (() => number) | undefined
  readonly retry?: (() => Schedule.Schedule<unknown, ZMQError> | undefined) | undefined
  /**
   * Asked once when an operation starts to wait; when it returns a function, that function is called with the
   * operation's direction and how long it waited (ms) when it completes (telemetry: sends that waited at the
   * high-water mark, receive waits). Operations that never wait cost nothing.
   */
  readonly waitObserver?: (() => ((direction: "send" | "recv", millis: number) => void) | undefined) | undefined
}

/**
 * The engine's internal counts, for tests and diagnostics: waiting receivers and senders, messages given back and
 * not yet received again (`inbox`), `poll` probes, and whether the fd watch runs. `receiving` is always false: a
 * receive is one synchronous attempt, never in flight.
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
 * A green socket engine over a synchronous binding. Its operations are lazy, reusable Effects whose attempts run in
 * `Effect.sync` steps (a value taken from libzmq reaches the caller with no step in between). `fail(error)` closes
 * the engine: every waiter fails with `error` at once, and so does every later operation.
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
  /**
   * Receives one frame (`"bytes"`; `"frame"` with its properties) or one whole message (`"message"`), mapped by
   * `transform` in the very step that takes it, so the value reaches the caller with no step in between.
   */
  readonly recv: <A = RecvResult>(
    mode: RecvMode,
    noblock: boolean,
    retry?: Schedule.Schedule<unknown, ZMQError> | undefined,
    transform?: ((result: RecvResult) => A) | undefined
  ) => Effect.Effect<A, ZMQError>
  readonly recvMessage: (noblock: boolean) => Effect.Effect<ReadonlyArray<Uint8Array>, ZMQError>
  /** Waits for one message, then appends every message ready (up to `max`) to `target` in one step: the count. */
  readonly recvInto: (
    target: Array<ReadonlyArray<Uint8Array>>,
    max: number,
    noblock: boolean
  ) => Effect.Effect<number, ZMQError>
  /** Gives whole messages back, in order, to the front (a stream's leftovers when it stops). */
  readonly requeue: (messages: ReadonlyArray<ReadonlyArray<Uint8Array>>) => void
  /** Waits until any of `mask` (POLLIN, POLLOUT) holds and returns the ready bits, consuming nothing. */
  readonly ready: (mask: number, noblock: boolean) => Effect.Effect<number, ZMQError>
  /** Sends messages in as few steps as possible, each completing with the messages it handed over (see `sink`). */
  readonly sendBatch: (messages: ReadonlyArray<ReadonlyArray<Uint8Array>>) => Effect.Effect<void, ZMQError>
  /**
   * Sends one whole message; `onSent` runs in the step that sent it and gives the Effect's value; `onInterrupted` runs
   * if the send is interrupted while it waits.
   */
  readonly send: <A = void>(
    frames: ReadonlyArray<Uint8Array>,
    noblock: boolean,
    options?: SendOptions | undefined,
    retry?: Schedule.Schedule<unknown, ZMQError> | undefined,
    onSent?: (() => A) | undefined,
    onInterrupted?: (() => void) | undefined
  ) => Effect.Effect<A, ZMQError>
  /**
   * Sends one frame (copied) as a whole message, in one step; when `detour()` says so as it runs (frames were staged
   * with `SNDMORE`), `general()`'s Effect runs instead.
   */
  readonly sendFrame: (
    bytes: Uint8Array,
    detour: () => boolean,
    general: () => Effect.Effect<void, ZMQError>
  ) => Effect.Effect<void, ZMQError>
  readonly events: (operation?: string) => Effect.Effect<number, ZMQError>
  /** Looks at `EVENTS` and wakes whoever can proceed (after `bind`, `connect`, `subscribe`, …). */
  readonly poke: () => void
  readonly rcvMore: boolean
  readonly closedError: ZMQError | undefined
  readonly fail: (error: ZMQError) => void
  readonly stats: () => GreenStats
  /** The platform error of an errno the binding reported. */
  readonly errorOf: (errno: number, operation: string) => ZMQError
}

class Engine extends GreenSocketImpl implements GreenSocket {
  recvMessage(noblock: boolean): Effect.Effect<ReadonlyArray<Uint8Array>, ZMQError> {
    return this.recv("message", noblock) as Effect.Effect<ReadonlyArray<Uint8Array>, ZMQError>
  }
  override events(operation = "getOption(EVENTS)"): Effect.Effect<number, ZMQError> {
    return super.events(operation)
  }
}

/**
 * Makes the engine of one socket of a binding, watching the socket's fd with the {@link Readiness} service (or, for a
 * socket without one, with {@link Readiness.backoffWatch}). The watch is released by `fail`, which the owner calls
 * when it closes the socket.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Binding, Green } from "@effect-zmq/core"
 *
 * declare const binding: Binding.BindingShape
 * declare const socket: Binding.SocketHandle
 * const engine = Green.make(binding, socket, {})
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  binding: Binding.BindingShape,
  socket: Binding.SocketHandle,
  options: GreenOptions
): Effect.Effect<GreenSocket, ZMQError, Readiness> =>
  Effect.gen(function*() {
    const engine = new Engine(binding, socket, options)
    const fd = binding.fd(socket)
    const watch = fd < 0
      ? backoffWatch(engine.onSignal)
      : yield* (yield* Readiness).watch(fd, engine.onSignal)
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
