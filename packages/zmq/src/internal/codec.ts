import { ZMQError } from "@effect-zmq/core/ZMQError"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import type { SchemaSocket, SchemaSocketOptions, StreamOptions, ZmqSocket } from "../ZmqSocket.ts"
import { describe, invalid } from "./access.ts"
import { decodedStream } from "./stream.ts"

/**
 * A received message that could not be decoded. It carries the raw frames, so the message is never silently lost:
 * the receiver can log it, forward it to a dead-letter socket or answer with an error. The messages after it stay
 * in the socket.
 */
export class DecodeError extends Data.TaggedError("ZmqDecodeError")<{
  readonly frames: ReadonlyArray<Uint8Array>
  readonly message: string
  readonly cause?: unknown
}> {}

const encoder = new TextEncoder()
const decoder = new TextDecoder("utf-8", { fatal: true })

/** JSON text of a value; anything JSON cannot represent (undefined, a function, a BigInt, a cycle) is EINVAL. */
export const encodeJson = (value: unknown, operation: string): Uint8Array | ZMQError => {
  let text: string | undefined
  try {
    text = JSON.stringify(value)
  } catch (cause) {
    return ZMQError.make("EINVAL", operation, `value cannot be encoded as JSON: ${String(cause)}`, cause)
  }
  if (text === undefined) return invalid(operation, `value cannot be encoded as JSON, got ${describe(value)}`)
  return encoder.encode(text)
}

/** Parses a one-frame JSON message. */
export const decodeJson = (frames: ReadonlyArray<Uint8Array>): unknown | DecodeError => {
  if (frames.length !== 1) {
    return new DecodeError({ frames, message: `expected a message of one JSON frame, got ${frames.length} frames` })
  }
  try {
    return JSON.parse(decoder.decode(frames[0]))
  } catch (cause) {
    return new DecodeError({ frames, message: `the frame is not UTF-8 JSON: ${String(cause)}`, cause })
  }
}

export const sendJson = (socket: ZmqSocket, value: unknown): Effect.Effect<void, ZMQError> =>
  Effect.suspend(() => {
    const frame = encodeJson(value, "sendJson")
    return frame instanceof ZMQError ? Effect.fail(frame) : socket.sendMultipart([frame])
  })

export const recvJson = (socket: ZmqSocket): Effect.Effect<unknown, ZMQError | DecodeError> =>
  Effect.flatMap(socket.recvMultipart(), (frames) => {
    const value = decodeJson(frames)
    return value instanceof DecodeError ? Effect.fail(value) : Effect.succeed(value)
  })

type AnyCodec = Schema.Codec<unknown, unknown>

export const schema = <A, I>(
  socket: ZmqSocket,
  codec: Schema.Codec<A, I>,
  options?: SchemaSocketOptions
): SchemaSocket<A> => {
  const format = options?.format ?? "json"
  const encode = Schema.encodeUnknownEffect(codec as unknown as AnyCodec)
  const decode = Schema.decodeUnknownEffect(codec as unknown as AnyCodec)

  const toFrames = (value: A): Effect.Effect<ReadonlyArray<Uint8Array>, ZMQError> =>
    encode(value).pipe(
      Effect.mapError((error) => ZMQError.make("EINVAL", "send", `value does not encode with the schema: ${error.message}`, error)),
      Effect.flatMap((encoded) => {
        if (format === "json") {
          const frame = encodeJson(encoded, "send")
          return frame instanceof ZMQError ? Effect.fail(frame) : Effect.succeed([frame])
        }
        return Array.isArray(encoded) && encoded.length > 0 && encoded.every((frame) => frame instanceof Uint8Array)
          ? Effect.succeed(encoded as ReadonlyArray<Uint8Array>)
          : Effect.fail(invalid("send", "with format \"frames\" the schema must encode to a non-empty array of Uint8Array"))
      })
    )

  const fromFrames = (frames: ReadonlyArray<Uint8Array>): Effect.Effect<A, DecodeError> => {
    const input = format === "json" ? decodeJson(frames) : frames
    if (input instanceof DecodeError) return Effect.fail(input)
    return decode(input).pipe(
      Effect.mapError((error) => new DecodeError({ frames, message: error.message, cause: error }))
    ) as Effect.Effect<A, DecodeError>
  }

  /** Decodes message by message; at the first failure the stream fails and what it had drained goes back. */
  const streamOf = (streamOptions?: StreamOptions): Stream.Stream<A, ZMQError | DecodeError> =>
    decodedStream(socket, streamOptions, fromFrames)

  return {
    socket,
    send: (value) => Effect.flatMap(toFrames(value), (frames) => socket.sendMultipart(frames)),
    recv: Effect.flatMap(socket.recvMultipart(), fromFrames),
    stream: streamOf,
    encode: toFrames,
    decode: fromFrames
  }
}
