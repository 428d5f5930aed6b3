import { describe, expect, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import { ZmqSocket } from "@effect-zmq/zmq"
import { decode, encode, zmqTest } from "../helpers.ts"
import { pushPull } from "./util.ts"

describe("RCVTIMEO / SNDTIMEO", () => {
  it.live("a recv waiting longer than RCVTIMEO fails with EAGAIN and leaves the socket usable", () =>
    zmqTest(Effect.gen(function*() {
      const [push, pull] = yield* pushPull("rcvtimeo", { pull: { RCVTIMEO: 30 } })
      const started = Date.now()
      const error = yield* Effect.flip(pull.recv())
      expect(error).toMatchObject({ _tag: "ZMQError", code: "EAGAIN" })
      expect(Date.now() - started).toBeGreaterThanOrEqual(25)
      expect(pull.stats()).toMatchObject({ receivers: 0, watching: false })
      yield* push.send(encode("later"))
      expect(decode(yield* pull.recv())).toBe("later")
      // -1 waits forever again; 0 makes every recv a non-blocking attempt
      yield* pull.setOption("RCVTIMEO", 0)
      expect(yield* Effect.flip(pull.recv())).toMatchObject({ code: "EAGAIN" })
      expect(yield* pull.getOption("RCVTIMEO")).toBe(0)
    })))

  it.live("a send waiting longer than SNDTIMEO fails with EAGAIN and sends nothing later", () =>
    zmqTest(Effect.gen(function*() {
      const push = yield* ZmqSocket.make("PUSH", { SNDTIMEO: 30 })
      const error = yield* Effect.flip(push.send(encode("never sent")))
      expect(error).toMatchObject({ _tag: "ZMQError", code: "EAGAIN" })
      expect(push.stats()).toMatchObject({ senders: 0, watching: false })
      const pull = yield* ZmqSocket.make("PULL", { bind: "tcp://127.0.0.1:*" })
      yield* push.connect(yield* pull.lastEndpoint)
      yield* push.setOption("SNDTIMEO", -1)
      yield* push.send(encode("sent"))
      expect(decode(yield* pull.recv())).toBe("sent")
    })))

  it.live("Effect.timeout is the first choice: per call, and the message stays for the next recv", () =>
    zmqTest(Effect.gen(function*() {
      const [push, pull] = yield* pushPull("effect-timeout")
      expect(yield* pull.recv().pipe(Effect.timeoutOption("20 millis"))).toEqual(Option.none())
      yield* push.send(encode("kept"))
      expect(decode(yield* pull.recv().pipe(Effect.timeout("5 seconds")))).toBe("kept")
    })))
})
