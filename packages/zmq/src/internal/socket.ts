import * as Flags from "@effect-zmq/core/Flags"
import * as Frame from "@effect-zmq/core/Frame"
import * as Green from "@effect-zmq/core/Green"
import * as MessageTracker from "@effect-zmq/core/MessageTracker"
import { Readiness } from "@effect-zmq/core/Readiness"
import { ZMQError } from "@effect-zmq/core/ZMQError"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Scope from "effect/Scope"
import * as zmq from "zeromq"
import * as SocketOption from "../SocketOption.ts"
import { ZmqContext } from "../ZmqContext.ts"
import type { MakeOptions, RecvOptions, SendOptions, SocketType, ZmqSocket } from "../ZmqSocket.ts"

/** The raw option calls every zeromq.js socket has (protected in its typings, public at run time). */
interface RawSocket {
  readonly closed: boolean
  bind(address: string): Promise<void>
  unbind(address: string): Promise<void>
  connect(address: string): void
  disconnect(address: string): void
  close(): void
  send(message: unknown, options?: unknown): Promise<void>
  join?(group: string | Uint8Array): void
  leave?(group: string | Uint8Array): void
  receive(): Promise<Array<unknown>>
  getBoolOption(id: number): boolean
  setBoolOption(id: number, value: boolean): void
  getInt32Option(id: number): number
  setInt32Option(id: number, value: number): void
  getUint32Option(id: number): number
  setUint32Option(id: number, value: number): void
  getInt64Option(id: number): number
  setInt64Option(id: number, value: number): void
  getUint64Option(id: number): number
  setUint64Option(id: number, value: number): void
  getStringOption(id: number): string | null
  setStringOption(id: number, value: string | Uint8Array | null): void
}

type SocketClass = new(options?: { context?: zmq.Context }) => object

const standardClasses: Record<string, SocketClass> = {
  PAIR: zmq.Pair,
  PUB: zmq.Publisher,
  SUB: zmq.Subscriber,
  REQ: zmq.Request,
  REP: zmq.Reply,
  DEALER: zmq.Dealer,
  ROUTER: zmq.Router,
  PULL: zmq.Pull,
  PUSH: zmq.Push,
  XPUB: zmq.XPublisher,
  XSUB: zmq.XSubscriber,
  STREAM: zmq.Stream
}

/** libzmq's socket type numbers, for draft types made through zeromq.js's base class. */
const draftTypeNumbers: Record<string, number> = {
  SERVER: 12,
  CLIENT: 13,
  RADIO: 14,
  DISH: 15,
  GATHER: 16,
  SCATTER: 17,
  DGRAM: 18
}

/** The socket types that can send, and those that can receive. */
export const canSend: ReadonlySet<SocketType> = new Set<SocketType>([
  "PAIR", "PUB", "REQ", "REP", "DEALER", "ROUTER", "PUSH", "XPUB", "XSUB", "STREAM",
  "SERVER", "CLIENT", "RADIO", "SCATTER", "DGRAM"
])
export const canRecv: ReadonlySet<SocketType> = new Set<SocketType>([
  "PAIR", "SUB", "REQ", "REP", "DEALER", "ROUTER", "PULL", "XPUB", "XSUB", "STREAM",
  "SERVER", "CLIENT", "DISH", "GATHER", "DGRAM"
])

const ZMQ_RCVTIMEO = 27
const ZMQ_SNDTIMEO = 28
const ZMQ_LINGER = 17
const ZMQ_FD = 14
const ZMQ_EVENTS = 15
const ZMQ_SUBSCRIBE = 6
const ZMQ_UNSUBSCRIBE = 7
/** zeromq.js hands buffers larger than this to libzmq without copying them. */
const ZERO_COPY_THRESHOLD = 128

const encoder = new TextEncoder()
const decoder = new TextDecoder()

export const describe = (u: unknown): string =>
  u === null ? "null" : Array.isArray(u) ? "an array" : typeof u === "object" ? (u.constructor?.name ?? "an object") : typeof u

export const invalid = (operation: string, message: string) => ZMQError.make("EINVAL", operation, message)

/** An option name or socket type for a message: never `String(u)`, which throws for symbols' kin and null-prototype objects. */
const nameOf = (u: unknown): string => typeof u === "string" ? u : describe(u)

const mapError = (error: unknown, operation: string) => ZMQError.fromUnknown(error, operation)

/** The bytes of one outgoing frame, copied when the caller may change them after the send completes. */
export const outgoingBytes = (data: unknown, copy: boolean, operation: string, argument: string): Uint8Array | ZMQError => {
  const bytes = data instanceof Uint8Array ? data : Frame.isFrame(data) ? data.bytes : undefined
  if (bytes === undefined) {
    return invalid(
      operation,
      `${argument} must be a Uint8Array (a Buffer is one) or a Frame, got ${describe(data)}` +
        (typeof data === "string" ? ": use sendString for text" : "")
    )
  }
  return copy && bytes.byteLength > ZERO_COPY_THRESHOLD ? bytes.slice() : bytes
}

const validEndpoint = (endpoint: unknown, operation: string): ZMQError | undefined =>
  typeof endpoint === "string" && endpoint.length > 0
    ? undefined
    : invalid(operation, `endpoint must be a non-empty string, got ${describe(endpoint)}`)

export class SocketImpl implements ZmqSocket {
  readonly type: SocketType
  readonly raw: RawSocket
  readonly engine: Green.GreenSocket
  private readonly timeouts = { receive: -1, send: -1 }
  private stage: Array<Uint8Array> = []
  private unregister: () => void = () => {}
  private routerMandatory = false
  private noDrop = false

  constructor(type: SocketType, raw: RawSocket, engine: Green.GreenSocket) {
    this.type = type
    this.raw = raw
    this.engine = engine
  }

  setUnregister(unregister: () => void) {
    this.unregister = unregister
  }

  get closed(): boolean {
    return this.engine.closedError !== undefined
  }

  // ---------------------------------------------------------------------------------------------------------------
  // endpoints

  bind = (endpoint: string): Effect.Effect<void, ZMQError> =>
    this.endpointPromise(endpoint, "bind", (address) => this.raw.bind(address))

  unbind = (endpoint: string): Effect.Effect<void, ZMQError> =>
    this.endpointPromise(endpoint, "unbind", (address) => this.raw.unbind(address))

  connect = (endpoint: string): Effect.Effect<void, ZMQError> =>
    this.endpointSync(endpoint, "connect", (address) => this.raw.connect(address))

  disconnect = (endpoint: string): Effect.Effect<void, ZMQError> =>
    this.endpointSync(endpoint, "disconnect", (address) => this.raw.disconnect(address))

  get lastEndpoint(): Effect.Effect<string, ZMQError> {
    return this.guard("lastEndpoint", () => this.raw.getStringOption(32) ?? "")
  }

  private endpointSync(endpoint: string, operation: string, run: (address: string) => void) {
    return Effect.suspend(() => {
      const error = this.checkOpen(operation) ?? validEndpoint(endpoint, operation)
      if (error) return Effect.fail(error)
      try {
        run(endpoint)
      } catch (cause) {
        return Effect.fail(mapError(cause, `${operation}(${endpoint})`))
      }
      // a new pipe can attach without an fd edge: look at EVENTS now
      this.engine.poke()
      return Effect.void
    })
  }

  /** zeromq.js binds on a worker thread; the bind completes even if we stop waiting, so we wait it out. */
  private endpointPromise(endpoint: string, operation: string, run: (address: string) => Promise<void>) {
    return Effect.uninterruptible(Effect.callback<void, ZMQError>((resume) => {
      const error = this.checkOpen(operation) ?? validEndpoint(endpoint, operation)
      if (error) return resume(Effect.fail(error))
      let pending: Promise<void>
      try {
        pending = run(endpoint)
      } catch (cause) {
        return resume(Effect.fail(mapError(cause, `${operation}(${endpoint})`)))
      }
      pending.then(
        () => {
          this.engine.poke()
          resume(Effect.void)
        },
        (cause) => resume(Effect.fail(mapError(cause, `${operation}(${endpoint})`)))
      )
    }))
  }

  // ---------------------------------------------------------------------------------------------------------------
  // sending

  send: ZmqSocket["send"] = ((data: Uint8Array | Frame.Frame, options?: SendOptions) =>
    Effect.suspend(() => {
      const error = this.checkDirection("send", canSend)
      if (error) return Effect.fail(error)
      const flags = options?.flags ?? 0
      if (typeof flags !== "number") return Effect.fail(invalid("send", `flags must be a number, got ${describe(flags)}`))
      const copy = options?.copy ?? true
      const track = options?.track === true && !copy
      const bytes = outgoingBytes(data, copy || track, "send", "data")
      if (bytes instanceof ZMQError) return Effect.fail(bytes)
      if (Flags.has(flags, Flags.SNDMORE)) {
        this.stage.push(bytes)
        return Effect.succeed(track ? MessageTracker.completed : undefined)
      }
      const frames = this.stage.length === 0 ? [bytes] : [...this.stage, bytes]
      this.stage = []
      const routing = this.routingOf(data, "send")
      if (routing instanceof ZMQError) return Effect.fail(routing)
      const sent = this.engine.send(frames, Flags.has(flags, Flags.NOBLOCK), routing)
      return track ? Effect.as(sent, MessageTracker.completed) : sent
    })) as ZmqSocket["send"]

  /** SERVER and RADIO messages carry a routing id or a group: taken from the (first) Frame's properties. */
  private routingOf(data: unknown, operation: string): Readonly<Record<string, unknown>> | ZMQError | undefined {
    if (this.type !== "SERVER" && this.type !== "RADIO") return undefined
    const properties = Frame.isFrame(data) ? data.properties : {}
    if (this.type === "SERVER" && typeof properties.routingId !== "number") {
      return invalid(operation, "a SERVER message must be a Frame with a numeric properties.routingId (reply with the received frame's properties)")
    }
    if (this.type === "RADIO" && typeof properties.group !== "string" && !(properties.group instanceof Uint8Array)) {
      return invalid(operation, "a RADIO message must be a Frame with properties.group (a string or bytes)")
    }
    return this.type === "SERVER" ? { routingId: properties.routingId } : { group: properties.group }
  }

  sendMultipart: ZmqSocket["sendMultipart"] = ((frames: Iterable<Uint8Array | Frame.Frame>, options?: SendOptions) =>
    Effect.suspend(() => {
      const error = this.checkDirection("sendMultipart", canSend)
      if (error) return Effect.fail(error)
      if (frames === null || typeof frames !== "object" || !(Symbol.iterator in frames)) {
        return Effect.fail(invalid("sendMultipart", `frames must be an array of Uint8Array, got ${describe(frames)}`))
      }
      const flags = options?.flags ?? 0
      const copy = options?.copy ?? true
      const track = options?.track === true && !copy
      const parts: Array<Uint8Array> = []
      let index = 0
      for (const frame of frames) {
        const bytes = outgoingBytes(frame, copy || track, "sendMultipart", `frames[${index++}]`)
        if (bytes instanceof ZMQError) return Effect.fail(bytes)
        parts.push(bytes)
      }
      if (parts.length === 0) return Effect.fail(invalid("sendMultipart", "frames must hold at least one frame"))
      if (Flags.has(flags, Flags.SNDMORE)) {
        this.stage.push(...parts)
        return Effect.succeed(track ? MessageTracker.completed : undefined)
      }
      const message = this.stage.length === 0 ? parts : [...this.stage, ...parts]
      this.stage = []
      const routing = this.routingOf(Array.from(frames)[0], "sendMultipart")
      if (routing instanceof ZMQError) return Effect.fail(routing)
      const sent = this.engine.send(message, Flags.has(flags, Flags.NOBLOCK), routing)
      return track ? Effect.as(sent, MessageTracker.completed) : sent
    })) as ZmqSocket["sendMultipart"]

  sendString = (text: string, options?: { readonly flags?: number | undefined }): Effect.Effect<void, ZMQError> =>
    Effect.suspend(() =>
      typeof text === "string"
        ? this.send(encoder.encode(text), { flags: options?.flags ?? 0 })
        : Effect.fail(invalid("sendString", `text must be a string, got ${describe(text)}`))
    )

  // ---------------------------------------------------------------------------------------------------------------
  // receiving

  recv: ZmqSocket["recv"] = ((options?: RecvOptions) =>
    Effect.suspend((): Effect.Effect<Uint8Array | Frame.Frame, ZMQError> => {
      const error = this.checkDirection("recv", canRecv)
      if (error) return Effect.fail(error)
      const received = this.engine.recvFrame(Flags.has(options?.flags, Flags.NOBLOCK))
      return options?.copy === false
        ? Effect.map(received, (frame) => Frame.make(frame.bytes, frame))
        : Effect.map(received, (frame) => frame.bytes)
    })) as ZmqSocket["recv"]

  recvMultipart: ZmqSocket["recvMultipart"] = ((options?: RecvOptions) =>
    Effect.suspend((): Effect.Effect<ReadonlyArray<Uint8Array | Frame.Frame>, ZMQError> => {
      const error = this.checkDirection("recvMultipart", canRecv)
      if (error) return Effect.fail(error)
      const received = this.engine.recvMessage(Flags.has(options?.flags, Flags.NOBLOCK))
      return options?.copy === false
        ? Effect.map(received, (frames) => frames.map((bytes, i) => Frame.make(bytes, { more: i < frames.length - 1 })))
        : received
    })) as ZmqSocket["recvMultipart"]

  recvString = (options?: { readonly flags?: number | undefined }): Effect.Effect<string, ZMQError> =>
    Effect.map(this.recv({ flags: options?.flags ?? 0 }), (bytes) => decoder.decode(bytes))

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
        case ZMQ_EVENTS:
          return this.engine.events(operation)
        case 13:
          return Effect.succeed(this.engine.rcvMore)
        case ZMQ_RCVTIMEO:
          return Effect.succeed(this.timeouts.receive)
        case ZMQ_SNDTIMEO:
          return Effect.succeed(this.timeouts.send)
      }
      try {
        return Effect.succeed(this.readRaw(spec))
      } catch (cause) {
        return Effect.fail(mapError(cause, operation))
      }
    })) as ZmqSocket["getOption"]

  setOption: ZmqSocket["setOption"] = ((name: SocketOption.Writable, value: unknown) =>
    Effect.suspend(() => {
      const error = this.applyOption(name, value)
      return error ? Effect.fail(error) : Effect.void
    })) as ZmqSocket["setOption"]

  /** Validates and applies one option; returns the error instead of throwing, and changes nothing on error. */
  applyOption(name: unknown, value: unknown): ZMQError | undefined {
    const operation = `setOption(${nameOf(name)})`
    if (!SocketOption.isName(name)) return invalid(operation, `unknown option ${nameOf(name)}`)
    const spec: SocketOption.OptionSpec = SocketOption.options[name]
    if (spec.access === "r") return invalid(operation, `option ${name} is read-only`)
    const closed = this.checkOpen(operation)
    if (closed) return closed
    const bad = checkValue(spec, value)
    if (bad) return invalid(operation, `value of ${name} must be ${bad}, got ${describe(value)}`)
    if (spec.id === ZMQ_RCVTIMEO || spec.id === ZMQ_SNDTIMEO) {
      if ((value as number) < -1) return invalid(operation, `value of ${name} must be >= -1`)
      if (spec.id === ZMQ_RCVTIMEO) this.timeouts.receive = value as number
      else this.timeouts.send = value as number
      return undefined
    }
    try {
      this.writeRaw(spec, value)
    } catch (cause) {
      return mapError(cause, operation)
    }
    if (name === "ROUTER_MANDATORY") this.routerMandatory = value as boolean
    if (name === "XPUB_NODROP") this.noDrop = value as boolean
    if (spec.id === ZMQ_SUBSCRIBE || spec.id === ZMQ_UNSUBSCRIBE) this.engine.poke()
    return undefined
  }

  private readRaw(spec: SocketOption.OptionSpec): unknown {
    switch (spec.kind) {
      case "boolean":
        return this.raw.getBoolOption(spec.id)
      case "int32":
        return this.raw.getInt32Option(spec.id)
      case "uint32":
        return this.raw.getUint32Option(spec.id)
      case "int64":
        return this.raw.getInt64Option(spec.id)
      case "uint64":
        return this.raw.getUint64Option(spec.id)
      case "string":
      case "bytes":
        return this.raw.getStringOption(spec.id)
    }
  }

  private writeRaw(spec: SocketOption.OptionSpec, value: unknown): void {
    switch (spec.kind) {
      case "boolean":
        return this.raw.setBoolOption(spec.id, value as boolean)
      case "int32":
        return this.raw.setInt32Option(spec.id, value as number)
      case "uint32":
        return this.raw.setUint32Option(spec.id, value as number)
      case "int64":
        return this.raw.setInt64Option(spec.id, value as number)
      case "uint64":
        return this.raw.setUint64Option(spec.id, value as number)
      case "string":
        return this.raw.setStringOption(spec.id, value as string | null)
      case "bytes":
        return this.raw.setStringOption(
          spec.id,
          value instanceof Uint8Array && !Buffer.isBuffer(value)
            ? Buffer.from(value.buffer, value.byteOffset, value.byteLength)
            : (value as string | Buffer | null)
        )
    }
  }

  subscribe = (prefix: string | Uint8Array = ""): Effect.Effect<void, ZMQError> =>
    this.subscription("SUBSCRIBE", prefix)

  unsubscribe = (prefix: string | Uint8Array = ""): Effect.Effect<void, ZMQError> =>
    this.subscription("UNSUBSCRIBE", prefix)

  private subscription(name: "SUBSCRIBE" | "UNSUBSCRIBE", prefix: string | Uint8Array) {
    return Effect.suspend(() => {
      if (this.type !== "SUB" && this.type !== "XSUB") {
        return Effect.fail(ZMQError.make("ENOTSUP", name.toLowerCase(), `${this.type} sockets cannot ${name.toLowerCase()}`))
      }
      if (this.type === "XSUB") {
        // XSUB subscribes by sending a message: \x01 (or \x00) followed by the prefix
        if (typeof prefix !== "string" && !(prefix instanceof Uint8Array)) {
          return Effect.fail(invalid(name.toLowerCase(), `prefix must be a string or Uint8Array, got ${describe(prefix)}`))
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
      if (this.type !== "DISH") return Effect.fail(ZMQError.make("ENOTSUP", operation, `${this.type} sockets cannot ${operation} groups`))
      if (typeof group !== "string" && !(group instanceof Uint8Array)) {
        return Effect.fail(invalid(operation, `group must be a string or Uint8Array, got ${describe(group)}`))
      }
      try {
        this.raw[operation]!(group instanceof Uint8Array && !Buffer.isBuffer(group) ? Buffer.from(group) : group)
      } catch (cause) {
        return Effect.fail(mapError(cause, operation))
      }
      this.engine.poke()
      return Effect.void
    })
  }

  // ---------------------------------------------------------------------------------------------------------------
  // life cycle

  /** Closes at once: waiters fail with ENOTSOCK, then the native socket closes with its LINGER. Idempotent. */
  closeNow = (): void => {
    if (this.engine.closedError !== undefined) return
    this.engine.fail(ZMQError.make("ENOTSOCK", "close", "Socket is closed"))
    this.stage = []
    this.unregister()
    try {
      this.raw.close()
    } catch {
      // already closed by the binding
    }
  }

  close: Effect.Effect<void> = Effect.sync(() => this.closeNow())

  stats = () => this.engine.stats()

  /** PUB/XPUB drop at the high-water mark and ROUTER drops what it cannot route: a send never waits for room. */
  get alwaysWritable(): boolean {
    if (this.type === "PUB" || this.type === "XPUB") return !this.noDrop
    return this.type === "ROUTER" && !this.routerMandatory
  }

  get sendIsPredictable(): boolean {
    if (this.type === "ROUTER") return !this.routerMandatory
    return this.type !== "STREAM" && !(this.type in draftTypeNumbers)
  }

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

  private guard<A>(operation: string, read: () => A): Effect.Effect<A, ZMQError> {
    return Effect.suspend(() => {
      const closed = this.checkOpen(operation)
      if (closed) return Effect.fail(closed)
      try {
        return Effect.succeed(read())
      } catch (cause) {
        return Effect.fail(mapError(cause, operation))
      }
    })
  }
}

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

const isSocketType = (u: unknown): u is SocketType =>
  typeof u === "string" && (Object.hasOwn(standardClasses, u) || Object.hasOwn(draftTypeNumbers, u))

/** Is this draft type available in the loaded binding? */
export const draftAvailable = (type: string): boolean =>
  Object.hasOwn(draftTypeNumbers, type) && zmq.capability.draft === true

const construct = (type: SocketType, context: zmq.Context): RawSocket => {
  const Class = standardClasses[type]
  if (Class !== undefined) return new Class({ context }) as unknown as RawSocket
  // draft types: zeromq.js's base class takes the libzmq type number
  const Base = zmq.Socket as unknown as new(type: number, options: { context: zmq.Context }) => RawSocket
  return new Base(draftTypeNumbers[type], { context })
}

/**
 * Runs a zeromq.js attempt with stack traces off. A failed attempt (EAGAIN, the common case when a socket is drained)
 * rejects with a fresh Error, and capturing its stack is most of its cost; effect-zmq maps it to a ZMQError anyway.
 * Synchronous, so nothing else runs while the limit is 0.
 */
const withoutStackTraces = <A>(attempt: () => A): A => {
  const limit = Error.stackTraceLimit
  Error.stackTraceLimit = 0
  try {
    return attempt()
  } finally {
    Error.stackTraceLimit = limit
  }
}

/**
 * zeromq.js decides a timeout-0 send before `send` returns, but says so only through a promise. On failure its C++
 * builds the rejection Error at once and sets `errno` on it with [[Set]] semantics, so a setter for `errno` on
 * Error.prototype, installed for the length of one synchronous call, sees the failure in that call. Installing it
 * costs about as much as an EVENTS read, so it pays only once per batch.
 */
const refused: { error: object | undefined } = { error: undefined }
const errnoProbe: PropertyDescriptor = {
  configurable: true,
  set(this: object, value: unknown) {
    refused.error = this
    Object.defineProperty(this, "errno", { value, writable: true, enumerable: true, configurable: true })
  }
}
const ignore = () => {}

/**
 * Whether the probe sees zeromq.js's refusals on this build: checked once, on a PUSH with no peer (whose send must
 * be refused with EAGAIN). If a later zeromq.js stopped setting `errno` that way, batched sends fall back to one
 * EVENTS-checked send per message instead of taking a refusal for a success.
 */
let probeWorks: boolean | undefined
export const checkProbe = (context: zmq.Context): boolean => {
  if (probeWorks !== undefined) return probeWorks
  let probe: RawSocket | undefined
  try {
    probe = new zmq.Push({ context, sendTimeout: 0, linger: 0 }) as unknown as RawSocket
    const { error, sent } = sendManyWith(probe, [[new Uint8Array(1)]])
    probeWorks = sent === 0 && mapError(error, "send").code === "EAGAIN"
  } catch {
    probeWorks = false
  } finally {
    probe?.close()
  }
  return probeWorks
}

const sendMany = (raw: RawSocket) => (messages: ReadonlyArray<ReadonlyArray<Uint8Array>>) => sendManyWith(raw, messages)

const sendManyWith = (raw: RawSocket, messages: ReadonlyArray<ReadonlyArray<Uint8Array>>) => {
  const proto = Error.prototype as unknown as Record<string, unknown>
  const limit = Error.stackTraceLimit
  Error.stackTraceLimit = 0
  refused.error = undefined
  Object.defineProperty(proto, "errno", errnoProbe)
  let sent = 0
  let error: unknown = undefined
  try {
    for (; sent < messages.length; sent++) {
      const frames = messages[sent]
      const pending = raw.send(frames.length === 1 ? frames[0] : frames)
      pending.then(undefined, ignore)
      if (refused.error !== undefined) {
        error = refused.error
        break
      }
    }
  } catch (cause) {
    error = cause
  } finally {
    delete proto["errno"]
    Error.stackTraceLimit = limit
  }
  return { sent, error }
}

const readFd = (raw: RawSocket): number | undefined => {
  try {
    const fd = raw.getInt32Option(ZMQ_FD)
    return fd >= 0 ? fd : undefined
  } catch {
    // thread-safe (draft) sockets have no ZMQ_FD
    return undefined
  }
}

export const make = (
  type: SocketType,
  options?: MakeOptions
): Effect.Effect<ZmqSocket, ZMQError, ZmqContext | Scope.Scope> =>
  Effect.gen(function*() {
    if (!isSocketType(type)) {
      return yield* Effect.fail(invalid("socket", `type must be one of ${[...Object.keys(standardClasses), ...Object.keys(draftTypeNumbers)].join(", ")}, got ${nameOf(type)}`))
    }
    if (Object.hasOwn(draftTypeNumbers, type) && !draftAvailable(type)) {
      return yield* Effect.fail(ZMQError.make("ENOTSUP", "socket", `${type} is a draft socket type and this zeromq.js build has no draft support`))
    }
    if (options !== undefined && (options === null || typeof options !== "object")) {
      return yield* Effect.fail(invalid("socket", `options must be an object, got ${describe(options)}`))
    }
    const context = yield* ZmqContext
    if (context.isTerminated()) return yield* Effect.fail(ZMQError.make("ETERM", "socket", "Context was terminated"))
    // the socket's own scope, a child of the caller's: an early close removes it from the caller's scope, so a
    // long-lived scope that makes and closes sockets for ever does not keep every closed socket alive
    const own = yield* Scope.fork(yield* Effect.scope)
    const socket = yield* Effect.acquireRelease(
      Effect.gen(function*() {
        const raw = yield* Effect.try({
          try: () => construct(type, context.native),
          catch: (error) => mapError(error, "socket")
        })
        let impl: SocketImpl | undefined
        const backend: Green.Backend = {
          fd: readFd(raw),
          events: () => raw.getInt32Option(ZMQ_EVENTS),
          receive: () => withoutStackTraces(() => raw.receive()),
          send: (frames, properties) =>
            withoutStackTraces(() =>
              properties === undefined
                ? raw.send(frames.length === 1 ? frames[0] : frames)
                : raw.send(frames.length === 1 ? frames[0] : frames, properties)
            ),
          get sendIsPredictable() {
            return impl?.sendIsPredictable ?? false
          },
          get alwaysWritable() {
            return impl?.alwaysWritable ?? false
          },
          needsRealAttempt: type === "REQ" || type === "REP",
          sendMany: checkProbe(context.native) ? sendMany(raw) : undefined,
          mapError
        }
        const initialise = Effect.try({
          try: () => {
            // timeouts of 0 make every zeromq.js send/receive a synchronous attempt (design §2)
            if (canRecv.has(type)) raw.setInt32Option(ZMQ_RCVTIMEO, 0)
            if (canSend.has(type)) raw.setInt32Option(ZMQ_SNDTIMEO, 0)
            raw.setInt32Option(ZMQ_LINGER, context.options.defaultLinger)
          },
          catch: (error) => mapError(error, "socket")
        })
        const engine = yield* initialise.pipe(
          Effect.andThen(Green.make(backend, {
            receiveTimeout: () => impl?.["timeouts"].receive ?? -1,
            sendTimeout: () => impl?.["timeouts"].send ?? -1
          })),
          Effect.provideService(Readiness, context.readiness),
          Effect.tapError(() => Effect.sync(() => raw.close()))
        )
        impl = new SocketImpl(type, raw, engine)
        const registered = yield* context.register(impl).pipe(Effect.tapError(() => Effect.sync(() => impl!.closeNow())))
        impl.setUnregister(() => {
          registered()
          // already closed: what the scope would run on close (socket.close) has run
          Scope.closeUnsafe(own, Exit.void)
        })
        return impl
      }),
      (socket) => socket.close
    ).pipe(Scope.provide(own), Effect.onError(() => Scope.close(own, Exit.void)))
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
    const { bind, connect, options: nested, ...topLevel } = options
    for (const init of [nested ?? {}, topLevel]) {
      for (const [name, value] of Object.entries(init)) {
        if (value === undefined) continue
        const error = socket.applyOption(name, value)
        if (error) return yield* Effect.fail(error)
      }
    }
    for (const endpoint of toList(bind)) yield* socket.bind(endpoint)
    for (const endpoint of toList(connect)) yield* socket.connect(endpoint)
  })
