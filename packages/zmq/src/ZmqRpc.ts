/**
 * Effect RPC over ZeroMQ: `effect/rpc`'s client and server `Protocol`s carried by a DEALER (client) and a ROUTER
 * (server). Every Effect RPC feature goes through: unary and streaming calls (with acks, i.e. backpressure),
 * interruption reaching the server handler, typed failures and defects, many calls per client and many clients per
 * server, and span propagation.
 *
 * Wire format: one ZeroMQ message per encoded RPC message — the DEALER sends `[payload]`, the ROUTER receives
 * `[routing id…, payload]` and answers `[routing id…, payload]` — so unframed serializations
 * (`RpcSerialization.json`) work as well as framed ones (`ndjson`, `layerSchemaBinary`). The server also sends
 * heartbeats `[routing id…, "", ids]` naming the calls it is working on (see docs/rpc.md).
 *
 * Liveness: the client pings each server every `pingInterval`; a server silent for `pingTimeout` fails the calls
 * in flight with a typed `RpcClientError` and its DEALER is replaced by a new one (nothing queued for the dead
 * server is replayed); a call that a live server no longer names in its heartbeats (it was restarted, or it is a
 * worker behind a broker that died) fails on its own, as a defect that says so. A client silent for `clientTimeout` (or a send that finds its peer gone) is a disconnect for
 * the server: its handlers are interrupted. libzmq 4.3.5 has `ZMQ_ROUTER_NOTIFY` only as a draft, so this is done
 * with pings and idle timeouts, not with connection events.
 *
 * @since 0.1.0
 */
import type { ZMQError } from "@effect-zmq/core/ZMQError"
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as RpcClient from "effect/rpc/RpcClient"
import type * as RpcSerialization from "effect/rpc/RpcSerialization"
import * as RpcServer from "effect/rpc/RpcServer"
import type * as Scope from "effect/Scope"
import * as clientInternal from "./internal/rpcClient.ts"
import * as serverInternal from "./internal/rpcServer.ts"
import type * as SocketOption from "./SocketOption.ts"
import type { ZmqContext } from "./ZmqContext.ts"

/**
 * Options of the client protocol: the endpoints to `connect` (one DEALER each; calls are spread over them, and
 * every message of a call goes to the server that got its request), the ping interval and timeout, whether stream
 * chunks are acknowledged (`acks`, default true: the server sends the next chunk only after the client took the
 * last one — turn it off, on both sides, only behind a ROUTER/DEALER broker), and socket options (CURVE keys,
 * HWMs, …) by name at the top level or under `options`. The defaults are `LINGER` 0, `IMMEDIATE` 1 (requests are
 * not queued for a server that is not connected) and HWMs of 100,000.
 *
 * `pingTimeout` must be longer than the server's `heartbeatInterval`.
 *
 * @example
 * ```ts
 * import type { ZmqRpc } from "@effect-zmq/zmq"
 *
 * const options: ZmqRpc.ClientOptions = {
 *   connect: "tcp://127.0.0.1:5555",
 *   pingInterval: "1 second",
 *   pingTimeout: "5 seconds",
 *   SNDHWM: 1000
 * }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type ClientOptions = SocketOption.Init & {
  readonly connect: string | ReadonlyArray<string>
  /** How often each server is pinged. Default 1 second. */
  readonly pingInterval?: Duration.Input | undefined
  /** How long a server may stay silent before its calls fail and its socket is replaced. Default 5 seconds. */
  readonly pingTimeout?: Duration.Input | undefined
  /** Acknowledge stream chunks (backpressure). Default true. */
  readonly acks?: boolean | undefined
  readonly options?: SocketOption.Init | undefined
}

/**
 * Options of the server protocol: the endpoints to `bind` (or to `connect` to, for a worker behind a broker), how often heartbeats name the calls in flight
 * (`heartbeatInterval`, default 1 second), after how long without a message a client counts as gone
 * (`clientTimeout`, default 10 seconds; clients ping every second by default), whether stream chunks wait for the
 * client's ack (`acks`, default true) and socket options by name or under `options` (defaults: `LINGER` 0,
 * `ROUTER_MANDATORY`, `ROUTER_HANDOVER`, HWMs of 100,000).
 *
 * @example
 * ```ts
 * import type { ZmqRpc } from "@effect-zmq/zmq"
 *
 * const options: ZmqRpc.ServerOptions = {
 *   bind: ["tcp://127.0.0.1:5555", "ipc:///tmp/rpc.sock"],
 *   clientTimeout: "10 seconds"
 * }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type ServerOptions = SocketOption.Init & {
  /** Endpoints to bind. At least one of `bind` and `connect`. */
  readonly bind?: string | ReadonlyArray<string> | undefined
  /** Endpoints to connect to: a worker behind a ROUTER/DEALER broker connects to the broker's backend. */
  readonly connect?: string | ReadonlyArray<string> | undefined
  /** How often the server names the calls it is working on to their clients. Default 1 second. */
  readonly heartbeatInterval?: Duration.Input | undefined
  /** How long a client may stay silent before it counts as gone. Default 10 seconds. */
  readonly clientTimeout?: Duration.Input | undefined
  /** Wait for the client's ack after each stream chunk (backpressure). Default true. */
  readonly acks?: boolean | undefined
  readonly options?: SocketOption.Init | undefined
}

/**
 * Makes a client `Protocol` over DEALER sockets, one per endpoint, closed with the Scope.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { RpcClient } from "effect/rpc"
 * import { ZmqRpc } from "@effect-zmq/zmq"
 *
 * const protocol = ZmqRpc.makeProtocolClient({ connect: "tcp://127.0.0.1:5555" }).pipe(
 *   Effect.map((protocol) => RpcClient.Protocol.of(protocol))
 * )
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeProtocolClient: (
  options: ClientOptions
) => Effect.Effect<
  RpcClient.Protocol["Service"],
  ZMQError,
  ZmqContext | RpcSerialization.RpcSerialization | Scope.Scope
> = clientInternal.makeProtocolClient

/**
 * Provides `RpcClient.Protocol` over DEALER sockets.
 *
 * @example
 * ```ts
 * import { Effect, Layer, Schema } from "effect"
 * import { Rpc, RpcClient, RpcGroup, RpcSerialization } from "effect/rpc"
 * import { ZmqRpc } from "@effect-zmq/zmq"
 * import { NodeZmq } from "@effect-zmq/platform-node"
 *
 * class Greeter extends RpcGroup.make(
 *   Rpc.make("Greet", { payload: { name: Schema.String }, success: Schema.String })
 * ) {}
 *
 * const program = Effect.gen(function*() {
 *   const client = yield* RpcClient.make(Greeter)
 *   return yield* client.Greet({ name: "Ada" })
 * }).pipe(
 *   Effect.scoped,
 *   Effect.provide(
 *     ZmqRpc.layerProtocolClient({ connect: "tcp://127.0.0.1:5555" }).pipe(
 *       Layer.provide([RpcSerialization.layerJson, NodeZmq.layer()])
 *     )
 *   )
 * )
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerProtocolClient = (
  options: ClientOptions
): Layer.Layer<RpcClient.Protocol, ZMQError, ZmqContext | RpcSerialization.RpcSerialization> =>
  Layer.effect(RpcClient.Protocol)(clientInternal.makeProtocolClient(options))

/**
 * Makes a server `Protocol` over a ROUTER socket, closed with the Scope. Each routing envelope (the peer's routing
 * id, and the broker's in front of it when calls come through one) is one client id of the protocol.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { RpcServer } from "effect/rpc"
 * import { ZmqRpc } from "@effect-zmq/zmq"
 *
 * const protocol = ZmqRpc.makeProtocolServer({ bind: "tcp://127.0.0.1:*" }).pipe(
 *   Effect.map((protocol) => RpcServer.Protocol.of(protocol))
 * )
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeProtocolServer: (
  options: ServerOptions
) => Effect.Effect<
  RpcServer.Protocol["Service"],
  ZMQError,
  ZmqContext | RpcSerialization.RpcSerialization | Scope.Scope
> = serverInternal.makeProtocolServer

/**
 * Like {@link makeProtocolServer}, and also tells the endpoints the ROUTER is bound to, with `*` ports filled in
 * (bind `tcp://127.0.0.1:*` and give the clients what this returns).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { ZmqRpc } from "@effect-zmq/zmq"
 *
 * const program = Effect.gen(function*() {
 *   const { endpoints, protocol } = yield* ZmqRpc.makeProtocolServerWithEndpoints({ bind: "tcp://127.0.0.1:*" })
 *   yield* Effect.log(`serving on ${endpoints[0]}`)
 *   return protocol
 * })
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeProtocolServerWithEndpoints: (
  options: ServerOptions
) => Effect.Effect<
  { readonly protocol: RpcServer.Protocol["Service"]; readonly endpoints: ReadonlyArray<string> },
  ZMQError,
  ZmqContext | RpcSerialization.RpcSerialization | Scope.Scope
> = serverInternal.makeProtocolServerWithEndpoints

/**
 * Provides `RpcServer.Protocol` over a ROUTER socket.
 *
 * @example
 * ```ts
 * import { Effect, Layer, Schema } from "effect"
 * import { Rpc, RpcGroup, RpcSerialization, RpcServer } from "effect/rpc"
 * import { ZmqRpc } from "@effect-zmq/zmq"
 * import { NodeZmq } from "@effect-zmq/platform-node"
 *
 * class Greeter extends RpcGroup.make(
 *   Rpc.make("Greet", { payload: { name: Schema.String }, success: Schema.String })
 * ) {}
 *
 * const GreeterLive = Greeter.toLayer({ Greet: ({ name }) => Effect.succeed(`hello ${name}`) })
 *
 * const ServerLive = RpcServer.layer(Greeter).pipe(
 *   Layer.provide(GreeterLive),
 *   Layer.provide(ZmqRpc.layerProtocolServer({ bind: "tcp://127.0.0.1:5555" })),
 *   Layer.provide([RpcSerialization.layerJson, NodeZmq.layer()])
 * )
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerProtocolServer = (
  options: ServerOptions
): Layer.Layer<RpcServer.Protocol, ZMQError, ZmqContext | RpcSerialization.RpcSerialization> =>
  Layer.effect(RpcServer.Protocol)(serverInternal.makeProtocolServer(options))
