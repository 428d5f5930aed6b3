import { ZMQError } from "@effect-zmq/core/ZMQError"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import * as zmq from "zeromq"
import type { SocketEvent, ZmqSocket } from "../ZmqSocket.ts"
import { describe, invalid, rawOf } from "./access.ts"

type Observed = zmq.Event | undefined

const toError = (error: unknown, operation: string): ZMQError => ZMQError.fromUnknown(error, operation)

const errorOf = (event: { readonly error?: unknown }, operation: string): ZMQError =>
  toError(event.error ?? new Error("unknown failure"), operation)

/** Maps zeromq.js's event objects to the tagged union; `undefined` means the monitor ended. */
const toSocketEvent = (event: zmq.Event): SocketEvent | undefined => {
  const address = "address" in event && typeof event.address === "string" ? event.address : ""
  switch (event.type) {
    case "accept":
      return { _tag: "Accepted", address }
    case "accept:error":
      return { _tag: "AcceptFailed", address, error: errorOf(event, "accept") }
    case "bind":
      return { _tag: "Listening", address }
    case "bind:error":
      return { _tag: "BindFailed", address, error: errorOf(event, "bind") }
    case "connect":
      return { _tag: "Connected", address }
    case "connect:delay":
      return { _tag: "ConnectDelayed", address }
    case "connect:retry":
      return { _tag: "ConnectRetried", address, interval: event.interval }
    case "close":
      return { _tag: "Closed", address }
    case "close:error":
      return { _tag: "CloseFailed", address, error: errorOf(event, "close") }
    case "disconnect":
      return { _tag: "Disconnected", address }
    case "handshake":
      return { _tag: "HandshakeSucceeded", address }
    case "handshake:error:protocol":
      return {
        _tag: "HandshakeFailed",
        address,
        reason: "protocol",
        detail: String((event.error as { code?: unknown }).code ?? event.error.message),
        error: errorOf(event, "handshake")
      }
    case "handshake:error:auth":
      return {
        _tag: "HandshakeFailed",
        address,
        reason: "auth",
        detail: String((event.error as { status?: unknown }).status ?? event.error.message),
        error: errorOf(event, "handshake")
      }
    case "handshake:error:other":
      return {
        _tag: "HandshakeFailed",
        address,
        reason: "other",
        detail: event.error.message,
        error: errorOf(event, "handshake")
      }
    case "end":
      return undefined
    default:
      return { _tag: "Unknown", type: String((event as { type: unknown }).type) }
  }
}

/**
 * One zeromq.js Observer read by one pull at a time. `observer.receive()` cannot be cancelled and refuses a second
 * call while one is pending (EBUSY), so the pending promise belongs to this reader, not to the pulling fiber: an
 * interrupted pull leaves it pending and the next pull picks up its event (kept in `ready`). Every promise gets both
 * handlers at once, so no rejection is ever unhandled.
 */
class ObserverReader {
  private readonly ready: Array<Observed | ZMQError> = []
  private waiter: ((result: Observed | ZMQError) => void) | undefined = undefined
  private pending = false
  private closed = false

  private readonly observer: zmq.Observer

  constructor(observer: zmq.Observer) {
    this.observer = observer
  }

  readonly next: Effect.Effect<Observed, ZMQError> = Effect.callback<Observed, ZMQError>((resume) => {
    const settle = (result: Observed | ZMQError) =>
      resume(result instanceof ZMQError ? Effect.fail(result) : Effect.succeed(result))
    if (this.ready.length > 0) return settle(this.ready.shift())
    this.waiter = settle
    this.start()
    return Effect.sync(() => {
      if (this.waiter === settle) this.waiter = undefined
    })
  })

  private start(): void {
    if (this.pending || this.closed) return
    let promise: Promise<zmq.Event>
    try {
      promise = this.observer.receive()
    } catch (error) {
      return this.deliver(this.observer.closed ? undefined : toError(error, "events"))
    }
    this.pending = true
    promise.then(
      (event) => {
        this.pending = false
        this.deliver(event)
      },
      (error) => {
        this.pending = false
        // closing the observer settles its pending receive: that is the end, not a failure
        this.deliver(this.closed || this.observer.closed ? undefined : toError(error, "events"))
      }
    )
  }

  private deliver(result: Observed | ZMQError): void {
    const waiter = this.waiter
    this.waiter = undefined
    if (waiter !== undefined) waiter(result)
    else this.ready.push(result)
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    this.waiter = undefined
    // releases the observer's uv poll: a receive left pending no longer keeps the process alive
    this.observer.close()
  }
}

const open = (socket: ZmqSocket): Effect.Effect<ObserverReader | undefined, ZMQError> =>
  Effect.suspend(() => {
    const raw = rawOf(socket)
    if (raw === undefined) {
      return Effect.fail(invalid("events", `socket must be a ZmqSocket made by ZmqSocket.make, got ${describe(socket)}`))
    }
    // a socket already closed has no events left: the stream is empty, as it would end with the socket
    if (socket.closed || raw.closed) return Effect.succeed(undefined)
    try {
      // a new Observer restarts libzmq's monitor on the socket (ending any earlier one) with a fresh PAIR to read
      return Effect.succeed(new ObserverReader(new zmq.Observer(raw as unknown as zmq.Socket)))
    } catch (error) {
      const mapped = toError(error, "events")
      return mapped.code === "ENOTSOCK" ? Effect.succeed(undefined) : Effect.fail(mapped)
    }
  })

export const events = (socket: ZmqSocket): Stream.Stream<SocketEvent, ZMQError> =>
  Stream.unwrap(
    Effect.map(
      Effect.acquireRelease(open(socket), (reader) => Effect.sync(() => reader?.close())),
      (reader) => {
        if (reader === undefined) return Stream.empty
        const pull = Effect.flatMap(reader.next, (observed) => {
          const event = observed === undefined ? undefined : toSocketEvent(observed)
          return event === undefined ? Cause.done() : Effect.succeed([event] as const)
        })
        return Stream.fromPull(Effect.succeed(pull))
      }
    )
  )
