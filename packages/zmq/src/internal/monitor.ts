import { ZMQError } from "@effect-zmq/core/ZMQError"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Queue from "effect/Queue"
import * as Stream from "effect/Stream"
import type { SocketEvent, ZmqSocket } from "../ZmqSocket.ts"
import { describe, invalid } from "./access.ts"
import { makeInternal, SocketImpl } from "./socket.ts"

/** libzmq's monitor events (`ZMQ_EVENT_*`). */
const EVENT = {
  CONNECTED: 0x0001,
  CONNECT_DELAYED: 0x0002,
  CONNECT_RETRIED: 0x0004,
  LISTENING: 0x0008,
  BIND_FAILED: 0x0010,
  ACCEPTED: 0x0020,
  ACCEPT_FAILED: 0x0040,
  CLOSED: 0x0080,
  CLOSE_FAILED: 0x0100,
  DISCONNECTED: 0x0200,
  MONITOR_STOPPED: 0x0400,
  HANDSHAKE_FAILED_NO_DETAIL: 0x0800,
  HANDSHAKE_SUCCEEDED: 0x1000,
  HANDSHAKE_FAILED_PROTOCOL: 0x2000,
  HANDSHAKE_FAILED_AUTH: 0x4000
} as const
const ALL_EVENTS = 0xffff

/** libzmq's `ZMQ_PROTOCOL_ERROR_*` codes, named as zeromq.js names them. */
const protocolErrors: Readonly<Record<number, string>> = {
  0x10000000: "ERR_ZMTP_UNSPECIFIED",
  0x10000001: "ERR_ZMTP_UNEXPECTED_COMMAND",
  0x10000002: "ERR_ZMTP_INVALID_SEQUENCE",
  0x10000003: "ERR_ZMTP_KEY_EXCHANGE",
  0x10000011: "ERR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED",
  0x10000012: "ERR_ZMTP_MALFORMED_COMMAND_MESSAGE",
  0x10000013: "ERR_ZMTP_MALFORMED_COMMAND_HELLO",
  0x10000014: "ERR_ZMTP_MALFORMED_COMMAND_INITIATE",
  0x10000015: "ERR_ZMTP_MALFORMED_COMMAND_ERROR",
  0x10000016: "ERR_ZMTP_MALFORMED_COMMAND_READY",
  0x10000017: "ERR_ZMTP_MALFORMED_COMMAND_WELCOME",
  0x10000018: "ERR_ZMTP_INVALID_METADATA",
  0x11000001: "ERR_ZMTP_CRYPTOGRAPHIC",
  0x11000002: "ERR_ZMTP_MECHANISM_MISMATCH",
  0x20000000: "ERR_ZAP_UNSPECIFIED",
  0x20000001: "ERR_ZAP_MALFORMED_REPLY",
  0x20000002: "ERR_ZAP_BAD_REQUEST_ID",
  0x20000003: "ERR_ZAP_BAD_VERSION",
  0x20000004: "ERR_ZAP_INVALID_STATUS_CODE",
  0x20000005: "ERR_ZAP_INVALID_METADATA",
  0x30000000: "ERR_WS_UNSPECIFIED"
}

const decoder = new TextDecoder()

/** Decodes one monitor message (`[event: u16, value: u32]` in host order, then the endpoint); `undefined` ends. */
const toSocketEvent = (socket: SocketImpl, frames: ReadonlyArray<Uint8Array>): SocketEvent | undefined => {
  const head = frames[0]
  if (head === undefined || head.byteLength < 6) return { _tag: "Unknown", type: "malformed" }
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength)
  const little = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1
  const event = view.getUint16(0, little)
  const value = view.getUint32(2, little)
  const address = frames[1] === undefined ? "" : decoder.decode(frames[1])
  const failure = (operation: string) => socket.engine.errorOf(value, operation)
  switch (event) {
    case EVENT.CONNECTED:
      return { _tag: "Connected", address }
    case EVENT.CONNECT_DELAYED:
      return { _tag: "ConnectDelayed", address }
    case EVENT.CONNECT_RETRIED:
      return { _tag: "ConnectRetried", address, interval: value }
    case EVENT.LISTENING:
      return { _tag: "Listening", address }
    case EVENT.BIND_FAILED:
      return { _tag: "BindFailed", address, error: failure("bind") }
    case EVENT.ACCEPTED:
      return { _tag: "Accepted", address }
    case EVENT.ACCEPT_FAILED:
      return { _tag: "AcceptFailed", address, error: failure("accept") }
    case EVENT.CLOSED:
      return { _tag: "Closed", address }
    case EVENT.CLOSE_FAILED:
      return { _tag: "CloseFailed", address, error: failure("close") }
    case EVENT.DISCONNECTED:
      return { _tag: "Disconnected", address }
    case EVENT.MONITOR_STOPPED:
      return undefined
    case EVENT.HANDSHAKE_SUCCEEDED:
      return { _tag: "HandshakeSucceeded", address }
    case EVENT.HANDSHAKE_FAILED_NO_DETAIL:
      return {
        _tag: "HandshakeFailed",
        address,
        reason: "other",
        detail: socket.binding.strerror(value),
        error: failure("handshake")
      }
    case EVENT.HANDSHAKE_FAILED_PROTOCOL: {
      const detail = protocolErrors[value] ?? `0x${value.toString(16)}`
      return {
        _tag: "HandshakeFailed",
        address,
        reason: "protocol",
        detail,
        error: ZMQError.make("EPROTONOSUPPORT", "handshake", `Handshake failed: ${detail}`)
      }
    }
    case EVENT.HANDSHAKE_FAILED_AUTH:
      return {
        _tag: "HandshakeFailed",
        address,
        reason: "auth",
        detail: String(value),
        error: ZMQError.make("EACCES", "handshake", `Authentication failed with status ${value}`)
      }
    default:
      return { _tag: "Unknown", type: `0x${event.toString(16)}` }
  }
}

type Subscriber = Queue.Queue<SocketEvent, ZMQError | Cause.Done>

let monitors = 0

/**
 * The monitor of one socket, running while at least one events stream watches it: the first subscriber starts
 * libzmq's monitor on a private inproc endpoint and connects a PAIR to it in the same step (events sent before the
 * PAIR connects would be lost); a reader fiber hands every event to the streams subscribed at that moment; the last
 * subscriber to leave stops the monitor (`zmq_socket_monitor(s, NULL, 0)`) and closes the PAIR. libzmq ends the
 * monitor itself when the socket closes (`MONITOR_STOPPED`), which ends every stream.
 */
class Monitor {
  private readonly subscribers = new Set<Subscriber>()
  private pair: SocketImpl | undefined = undefined
  private readonly socket: SocketImpl

  constructor(socket: SocketImpl) {
    this.socket = socket
  }

  subscribe(queue: Subscriber): Effect.Effect<void, ZMQError> {
    return Effect.suspend(() => {
      if (this.pair !== undefined) {
        this.subscribers.add(queue)
        return Effect.void
      }
      return Effect.flatMap(makeInternal("PAIR", this.socket.context), (pair) =>
        Effect.suspend(() => {
          if (this.pair !== undefined) {
            // another subscriber started it meanwhile
            pair.closeNow()
          } else {
            const error = this.start(pair)
            if (error) return Effect.fail(error)
          }
          this.subscribers.add(queue)
          return Effect.void
        }))
    })
  }

  unsubscribe(queue: Subscriber): void {
    if (!this.subscribers.delete(queue) || this.subscribers.size > 0) return
    this.stop()
  }

  private start(pair: SocketImpl): ZMQError | undefined {
    const socket = this.socket
    const endpoint = `inproc://effect-zmq.monitor.${++monitors}`
    const status = socket.binding.monitor(socket.handle, endpoint, ALL_EVENTS)
    if (status !== 0) {
      pair.closeNow()
      return socket.engine.errorOf(status, "events")
    }
    const connected = socket.binding.connect(pair.handle, endpoint)
    if (connected !== 0) {
      socket.binding.monitor(socket.handle, null, 0)
      pair.closeNow()
      return pair.engine.errorOf(connected, "events")
    }
    this.pair = pair
    Effect.runFork(this.read(pair))
    return undefined
  }

  private stop(): void {
    const pair = this.pair
    if (pair === undefined) return
    this.pair = undefined
    if (!this.socket.closed) this.socket.binding.monitor(this.socket.handle, null, 0)
    pair.closeNow()
  }

  /** Reads events until the monitor stops or its PAIR is closed; never fails (every end ends the subscribers). */
  private read(pair: SocketImpl): Effect.Effect<void> {
    const loop: Effect.Effect<void> = pair.engine.recvMessage(false).pipe(
      Effect.matchEffect({
        onFailure: (error) => Effect.sync(() => this.end(pair, error.code === "ENOTSOCK" ? "ended" : error)),
        onSuccess: (frames) => {
          const event = toSocketEvent(this.socket, frames)
          if (event === undefined) return Effect.sync(() => this.end(pair, "ended"))
          for (const queue of this.subscribers) Queue.offerUnsafe(queue, event)
          return loop
        }
      })
    )
    return loop
  }

  private end(pair: SocketImpl, reason: ZMQError | "ended"): void {
    // a reader of a PAIR that was stopped already: its monitor's subscribers, if any, belong to a newer PAIR
    if (this.pair !== pair) return
    this.pair = undefined
    pair.closeNow()
    for (const queue of this.subscribers) {
      if (reason === "ended") Queue.endUnsafe(queue)
      else Queue.failCauseUnsafe(queue, Cause.fail(reason))
    }
    this.subscribers.clear()
  }
}

const monitorsOf = new WeakMap<SocketImpl, Monitor>()

export const events = (socket: ZmqSocket): Stream.Stream<SocketEvent, ZMQError> =>
  Stream.unwrap(Effect.gen(function*() {
    if (!(socket instanceof SocketImpl)) {
      return yield* Effect.fail(invalid("events", `socket must be a ZmqSocket made by ZmqSocket.make, got ${describe(socket)}`))
    }
    // a socket already closed has no events left: the stream is empty, as it would end with the socket
    if (socket.closed) return Stream.empty
    let monitor = monitorsOf.get(socket)
    if (monitor === undefined) {
      monitor = new Monitor(socket)
      monitorsOf.set(socket, monitor)
    }
    const queue: Subscriber = yield* Queue.unbounded<SocketEvent, ZMQError | Cause.Done>()
    const started = monitor
    yield* Effect.acquireRelease(started.subscribe(queue), () => Effect.sync(() => started.unsubscribe(queue)))
    return Stream.fromQueue(queue)
  }))
