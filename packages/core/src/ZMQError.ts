/**
 * The one error type of effect-zmq: a tagged error carrying the ZeroMQ errno code as a literal union.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import * as Predicate from "effect/Predicate"

/**
 * The errno codes effect-zmq reports. `UNKNOWN` stands for anything the binding reported without a known code.
 *
 * @example
 * ```ts
 * import type { ZMQErrorCode } from "@effect-zmq/core/ZMQError"
 *
 * const retryable = (code: ZMQErrorCode) => code === "EAGAIN" || code === "EINTR"
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type ZMQErrorCode =
  | "EAGAIN"
  | "EFSM"
  | "ETERM"
  | "ENOTSOCK"
  | "EINVAL"
  | "EADDRINUSE"
  | "EADDRNOTAVAIL"
  | "EPROTONOSUPPORT"
  | "ENOTSUP"
  | "EHOSTUNREACH"
  | "EMTHREAD"
  | "ENOCOMPATPROTO"
  | "ENODEV"
  | "EMFILE"
  | "EINTR"
  | "ENOBUFS"
  | "ENETDOWN"
  | "ENETUNREACH"
  | "ECONNREFUSED"
  | "ECONNABORTED"
  | "ECONNRESET"
  | "ENOTCONN"
  | "ETIMEDOUT"
  | "EINPROGRESS"
  | "EMSGSIZE"
  | "EAFNOSUPPORT"
  | "ENOENT"
  | "EACCES"
  | "EPERM"
  | "ENOMEM"
  | "EFAULT"
  | "EBUSY"
  | "UNKNOWN"

const ZMQ_HAUSNUMERO = 156384712

/**
 * The errno number of each code, as libzmq reports it on Linux (libzmq's own codes are `ZMQ_HAUSNUMERO` based and
 * the same everywhere). Used when the failing layer reported a code but no number.
 *
 * @example
 * ```ts
 * import { errnoOf } from "@effect-zmq/core/ZMQError"
 *
 * errnoOf.EFSM // 156384763
 * ```
 *
 * @since 0.1.0
 * @category constants
 */
export const errnoOf: { readonly [K in ZMQErrorCode]: number } = {
  EPERM: 1,
  ENOENT: 2,
  EINTR: 4,
  EAGAIN: 11,
  ENOMEM: 12,
  EACCES: 13,
  EFAULT: 14,
  EBUSY: 16,
  ENODEV: 19,
  EINVAL: 22,
  EMFILE: 24,
  ENOTSOCK: 88,
  EMSGSIZE: 90,
  EPROTONOSUPPORT: 93,
  ENOTSUP: 95,
  EAFNOSUPPORT: 97,
  EADDRINUSE: 98,
  EADDRNOTAVAIL: 99,
  ENETDOWN: 100,
  ENETUNREACH: 101,
  ECONNABORTED: 103,
  ECONNRESET: 104,
  ENOBUFS: 105,
  ENOTCONN: 107,
  ETIMEDOUT: 110,
  ECONNREFUSED: 111,
  EHOSTUNREACH: 113,
  EINPROGRESS: 115,
  EFSM: ZMQ_HAUSNUMERO + 51,
  ENOCOMPATPROTO: ZMQ_HAUSNUMERO + 52,
  ETERM: ZMQ_HAUSNUMERO + 53,
  EMTHREAD: ZMQ_HAUSNUMERO + 54,
  UNKNOWN: -1
}

const knownCodes: ReadonlySet<string> = new Set(Object.keys(errnoOf))
const codeByErrno: ReadonlyMap<number, ZMQErrorCode> = new Map(
  (Object.entries(errnoOf) as Array<[ZMQErrorCode, number]>).map(([code, errno]) => [errno, code])
)

/**
 * Whether a string is one of the codes of {@link ZMQErrorCode}.
 *
 * @example
 * ```ts
 * import { isZMQErrorCode } from "@effect-zmq/core/ZMQError"
 *
 * isZMQErrorCode("EFSM") // true
 * ```
 *
 * @since 0.1.0
 * @category guards
 */
export const isZMQErrorCode = (code: unknown): code is ZMQErrorCode =>
  typeof code === "string" && knownCodes.has(code)

/**
 * A failed ZeroMQ operation. `code` is the errno code, `errno` its number, `operation` what was being done
 * (`"send"`, `"recv"`, `"bind"`, `"setOption(LINGER)"`, …).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { ZMQError } from "@effect-zmq/core"
 *
 * const program = Effect.fail(ZMQError.make("EAGAIN", "recv")).pipe(
 *   Effect.catchTag("ZMQError", (error) => Effect.succeed(error.code))
 * )
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class ZMQError extends Data.TaggedError("ZMQError")<{
  readonly code: ZMQErrorCode
  readonly errno: number
  readonly message: string
  readonly operation: string
  readonly cause?: unknown
}> {
  /**
   * Makes an error from a code, with the code's errno and a default message.
   *
   * @example
   * ```ts
   * import { ZMQError } from "@effect-zmq/core"
   *
   * const error = ZMQError.make("EINVAL", "send", "data must be a Uint8Array")
   * ```
   *
   * @since 0.1.0
   */
  static make(code: ZMQErrorCode, operation: string, message?: string, cause?: unknown): ZMQError {
    return new ZMQError({
      code,
      errno: errnoOf[code],
      message: message ?? defaultMessages[code] ?? code,
      operation,
      ...(cause === undefined ? {} : { cause })
    })
  }

  /**
   * Maps anything a binding threw or rejected with to a `ZMQError`: an error with a `code` string and/or an
   * `errno` number keeps them (zeromq.js's `EBADF` "Socket is closed" becomes `ENOTSOCK`, `EFAULT` "Context is
   * closed" becomes `ETERM`); a `TypeError` or `RangeError` (bad argument) becomes `EINVAL`; anything else
   * `UNKNOWN`.
   *
   * @example
   * ```ts
   * import { ZMQError } from "@effect-zmq/core"
   *
   * const error = ZMQError.fromUnknown(Object.assign(new Error("Socket is closed"), { code: "EBADF", errno: 9 }), "send")
   * error.code // "ENOTSOCK"
   * ```
   *
   * @since 0.1.0
   */
  static fromUnknown(error: unknown, operation: string): ZMQError {
    if (error instanceof ZMQError) return error
    const message = Predicate.hasProperty(error, "message") && typeof error.message === "string"
      ? error.message
      : String(error)
    const rawCode = Predicate.hasProperty(error, "code") ? error.code : undefined
    const rawErrno = Predicate.hasProperty(error, "errno") && typeof error.errno === "number" ? error.errno : undefined
    let code: ZMQErrorCode | undefined = isZMQErrorCode(rawCode) ? rawCode : undefined
    if (rawCode === "EBADF") code = "ENOTSOCK"
    if (code === "EFAULT" && /context/i.test(message)) code = "ETERM"
    if (code === undefined && rawErrno !== undefined) code = codeByErrno.get(rawErrno)
    if (code === undefined && (error instanceof TypeError || error instanceof RangeError)) code = "EINVAL"
    code ??= "UNKNOWN"
    const errno = rawErrno !== undefined && rawCode !== "EBADF" && code !== "ETERM" ? rawErrno : errnoOf[code]
    return new ZMQError({ code, errno, message, operation, cause: error })
  }
}

const defaultMessages: Partial<Record<ZMQErrorCode, string>> = {
  EAGAIN: "Resource temporarily unavailable",
  EFSM: "Operation cannot be accomplished in current state",
  ETERM: "Context was terminated",
  ENOTSOCK: "Socket is closed",
  EINVAL: "Invalid argument",
  ENOTSUP: "Operation not supported",
  EINTR: "Interrupted system call"
}

/**
 * Whether a value is a {@link ZMQError}, optionally with a given code.
 *
 * @example
 * ```ts
 * import { ZMQError, isZMQError } from "@effect-zmq/core/ZMQError"
 *
 * isZMQError(ZMQError.make("EAGAIN", "recv"), "EAGAIN") // true
 * ```
 *
 * @since 0.1.0
 * @category guards
 */
export const isZMQError = (u: unknown, code?: ZMQErrorCode): u is ZMQError =>
  u instanceof ZMQError && (code === undefined || u.code === code)
