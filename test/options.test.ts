// The option table against the binding: every option can be read or written on every socket type, and each call
// either works or fails with a typed ZMQError — never a throw, a defect or an unhandled rejection.
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { SocketOption, ZmqSocket } from "@effect-zmq/zmq"
import { zmqTest } from "./helpers.ts"

const types = ["PAIR", "PUB", "SUB", "REQ", "REP", "DEALER", "ROUTER", "PULL", "PUSH", "XPUB", "XSUB", "STREAM"] as const

const sample = (kind: SocketOption.ValueKind): unknown => {
  switch (kind) {
    case "boolean":
      return false
    case "string":
      return ""
    case "bytes":
      return new Uint8Array([1, 2])
    default:
      return 0
  }
}

describe("option table", () => {
  it.live("every readable option reads, every writable option writes, on every type: typed outcome only", () =>
    zmqTest(Effect.gen(function*() {
      const names = Object.keys(SocketOption.options) as Array<SocketOption.Name>
      let succeeded = 0
      for (const type of types) {
        const socket = yield* ZmqSocket.make(type)
        for (const name of names) {
          const spec: SocketOption.OptionSpec = SocketOption.options[name]
          if (spec.access !== "w") {
            // a defect or a throw would fail the test; a failure must be a ZMQError
            yield* Effect.match((socket.getOption as (n: string) => Effect.Effect<unknown, { _tag: string }>)(name), {
              onFailure: (error) => expect(error._tag).toBe("ZMQError"),
              onSuccess: () => succeeded++
            })
          }
          if (spec.access !== "r" && name !== "USE_FD" && name !== "AFFINITY") {
            const setOption = socket.setOption as (n: string, v: unknown) => Effect.Effect<void, { _tag: string }>
            yield* Effect.match(setOption(name, sample(spec.kind)), {
              onFailure: (error) => expect(error._tag).toBe("ZMQError"),
              onSuccess: () => undefined
            })
          }
        }
        yield* socket.close
      }
      expect(succeeded).toBeGreaterThan(types.length * 20)
    })))

  it.live("the emulated options: RCVMORE, RCVTIMEO, SNDTIMEO and EVENTS", () =>
    zmqTest(Effect.gen(function*() {
      const s = yield* ZmqSocket.make("DEALER", { SNDTIMEO: 10 })
      expect(yield* s.getOption("RCVMORE")).toBe(false)
      expect(yield* s.getOption("RCVTIMEO")).toBe(-1)
      expect(yield* s.getOption("SNDTIMEO")).toBe(10)
      expect((yield* Effect.flip(s.setOption("RCVTIMEO", -5))).code).toBe("EINVAL")
      expect(typeof (yield* s.getOption("EVENTS"))).toBe("number")
      // a DEALER with no peer cannot send: SNDTIMEO bounds the wait
      expect((yield* Effect.flip(s.sendString("nobody"))).code).toBe("EAGAIN")
      expect(s.stats().senders).toBe(0)
    })))
})
