import { describe, expect, it } from "@effect/vitest"
import { Effect, Schema, Stream } from "effect"
import { ZmqSocket } from "@effect-zmq/zmq"
import { decode, encode, zmqTest } from "../helpers.ts"
import { pushPull } from "./util.ts"

const Order = Schema.Struct({ id: Schema.Number, item: Schema.String })
const Frames = Schema.Tuple([Schema.Uint8Array, Schema.Uint8Array])

describe("typed codecs", () => {
  it.live("sendJson / recvJson round-trip; what JSON cannot carry is EINVAL and nothing is sent", () =>
    zmqTest(Effect.gen(function*() {
      const [push, pull] = yield* pushPull("json")
      yield* ZmqSocket.sendJson(push, { a: 1, b: ["x", null] })
      expect(yield* ZmqSocket.recvJson(pull)).toEqual({ a: 1, b: ["x", null] })
      yield* ZmqSocket.sendJson([1, 2])(push)
      expect(yield* ZmqSocket.recvJson(pull)).toEqual([1, 2])
      expect(yield* Effect.flip(ZmqSocket.sendJson(push, 10n))).toMatchObject({ code: "EINVAL" })
      expect(yield* Effect.flip(ZmqSocket.sendJson(push, undefined))).toMatchObject({ code: "EINVAL" })
      // a message that is not JSON is a DecodeError carrying its frames
      yield* push.send(encode("{not json"))
      const error = yield* Effect.flip(ZmqSocket.recvJson(pull))
      expect(error._tag).toBe("ZmqDecodeError")
      if (error._tag === "ZmqDecodeError") expect(error.frames.map(decode)).toEqual(["{not json"])
      // nothing else was sent
      yield* ZmqSocket.sendJson(push, "next")
      expect(yield* ZmqSocket.recvJson(pull)).toBe("next")
    })))

  it.live("schema: values go through the schema; a bad message is a typed error with its frames, the next one is fine", () =>
    zmqTest(Effect.gen(function*() {
      const [push, pull] = yield* pushPull("schema")
      const orders = ZmqSocket.schema(pull, Order)
      yield* ZmqSocket.schema(push, Order).send({ id: 1, item: "tea" })
      expect(yield* orders.recv).toEqual({ id: 1, item: "tea" })

      yield* ZmqSocket.sendJson(push, { id: "one", item: "tea" })
      yield* ZmqSocket.sendJson(push, { id: 2, item: "cake" })
      const error = yield* Effect.flip(orders.recv)
      expect(error).toMatchObject({ _tag: "ZmqDecodeError" })
      if (error._tag === "ZmqDecodeError") expect(JSON.parse(decode(error.frames[0]))).toEqual({ id: "one", item: "tea" })
      expect(yield* orders.recv).toEqual({ id: 2, item: "cake" })

      // a value the schema cannot encode is EINVAL, and nothing is sent
      const bad = yield* Effect.flip(ZmqSocket.schema(push, Order).send({ id: "x" } as unknown as typeof Order.Type))
      expect(bad).toMatchObject({ code: "EINVAL" })
    })))

  it.live("schema with format frames: the schema's encoded value is the message's frames", () =>
    zmqTest(Effect.gen(function*() {
      const [push, pull] = yield* pushPull("frames")
      yield* ZmqSocket.schema(push, Frames, { format: "frames" }).send([encode("topic"), encode("body")])
      const raw = yield* pull.recvMultipart()
      expect(raw.map(decode)).toEqual(["topic", "body"])
      yield* push.sendMultipart([encode("a"), encode("b")])
      const typed = yield* ZmqSocket.schema(pull, Frames, { format: "frames" }).recv
      expect(typed.map(decode)).toEqual(["a", "b"])
      yield* push.sendMultipart([encode("only one")])
      const error = yield* Effect.flip(ZmqSocket.schema(pull, Frames, { format: "frames" }).recv)
      expect(error).toMatchObject({ _tag: "ZmqDecodeError" })
    })))

  it.live("a typed stream emits the values before a bad message, then fails carrying it; the rest stays in the socket", () =>
    zmqTest(Effect.gen(function*() {
      const [push, pull] = yield* pushPull("stream")
      const send = ZmqSocket.schema(push, Order).send
      yield* send({ id: 1, item: "a" })
      yield* send({ id: 2, item: "b" })
      yield* ZmqSocket.sendJson(push, { wrong: true })
      yield* send({ id: 4, item: "d" })
      const seen: Array<number> = []
      const error = yield* ZmqSocket.schema(pull, Order).stream().pipe(
        Stream.runForEach((order) => Effect.sync(() => seen.push(order.id))),
        Effect.flip
      )
      expect(seen).toEqual([1, 2])
      expect(error).toMatchObject({ _tag: "ZmqDecodeError" })
      if (error._tag === "ZmqDecodeError") {
        expect(JSON.parse(decode(error.frames[0]))).toEqual({ wrong: true })
      }
      // what the stream had drained after the bad message went back to the socket
      expect(yield* ZmqSocket.recvJson(pull)).toEqual({ id: 4, item: "d" })
    })))
})
