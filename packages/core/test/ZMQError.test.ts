import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { Flags, Frame, MessageTracker, ZMQError } from "@effect-zmq/core"
import { errnoOf, isZMQErrorCode } from "@effect-zmq/core/ZMQError"

const zeromqError = (code: string, errno: number, message: string) => Object.assign(new Error(message), { code, errno })

describe("ZMQError", () => {
  it("maps zeromq.js errors by code and errno", () => {
    expect(ZMQError.fromUnknown(zeromqError("EAGAIN", 11, "Operation was not possible or timed out"), "recv"))
      .toMatchObject({ _tag: "ZMQError", code: "EAGAIN", errno: 11, operation: "recv" })
    expect(ZMQError.fromUnknown(zeromqError("EFSM", 156384763, "Operation cannot be accomplished"), "send").code)
      .toBe("EFSM")
    expect(ZMQError.fromUnknown(zeromqError("EADDRINUSE", 98, "Address already in use"), "bind").code)
      .toBe("EADDRINUSE")
  })

  it("maps zeromq.js's EBADF 'Socket is closed' to ENOTSOCK and 'Context is closed' to ETERM", () => {
    const closed = ZMQError.fromUnknown(zeromqError("EBADF", 9, "Socket is closed"), "send")
    expect(closed.code).toBe("ENOTSOCK")
    expect(closed.errno).toBe(errnoOf.ENOTSOCK)
    expect(ZMQError.fromUnknown(zeromqError("EFAULT", 14, "Context is closed"), "socket").code).toBe("ETERM")
  })

  it("maps an errno without a code, a TypeError to EINVAL and anything else to UNKNOWN", () => {
    expect(ZMQError.fromUnknown({ errno: 156384765 }, "x").code).toBe("ETERM")
    expect(ZMQError.fromUnknown(new TypeError("Message must be present"), "send").code).toBe("EINVAL")
    const unknown = ZMQError.fromUnknown("boom", "x")
    expect(unknown.code).toBe("UNKNOWN")
    expect(unknown.message).toBe("boom")
  })

  it("is a tagged error, caught by tag", () =>
    Effect.runPromise(
      Effect.fail(ZMQError.make("EAGAIN", "recv")).pipe(
        Effect.catchTag("ZMQError", (e) => Effect.succeed(e.code))
      )
    ).then((code) => expect(code).toBe("EAGAIN")))

  it("knows its codes", () => {
    expect(isZMQErrorCode("EMTHREAD")).toBe(true)
    expect(isZMQErrorCode("nope")).toBe(false)
    expect(errnoOf.EFSM).toBe(156384763)
  })
})

describe("Flags, Frame, MessageTracker", () => {
  it("flags have libzmq's values", () => {
    expect([Flags.NOBLOCK, Flags.DONTWAIT, Flags.SNDMORE]).toEqual([1, 1, 2])
    expect(Flags.has(3, Flags.SNDMORE)).toBe(true)
    expect(Flags.has(undefined, Flags.NOBLOCK)).toBe(false)
  })

  it("frames carry bytes, more and properties", () => {
    const frame = Frame.make(new TextEncoder().encode("hi"), { more: true, properties: { group: "g" } })
    expect(Frame.isFrame(frame)).toBe(true)
    expect(Frame.isFrame(new Uint8Array())).toBe(false)
    expect(Frame.text(frame)).toBe("hi")
    expect(frame.more).toBe(true)
    expect(frame.properties).toEqual({ group: "g" })
  })

  it.effect("a tracker is done after its release", () =>
    Effect.gen(function*() {
      const [tracker, release] = yield* MessageTracker.make
      expect(yield* tracker.done).toBe(false)
      yield* release
      yield* tracker.wait
      expect(yield* tracker.done).toBe(true)
      expect(yield* MessageTracker.completed.done).toBe(true)
    }))
})
