import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Fiber, Scheduler } from "effect"
import { Flags } from "@effect-zmq/zmq"
import { makeFake, text } from "../packages/core/test/fake.ts"
import { SocketImpl } from "../packages/zmq/src/internal/socket.ts"

const bytes = (s: string) => new TextEncoder().encode(s)
const settle = Effect.promise(() => new Promise<void>((resolve) => setImmediate(resolve)))
const forkNow = <A, E>(effect: Effect.Effect<A, E>) => Effect.forkChild(effect, { startImmediately: true })

const makeSocket = (type: "DEALER" | "PUSH") =>
  Effect.gen(function*() {
    const fake = makeFake()
    const engine = yield* fake.engine
    let closes = 0
    ;(fake.binding as unknown as { close: () => number }).close = () => {
      closes++
      return 0
    }
    const socket = new SocketImpl(type, fake.binding, {} as never, engine, {} as never)
    return { fake, engine, socket, closes: () => closes }
  })

describe("socket layer over the scripted fake binding", () => {
  // an EVENTS failure closes the engine (`look` -> `fail`) but not the socket; `closeNow` then takes the engine's
  // closedError for "already closed" and never calls zmq_close nor unregisters: the handle leaks, and the context's
  // release (zmq_ctx_term waits for every socket) never completes.
  it.live("a socket whose EVENTS read failed is still zmq_close'd by close", () =>
    Effect.gen(function*() {
      const { fake, socket, closes } = yield* makeSocket("DEALER")
      const fiber = yield* forkNow(socket.recv())
      yield* settle
      fake.state.eventsErrno = 156384765 // ETERM
      fake.signal()
      const exit = yield* Fiber.await(fiber)
      expect(Exit.isFailure(exit)).toBe(true)
      yield* socket.close
      expect(closes()).toBe(1)
    }))

  // the last frame of a SNDMORE message that fails (EAGAIN with NOBLOCK, a timeout, EHOSTUNREACH…) drops the
  // staged frames: the caller's retry of the last frame sends a truncated message (for ROUTER: routed by a body frame).
  it.live("a NOBLOCK EAGAIN on the last frame does not turn the retried message into a truncated one", () =>
    Effect.gen(function*() {
      const { fake, socket } = yield* makeSocket("PUSH")
      yield* socket.send(bytes("head"), { flags: Flags.SNDMORE })
      fake.state.writable = false
      const error = yield* Effect.flip(socket.send(bytes("tail"), { flags: Flags.NOBLOCK }))
      expect(error.code).toBe("EAGAIN")
      fake.state.writable = true
      yield* socket.send(bytes("tail"))
      // libzmq itself never fails the last frame of a message it took the first frame of
      expect(fake.state.sent.map((m) => text(m))).toEqual([["head", "tail"]])
    }))

  // a tracked send (`copy: false, track: true`) completes through `Effect.as(send, tracker)`: the tracker is
  // returned to the run loop as a new effect, at which the fiber may yield; interrupted there, the caller sees an
  // interruption although the message was handed to libzmq ("an interrupted send has sent nothing" is broken).
  it.live("an interrupted tracked send has sent nothing", () =>
    Effect.gen(function*() {
      const { fake, socket } = yield* makeSocket("PUSH")
      const fiber = yield* forkNow(
        Effect.provideService(socket.send(bytes("x"), { copy: false, track: true }), Scheduler.MaxOpsBeforeYield, 3)
      )
      for (let i = 0; i < 100 && fake.state.sent.length === 0; i++) yield* settle
      expect(fake.state.sent.length).toBe(1)
      if (fiber.pollUnsafe() === undefined) yield* Fiber.interrupt(fiber)
      const exit = yield* Fiber.await(fiber)
      expect(Exit.hasInterrupts(exit)).toBe(false)
    }))

  it.live("the same interruption of an untracked send never reports a sent message as interrupted", () =>
    Effect.gen(function*() {
      const { fake, socket } = yield* makeSocket("PUSH")
      const fiber = yield* forkNow(
        Effect.provideService(socket.send(bytes("x"), { copy: false }), Scheduler.MaxOpsBeforeYield, 3)
      )
      for (let i = 0; i < 100 && fake.state.sent.length === 0; i++) yield* settle
      if (fiber.pollUnsafe() === undefined) yield* Fiber.interrupt(fiber)
      const exit = yield* Fiber.await(fiber)
      expect(fake.state.sent.length === 1 && Exit.hasInterrupts(exit)).toBe(false)
    }))
})
