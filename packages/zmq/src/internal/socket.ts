import type * as Binding from "@effect-zmq/core/Binding"
import { isErrno } from "@effect-zmq/core/Binding"
import * as Flags from "@effect-zmq/core/Flags"
import * as Frame from "@effect-zmq/core/Frame"
import * as Green from "@effect-zmq/core/Green"
import * as MessageTracker from "@effect-zmq/core/MessageTracker"
import { Readiness } from "@effect-zmq/core/Readiness"
import { ZMQError } from "@effect-zmq/core/ZMQError"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Schedule from "effect/Schedule"
import * as Scope from "effect/Scope"
import * as SocketOption from "../SocketOption.ts"
import { ZmqContext } from "../ZmqContext.ts"
import { waitObserver } from "./meter.ts"
import { unwrapSecret } from "./secret.ts"
import type { MakeOptions, RecvOptions, SendOptions, SocketType, ZmqSocket } from "../ZmqSocket.ts"

/** What each socket type is: libzmq's number, whether it sends and receives, and whether it is a draft type. */
interface TypeSpec {
  readonly id: number
  readonly send: boolean
  readonly recv: boolean
  readonly draft: boolean
}

const spec = (id: number, send: boolean, recv: boolean, draft = false): TypeSpec => ({ id, send, recv, draft })

/** The one table of socket types; every list and special case below is derived from it. */
export const socketTypes = {
  PAIR: spec(0, true, true),
  PUB: spec(1, true, false),
  SUB: spec(2, false, true),
  REQ: spec(3, true, true),
  REP: spec(4, true, true),
  DEALER: spec(5, true, true),
  ROUTER: spec(6, true, true),
  PULL: spec(7, false, true),
  PUSH: spec(8, true, false),
  XPUB: spec(9, true, true),
  XSUB: spec(10, true, true),
  STREAM: spec(11, true, true),
  SERVER: spec(12, true, true, true),
  CLIENT: spec(13, true, true, true),
  RADIO: spec(14, true, false, true),
  DISH: spec(15, false, true, true),
  GATHER: spec(16, false, true, true),
  SCATTER: spec(17, true, false, true),
  DGRAM: spec(18, true, true, true)
} as const satisfies Record<SocketType, TypeSpec>

const typeNames = Object.keys(socketTypes) as ReadonlyArray<SocketType>

/** The socket types that can send, and those that can receive. */
export const canSend: ReadonlySet<SocketType> = new Set(typeNames.filter((type) => socketTypes[type].send))
export const canRecv: ReadonlySet<SocketType> = new Set(typeNames.filter((type) => socketTypes[type].recv))

const option = SocketOption.options
/** Frames at least this large are handed to libzmq without a copy when the caller says `copy: false`. */
const ZERO_COPY_THRESHOLD = 8192

const encoder = new TextEncoder()
const decoder = new TextDecoder()
const noop = () => {}

export const describe = (u: unknown): string =>
  u === null ? "null" : Array.isArray(u) ? "an array" : typeof u === "object" ? (u.constructor?.name ?? "an object") : typeof u

export const invalid = (operation: string, message: string) => ZMQError.make("EINVAL", operation, message)

/** An option name or socket type for a message: never `String(u)`, which throws for symbols and null-prototype objects. */
const nameOf = (u: unknown): string => typeof u === "string" ? u : describe(u)

/**
 * The bytes of one outgoing frame. The binding copies what it is given unless asked not to, so `copy` only matters
 * for frames staged with `SNDMORE`, which wait in JavaScript for the last frame of their message.
 */
export const outgoingBytes = (data: unknown, copy: boolean, operation: string, argument: string): Uint8Array | ZMQError => {
  const bytes = data instanceof Uint8Array ? data : Frame.isFrame(data) ? data.bytes : undefined
  if (bytes === undefined) {
    return invalid(
      operation,
      `${argument} must be a Uint8Array (a Buffer is one) or a Frame, got ${describe(data)}` +
        (typeof data === "string" ? ": use sendString for text" : "")
    )
  }
  return copy ? bytes.slice() : bytes
}

const validEndpoint = (endpoint: unknown, operation: string): ZMQError | undefined =>
  typeof endpoint === "string" && endpoint.length > 0
    ? undefined
    : invalid(operation, `endpoint must be a non-empty string, got ${describe(endpoint)}`)

const validRetry = (retry: unknown, operation: string): ZMQError | undefined =>
  retry === undefined || (typeof retry === "object" && retry !== null) || typeof retry === "function"
    ? undefined
    : invalid(operation, `retry must be a Schedule, got ${describe(retry)}`)

const toBytes = (frames: Green.RecvResult) => frames as ReadonlyArray<Uint8Array>
const toFrames = (result: Green.RecvResult) => {
  const frames = result as ReadonlyArray<Uint8Array>
  return frames.map((bytes, i) => Frame.make(bytes, { more: i < frames.length - 1 }))
}
const decodeText = (bytes: Green.RecvResult) => decoder.decode(bytes as Uint8Array)

export class SocketImpl implements ZmqSocket {
  readonly type: SocketType
  readonly binding: Binding.BindingShape
  readonly handle: Binding.SocketHandle
  readonly engine: Green.GreenSocket
  readonly context: ZmqContext["Service"]
  private readonly timeouts = { receive: -1, send: -1 }
  private retry: Schedule.Schedule<unknown, ZMQError> | undefined = undefined
  private stage: Array<Uint8Array> = []
  private stageRelease = false
  private isClosed = false
  private unregister: () => void = noop

  constructor(
    type: SocketType,
    binding: Binding.BindingShape,
    handle: Binding.SocketHandle,
    engine: Green.GreenSocket,
    context: ZmqContext["Service"]
  ) {
    this.type = type
    this.binding = binding
    this.handle = handle
    this.engine = engine
    this.context = context
    this.plainSends = canSend.has(type) && type !== "SERVER" && type !== "RADIO"
    this.recvBytes = canRecv.has(type)
      ? engine.recv("bytes", false) as Effect.Effect<Uint8Array, ZMQError>
      : Effect.fail(ZMQError.make("ENOTSUP", "recv", `${type} sockets cannot receive`))
  }

  setUnregister(unregister: () => void) {
    this.unregister = unregister
  }

  unregisterFn(): () => void {
    return this.unregister
  }

  /** The engine's options read these, so `setOption` takes effect for the next operation. */
  get receiveTimeout(): number {
    return this.timeouts.receive
  }
  get sendTimeout(): number {
    return this.timeouts.send
  }
  get retrySchedule(): Schedule.Schedule<unknown, ZMQError> | undefined {
    return this.retry
  }
  setRetry(retry: Schedule.Schedule<unknown, ZMQError> | undefined) {
    this.retry = retry
  }

  get closed(): boolean {
    return this.engine.closedError !== undefined
  }

  // ---------------------------------------------------------------------------------------------------------------
  // endpoints

  bind = (endpoint: string): Effect.Effect<void, ZMQError> =>
    this.endpoint(endpoint, "bind", this.binding.bind)

  unbind = (endpoint: string): Effect.Effect<void, ZMQError> =>
    this.endpoint(endpoint, "unbind", this.binding.unbind)

  connect = (endpoint: string): Effect.Effect<void, ZMQError> =>
    this.endpoint(endpoint, "connect", this.binding.connect)

  disconnect = (endpoint: string): Effect.Effect<void, ZMQError> =>
    this.endpoint(endpoint, "disconnect", this.binding.disconnect)

  get lastEndpoint(): Effect.Effect<string, ZMQError> {
    return Effect.suspend(() => {
      const closed = this.checkOpen("lastEndpoint")
      if (closed) return Effect.fail(closed)
      const value = this.binding.getOption(this.handle, option.LAST_ENDPOINT.id, "string")
      if (isErrno(value)) return Effect.fail(this.engine.errorOf(value.errno, "lastEndpoint"))
      return Effect.succeed(typeof value === "string" ? value : "")
    })
  }

  private endpoint(
    endpoint: string,
    operation: string,
    call: (socket: Binding.SocketHandle, endpoint: string) => number
  ): Effect.Effect<void, ZMQError> {
    return Effect.suspend(() => {
      const error = this.checkOpen(operation) ?? validEndpoint(endpoint, operation)
      if (error) return Effect.fail(error)
      const status = call(this.handle, endpoint)
      if (status !== 0) return Effect.fail(this.engine.errorOf(status, `${operation}(${endpoint})`))
      // a new pipe can attach without an fd edge: look at EVENTS
      this.engine.poke()
      return Effect.void
    })
  }

  // ---------------------------------------------------------------------------------------------------------------
  // sending

  send: ZmqSocket["send"] = ((data: Uint8Array | Frame.Frame, options?: SendOptions) =>
    // the common call (bytes, no options) on a socket that sends and routes nothing: one engine step, which also
    // takes the frames staged with SNDMORE when it runs
    options === undefined && data instanceof Uint8Array && this.plainSends
      ? this.engine.sendFrame(data, this.hasStaged, () => this.sendGeneral(data, undefined))
      : this.sendGeneral(data, options)) as ZmqSocket["send"]

  private sendGeneral(data: Uint8Array | Frame.Frame, options: SendOptions | undefined) {
    return Effect.suspend(() => {
      const error = this.checkDirection("send", canSend)
      if (error) return Effect.fail(error)
      const flags = options?.flags ?? 0
      if (typeof flags !== "number") return Effect.fail(invalid("send", `flags must be a number, got ${describe(flags)}`))
      const bad = validRetry(options?.retry, "send")
      if (bad) return Effect.fail(bad)
      const bytes = outgoingBytes(data, false, "send", "data")
      if (bytes instanceof ZMQError) return Effect.fail(bytes)
      return this.sendFrames([bytes], data, flags, options)
    }) as Effect.Effect<void, ZMQError>
  }

  sendMultipart: ZmqSocket["sendMultipart"] = ((frames: Iterable<Uint8Array | Frame.Frame>, options?: SendOptions) =>
    Effect.suspend(() => {
      const error = this.checkDirection("sendMultipart", canSend)
      if (error) return Effect.fail(error)
      if (frames === null || typeof frames !== "object" || !(Symbol.iterator in frames)) {
        return Effect.fail(invalid("sendMultipart", `frames must be an array of Uint8Array, got ${describe(frames)}`))
      }
      const flags = options?.flags ?? 0
      if (typeof flags !== "number") {
        return Effect.fail(invalid("sendMultipart", `flags must be a number, got ${describe(flags)}`))
      }
      const bad = validRetry(options?.retry, "sendMultipart")
      if (bad) return Effect.fail(bad)
      // iterated once: a generator is consumed here, and its first element routes SERVER/RADIO messages
      const parts: Array<Uint8Array> = []
      let first: unknown = undefined
      let index = 0
      for (const frame of frames) {
        if (index === 0) first = frame
        const bytes = outgoingBytes(frame, false, "sendMultipart", `frames[${index++}]`)
        if (bytes instanceof ZMQError) return Effect.fail(bytes)
        parts.push(bytes)
      }
      if (parts.length === 0) return Effect.fail(invalid("sendMultipart", "frames must hold at least one frame"))
      return this.sendFrames(parts, first, flags, options)
    })) as ZmqSocket["sendMultipart"]

  /** The one send pipeline: staging (`SNDMORE`), routing, zero-copy and tracking, then the engine. */
  private sendFrames(
    parts: Array<Uint8Array>,
    first: unknown,
    flags: number,
    options: SendOptions | undefined
  ): Effect.Effect<void | MessageTracker.MessageTracker, ZMQError> {
    const copy = options?.copy ?? true
    const track = options?.track === true && !copy
    const operation = parts.length === 1 && !Array.isArray(first) ? "send" : "sendMultipart"
    if (Flags.has(flags, Flags.SNDMORE)) {
      // staged frames wait here for the last one (with `copy`, the caller may change its buffer at once); staged in
      // a sync step, so an interrupt cannot land between staging and the caller
      return Effect.sync(() => {
        for (const bytes of parts) this.stage.push(copy ? bytes.slice() : bytes)
        if (!copy) this.stageRelease = true
        return track ? MessageTracker.completed : undefined
      })
    }
    const staged = this.stage.length
    const message = staged === 0 ? parts : [...this.stage, ...parts]
    const zeroCopy = (!copy || this.stageRelease) && message.some((bytes) => bytes.byteLength >= ZERO_COPY_THRESHOLD)
    const routing = this.routingOf(staged === 0 ? first : undefined, operation)
    if (routing instanceof ZMQError) return Effect.fail(routing)
    const noblock = Flags.has(flags, Flags.NOBLOCK)
    const retry = options?.retry
    // the staged frames belong to this message: they go with it when it is sent (in the step that sends it) and are
    // discarded with it when it is interrupted while waiting; a last frame that fails (EAGAIN with NOBLOCK, an error)
    // leaves them staged, as libzmq keeps the frames it took with SNDMORE, so sending it again completes the message
    const sent = () => {
      if (staged > 0) this.stage.splice(0, staged)
      if (this.stage.length === 0) this.stageRelease = false
    }
    const interrupted = staged > 0 ? sent : undefined
    if (!track) {
      const sendOptions = zeroCopy ? { ...routing, release: noop } : routing
      return this.engine.send(message, noblock, sendOptions, retry, sent, interrupted)
    }
    const released = Deferred.makeUnsafe<void>()
    const tracker: MessageTracker.MessageTracker = {
      done: Deferred.isDone(released),
      wait: Deferred.await(released)
    }
    const release = () => {
      Deferred.doneUnsafe(released, Exit.void)
    }
    return this.engine.send(message, noblock, { ...routing, release }, retry, () => {
      sent()
      return tracker
    }, interrupted)
  }

  /** SERVER and RADIO messages carry a routing id or a group: taken from the (first) Frame's properties. */
  private routingOf(data: unknown, operation: string): Binding.SendOptions | undefined | ZMQError {
    if (this.type !== "SERVER" && this.type !== "RADIO") return undefined
    const properties = Frame.isFrame(data) ? data.properties : {}
    if (this.type === "SERVER") {
      return typeof properties.routingId === "number"
        ? { routingId: properties.routingId }
        : invalid(operation, "a SERVER message must be a Frame with a numeric properties.routingId (reply with the received frame's properties)")
    }
    const group = properties.group
    return typeof group === "string" || group instanceof Uint8Array
      ? { group }
      : invalid(operation, "a RADIO message must be a Frame with properties.group (a string or bytes)")
  }

  sendString = (
    text: string,
    options?: { readonly flags?: number | undefined; readonly retry?: Schedule.Schedule<unknown, ZMQError> | undefined }
  ): Effect.Effect<void, ZMQError> =>
    Effect.suspend(() =>
      typeof text === "string"
        ? this.send(encoder.encode(text), { flags: options?.flags ?? 0, retry: options?.retry })
        : Effect.fail(invalid("sendString", `text must be a string, got ${describe(text)}`))
    )

  // ---------------------------------------------------------------------------------------------------------------
  // receiving

  // The Effects of the common calls are built once: a `recv()` allocates nothing before its attempt.
  private readonly recvBytes: Effect.Effect<Uint8Array, ZMQError>
  /** The type can send, and its messages carry no routing options (not SERVER/RADIO). */
  private readonly plainSends: boolean

  /** Frames staged with `SNDMORE` wait for the send that completes their message, which takes the general path. */
  private readonly hasStaged = (): boolean => this.stage.length > 0

  recv: ZmqSocket["recv"] = ((options?: RecvOptions) => {
    if (options === undefined || options === null) return this.recvBytes
    const error = this.checkDirection("recv", canRecv) ?? validRetry(options?.retry, "recv")
    if (error) return Effect.fail(error)
    return this.engine.recv(options?.copy === false ? "frame" : "bytes", Flags.has(options?.flags, Flags.NOBLOCK), options?.retry)
  }) as ZmqSocket["recv"]

  recvMultipart: ZmqSocket["recvMultipart"] = ((options?: RecvOptions): Effect.Effect<ReadonlyArray<Uint8Array | Frame.Frame>, ZMQError> => {
    const error = this.checkDirection("recvMultipart", canRecv) ?? validRetry(options?.retry, "recvMultipart")
    if (error) return Effect.fail(error)
    const noblock = Flags.has(options?.flags, Flags.NOBLOCK)
    return options?.copy === false
      ? this.engine.recv("message", noblock, options?.retry, toFrames)
      : this.engine.recv("message", noblock, options?.retry, toBytes)
  }) as ZmqSocket["recvMultipart"]

  recvString = (
    options?: { readonly flags?: number | undefined; readonly retry?: Schedule.Schedule<unknown, ZMQError> | undefined }
  ): Effect.Effect<string, ZMQError> => {
    const error = this.checkDirection("recvString", canRecv) ?? validRetry(options?.retry, "recvString")
    if (error) return Effect.fail(error)
    return this.engine.recv("bytes", Flags.has(options?.flags, Flags.NOBLOCK), options?.retry, decodeText)
  }

  // ---------------------------------------------------------------------------------------------------------------
  // options

  getOption: ZmqSocket["getOption"] = ((name: SocketOption.Readable) =>
    Effect.suspend(() => {
      const operation = `getOption(${nameOf(name)})`
      if (!SocketOption.isName(name)) return Effect.fail(invalid(operation, `unknown option ${nameOf(name)}`))
      const spec: SocketOption.OptionSpec = SocketOption.options[name]
      if (spec.access === "w") return Effect.fail(invalid(operation, `option ${name} can only be set`))
      const closed = this.checkOpen(operation)
      if (closed) return Effect.fail(closed)
      switch (spec.id) {
        case option.EVENTS.id:
          return this.engine.events(operation)
        case option.RCVMORE.id:
          return Effect.succeed(this.engine.rcvMore)
        case option.RCVTIMEO.id:
          return Effect.succeed(this.timeouts.receive)
        case option.SNDTIMEO.id:
          return Effect.succeed(this.timeouts.send)
      }
      const value = this.binding.getOption(this.handle, spec.id, spec.kind)
      if (isErrno(value)) return Effect.fail(this.engine.errorOf(value.errno, operation))
      // bytes options read back as text, as libzmq's string options do
      return Effect.succeed(value instanceof Uint8Array ? decoder.decode(value) : value)
    })) as ZmqSocket["getOption"]

  setOption: ZmqSocket["setOption"] = ((name: SocketOption.Writable, value: unknown) =>
    Effect.suspend(() => {
      const error = this.applyOption(name, value)
      return error ? Effect.fail(error) : Effect.void
    })) as ZmqSocket["setOption"]

  /** Validates and applies one option; returns the error instead of throwing, and changes nothing on error. */
  applyOption(name: unknown, given: unknown): ZMQError | undefined {
    // CURVE secret keys and PLAIN passwords may come as Redacted
    const value = unwrapSecret(name, given)
    const operation = `setOption(${nameOf(name)})`
    if (!SocketOption.isName(name)) return invalid(operation, `unknown option ${nameOf(name)}`)
    const spec: SocketOption.OptionSpec = SocketOption.options[name]
    if (spec.access === "r") return invalid(operation, `option ${name} is read-only`)
    const closed = this.checkOpen(operation)
    if (closed) return closed
    const bad = checkValue(spec, value)
    if (bad) return invalid(operation, `value of ${name} must be ${bad}, got ${describe(value)}`)
    if (spec.id === option.RCVTIMEO.id || spec.id === option.SNDTIMEO.id) {
      if ((value as number) < -1) return invalid(operation, `value of ${name} must be >= -1`)
      if (spec.id === option.RCVTIMEO.id) this.timeouts.receive = value as number
      else this.timeouts.send = value as number
      return undefined
    }
    const status = this.binding.setOption(this.handle, spec.id, spec.kind, toOptionValue(spec, value))
    if (status !== 0) return this.engine.errorOf(status, operation)
    // a subscription can make messages ready without an fd edge
    if (spec.id === option.SUBSCRIBE.id || spec.id === option.UNSUBSCRIBE.id) this.engine.poke()
    return undefined
  }

  subscribe = (prefix: string | Uint8Array = ""): Effect.Effect<void, ZMQError> =>
    this.subscription("SUBSCRIBE", prefix)

  unsubscribe = (prefix: string | Uint8Array = ""): Effect.Effect<void, ZMQError> =>
    this.subscription("UNSUBSCRIBE", prefix)

  private subscription(name: "SUBSCRIBE" | "UNSUBSCRIBE", prefix: string | Uint8Array) {
    return Effect.suspend(() => {
      const operation = name.toLowerCase()
      if (this.type !== "SUB" && this.type !== "XSUB") {
        return Effect.fail(ZMQError.make("ENOTSUP", operation, `${this.type} sockets cannot ${operation}`))
      }
      if (this.type === "XSUB") {
        // XSUB subscribes by sending a message: \x01 (or \x00) followed by the prefix
        if (typeof prefix !== "string" && !(prefix instanceof Uint8Array)) {
          return Effect.fail(invalid(operation, `prefix must be a string or Uint8Array, got ${describe(prefix)}`))
        }
        const topic = typeof prefix === "string" ? encoder.encode(prefix) : prefix
        const message = new Uint8Array(topic.byteLength + 1)
        message[0] = name === "SUBSCRIBE" ? 1 : 0
        message.set(topic, 1)
        return this.engine.send([message], false)
      }
      const error = this.applyOption(name, prefix)
      return error ? Effect.fail(error) : Effect.void
    })
  }

  join = (group: string | Uint8Array): Effect.Effect<void, ZMQError> => this.membership("join", group)

  leave = (group: string | Uint8Array): Effect.Effect<void, ZMQError> => this.membership("leave", group)

  private membership(operation: "join" | "leave", group: string | Uint8Array) {
    return Effect.suspend(() => {
      const closed = this.checkOpen(operation)
      if (closed) return Effect.fail(closed)
      if (this.type !== "DISH") {
        return Effect.fail(ZMQError.make("ENOTSUP", operation, `${this.type} sockets cannot ${operation} groups`))
      }
      if (typeof group !== "string" && !(group instanceof Uint8Array)) {
        return Effect.fail(invalid(operation, `group must be a string or Uint8Array, got ${describe(group)}`))
      }
      const status = this.binding[operation](this.handle, group)
      if (status !== 0) return Effect.fail(this.engine.errorOf(status, operation))
      this.engine.poke()
      return Effect.void
    })
  }

  // ---------------------------------------------------------------------------------------------------------------
  // life cycle

  /** Closes at once: waiters fail with ENOTSOCK, then the native socket closes with its LINGER. Idempotent. */
  closeNow = (): void => {
    // its own flag: an engine that failed (an EVENTS read that failed) still has a libzmq socket to close
    if (this.isClosed) return
    this.isClosed = true
    this.engine.fail(ZMQError.make("ENOTSOCK", "close", "Socket is closed"))
    this.stage = []
    this.binding.close(this.handle)
    this.unregister()
  }

  close: Effect.Effect<void> = Effect.sync(() => this.closeNow())

  stats = () => this.engine.stats()

  private checkOpen(operation: string): ZMQError | undefined {
    const closed = this.engine.closedError
    return closed ? ZMQError.make(closed.code, operation, closed.message) : undefined
  }

  private checkDirection(operation: string, allowed: ReadonlySet<SocketType>): ZMQError | undefined {
    return this.checkOpen(operation) ??
      (allowed.has(this.type)
        ? undefined
        : ZMQError.make("ENOTSUP", operation, `${this.type} sockets cannot ${operation.startsWith("send") ? "send" : "receive"}`))
  }
}

/** A validated option value as the binding takes it: bytes options given as text are UTF-8. */
const toOptionValue = (spec: SocketOption.OptionSpec, value: unknown): Binding.OptionValue =>
  spec.kind === "bytes" && typeof value === "string" ? encoder.encode(value) : value as Binding.OptionValue

const checkValue = (spec: SocketOption.OptionSpec, value: unknown): string | undefined => {
  switch (spec.kind) {
    case "boolean":
      return typeof value === "boolean" ? undefined : "a boolean"
    case "int32":
      return Number.isInteger(value) && (value as number) >= -2147483648 && (value as number) <= 2147483647
        ? undefined
        : "a 32-bit integer"
    case "uint32":
      return Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 4294967295
        ? undefined
        : "an unsigned 32-bit integer"
    case "int64":
      return Number.isSafeInteger(value) ? undefined : "a safe integer"
    case "uint64":
      return Number.isSafeInteger(value) && (value as number) >= 0 ? undefined : "a non-negative safe integer"
    case "string":
      return typeof value === "string" || value === null ? undefined : "a string"
    case "bytes":
      return typeof value === "string" || value instanceof Uint8Array || value === null
        ? undefined
        : "a string or Uint8Array"
  }
}

const isSocketType = (u: unknown): u is SocketType => typeof u === "string" && Object.hasOwn(socketTypes, u)

/** Is this draft type available in the context's binding? */
export const draftAvailable = (type: string, context: ZmqContext["Service"]): boolean =>
  isSocketType(type) && socketTypes[type].draft && context.binding.capabilities.draft

/** The options `make` takes that are not socket options. */
const makeOnly: ReadonlySet<string> = new Set(["bind", "connect", "options", "retry"])

/**
 * Makes a socket of `context` and registers it there (the context closes it when released); no Scope: the caller
 * closes it (`closeNow`). `make` adds the Scope; the monitor uses this for its PAIR.
 */
export const makeInternal = (type: SocketType, context: ZmqContext["Service"]): Effect.Effect<SocketImpl, ZMQError> =>
  Effect.suspend(() => {
    const binding = context.binding
    const handle = binding.socket(context.handle, socketTypes[type].id)
    if (typeof handle === "number") return Effect.fail(ZMQError.fromErrno(handle, "socket", binding))
    const lingerStatus = binding.setOption(handle, option.LINGER.id, "int32", context.options.defaultLinger)
    if (lingerStatus !== 0) {
      binding.close(handle)
      return Effect.fail(ZMQError.fromErrno(lingerStatus, "socket", binding))
    }
    let impl: SocketImpl | undefined
    return Green.make(binding, handle, {
      receiveTimeout: () => impl?.receiveTimeout ?? -1,
      sendTimeout: () => impl?.sendTimeout ?? -1,
      retry: () => impl?.retrySchedule,
      waitObserver: () => impl === undefined ? undefined : waitObserver(impl)
    }).pipe(
      Effect.provideService(Readiness, context.readiness),
      Effect.tapError(() => Effect.sync(() => binding.close(handle))),
      Effect.flatMap((engine) => {
        const created = new SocketImpl(type, binding, handle, engine, context)
        impl = created
        return context.register(created).pipe(
          Effect.tapError(() => Effect.sync(() => created.closeNow())),
          Effect.map((registered) => {
            created.setUnregister(registered)
            return created
          })
        )
      })
    )
  })

export const make = (
  type: SocketType,
  options?: MakeOptions
): Effect.Effect<ZmqSocket, ZMQError, ZmqContext | Scope.Scope> =>
  Effect.gen(function*() {
    if (!isSocketType(type)) {
      return yield* Effect.fail(invalid("socket", `type must be one of ${typeNames.join(", ")}, got ${nameOf(type)}`))
    }
    if (options !== undefined && (options === null || typeof options !== "object")) {
      return yield* Effect.fail(invalid("socket", `options must be an object, got ${describe(options)}`))
    }
    const retryError = validRetry(options?.retry, "socket")
    if (retryError) return yield* Effect.fail(retryError)
    const context = yield* ZmqContext
    if (socketTypes[type].draft && !context.binding.capabilities.draft) {
      return yield* Effect.fail(
        ZMQError.make("ENOTSUP", "socket", `${type} is a draft socket type and the bound libzmq has no draft support`)
      )
    }
    if (context.isTerminated()) return yield* Effect.fail(ZMQError.make("ETERM", "socket", "Context was terminated"))
    // the socket's own scope, a child of the caller's: an early close removes it from the caller's scope, so a
    // long-lived scope that makes and closes sockets for ever does not keep every closed socket alive
    const own = yield* Scope.fork(yield* Effect.scope)
    const socket = yield* Effect.acquireRelease(
      makeInternal(type, context).pipe(Effect.tap((created) =>
        Effect.sync(() => {
          const registered = created.unregisterFn()
          created.setUnregister(() => {
            registered()
            // already closed: what the scope would run on close (socket.close) has run
            Scope.closeUnsafe(own, Exit.void)
          })
        })
      )),
      (socket) => socket.close
    ).pipe(Scope.provide(own), Effect.onError(() => Scope.close(own, Exit.void)))
    socket.setRetry(options?.retry)
    // a socket whose options or endpoints failed is never handed out: close it now, not when the scope ends
    yield* configure(socket, options).pipe(Effect.tapError(() => socket.close))
    return socket as ZmqSocket
  })

/** Endpoints of `bind`/`connect`; anything that is not a string or an array is one (invalid) endpoint, refused by `bind`. */
const toList = (value: unknown): ReadonlyArray<string> =>
  value === undefined ? [] : Array.isArray(value) ? value : [value as string]

const configure = (socket: SocketImpl, options: MakeOptions | undefined): Effect.Effect<void, ZMQError> =>
  Effect.gen(function*() {
    if (options === undefined) return
    const { bind, connect, options: nested } = options
    for (const init of [nested ?? {}, options]) {
      for (const [name, value] of Object.entries(init)) {
        if (value === undefined || (init === options && makeOnly.has(name))) continue
        const error = socket.applyOption(name, value)
        if (error) return yield* Effect.fail(error)
      }
    }
    for (const endpoint of toList(bind)) yield* socket.bind(endpoint)
    for (const endpoint of toList(connect)) yield* socket.connect(endpoint)
  })
