/**
 * @since 0.1.0
 */

/**
 * Green sockets.
 *
 * @since 0.1.0
 */
export * as ZmqSocket from "./ZmqSocket.ts"

/**
 * The context service.
 *
 * @since 0.1.0
 */
export * as ZmqContext from "./ZmqContext.ts"

/**
 * Proxies (`zmq_proxy`, `zmq_proxy_steerable`) as Effects.
 *
 * @since 0.1.0
 */
export * as ZmqProxy from "./ZmqProxy.ts"

/**
 * The typed socket option table.
 *
 * @since 0.1.0
 */
export * as SocketOption from "./SocketOption.ts"

/**
 * Re-exported from `@effect-zmq/core`: flags, events, frames, trackers, readiness, the green engine and the error.
 *
 * @since 0.1.0
 */
export { Events, Flags, Frame, Green, isZMQError, MessageTracker, Readiness, ZMQError, type ZMQErrorCode } from "@effect-zmq/core"

/**
 * A ZAP authenticator (allow/deny lists, PLAIN users, CURVE keys) as an Effect service and Layer.
 *
 * @since 0.1.0
 */
export * as ZmqAuth from "./ZmqAuth.ts"

/**
 * Tracing and metrics (OpenTelemetry messaging conventions): options, the context default, metric definitions and
 * the trace-context frame of request/reply.
 *
 * @since 0.1.0
 */
export * as ZmqTelemetry from "./ZmqTelemetry.ts"

/**
 * Options read through Effect's `Config` (environment variables such as `ZMQ_IO_THREADS`), with secrets `Redacted`.
 *
 * @since 0.1.0
 */
export * as ZmqConfig from "./ZmqConfig.ts"

/**
 * Effect RPC over ZeroMQ: `RpcClient.Protocol` over DEALER, `RpcServer.Protocol` over ROUTER.
 *
 * @since 0.1.0
 */
export * as ZmqRpc from "./ZmqRpc.ts"
