/**
 * A ZAP authenticator (ZeroMQ RFC 27, ZAP 1.0) as an Effect service. `ZmqAuth.layer(config)` binds a REP socket at
 * `inproc://zeromq.zap.01` in the layer's {@link ZmqContext} and answers libzmq's authentication requests for every
 * socket of that context that has a security mechanism: allow and deny lists by peer address, PLAIN users and
 * passwords, CURVE client public keys. Releasing the layer closes the handler; one handler per context.
 *
 * What libzmq asks the handler about:
 * - sockets with `PLAIN_SERVER: true` or `CURVE_SERVER: true` (every handshake);
 * - sockets with the NULL mechanism only when they have a `ZAP_DOMAIN` (then the address lists apply to them).
 *
 * Start the layer before the sockets it guards accept peers: without a handler, libzmq lets PLAIN and CURVE clients
 * in unchecked (unless `ZAP_ENFORCE_DOMAIN` is set). See docs/security.md.
 *
 * @since 0.1.0
 */
import type { ZMQError } from "@effect-zmq/core/ZMQError"
import type * as Config from "effect/Config"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Redacted from "effect/Redacted"
import * as internal from "./internal/auth.ts"
import * as ZmqConfig from "./ZmqConfig.ts"
import type { ZmqContext } from "./ZmqContext.ts"

/**
 * What the authenticator allows (the czmq `zauth` rules):
 * - `deny`: peer IP addresses refused (ignored when `allow` is non-empty);
 * - `allow`: when non-empty, only these peer IP addresses pass;
 * - `plain`: PLAIN users, `username: password` (a password may be a `Redacted<string>`, so it is never logged or
 *   printed); without it, PLAIN is refused;
 * - `curve`: the Z85 public keys of the CURVE clients allowed, or `"any"` for every client that knows the server's
 *   key; without it, CURVE is refused;
 * - `domain`: when set, only requests of this ZAP domain (the server socket's `ZAP_DOMAIN`) are allowed.
 * NULL-mechanism requests pass once the address checks pass.
 *
 * @example
 * ```ts
 * import type { ZmqAuth } from "@effect-zmq/zmq"
 *
 * const config: ZmqAuth.AuthConfig = {
 *   allow: ["127.0.0.1"],
 *   plain: { admin: "secret" },
 *   curve: ["rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"]
 * }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface AuthConfig {
  readonly allow?: ReadonlyArray<string> | undefined
  readonly deny?: ReadonlyArray<string> | undefined
  readonly plain?: Readonly<Record<string, string | Redacted.Redacted<string>>> | undefined
  readonly curve?: ReadonlyArray<string> | "any" | undefined
  readonly domain?: string | undefined
}

/**
 * One ZAP request, as the handler sees it: the peer's `address`, the server socket's ZAP `domain`, the `mechanism`
 * and its credentials (`username`/`password` for PLAIN, the client's Z85 `publicKey` for CURVE).
 *
 * @example
 * ```ts
 * import type { ZmqAuth } from "@effect-zmq/zmq"
 *
 * const describe = (request: ZmqAuth.AuthRequest) => `${request.mechanism} from ${request.address}`
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface AuthRequest {
  readonly version: string
  readonly requestId: Uint8Array
  readonly domain: string
  readonly address: string
  readonly identity: Uint8Array
  readonly mechanism: string
  readonly username?: string | undefined
  readonly password?: string | undefined
  readonly publicKey?: string | undefined
}

/**
 * The handler's answer: ZAP status `"200"` (allowed), `"400"` (refused) or `"500"` (malformed request), a reason
 * and the user id given to the connection (the PLAIN username or the CURVE public key).
 *
 * @example
 * ```ts
 * import type { ZmqAuth } from "@effect-zmq/zmq"
 *
 * const ok: ZmqAuth.AuthDecision = { allowed: true, status: "200", reason: "OK", userId: "admin" }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface AuthDecision {
  readonly allowed: boolean
  readonly status: "200" | "300" | "400" | "500"
  readonly reason: string
  readonly userId: string
}

/**
 * How many handshakes the handler allowed and refused so far.
 *
 * @example
 * ```ts
 * import type { ZmqAuth } from "@effect-zmq/zmq"
 *
 * const none: ZmqAuth.AuthStats = { accepted: 0, denied: 0 }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface AuthStats {
  readonly accepted: number
  readonly denied: number
}

/**
 * The authenticator service: its current configuration, a way to replace it (new handshakes use the new one; a
 * bad configuration fails with `EINVAL` and changes nothing) and its counts.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { ZmqAuth } from "@effect-zmq/zmq"
 *
 * const denyHost = (address: string) =>
 *   Effect.gen(function*() {
 *     const auth = yield* ZmqAuth.ZmqAuth
 *     const config = yield* auth.config
 *     yield* auth.update({ ...config, deny: [...(config.deny ?? []), address] })
 *   })
 * ```
 *
 * @since 0.1.0
 * @category services
 */
export class ZmqAuth extends Context.Service<ZmqAuth, {
  readonly config: Effect.Effect<AuthConfig>
  readonly update: (config: AuthConfig) => Effect.Effect<void, ZMQError>
  readonly stats: Effect.Effect<AuthStats>
}>()("@effect-zmq/zmq/ZmqAuth") {}

/**
 * The authenticator as a Layer over a {@link ZmqContext}: binds `inproc://zeromq.zap.01` and answers requests in a
 * fiber of the layer's scope. Fails with `EINVAL` for a bad configuration and `EADDRINUSE` when the context already
 * has a handler.
 *
 * @example
 * ```ts
 * import { Effect, Layer } from "effect"
 * import { ZmqAuth, ZmqSocket } from "@effect-zmq/zmq"
 * import { NodeZmq } from "@effect-zmq/platform-node"
 *
 * const server = Effect.gen(function*() {
 *   const pull = yield* ZmqSocket.make("PULL", { PLAIN_SERVER: true, bind: "tcp://127.0.0.1:*" })
 *   return yield* pull.recvString()
 * })
 *
 * // the handler and the sockets share one context
 * const layer = ZmqAuth.layer({ plain: { admin: "secret" } }).pipe(Layer.provideMerge(NodeZmq.layer()))
 * const program = server.pipe(Effect.scoped, Effect.provide(layer))
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (config: AuthConfig): Layer.Layer<ZmqAuth, ZMQError, ZmqContext> =>
  Layer.effect(
    ZmqAuth,
    Effect.map(internal.make(config), (handler) =>
      ZmqAuth.of({
        config: Effect.sync(handler.current),
        update: (next) =>
          Effect.suspend(() => {
            const invalid = internal.validate(next)
            if (invalid) return Effect.fail(invalid)
            handler.set(next)
            return Effect.void
          }),
        stats: Effect.sync(handler.stats)
      }))
  )

/**
 * {@link layer} with its configuration read through `Config`: by default `ZmqConfig.auth` (`ZMQ_AUTH_ALLOW`,
 * `ZMQ_AUTH_DENY`, `ZMQ_AUTH_PLAIN` with `Redacted` passwords, `ZMQ_AUTH_CURVE`, `ZMQ_AUTH_DOMAIN`), or any
 * `Config` (or record of `Config`s) of an {@link AuthConfig}. A missing or malformed value fails the layer with a
 * `ConfigError`.
 *
 * @example
 * ```ts
 * import { Config, Layer } from "effect"
 * import { ZmqAuth } from "@effect-zmq/zmq"
 * import { NodeZmq } from "@effect-zmq/platform-node"
 *
 * // from the environment: ZMQ_AUTH_PLAIN=admin=secret ZMQ_AUTH_ALLOW=127.0.0.1
 * const fromEnv = ZmqAuth.layerConfig().pipe(Layer.provideMerge(NodeZmq.layer()))
 * // or with the names of your choice
 * const custom = ZmqAuth.layerConfig({ plain: Config.succeed({ admin: "secret" }), domain: Config.String("ZAP_DOMAIN") })
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  config: Config.Wrap<AuthConfig> = ZmqConfig.auth
): Layer.Layer<ZmqAuth, ZMQError | Config.ConfigError, ZmqContext> =>
  Layer.unwrap(Effect.gen(function*() {
    const resolved: AuthConfig = yield* internal.unwrapConfig(config)
    return layer(resolved)
  }))

/**
 * The decision the authenticator makes for a request under a configuration, as a pure function (for tests and
 * custom handlers).
 *
 * @example
 * ```ts
 * import { ZmqAuth } from "@effect-zmq/zmq"
 *
 * const decision = ZmqAuth.decide({ deny: ["10.0.0.1"] }, {
 *   version: "1.0",
 *   requestId: new Uint8Array(),
 *   domain: "",
 *   address: "10.0.0.1",
 *   identity: new Uint8Array(),
 *   mechanism: "NULL"
 * })
 * decision.allowed // false
 * ```
 *
 * @since 0.1.0
 * @category decisions
 */
export const decide: (config: AuthConfig, request: AuthRequest) => AuthDecision = internal.decide

/**
 * The endpoint libzmq sends ZAP requests to, in every context.
 *
 * @example
 * ```ts
 * import { ZmqAuth } from "@effect-zmq/zmq"
 *
 * ZmqAuth.ZAP_ENDPOINT // "inproc://zeromq.zap.01"
 * ```
 *
 * @since 0.1.0
 * @category constants
 */
export const ZAP_ENDPOINT: string = internal.ZAP_ENDPOINT
