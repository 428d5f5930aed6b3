import { ZMQError } from "@effect-zmq/core/ZMQError"
import type * as Arr from "effect/Array"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Sink from "effect/Sink"
import * as Stream from "effect/Stream"
import type { StreamOptions, ZmqSocket } from "../ZmqSocket.ts"
import { engineOf, invalid, isClosedByOwner } from "./access.ts"

/** Chunks stay bounded so one busy socket cannot hand a consumer an unbounded array in one pull. */
export const DEFAULT_CHUNK_SIZE = 128

const validChunkSize = (options: StreamOptions | undefined): number | ZMQError => {
  const size = options?.chunkSize ?? DEFAULT_CHUNK_SIZE
  return Number.isInteger(size) && size >= 1
    ? size
    : invalid("stream", `chunkSize must be an integer >= 1, got ${String(size)}`)
}

/**
 * Each pull is one `recvBatch`: the engine takes the messages for this pull only, in the pulling fiber's own step, and
 * they are emitted in that same step. Nothing is read ahead into a buffer of ours, so an interrupted pull (still
 * waiting) has taken nothing, and whatever a consumer did not pull is still in the socket.
 */
export const stream = (
  socket: ZmqSocket,
  options?: StreamOptions
): Stream.Stream<ReadonlyArray<Uint8Array>, ZMQError> =>
  Stream.fromPull(Effect.suspend(() => {
    const engine = engineOf(socket, "stream", "recv")
    if (engine instanceof ZMQError) return Effect.fail(engine)
    const chunkSize = validChunkSize(options)
    if (typeof chunkSize !== "number") return Effect.fail(chunkSize)
    const pull = engine.recvBatch(chunkSize, false).pipe(
      Effect.catchIf(isClosedByOwner, () => Cause.done())
    ) as Effect.Effect<Arr.NonEmptyReadonlyArray<ReadonlyArray<Uint8Array>>, ZMQError | Cause.Done>
    return Effect.succeed(pull)
  }))

/**
 * One green `sendMultipart` per message: a send waits (suspending only this fiber) while the socket is at its
 * high-water mark, which is the backpressure the upstream feels.
 */
export const sink = (
  socket: ZmqSocket
): Sink.Sink<void, ReadonlyArray<Uint8Array>, never, ZMQError> =>
  Sink.forEach((message: ReadonlyArray<Uint8Array>) => socket.sendMultipart(message))
