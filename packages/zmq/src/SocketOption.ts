/**
 * The socket options, from one typed table: each libzmq name (without `ZMQ_`) maps to its libzmq id, its value
 * type and whether it can be read and/or written. `getOption`/`setOption` are typed from this table.
 *
 * A few options are effect-zmq's own rather than zeromq.js's: `RCVMORE` (whether the last frame `recv` returned has
 * more after it: zeromq.js only ever receives whole messages), `RCVTIMEO`/`SNDTIMEO` (honoured by the green wait:
 * a wait longer than the timeout fails with `EAGAIN`; the binding's own timeouts stay 0, which is what makes every
 * attempt non-blocking) and `EVENTS` (reading it also wakes waiting fibers).
 *
 * @since 0.1.0
 */
import type * as Redacted from "effect/Redacted"

/**
 * How an option's value is represented: numbers for the integer kinds, `boolean` for flags, `string` for text,
 * `bytes` for binary values that may also be given as text (e.g. `SUBSCRIBE`, `ROUTING_ID`).
 *
 * @example
 * ```ts
 * import type { SocketOption } from "@effect-zmq/zmq"
 *
 * const kind: SocketOption.ValueKind = "int32"
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type ValueKind = "int32" | "uint32" | "int64" | "uint64" | "boolean" | "string" | "bytes"

/**
 * One row of the table.
 *
 * @example
 * ```ts
 * import { SocketOption } from "@effect-zmq/zmq"
 *
 * const linger: SocketOption.OptionSpec = SocketOption.options.LINGER
 * linger.id // 17
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface OptionSpec {
  readonly id: number
  readonly kind: ValueKind
  readonly access: "r" | "w" | "rw"
  /** Implemented by effect-zmq itself rather than passed to the binding. */
  readonly emulated?: boolean
}

const rw = <K extends ValueKind>(id: number, kind: K) => ({ id, kind, access: "rw" as const })
const r = <K extends ValueKind>(id: number, kind: K) => ({ id, kind, access: "r" as const })
const w = <K extends ValueKind>(id: number, kind: K) => ({ id, kind, access: "w" as const })

/**
 * The table: every socket option zeromq.js 6 exposes, plus `SUBSCRIBE`/`UNSUBSCRIBE`, `EVENTS`, `FD`, `RCVMORE`,
 * `XPUB_VERBOSE`, `ROUTER_RAW`, `CONNECT_ROUTING_ID`, `XPUB_VERBOSER` and `USE_FD`, which libzmq has and zeromq.js
 * reaches through its raw option calls. The `GSSAPI_*` options fail `EINVAL` where libzmq was built without GSSAPI
 * (`ZmqContext.capability.gssapi`).
 *
 * @example
 * ```ts
 * import { SocketOption } from "@effect-zmq/zmq"
 *
 * Object.keys(SocketOption.options).includes("SNDHWM") // true
 * ```
 *
 * @since 0.1.0
 * @category constants
 */
export const options = {
  AFFINITY: rw(4, "uint64"),
  ROUTING_ID: rw(5, "bytes"),
  SUBSCRIBE: w(6, "bytes"),
  UNSUBSCRIBE: w(7, "bytes"),
  RATE: rw(8, "int32"),
  RECOVERY_IVL: rw(9, "int32"),
  SNDBUF: rw(11, "int32"),
  RCVBUF: rw(12, "int32"),
  RCVMORE: { ...r(13, "boolean"), emulated: true },
  FD: r(14, "int32"),
  EVENTS: { ...r(15, "int32"), emulated: true },
  TYPE: r(16, "int32"),
  LINGER: rw(17, "int32"),
  RECONNECT_IVL: rw(18, "int32"),
  BACKLOG: rw(19, "int32"),
  RECONNECT_IVL_MAX: rw(21, "int32"),
  MAXMSGSIZE: rw(22, "int64"),
  SNDHWM: rw(23, "int32"),
  RCVHWM: rw(24, "int32"),
  MULTICAST_HOPS: rw(25, "int32"),
  RCVTIMEO: { ...rw(27, "int32"), emulated: true },
  SNDTIMEO: { ...rw(28, "int32"), emulated: true },
  LAST_ENDPOINT: r(32, "string"),
  ROUTER_MANDATORY: w(33, "boolean"),
  TCP_KEEPALIVE: rw(34, "int32"),
  TCP_KEEPALIVE_CNT: rw(35, "int32"),
  TCP_KEEPALIVE_IDLE: rw(36, "int32"),
  TCP_KEEPALIVE_INTVL: rw(37, "int32"),
  TCP_ACCEPT_FILTER: w(38, "string"),
  IMMEDIATE: rw(39, "boolean"),
  XPUB_VERBOSE: w(40, "boolean"),
  ROUTER_RAW: w(41, "boolean"),
  IPV6: rw(42, "boolean"),
  MECHANISM: r(43, "int32"),
  PLAIN_SERVER: rw(44, "boolean"),
  PLAIN_USERNAME: rw(45, "string"),
  PLAIN_PASSWORD: rw(46, "string"),
  CURVE_SERVER: rw(47, "boolean"),
  CURVE_PUBLICKEY: rw(48, "string"),
  CURVE_SECRETKEY: rw(49, "string"),
  CURVE_SERVERKEY: rw(50, "string"),
  PROBE_ROUTER: w(51, "boolean"),
  REQ_CORRELATE: w(52, "boolean"),
  REQ_RELAXED: w(53, "boolean"),
  CONFLATE: w(54, "boolean"),
  ZAP_DOMAIN: rw(55, "string"),
  ROUTER_HANDOVER: w(56, "boolean"),
  TOS: rw(57, "uint32"),
  CONNECT_ROUTING_ID: w(61, "bytes"),
  GSSAPI_SERVER: rw(62, "boolean"),
  GSSAPI_PRINCIPAL: rw(63, "string"),
  GSSAPI_SERVICE_PRINCIPAL: rw(64, "string"),
  GSSAPI_PLAINTEXT: rw(65, "boolean"),
  HANDSHAKE_IVL: rw(66, "int32"),
  SOCKS_PROXY: rw(68, "string"),
  XPUB_NODROP: w(69, "boolean"),
  XPUB_MANUAL: w(71, "boolean"),
  XPUB_WELCOME_MSG: w(72, "bytes"),
  STREAM_NOTIFY: w(73, "boolean"),
  INVERT_MATCHING: rw(74, "boolean"),
  HEARTBEAT_IVL: rw(75, "int32"),
  HEARTBEAT_TTL: rw(76, "int32"),
  HEARTBEAT_TIMEOUT: rw(77, "int32"),
  XPUB_VERBOSER: w(78, "boolean"),
  CONNECT_TIMEOUT: rw(79, "int32"),
  TCP_MAXRT: rw(80, "int32"),
  THREAD_SAFE: r(81, "boolean"),
  MULTICAST_MAXTPDU: rw(84, "int32"),
  VMCI_BUFFER_SIZE: rw(85, "uint64"),
  VMCI_BUFFER_MIN_SIZE: rw(86, "uint64"),
  VMCI_BUFFER_MAX_SIZE: rw(87, "uint64"),
  VMCI_CONNECT_TIMEOUT: rw(88, "int32"),
  USE_FD: rw(89, "int32"),
  GSSAPI_PRINCIPAL_NAMETYPE: rw(90, "int32"),
  GSSAPI_SERVICE_PRINCIPAL_NAMETYPE: rw(91, "int32"),
  BINDTODEVICE: rw(92, "string"),
  ZAP_ENFORCE_DOMAIN: rw(93, "boolean"),
  LOOPBACK_FASTPATH: rw(94, "boolean")
} as const satisfies Record<string, OptionSpec>

/**
 * Every option name.
 *
 * @example
 * ```ts
 * import type { SocketOption } from "@effect-zmq/zmq"
 *
 * const name: SocketOption.Name = "LINGER"
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type Name = keyof typeof options

/**
 * The names of options that can be read.
 *
 * @example
 * ```ts
 * import type { SocketOption } from "@effect-zmq/zmq"
 *
 * const name: SocketOption.Readable = "EVENTS"
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type Readable = { [K in Name]: (typeof options)[K]["access"] extends "r" | "rw" ? K : never }[Name]

/**
 * The names of options that can be written.
 *
 * @example
 * ```ts
 * import type { SocketOption } from "@effect-zmq/zmq"
 *
 * const name: SocketOption.Writable = "SUBSCRIBE"
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type Writable = { [K in Name]: (typeof options)[K]["access"] extends "w" | "rw" ? K : never }[Name]

type ValueOfKind<K extends ValueKind> = K extends "boolean" ? boolean
  : K extends "string" ? string | null
  : K extends "bytes" ? string | null
  : number

type InputOfKind<K extends ValueKind> = K extends "boolean" ? boolean
  : K extends "string" ? string | null
  : K extends "bytes" ? string | Uint8Array | null
  : number

/**
 * The type `getOption(name)` succeeds with.
 *
 * @example
 * ```ts
 * import type { SocketOption } from "@effect-zmq/zmq"
 *
 * const linger: SocketOption.Value<"LINGER"> = 0
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type Value<N extends Name> = ValueOfKind<(typeof options)[N]["kind"]>

/**
 * The type `setOption(name, value)` accepts (a {@link Secret} option also takes a `Redacted<string>`).
 *
 * @example
 * ```ts
 * import type { SocketOption } from "@effect-zmq/zmq"
 *
 * const topic: SocketOption.Input<"SUBSCRIBE"> = new Uint8Array([1])
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type Input<N extends Name> = N extends Secret ? InputOfKind<(typeof options)[N]["kind"]> | Redacted.Redacted<string>
  : InputOfKind<(typeof options)[N]["kind"]>

/**
 * The options whose value is a secret (the CURVE secret key, the PLAIN password): `setOption` and `make` accept a
 * `Redacted<string>` for them as well as a string, and unwrap it only to hand it to libzmq.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import type { SocketOption } from "@effect-zmq/zmq"
 *
 * const name: SocketOption.Secret = "PLAIN_PASSWORD"
 * const password: SocketOption.Input<typeof name> = Redacted.make("secret")
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type Secret = "CURVE_SECRETKEY" | "PLAIN_PASSWORD"

/**
 * Initial options for `ZmqSocket.make`, by name.
 *
 * @example
 * ```ts
 * import type { SocketOption } from "@effect-zmq/zmq"
 *
 * const init: SocketOption.Init = { LINGER: 0, SNDHWM: 100 }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type Init = { readonly [N in Writable]?: Input<N> }

/**
 * Whether a string is an option name.
 *
 * @example
 * ```ts
 * import { SocketOption } from "@effect-zmq/zmq"
 *
 * SocketOption.isName("LINGER") // true
 * SocketOption.isName("linger") // false
 * ```
 *
 * @since 0.1.0
 * @category guards
 */
export const isName = (u: unknown): u is Name => typeof u === "string" && Object.hasOwn(options, u)
