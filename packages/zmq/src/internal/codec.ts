import { ZMQError } from "@effect-zmq/core/ZMQError"
import type * as Arr from "effect/Array"
import * as Cause from "effect/Cause"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import type { SchemaSocket, SchemaSocketOptions, StreamOptions, ZmqSocket } from "../ZmqSocket.ts"
import { describe, engineOf, invalid, isClosedByOwner } from "./access.ts"
import { DEFAULT_CHUNK_SIZE } from "./stream.ts"

/**
 * A received message that could not be decoded. It carries the raw frames, so the message is never silently lost:
 * the receiver can log it, forward it to a dead-letter socket or answer with an error. `unprocessed` holds the
 * messages a typed stream had taken in the same batch after this one (empty for `recv`).
 */
export class DecodeError extends Data.TaggedError("ZmqDecodeError")<{
  readonly frames: ReadonlyArray<Uint8Array>
  readonly message: string
  readonly unprocessed: ReadonlyArray<ReadonlyArray<Uint8Array>>
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
    return new DecodeError({ frames, unprocessed: [], message: `expected a message of one JSON frame, got ${frames.length} frames` })
  }
  try {
    return JSON.parse(decoder.decode(frames[0]))
  } catch (cause) {
    return new DecodeError({ frames, unprocessed: [], message: `the frame is not UTF-8 JSON: ${String(cause)}`, cause })
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
      Effect.mapError((error) => new DecodeError({ frames, unprocessed: [], message: error.message, cause: error }))
    ) as Effect.Effect<A, DecodeError>
  }

  /** Decodes a batch in order; at the first failure, what decoded before it is emitted first. */
  const streamOf = (streamOptions?: StreamOptions): Stream.Stream<A, ZMQError | DecodeError> =>
    Stream.fromPull(Effect.suspend(() => {
      const engine = engineOf(socket, "stream", "recv")
      if (engine instanceof ZMQError) return Effect.fail(engine)
      const chunkSize = streamOptions?.chunkSize ?? DEFAULT_CHUNK_SIZE
      if (!Number.isInteger(chunkSize) || chunkSize < 1) {
        return Effect.fail(invalid("stream", `chunkSize must be an integer >= 1, got ${String(chunkSize)}`))
      }
      let failure: DecodeError | undefined
      const pull = Effect.suspend(() => {
        if (failure !== undefined) return Effect.fail(failure)
        return engine.recvBatch(chunkSize, false).pipe(
          Effect.catchIf(isClosedByOwner, () => Cause.done()),
          Effect.flatMap((batch) =>
            Effect.gen(function*() {
              const values: Array<A> = []
              for (let i = 0; i < batch.length; i++) {
                const decoded = yield* Effect.result(fromFrames(batch[i]))
                if (decoded._tag === "Success") {
                  values.push(decoded.success)
                  continue
                }
                const bad = decoded.failure
                failure = new DecodeError({
                  frames: bad.frames,
                  message: bad.message,
                  unprocessed: batch.slice(i + 1),
                  cause: bad.cause
                })
                if (values.length === 0) return yield* Effect.fail(failure)
                break
              }
              return values as unknown as Arr.NonEmptyReadonlyArray<A>
            })
          )
        )
      })
      return Effect.succeed(pull)
    }))

  return {
    socket,
    send: (value) => Effect.flatMap(toFrames(value), (frames) => socket.sendMultipart(frames)),
    recv: Effect.flatMap(socket.recvMultipart(), fromFrames),
    stream: streamOf,
    encode: toFrames,
    decode: fromFrames
  }
}
