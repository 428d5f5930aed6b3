/**
 * Tracks whether ZeroMQ still references a buffer handed to it with `send(data, { copy: false, track: true })`.
 *
 * zeromq.js does not report when libzmq releases a zero-copied buffer. effect-zmq therefore makes the promise true
 * another way: a tracked send hands ZeroMQ a private copy of the data, so the caller's buffer is free as soon as the
 * send completes, and the tracker it returns is already done.
 *
 * @since 0.1.0
 */
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"

/**
 * `done` tells without waiting whether ZeroMQ has released the buffer; `wait` waits until it has.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { MessageTracker } from "@effect-zmq/core"
 *
 * const program = Effect.gen(function*() {
 *   const tracker = MessageTracker.completed
 *   yield* tracker.wait
 *   return yield* tracker.done // true
 * })
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface MessageTracker {
  readonly done: Effect.Effect<boolean>
  readonly wait: Effect.Effect<void>
}

/**
 * A tracker that is already done.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { MessageTracker } from "@effect-zmq/core"
 *
 * Effect.runSync(MessageTracker.completed.done) // true
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const completed: MessageTracker = {
  done: Effect.succeed(true),
  wait: Effect.void
}

/**
 * A tracker that is done when `release` has been run, for bindings that can observe the release.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { MessageTracker } from "@effect-zmq/core"
 *
 * const program = Effect.gen(function*() {
 *   const [tracker, release] = yield* MessageTracker.make
 *   yield* release
 *   return yield* tracker.done // true
 * })
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: Effect.Effect<readonly [tracker: MessageTracker, release: Effect.Effect<void>]> = Effect.map(
  Deferred.make<void>(),
  (deferred) =>
    [
      { done: Deferred.isDone(deferred), wait: Deferred.await(deferred) },
      Effect.asVoid(Deferred.succeed(deferred, undefined))
    ] as const
)
