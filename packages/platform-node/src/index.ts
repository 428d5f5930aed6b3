/**
 * @since 0.1.0
 */

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
