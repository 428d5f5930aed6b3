/**
 * Send and receive flags, with libzmq's values.
 *
 * @since 0.1.0
 */

/**
 * Do not wait: fail with `EAGAIN` at once when the operation cannot complete now.
 *
 * @example
 * ```ts
 * import { Flags } from "@effect-zmq/core"
 *
 * const options = { flags: Flags.NOBLOCK }
 * ```
 *
 * @since 0.1.0
 * @category flags
 */
export const NOBLOCK = 1 as const

/**
 * Alias of {@link NOBLOCK}, as libzmq spells it.
 *
 * @example
 * ```ts
 * import { Flags } from "@effect-zmq/core"
 *
 * Flags.DONTWAIT === Flags.NOBLOCK // true
 * ```
 *
 * @since 0.1.0
 * @category flags
 */
export const DONTWAIT = NOBLOCK

/**
 * More frames of this message follow: the frame is staged and the whole message is handed to ZeroMQ with its
 * last frame.
 *
 * @example
 * ```ts
 * import { Flags } from "@effect-zmq/core"
 *
 * const first = { flags: Flags.SNDMORE }
 * ```
 *
 * @since 0.1.0
 * @category flags
 */
export const SNDMORE = 2 as const

/**
 * Whether `flags` has every bit of `flag`.
 *
 * @example
 * ```ts
 * import { Flags } from "@effect-zmq/core"
 *
 * Flags.has(Flags.NOBLOCK | Flags.SNDMORE, Flags.SNDMORE) // true
 * ```
 *
 * @since 0.1.0
 * @category predicates
 */
export const has = (flags: number | undefined, flag: number): boolean => flags !== undefined && (flags & flag) === flag
