import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Exit, Fiber, Stream } from "effect"
import { Events, Flags, ZmqSocket } from "@effect-zmq/zmq"
import { decode, encode, zmqTest } from "../helpers.ts"
import { asNumber, eventually, numbers, pushPull, sendNumbers } from "./util.ts"

describe("ZmqSocket.stream", () => {
  it.live("drains every ready message in one chunk, bounded by chunkSize", () =>
    zmqTest(Effect.gen(function*() {
      const [push, pull] = yield* pushPull("drain")
      yield* sendNumbers(push, 0, 10)
      const all = yield* ZmqSocket.stream(pull, { chunkSize: 128 }).pipe(Stream.chunks, Stream.take(1), Stream.runCollect)
      expect(all.map((chunk) => chunk.map(asNumber))).toEqual([numbers(0, 10)])

      yield* sendNumbers(push, 10, 20)
      const bounded = yield* ZmqSocket.stream(pull, { chunkSize: 4 }).pipe(Stream.chunks, Stream.take(3), Stream.runCollect)
      expect(bounded.map((chunk) => chunk.map(asNumber))).toEqual([numbers(10, 14), numbers(14, 18), numbers(18, 20)])
    })))

  it.live("a consumer that stops after N leaves every later message in the socket", () =>
    zmqTest(Effect.gen(function*() {
      const [push, pull] = yield* pushPull("stop")
      yield* sendNumbers(push, 0, 20)
      // by default every message is its own chunk, so stopping after 3 takes exactly 3; what the stream had drained
      // beyond them went back to the socket
      const firstThree = yield* ZmqSocket.stream(pull).pipe(Stream.take(3), Stream.runCollect)
      expect(firstThree.map(asNumber)).toEqual([0, 1, 2])
      expect(decode(yield* pull.recv())).toBe("3")
      // a consumer that stops after two chunks of 4 has taken 8 messages
      const twoChunks = yield* ZmqSocket.stream(pull, { chunkSize: 4 }).pipe(Stream.take(8), Stream.runCollect)
      expect(twoChunks.map(asNumber)).toEqual(numbers(4, 12))
      const rest: Array<number> = []
      for (let i = 12; i < 20; i++) rest.push(asNumber(yield* pull.recvMultipart()))
      expect(rest).toEqual(numbers(12, 20))
      expect(pull.stats()).toMatchObject({ receivers: 0, inbox: 0 })
    })))

  it.live("interrupting a stream mid-chunk loses nothing: the rest is received afterwards, in order", () =>
    zmqTest(Effect.gen(function*() {
      const [push, pull] = yield* pushPull("interrupt")
      const total = 3000
      const seen: Array<number> = []
      const enough = yield* Deferred.make<void>()
      yield* Effect.forkChild(sendNumbers(push, 0, total))
      // the consumer handles each chunk in one synchronous step, so whatever the stream emitted is recorded
      const consumer = yield* Effect.forkChild(
        ZmqSocket.stream(pull, { chunkSize: 16 }).pipe(
          Stream.runForEachArray((chunk) =>
            Effect.andThen(
              Effect.sync(() => seen.push(...chunk.map(asNumber))),
              seen.length >= 200 ? Deferred.succeed(enough, undefined) : Effect.void
            )
          )
        )
      )
      yield* Deferred.await(enough)
      yield* Fiber.interrupt(consumer)
      const stopped = seen.length
      const rest: Array<number> = []
      while (stopped + rest.length < total) rest.push(Number(decode(yield* pull.recv())))
      expect([...seen, ...rest]).toEqual(numbers(0, total))
      expect(pull.stats()).toMatchObject({ receivers: 0, inbox: 0 })
    })))

  it.live("ends when the socket is closed by its owner", () =>
    zmqTest(Effect.gen(function*() {
      const [push, pull] = yield* pushPull("close")
      const got: Array<number> = []
      const fiber = yield* Effect.forkChild(
        ZmqSocket.stream(pull).pipe(Stream.runForEach((message) => Effect.sync(() => got.push(asNumber(message)))))
      )
      yield* sendNumbers(push, 0, 5)
      yield* eventually(() => got.length === 5)
      yield* pull.close
      expect(yield* Fiber.await(fiber)).toEqual(Exit.void)
      expect(got).toEqual(numbers(0, 5))
      // a stream of a socket closed before it starts is empty
      expect(yield* ZmqSocket.stream(pull).pipe(Stream.runCollect)).toEqual([])
    })))

  it.live("fails with the real ZMQError otherwise", () =>
    zmqTest(Effect.gen(function*() {
      const [push, pull] = yield* pushPull("errors", { pull: { RCVTIMEO: 20 } })
      const timedOut = yield* ZmqSocket.stream(pull).pipe(Stream.runDrain, Effect.flip)
      expect(timedOut).toMatchObject({ _tag: "ZMQError", code: "EAGAIN" })
      const wrongType = yield* ZmqSocket.stream(push).pipe(Stream.runDrain, Effect.flip)
      expect(wrongType).toMatchObject({ code: "ENOTSUP" })
      const badSize = yield* ZmqSocket.stream(pull, { chunkSize: 0 }).pipe(Stream.runDrain, Effect.flip)
      expect(badSize).toMatchObject({ code: "EINVAL" })
      const notASocket = yield* ZmqSocket.stream({} as ZmqSocket.ZmqSocket).pipe(Stream.runDrain, Effect.flip)
      expect(notASocket).toMatchObject({ code: "EINVAL" })
    })))

  it.live("Stream.merge reads several sockets at once", () =>
    zmqTest(Effect.gen(function*() {
      const [pushA, pullA] = yield* pushPull("mergeA")
      const [pushB, pullB] = yield* pushPull("mergeB")
      yield* sendNumbers(pushA, 0, 50)
      yield* sendNumbers(pushB, 50, 100)
      const merged = yield* Stream.merge(ZmqSocket.stream(pullA), ZmqSocket.stream(pullB)).pipe(
        Stream.take(100),
        Stream.runCollect
      )
      const values = merged.map(asNumber)
      expect([...values].sort((a, b) => a - b)).toEqual(numbers(0, 100))
      // each socket's messages keep their order
      expect(values.filter((n) => n < 50)).toEqual(numbers(0, 50))
      expect(values.filter((n) => n >= 50)).toEqual(numbers(50, 100))
    })))
})

describe("ZmqSocket.sink", () => {
  it.live("sends every message, waiting while the socket cannot send (backpressure)", () =>
    zmqTest(Effect.gen(function*() {
      // a PUSH with no peer cannot send: the sink's first send waits, and the upstream is not pulled further
      const push = yield* ZmqSocket.make("PUSH", { SNDHWM: 1 })
      let pulled = 0
      const upstream = Stream.fromIterable(numbers(0, 10)).pipe(
        Stream.rechunk(1),
        Stream.tap(() => Effect.sync(() => pulled++)),
        Stream.map((n) => [encode(String(n)), encode("payload")])
      )
      const sending = yield* Effect.forkChild(Stream.run(upstream, ZmqSocket.sink(push)))
      yield* eventually(() => push.stats().senders === 1)
      expect(pulled).toBe(1)
      expect(yield* ZmqSocket.poll([{ socket: push, events: Events.POLLOUT }], { timeout: 0 })).toEqual([])

      const pull = yield* ZmqSocket.make("PULL", { bind: "tcp://127.0.0.1:*" })
      yield* push.connect(yield* pull.lastEndpoint)
      const received: Array<string> = []
      for (let i = 0; i < 10; i++) {
        const [n, payload] = yield* pull.recvMultipart()
        received.push(`${decode(n)}:${decode(payload)}`)
      }
      yield* Fiber.join(sending)
      expect(received).toEqual(numbers(0, 10).map((n) => `${n}:payload`))
      expect(yield* pull.recv({ flags: Flags.NOBLOCK }).pipe(Effect.flip)).toMatchObject({ code: "EAGAIN" })
    })))

  it.live("relays one socket's stream into another socket", () =>
    zmqTest(Effect.gen(function*() {
      const [pushIn, pullIn] = yield* pushPull("relayIn")
      const [pushOut, pullOut] = yield* pushPull("relayOut")
      yield* Effect.forkChild(ZmqSocket.stream(pullIn).pipe(Stream.run(ZmqSocket.sink(pushOut))))
      yield* sendNumbers(pushIn, 0, 100)
      const out = yield* ZmqSocket.stream(pullOut).pipe(Stream.take(100), Stream.runCollect)
      expect(out.map(asNumber)).toEqual(numbers(0, 100))
    })))
})
