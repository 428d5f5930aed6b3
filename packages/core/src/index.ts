/**
 * @since 0.1.0
 */

/**
 * The synchronous libzmq binding interface a platform provides.
 *
 * @since 0.1.0
 */
export * as Binding from "./Binding.ts"

/**
 * Send and receive flags (`NOBLOCK`, `SNDMORE`).
 *
 * @since 0.1.0
 */
export * as Flags from "./Flags.ts"

/**
 * The bits of `EVENTS` (`POLLIN`, `POLLOUT`).
 *
 * @since 0.1.0
 */
export * as Events from "./Events.ts"

/**
 * Frames, as `recv({ copy: false })` returns them.
 *
 * @since 0.1.0
 */
export * as Frame from "./Frame.ts"

/**
 * The green engine and the green retry.
 *
 * @since 0.1.0
 */
export * as Green from "./Green.ts"

/**
 * Message trackers for zero-copy sends.
 *
 * @since 0.1.0
 */
export * as MessageTracker from "./MessageTracker.ts"

/**
 * The readiness service interface.
 *
 * @since 0.1.0
 */
export * as Readiness from "./Readiness.ts"

/**
 * The typed error of every operation.
 *
 * @since 0.1.0
 */
export { isZMQError, ZMQError, type ZMQErrorCode } from "./ZMQError.ts"
