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

/** macOS and the BSDs number these differently from Linux (libzmq's own codes are the same everywhere). */
const bsdErrno: Partial<Record<ZMQErrorCode, number>> = {
  EAGAIN: 35,
  EINPROGRESS: 36,
  ENOTSOCK: 38,
  EMSGSIZE: 40,
  EPROTONOSUPPORT: 43,
  ENOTSUP: 45,
  EAFNOSUPPORT: 47,
  EADDRINUSE: 48,
  EADDRNOTAVAIL: 49,
  ENETDOWN: 50,
  ENETUNREACH: 51,
  ECONNABORTED: 53,
  ECONNRESET: 54,
  ENOBUFS: 55,
  ENOTCONN: 57,
  ETIMEDOUT: 60,
  ECONNREFUSED: 61,
  EHOSTUNREACH: 65
}

const platform: unknown = (globalThis as { readonly process?: { readonly platform?: unknown } }).process?.platform
const isBsd = platform === "darwin" || platform === "freebsd" || platform === "openbsd"

/** The errno of a code on this platform, for errors effect-zmq raises itself (bad input, timeouts, closed sockets). */
const platformErrno = (code: ZMQErrorCode): number => (isBsd ? bsdErrno[code] : undefined) ?? errnoOf[code]

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
  static make(code: ZMQErrorCode, operation: string, message?: string, cause?: unknown, errno?: number): ZMQError {
    return new ZMQError({
      code,
      errno: errno ?? platformErrno(code),
      message: message ?? defaultMessages[code] ?? code,
      operation,
      ...(cause === undefined ? {} : { cause })
    })
  }

  /**
   * Makes an error from an errno a binding reported, with the binding's code and `zmq_strerror` text for it (so the
   * number is this platform's: macOS's `EAGAIN` is 35, Linux's 11).
   *
   * @example
   * ```ts
   * import { ZMQError } from "@effect-zmq/core"
   *
   * const binding = { codeOf: () => "EAGAIN" as const, strerror: () => "Resource temporarily unavailable" }
   * const error = ZMQError.fromErrno(11, "recv", binding)
   * error.code // "EAGAIN"
   * ```
   *
   * @since 0.1.0
   */
  static fromErrno(
    errno: number,
    operation: string,
    binding: { readonly codeOf: (errno: number) => ZMQErrorCode; readonly strerror: (errno: number) => string }
  ): ZMQError {
    return new ZMQError({ code: binding.codeOf(errno), errno, message: binding.strerror(errno), operation })
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
    const errno = rawErrno !== undefined && rawCode !== "EBADF" && code !== "ETERM" ? rawErrno : platformErrno(code)
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
