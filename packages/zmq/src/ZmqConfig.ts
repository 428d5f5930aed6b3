/**
 * effect-zmq's options read through Effect's `Config` (by default from environment variables, through the current
 * `ConfigProvider`), for `layerConfig`s: the context's options (`NodeZmq.layerConfig`), the ZAP authenticator's
 * (`ZmqAuth.layerConfig`, PLAIN passwords as `Redacted`) and the telemetry defaults (`ZmqTelemetry.layerConfig`).
 * Every variable is optional: what is not set keeps the library's default.
 *
 * @since 0.1.0
 */
import * as Config from "effect/Config"
import * as Schema from "effect/Schema"
import type { AuthConfig } from "./ZmqAuth.ts"
import type { ContextOptions } from "./ZmqContext.ts"
import type { Options as TelemetryOptions } from "./ZmqTelemetry.ts"

const optional = <A>(config: Config.Config<A>): Config.Config<A | undefined> => Config.withDefault(config, undefined)

/**
 * The context's options, named as libzmq names the context options: `ZMQ_IO_THREADS`, `ZMQ_MAX_SOCKETS`,
 * `ZMQ_MAX_MSGSZ`, `ZMQ_IPV6`, `ZMQ_BLOCKY`, `ZMQ_THREAD_PRIORITY`, `ZMQ_THREAD_SCHED_POLICY`, and
 * `ZMQ_DEFAULT_LINGER` (effect-zmq's default `LINGER` of sockets, in milliseconds).
 *
 * @example
 * ```ts
 * import { ConfigProvider, Effect } from "effect"
 * import { ZmqConfig } from "@effect-zmq/zmq"
 *
 * const options = ZmqConfig.contextOptions.parse(ConfigProvider.fromEnv({ env: { ZMQ_IO_THREADS: "2" } }))
 * Effect.runSync(options).ioThreads // 2
 * ```
 *
 * @since 0.1.0
 * @category context
 */
export const contextOptions: Config.Config<ContextOptions> = Config.all({
  ioThreads: optional(Config.Int("ZMQ_IO_THREADS")),
  maxSockets: optional(Config.Int("ZMQ_MAX_SOCKETS")),
  maxMessageSize: optional(Config.Int("ZMQ_MAX_MSGSZ")),
  ipv6: optional(Config.Boolean("ZMQ_IPV6")),
  blocky: optional(Config.Boolean("ZMQ_BLOCKY")),
  threadPriority: optional(Config.Int("ZMQ_THREAD_PRIORITY")),
  threadSchedulingPolicy: optional(Config.Int("ZMQ_THREAD_SCHED_POLICY")),
  defaultLinger: optional(Config.Int("ZMQ_DEFAULT_LINGER"))
})

/**
 * The ZAP authenticator's configuration: `ZMQ_AUTH_ALLOW` and `ZMQ_AUTH_DENY` (comma-separated addresses),
 * `ZMQ_AUTH_PLAIN` (`user=password,…`; the passwords are read as `Redacted`), `ZMQ_AUTH_CURVE` (`any`, or
 * comma-separated Z85 public keys) and `ZMQ_AUTH_DOMAIN`.
 *
 * @example
 * ```ts
 * import { ConfigProvider, Effect, Redacted } from "effect"
 * import { ZmqConfig } from "@effect-zmq/zmq"
 *
 * const config = Effect.runSync(ZmqConfig.auth.parse(ConfigProvider.fromEnv({ env: { ZMQ_AUTH_PLAIN: "admin=secret" } })))
 * const password = config.plain?.["admin"] // a Redacted: printed as <redacted>
 * ```
 *
 * @since 0.1.0
 * @category auth
 */
export const auth: Config.Config<AuthConfig> = Config.all({
  allow: optional(Config.Array(Schema.String, "ZMQ_AUTH_ALLOW")),
  deny: optional(Config.Array(Schema.String, "ZMQ_AUTH_DENY")),
  plain: optional(Config.Record(Schema.String, Schema.Redacted(Schema.String), "ZMQ_AUTH_PLAIN")),
  curve: optional(
    Config.map(Config.String("ZMQ_AUTH_CURVE"), (value): ReadonlyArray<string> | "any" =>
      value.trim() === "any" ? "any" : value.split(",").map((key) => key.trim()).filter((key) => key.length > 0))
  ),
  domain: optional(Config.String("ZMQ_AUTH_DOMAIN"))
})

/**
 * The telemetry defaults: `ZMQ_TELEMETRY` (on unless `false`), `ZMQ_TELEMETRY_OPERATION_SPANS`,
 * `ZMQ_TELEMETRY_MESSAGE_SPANS`, `ZMQ_TELEMETRY_METRICS`, `ZMQ_TELEMETRY_MONITOR`, `ZMQ_TELEMETRY_PROPAGATION`
 * (booleans: `true`/`false`, `1`/`0`, `yes`/`no`, `on`/`off`).
 *
 * @example
 * ```ts
 * import { ConfigProvider, Effect } from "effect"
 * import { ZmqConfig } from "@effect-zmq/zmq"
 *
 * const options = ZmqConfig.telemetry.parse(ConfigProvider.fromEnv({ env: { ZMQ_TELEMETRY_MESSAGE_SPANS: "on" } }))
 * Effect.runSync(options).messageSpans // true
 * ```
 *
 * @since 0.1.0
 * @category telemetry
 */
export const telemetry: Config.Config<TelemetryOptions> = Config.all({
  enabled: Config.withDefault(Config.Boolean("ZMQ_TELEMETRY"), true),
  operationSpans: optional(Config.Boolean("ZMQ_TELEMETRY_OPERATION_SPANS")),
  messageSpans: optional(Config.Boolean("ZMQ_TELEMETRY_MESSAGE_SPANS")),
  metrics: optional(Config.Boolean("ZMQ_TELEMETRY_METRICS")),
  monitor: optional(Config.Boolean("ZMQ_TELEMETRY_MONITOR")),
  propagation: optional(Config.Boolean("ZMQ_TELEMETRY_PROPAGATION"))
})
