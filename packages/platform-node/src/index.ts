/**
 * @since 0.1.0
 */

/**
 * The Node libzmq binding: a synchronous, non-blocking libzmq API over the native addon.
 *
 * @since 0.1.0
 */
export * as NodeBinding from "./NodeBinding.ts"

/**
 * The Node readiness driver.
 *
 * @since 0.1.0
 */
export * as NodeReadiness from "./NodeReadiness.ts"

/**
 * Node layers and `runMain`.
 *
 * @since 0.1.0
 */
export * as NodeZmq from "./NodeZmq.ts"
