import { ZMQError } from "@effect-zmq/core/ZMQError"
import type * as Arr from "effect/Array"
import * as Cause from "effect/Cause"
import * as Channel from "effect/Channel"
import * as Effect from "effect/Effect"
import * as Scope from "effect/Scope"
import * as Sink from "effect/Sink"
import * as Stream from "effect/Stream"
import type { StreamOptions, ZmqSocket } from "../ZmqSocket.ts"
import { describe, engineOf, invalid, isClosedByOwner } from "./access.ts"
import { outgoingBytes } from "./socket.ts"

/** How many messages one step drains from the socket at most, whatever the chunk size. */
export const DRAIN_SIZE = 128

const validChunkSize = (options: StreamOptions | undefined): number | ZMQError => {
  const size = options?.chunkSize ?? 1
  return Number.isInteger(size) && size >= 1
    ? size
    : invalid("stream", `chunkSize must be an integer >= 1, got ${String(size)}`)
}

/**
 * Each step drains every ready message (up to `DRAIN_SIZE`, or `chunkSize` if larger) into a buffer that belongs
 * to this stream, inside the engine's take step (`recvInto`), and emits chunks of `chunkSize` from it. When the
 * stream stops for any reason (the consumer has enough, an interrupt, an error), what is left in the buffer goes
 * back to the front of the socket's inbox (`requeue`): nothing taken is lost, and the next `recv` gets it, in order.
 * With the default `chunkSize` of 1 every message is its own chunk, so `Stream.take(n)` takes exactly `n`.
 */
export const stream = (
  socket: ZmqSocket,
  options?: StreamOptions
): Stream.Stream<ReadonlyArray<Uint8Array>, ZMQError> =>
  drained(socket, options, (buffer, chunkSize) =>
    Effect.sync(() => buffer.splice(0, chunkSize) as unknown as Arr.NonEmptyReadonlyArray<ReadonlyArray<Uint8Array>>))

/**
 * The scaffold of both streams: a buffer owned by the stream, filled in the engine's take step (`recvInto`) when it
 * is empty, emptied by `take`, and given back to the front of the socket when the stream stops.
 */
const drained = <A, E>(
  socket: ZmqSocket,
  options: StreamOptions | undefined,
  take: (buffer: Array<ReadonlyArray<Uint8Array>>, chunkSize: number) => Effect.Effect<Arr.NonEmptyReadonlyArray<A>, E>
): Stream.Stream<A, ZMQError | E> =>
  Stream.fromChannel(Channel.fromTransform((_upstream, scope) =>
    Effect.suspend(() => {
      const engine = engineOf(socket, "stream", "recv")
      if (engine instanceof ZMQError) return Effect.fail(engine)
      const chunkSize = validChunkSize(options)
      if (typeof chunkSize !== "number") return Effect.fail(chunkSize)
      const drainSize = Math.max(chunkSize, DRAIN_SIZE)
      const buffer: Array<ReadonlyArray<Uint8Array>> = []
      const fromBuffer = take(buffer, chunkSize)
      const pull: Effect.Effect<Arr.NonEmptyReadonlyArray<A>, ZMQError | E | Cause.Done> = Effect.suspend(() =>
        buffer.length > 0
          ? fromBuffer
          : engine.recvInto(buffer, drainSize, false).pipe(
            Effect.catchIf(isClosedByOwner, () => Cause.done()),
            Effect.andThen(fromBuffer)
          )
      )
      return Effect.as(
        Scope.addFinalizer(scope, Effect.sync(() => engine.requeue(buffer.splice(0)))),
        pull
      )
    })
  ))

/** The same checks as sendMultipart, for a whole chunk, before anything of it is sent (the sink holds the buffers). */
const prepareChunk = (
  messages: ReadonlyArray<ReadonlyArray<Uint8Array>>
): Array<ReadonlyArray<Uint8Array>> | ZMQError => {
  const prepared: Array<ReadonlyArray<Uint8Array>> = new Array(messages.length)
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i]
    if (!Array.isArray(message) || message.length === 0) {
      return invalid("sink", `a message must be a non-empty array of Uint8Array, got ${describe(message)}`)
    }
    const frames: Array<Uint8Array> = new Array(message.length)
    for (let j = 0; j < message.length; j++) {
      const bytes = outgoingBytes(message[j], false, "sink", `message[${j}]`)
      if (bytes instanceof ZMQError) return bytes
      frames[j] = bytes
    }
    prepared[i] = frames
  }
  return prepared
}

/**
 * A stream of decoded values, decoding in the pull step: a message leaves the stream's buffer only once it decoded,
 * so when one does not, the values decoded before it are emitted first, the next pull fails with its error (the bad
 * message goes with the error), and everything after it is still in the buffer, which goes back to the socket when
 * the stream stops.
 */
export const decodedStream = <A, E>(
  socket: ZmqSocket,
  options: StreamOptions | undefined,
  decode: (frames: ReadonlyArray<Uint8Array>) => Effect.Effect<A, E>
): Stream.Stream<A, ZMQError | E> =>
  drained(socket, options, (buffer, chunkSize) =>
    Effect.suspend(() => {
      const values: Array<A> = []
      const next: Effect.Effect<Arr.NonEmptyReadonlyArray<A>, E> = Effect.suspend(() => {
        if (values.length >= chunkSize || buffer.length === 0) {
          return Effect.succeed(values as unknown as Arr.NonEmptyReadonlyArray<A>)
        }
        return decode(buffer[0]).pipe(
          Effect.matchEffect({
            onSuccess: (value) => {
              buffer.shift()
              values.push(value)
              return next
            },
            onFailure: (error) => {
              // emit what decoded first; the bad message fails the next pull
              if (values.length > 0) return Effect.succeed(values as unknown as Arr.NonEmptyReadonlyArray<A>)
              buffer.shift()
              return Effect.fail(error)
            }
          })
        )
      })
      return next
    }))

/**
 * Sends each chunk in as few steps as possible (the engine's `sendBatch`): a step waits (suspending only this fiber,
 * bounded by `SNDTIMEO` as `send` is) while the socket is at its high-water mark, which is the backpressure the
 * upstream feels. The chunk's buffers are not copied: the sink holds them until the chunk is sent.
 */
export const sink = (
  socket: ZmqSocket
): Sink.Sink<void, ReadonlyArray<Uint8Array>, never, ZMQError> =>
  Sink.forEachArray((messages: ReadonlyArray<ReadonlyArray<Uint8Array>>) => {
    const engine = engineOf(socket, "sink", "send")
    if (engine instanceof ZMQError) return Effect.fail(engine)
    const prepared = prepareChunk(messages)
    return prepared instanceof ZMQError ? Effect.fail(prepared) : engine.sendBatch(prepared)
  })

/** {@link sink} with each chunk's send wrapped by `around` (telemetry: counts and spans per chunk). */
export const sinkWith = (
  socket: ZmqSocket,
  around: (
    messages: ReadonlyArray<ReadonlyArray<Uint8Array>>,
    send: Effect.Effect<void, ZMQError>
  ) => Effect.Effect<void, ZMQError>
): Sink.Sink<void, ReadonlyArray<Uint8Array>, never, ZMQError> =>
  Sink.forEachArray((messages: ReadonlyArray<ReadonlyArray<Uint8Array>>) => {
    const engine = engineOf(socket, "sink", "send")
    if (engine instanceof ZMQError) return Effect.fail(engine)
    const prepared = prepareChunk(messages)
    return prepared instanceof ZMQError ? Effect.fail(prepared) : around(messages, engine.sendBatch(prepared))
  })
