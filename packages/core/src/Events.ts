/**
 * The bits of the `EVENTS` socket option.
 *
 * @since 0.1.0
 */

/**
 * At least one message can be received without waiting.
 *
 * @example
 * ```ts
 * import { Events } from "@effect-zmq/core"
 *
 * const readable = (events: number) => (events & Events.POLLIN) !== 0
 * ```
 *
 * @since 0.1.0
 * @category flags
 */
export const POLLIN = 1 as const

/**
 * At least one message can be sent without waiting.
 *
 * @example
 * ```ts
 * import { Events } from "@effect-zmq/core"
 *
 * const writable = (events: number) => (events & Events.POLLOUT) !== 0
 * ```
 *
 * @since 0.1.0
 * @category flags
 */
export const POLLOUT = 2 as const

/**
 * Error condition (only reported for standard file descriptors in `zmq_poll`).
 *
 * @example
 * ```ts
 * import { Events } from "@effect-zmq/core"
 *
 * Events.POLLERR // 4
 * ```
 *
 * @since 0.1.0
 * @category flags
 */
export const POLLERR = 4 as const
