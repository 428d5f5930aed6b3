import { ZMQError } from "@effect-zmq/core/ZMQError"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Queue from "effect/Queue"
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

type Subscriber = Queue.Queue<SocketEvent, ZMQError | Cause.Done>

/**
 * The monitor of one socket. zeromq.js cannot stop a monitor while its socket lives: closing the Observer leaves
 * libzmq's monitor PAIR without a peer, and libzmq then blocks forever on the socket's next event (measured: the
 * next `bind` hangs the thread). So the first events stream of a socket starts one Observer and one read loop that
 * drains every event until libzmq stops the monitor (the socket closed: the "end" event), handing each event to the
 * streams subscribed at that moment. Its pending read ends with the socket; every promise gets both handlers at
 * once, so no rejection is ever unhandled.
 */
class Monitor {
  private readonly subscribers = new Set<Subscriber>()
  private ended: ZMQError | undefined | "ended" = undefined
  private readonly observer: zmq.Observer

  constructor(observer: zmq.Observer) {
    this.observer = observer
    this.read()
  }

  get isEnded(): boolean {
    return this.ended !== undefined
  }

  subscribe(queue: Subscriber): void {
    if (this.ended === undefined) this.subscribers.add(queue)
    else if (this.ended === "ended") Queue.endUnsafe(queue)
    else Queue.failCauseUnsafe(queue, Cause.fail(this.ended))
  }

  unsubscribe(queue: Subscriber): void {
    this.subscribers.delete(queue)
  }

  private read(): void {
    let pending: Promise<zmq.Event>
    try {
      pending = this.observer.receive()
    } catch (error) {
      return this.end(this.observer.closed ? "ended" : toError(error, "events"))
    }
    pending.then(
      (event: Observed) => {
        const mapped = event === undefined ? undefined : toSocketEvent(event)
        if (mapped === undefined) return this.end("ended")
        for (const queue of this.subscribers) Queue.offerUnsafe(queue, mapped)
        this.read()
      },
      // the monitor's PAIR closed with the socket: that is the end, not a failure
      (error) => this.end(this.observer.closed ? "ended" : toError(error, "events"))
    )
  }

  private end(reason: ZMQError | "ended"): void {
    if (this.ended !== undefined) return
    this.ended = reason
    for (const queue of this.subscribers) {
      if (reason === "ended") Queue.endUnsafe(queue)
      else Queue.failCauseUnsafe(queue, Cause.fail(reason))
    }
    this.subscribers.clear()
  }
}

const monitors = new WeakMap<object, Monitor>()

const monitorOf = (socket: ZmqSocket): Monitor | undefined | ZMQError => {
  const raw = rawOf(socket)
  if (raw === undefined) {
    return invalid("events", `socket must be a ZmqSocket made by ZmqSocket.make, got ${describe(socket)}`)
  }
  // a socket already closed has no events left: the stream is empty, as it would end with the socket
  if (socket.closed || raw.closed) return undefined
  const existing = monitors.get(raw)
  if (existing !== undefined && !existing.isEnded) return existing
  try {
    const monitor = new Monitor(new zmq.Observer(raw as unknown as zmq.Socket))
    monitors.set(raw, monitor)
    return monitor
  } catch (error) {
    const mapped = toError(error, "events")
    return mapped.code === "ENOTSOCK" ? undefined : mapped
  }
}

export const events = (socket: ZmqSocket): Stream.Stream<SocketEvent, ZMQError> =>
  Stream.unwrap(Effect.gen(function*() {
    const monitor = monitorOf(socket)
    if (monitor instanceof ZMQError) return yield* Effect.fail(monitor)
    if (monitor === undefined) return Stream.empty
    const queue: Subscriber = yield* Queue.unbounded<SocketEvent, ZMQError | Cause.Done>()
    yield* Effect.acquireRelease(
      Effect.sync(() => monitor.subscribe(queue)),
      () => Effect.sync(() => monitor.unsubscribe(queue))
    )
    return Stream.fromQueue(queue)
  }))
