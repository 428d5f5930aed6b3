// Batched sends (the sink): each step hands ZeroMQ every message it accepts now and learns a refusal in that same
// step, so order holds across the high-water mark and an interrupted sink never sends a message later.
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Stream } from "effect"
import * as zmq from "zeromq"
import { ZmqSocket } from "@effect-zmq/zmq"
import { checkProbe } from "../src/internal/socket.ts"
import { decode, encode, eventually, pair, zmqTest } from "../../../test/helpers.ts"

describe("batched sends", () => {
  it("this zeromq.js build lets a batched send see a refusal in the same step", () => {
    expect(checkProbe(new zmq.Context())).toBe(true)
  })

  it.live("a sink crosses the high-water mark many times and keeps every message, in order", () =>
    zmqTest(Effect.gen(function*() {
      const [pull, push] = yield* pair("PULL", "PUSH", { a: { RCVHWM: 5 }, b: { SNDHWM: 5 } })
      const total = 3000
      const sender = yield* Effect.forkChild(
        Stream.range(0, total - 1).pipe(
          Stream.map((i) => [encode(String(i))]),
          Stream.rechunk(128),
          Stream.run(ZmqSocket.sink(push))
        )
      )
      const got: Array<number> = []
      for (let i = 0; i < total; i++) got.push(Number(decode(yield* pull.recv())))
      yield* Fiber.join(sender)
      expect(got).toEqual(Array.from({ length: total }, (_, i) => i))
    })))

  it.live("an interrupted sink sends nothing more, now or later", () =>
    zmqTest(Effect.gen(function*() {
      const push = yield* ZmqSocket.make("PUSH", { bind: "tcp://127.0.0.1:*", SNDHWM: 2 })
      const endpoint = yield* push.lastEndpoint
      const sink = yield* Effect.forkChild(
        Stream.range(0, 99).pipe(Stream.map((i) => [encode(String(i))]), Stream.rechunk(100), Stream.run(ZmqSocket.sink(push)))
      )
      // no peer: nothing can be sent; the sink waits for room
      yield* eventually(() => push.stats().senders === 1)
      yield* Fiber.interrupt(sink)
      expect(push.stats().senders).toBe(0)
      const pull = yield* ZmqSocket.make("PULL", { connect: endpoint })
      yield* push.sendString("after")
      expect(yield* pull.recvString()).toBe("after")
    })))

  it.live("a sink refuses a bad message before sending anything of its chunk", () =>
    zmqTest(Effect.gen(function*() {
      const [pull, push] = yield* pair("PULL", "PUSH")
      const bad = [[encode("ok")], ["text" as unknown as Uint8Array]]
      const error = yield* Effect.flip(Stream.fromIterable(bad).pipe(Stream.rechunk(2), Stream.run(ZmqSocket.sink(push))))
      expect(error.code).toBe("EINVAL")
      yield* push.sendString("only")
      expect(yield* pull.recvString()).toBe("only")
    })))
})
