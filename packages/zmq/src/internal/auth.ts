import { ZMQError } from "@effect-zmq/core/ZMQError"
import * as Config from "effect/Config"
import * as Effect from "effect/Effect"
import * as Metric from "effect/Metric"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import type { AuthConfig, AuthDecision, AuthRequest, AuthStats } from "../ZmqAuth.ts"
import { ZmqContext } from "../ZmqContext.ts"
import * as ZmqSocket from "../ZmqSocket.ts"
import { SYSTEM, zapDecisionSeries } from "./meter.ts"

export const unwrapConfig = (config: Config.Wrap<AuthConfig>) => Config.unwrap(config)

/** A PLAIN password as configured: a string or a `Redacted` string. */
const passwordOf = (password: unknown): string | undefined =>
  typeof password === "string" ? password : Redacted.isRedacted(password) ? String(Redacted.value(password)) : undefined

/** Where libzmq sends ZAP requests: a REP (or ROUTER) socket bound here in the same context. */
export const ZAP_ENDPOINT = "inproc://zeromq.zap.01"

const encoder = new TextEncoder()
const decoder = new TextDecoder()

const Z85_CHARS = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#"

/** Z85 (ZeroMQ RFC 32) text of bytes whose length is a multiple of 4: how CURVE keys are written. */
export const z85Encode = (bytes: Uint8Array): string => {
  let out = ""
  for (let i = 0; i + 4 <= bytes.length; i += 4) {
    let value = ((bytes[i] << 24) >>> 0) + (bytes[i + 1] << 16) + (bytes[i + 2] << 8) + bytes[i + 3]
    const chunk = new Array<string>(5)
    for (let j = 4; j >= 0; j--) {
      chunk[j] = Z85_CHARS[value % 85]
      value = Math.floor(value / 85)
    }
    out += chunk.join("")
  }
  return out
}

const validateList = (name: string, value: unknown): ZMQError | undefined =>
  value === undefined ||
    (Array.isArray(value) && value.every((entry) => typeof entry === "string"))
    ? undefined
    : ZMQError.make("EINVAL", "ZmqAuth", `${name} must be an array of strings`)

/** Checks a configuration; a bad one is refused with EINVAL and nothing changes. */
export const validate = (config: unknown): ZMQError | undefined => {
  if (config === null || typeof config !== "object") {
    return ZMQError.make("EINVAL", "ZmqAuth", "the configuration must be an object")
  }
  const c = config as Record<string, unknown>
  const bad = validateList("allow", c.allow) ?? validateList("deny", c.deny) ??
    (c.curve === undefined || c.curve === "any" ? undefined : validateList("curve", c.curve))
  if (bad) return bad
  if (c.domain !== undefined && typeof c.domain !== "string") {
    return ZMQError.make("EINVAL", "ZmqAuth", "domain must be a string")
  }
  if (c.plain !== undefined) {
    if (c.plain === null || typeof c.plain !== "object" || Array.isArray(c.plain)) {
      return ZMQError.make("EINVAL", "ZmqAuth", "plain must be an object of username: password")
    }
    for (const password of Object.values(c.plain)) {
      if (typeof password !== "string" && !(Redacted.isRedacted(password) && typeof Redacted.value(password) === "string")) {
        return ZMQError.make("EINVAL", "ZmqAuth", "plain passwords must be strings or Redacted strings")
      }
    }
  }
  return undefined
}

/**
 * The decision for one request (the czmq `zauth` rules): a denied address is refused; with an allow list, only its
 * addresses pass the address check; then NULL passes, PLAIN needs a known user with the right password, CURVE a
 * known public key (or `curve: "any"`). A `domain` in the configuration limits it to requests of that domain:
 * requests of other domains are refused.
 */
export const decide = (config: AuthConfig, request: AuthRequest): AuthDecision => {
  const deny = (reason: string): AuthDecision => ({ allowed: false, status: "400", reason, userId: "" })
  if (config.domain !== undefined && request.domain !== config.domain) return deny(`unknown domain ${request.domain}`)
  if (config.allow !== undefined && config.allow.length > 0) {
    if (!config.allow.includes(request.address)) return deny(`address ${request.address} is not allowed`)
  } else if (config.deny?.includes(request.address)) {
    return deny(`address ${request.address} is denied`)
  }
  switch (request.mechanism) {
    case "NULL":
      return { allowed: true, status: "200", reason: "OK", userId: "" }
    case "PLAIN": {
      const users = config.plain
      if (users === undefined) return deny("PLAIN is not configured")
      const username = request.username ?? ""
      if (
        Object.hasOwn(users, username) && request.password !== undefined &&
        passwordOf(users[username]) === request.password
      ) {
        return { allowed: true, status: "200", reason: "OK", userId: username }
      }
      return deny("invalid username or password")
    }
    case "CURVE": {
      if (config.curve === "any") return { allowed: true, status: "200", reason: "OK", userId: request.publicKey ?? "" }
      if (config.curve === undefined) return deny("CURVE is not configured")
      if (request.publicKey !== undefined && config.curve.includes(request.publicKey)) {
        return { allowed: true, status: "200", reason: "OK", userId: request.publicKey }
      }
      return deny("unknown public key")
    }
    default:
      return deny(`mechanism ${request.mechanism} is not supported`)
  }
}

/** Parses the frames of a ZAP 1.0 request; `undefined` for anything malformed. */
export const parseRequest = (frames: ReadonlyArray<Uint8Array>): AuthRequest | undefined => {
  if (frames.length < 6) return undefined
  const [version, requestId, domain, address, identity, mechanism, ...credentials] = frames
  const text = (bytes: Uint8Array) => decoder.decode(bytes)
  const base = {
    version: text(version),
    requestId,
    domain: text(domain),
    address: text(address),
    identity,
    mechanism: text(mechanism)
  }
  switch (base.mechanism) {
    case "PLAIN":
      if (credentials.length !== 2) return undefined
      return { ...base, username: text(credentials[0]), password: text(credentials[1]) }
    case "CURVE":
      if (credentials.length !== 1 || credentials[0].length !== 32) return undefined
      return { ...base, publicKey: z85Encode(credentials[0]) }
    default:
      return base
  }
}

/** The reply frames of ZAP 1.0 (metadata empty). */
export const replyFrames = (requestId: Uint8Array, decision: AuthDecision): ReadonlyArray<Uint8Array> => [
  encoder.encode("1.0"),
  requestId,
  encoder.encode(decision.status),
  encoder.encode(decision.reason),
  encoder.encode(decision.userId),
  new Uint8Array(0)
]

export interface Handler {
  readonly current: () => AuthConfig
  readonly set: (config: AuthConfig) => void
  readonly stats: () => AuthStats
}

/**
 * Binds the ZAP socket and serves it in a fiber of the scope: every request gets a reply in the same step that
 * decided it (REP lock-step), so an interrupted handler never leaves libzmq waiting for a reply it owes.
 */
export const make = (
  initial: AuthConfig
): Effect.Effect<Handler, ZMQError, ZmqContext | Scope.Scope> =>
  Effect.gen(function*() {
    const invalid = validate(initial)
    if (invalid) return yield* Effect.fail(invalid)
    yield* ZmqContext
    let config = initial
    let accepted = 0
    let denied = 0
    const zap = yield* ZmqSocket.make("REP", { LINGER: 0, bind: ZAP_ENDPOINT, telemetry: false })
    yield* Effect.forkScoped(
      Effect.forever(
        // a taken request is always answered (REP lock-step): only the wait for the next one is interruptible
        Effect.uninterruptibleMask((restore) => restore(zap.recvMultipart()).pipe(Effect.flatMap(serveFrames)))
      ).pipe(
        // the socket closes with the layer (or its context): that ends the handler
        Effect.catchTag("ZMQError", (error) => error.code === "ENOTSOCK" ? Effect.void : Effect.logError("ZAP handler failed", error))
      )
    )
    function serveFrames(frames: ReadonlyArray<Uint8Array>) {
      return Effect.gen(function*() {
        const request = parseRequest(frames)
        const decision: AuthDecision = request === undefined
          ? { allowed: false, status: "500", reason: "malformed ZAP request", userId: "" }
          : request.version !== "1.0"
          ? { allowed: false, status: "500", reason: `unsupported ZAP version ${request.version}`, userId: "" }
          : decide(config, request)
        if (decision.allowed) accepted++
        else denied++
        const mechanism = request?.mechanism ?? "unknown"
        yield* Metric.update(
          zapDecisionSeries({
            "messaging.system": SYSTEM,
            "zmq.zap.mechanism": mechanism,
            "zmq.zap.status": decision.status,
            "zmq.zap.result": decision.allowed ? "allowed" : "denied"
          }),
          1
        )
        yield* Effect.annotateCurrentSpan({
          "zmq.zap.mechanism": mechanism,
          "zmq.zap.domain": request?.domain ?? "",
          "zmq.zap.status": decision.status,
          "zmq.zap.result": decision.allowed ? "allowed" : "denied",
          "network.peer.address": request?.address ?? ""
        })
        yield* Effect.logDebug("ZAP decision", {
          address: request?.address,
          mechanism: request?.mechanism,
          status: decision.status,
          reason: decision.reason
        })
        yield* zap.sendMultipart(replyFrames(frames[1] ?? new Uint8Array(0), decision))
      }).pipe(Effect.withSpan("ZmqAuth.decide", {
        kind: "server",
        attributes: { "messaging.system": SYSTEM }
      }, { captureStackTrace: false }))
    }
    return {
      current: () => config,
      set: (next) => {
        config = next
      },
      stats: () => ({ accepted, denied })
    }
  })
