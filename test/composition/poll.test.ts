import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Fiber } from "effect"
import { Events, ZmqSocket } from "@effect-zmq/zmq"
import { decode, encode, zmqTest } from "../helpers.ts"
import { eventually, pushPull } from "./util.ts"

const { POLLIN, POLLOUT } = Events

describe("ZmqSocket.poll", () => {
  it.live("timeout 0 answers at once, reporting what is ready now and consuming nothing", () =>
    zmqTest(Effect.gen(function*() {
      const [push, pull] = yield* pushPull("now")
      expect(yield* ZmqSocket.poll([{ socket: pull, events: POLLIN }], { timeout: 0 })).toEqual([])
      const writable = yield* ZmqSocket.poll([{ socket: push, events: POLLOUT }, { socket: pull, events: POLLIN }], {
        timeout: 0
      })
      expect(writable).toEqual([{ socket: push, events: POLLOUT }])
      yield* push.send(encode("m"))
      const readable = yield* ZmqSocket.poll([{ socket: push }, { socket: pull }], { timeout: 0 })
      expect(readable).toEqual([{ socket: push, events: POLLOUT }, { socket: pull, events: POLLIN }])
      // the poll took nothing: the message is still there
      expect(decode(yield* pull.recv())).toBe("m")
    })))

  it.live("a poll is woken by a send from another fiber and reports which socket", () =>
    zmqTest(Effect.gen(function*() {
      const [pushA, pullA] = yield* pushPull("wakeA")
      const [pushB, pullB] = yield* pushPull("wakeB")
      const polling = yield* Effect.forkChild(
        ZmqSocket.poll([{ socket: pullA, events: POLLIN }, { socket: pullB, events: POLLIN }])
      )
      yield* eventually(() => pullA.stats().probes === 1 && pullB.stats().probes === 1)
      yield* Effect.forkChild(pushB.send(encode("to b")))
      const ready = yield* Fiber.join(polling)
      expect(ready).toEqual([{ socket: pullB, events: POLLIN }])
      // the losing probe was unregistered; nothing was consumed
      expect(pullA.stats().probes).toBe(0)
      expect(pullB.stats().probes).toBe(0)
      expect(decode(yield* pullB.recv())).toBe("to b")
      void pushA
    })))

  it.live("a poll over tcp waits for the peer's message", () =>
    zmqTest(Effect.gen(function*() {
      const pull = yield* ZmqSocket.make("PULL", { bind: "tcp://127.0.0.1:*" })
      const push = yield* ZmqSocket.make("PUSH", { connect: yield* pull.lastEndpoint })
      const polling = yield* Effect.forkChild(ZmqSocket.poll([{ socket: pull, events: POLLIN }], { timeout: "10 seconds" }))
      yield* push.send(encode("over tcp"))
      expect(yield* Fiber.join(polling)).toEqual([{ socket: pull, events: POLLIN }])
      expect(decode(yield* pull.recv())).toBe("over tcp")
    })))

  it.live("a poll with a timeout returns empty when nothing becomes ready", () =>
    zmqTest(Effect.gen(function*() {
      const [, pull] = yield* pushPull("timeout")
      const started = Date.now()
      expect(yield* ZmqSocket.poll([{ socket: pull, events: POLLIN }], { timeout: "30 millis" })).toEqual([])
      expect(Date.now() - started).toBeGreaterThanOrEqual(25)
      expect(pull.stats()).toMatchObject({ probes: 0, watching: false })
    })))

  it.live("interrupting a poll only unregisters its probes", () =>
    zmqTest(Effect.gen(function*() {
      const [push, pull] = yield* pushPull("interrupt")
      const polling = yield* Effect.forkChild(ZmqSocket.poll([{ socket: pull, events: POLLIN }]))
      yield* eventually(() => pull.stats().probes === 1)
      yield* Fiber.interrupt(polling)
      expect(pull.stats()).toMatchObject({ probes: 0, watching: false })
      yield* push.send(encode("after"))
      expect(decode(yield* pull.recv())).toBe("after")
    })))

  it.live("a socket closed under a poll fails it with ENOTSOCK; bad items fail with EINVAL", () =>
    zmqTest(Effect.gen(function*() {
      const [, pull] = yield* pushPull("closed")
      const polling = yield* Effect.forkChild(ZmqSocket.poll([{ socket: pull, events: POLLIN }]))
      yield* eventually(() => pull.stats().probes === 1)
      yield* pull.close
      const exit = yield* Fiber.await(polling)
      expect(Exit.isFailure(exit) && JSON.stringify(exit.cause)).toContain("ENOTSOCK")

      const [push2, pull2] = yield* pushPull("invalid")
      const bad = [
        ZmqSocket.poll([{ socket: pull2, events: 0 }]),
        ZmqSocket.poll([{ socket: pull2, events: 8 }]),
        ZmqSocket.poll([{ socket: {} as ZmqSocket.ZmqSocket }]),
        ZmqSocket.poll(null as unknown as Array<ZmqSocket.PollItem>),
        ZmqSocket.poll([{ socket: push2 }], { timeout: "soon" as unknown as number })
      ]
      for (const poll of bad) expect(yield* Effect.flip(poll)).toMatchObject({ _tag: "ZMQError", code: "EINVAL" })
    })))
})
