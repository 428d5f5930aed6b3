import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Fiber, Schedule } from "effect"
import { Green, ZMQError } from "@effect-zmq/core"
import { makeFake, text } from "./fake.ts"

const settle = Effect.promise(() => new Promise<void>((resolve) => setImmediate(resolve)))

describe("Green engine (fake binding)", () => {
  it.live("recv waits for readiness, then takes the message", () =>
    Effect.gen(function*() {
      const fake = makeFake()
      const engine = yield* fake.engine
      const waiter = yield* Effect.forkChild(engine.recvMessage(false))
      yield* settle
      expect(fake.state.watching).toBe(true)
      fake.deliver("a")
      expect(text(yield* Fiber.join(waiter))).toEqual(["a"])
      expect(engine.stats()).toMatchObject({ receivers: 0, inbox: 0, watching: false })
    }))

  it.live("an interrupted recv takes nothing: the message stays for the next recv", () =>
    Effect.gen(function*() {
      const fake = makeFake()
      const engine = yield* fake.engine
      const waiter = yield* Effect.forkChild(engine.recvMessage(false))
      yield* settle
      yield* Fiber.interrupt(waiter)
      expect(engine.stats()).toMatchObject({ receivers: 0, watching: false })
      fake.deliver("kept")
      expect(fake.state.incoming.length).toBe(1)
      expect(text(yield* engine.recvMessage(false))).toEqual(["kept"])
    }))

  it.live("a message taken while its receiver is interrupted goes to the next receiver", () =>
    Effect.gen(function*() {
      const fake = makeFake()
      const engine = yield* fake.engine
      const waiter = yield* Effect.forkChild(engine.recvMessage(false))
      yield* settle
      // ZeroMQ hands the message over (a settled promise), and the interrupt lands before its microtask runs
      fake.state.incoming.push([new TextEncoder().encode("late")])
      fake.signal()
      yield* Fiber.interrupt(waiter)
      const next = yield* engine.recvMessage(false)
      expect(text(next)).toEqual(["late"])
    }))

  it.live("several receivers are served in FIFO order", () =>
    Effect.gen(function*() {
      const fake = makeFake()
      const engine = yield* fake.engine
      const order: Array<string> = []
      const fibers = yield* Effect.forEach(Array.from({ length: 30 }, (_, i) => i), (i) =>
        Effect.forkChild(engine.recvMessage(false).pipe(Effect.map((m) => order.push(`${i}:${text(m)[0]}`)))))
      yield* settle
      for (let i = 0; i < 30; i++) fake.state.incoming.push([new TextEncoder().encode(String(i))])
      fake.signal()
      yield* Fiber.joinAll(fibers)
      expect(order).toEqual(Array.from({ length: 30 }, (_, i) => `${i}:${i}`))
    }))

  it.live("NOBLOCK fails EAGAIN at once and never waits", () =>
    Effect.gen(function*() {
      const fake = makeFake()
      const engine = yield* fake.engine
      const error = yield* Effect.flip(engine.recvMessage(true))
      expect(error.code).toBe("EAGAIN")
      fake.state.writable = false
      expect((yield* Effect.flip(engine.send([new Uint8Array(1)], true))).code).toBe("EAGAIN")
      expect(fake.state.starts).toBe(0)
    }))

  it.live("an interrupted send sends nothing, now or later", () =>
    Effect.gen(function*() {
      const fake = makeFake()
      fake.state.writable = false
      const engine = yield* fake.engine
      const sender = yield* Effect.forkChild(engine.send([new TextEncoder().encode("never")], false))
      yield* settle
      expect(engine.stats().senders).toBe(1)
      yield* Fiber.interrupt(sender)
      fake.state.writable = true
      fake.signal()
      yield* engine.send([new TextEncoder().encode("after")], false)
      expect(fake.state.sent.map(text)).toEqual([["after"]])
    }))

  it.live("a send wakes the waiting receiver whose edge it consumed (EVENTS re-checked after every operation)", () =>
    Effect.gen(function*() {
      const fake = makeFake()
      const engine = yield* fake.engine
      const receiver = yield* Effect.forkChild(engine.recvMessage(false))
      yield* settle
      // the message arrives, but the fd edge is consumed by our own send, not delivered as a signal
      fake.state.incoming.push([new TextEncoder().encode("edge")])
      yield* engine.send([new Uint8Array(1)], false)
      const exit = yield* Fiber.await(receiver).pipe(Effect.timeout("1 second"))
      expect(Exit.isSuccess(exit)).toBe(true)
    }))

  it.live("reading EVENTS wakes waiters", () =>
    Effect.gen(function*() {
      const fake = makeFake()
      const engine = yield* fake.engine
      const receiver = yield* Effect.forkChild(engine.recvMessage(false))
      yield* settle
      fake.state.incoming.push([new TextEncoder().encode("x")])
      yield* engine.events()
      expect(text(yield* Fiber.join(receiver).pipe(Effect.timeout("1 second")))).toEqual(["x"])
    }))

  it.live("EVENTS counts a message kept in the inbox as POLLIN", () =>
    Effect.gen(function*() {
      const fake = makeFake()
      fake.state.writable = false
      const engine = yield* fake.engine
      const waiter = yield* Effect.forkChild(engine.recvMessage(false))
      yield* settle
      fake.state.incoming.push([new TextEncoder().encode("kept")])
      fake.signal() // the attempt takes it; its receiver is interrupted before the hand-over
      yield* Fiber.interrupt(waiter)
      yield* settle
      expect(fake.state.incoming.length).toBe(0)
      expect(yield* engine.events()).toBe(1)
      expect(text(yield* engine.recvMessage(true))).toEqual(["kept"])
      expect(yield* engine.events()).toBe(0)
    }))

  it.live("after an EAGAIN, the next receive asks EVENTS before attempting (a failed attempt costs more)", () =>
    Effect.gen(function*() {
      const fake = makeFake()
      const engine = yield* fake.engine
      const first = yield* Effect.forkChild(engine.recvMessage(false))
      yield* settle
      expect(fake.state.receiveAttempts).toBe(1) // the real first attempt, which met EAGAIN
      yield* Fiber.interrupt(first)
      const second = yield* Effect.forkChild(engine.recvMessage(false))
      yield* settle
      expect(fake.state.receiveAttempts).toBe(1) // EVENTS said nothing is there: no failing attempt
      fake.deliver("now")
      expect(text(yield* Fiber.join(second))).toEqual(["now"])
      expect(fake.state.receiveAttempts).toBe(2)
    }))

  it.live("EINTR from EVENTS is retried", () =>
    Effect.gen(function*() {
      const fake = makeFake()
      const engine = yield* fake.engine
      fake.state.eintrOnce = 3
      expect(yield* engine.events()).toBe(2)
    }))

  it.live("failing the engine fails every waiter at once, in both directions, and every later call", () =>
    Effect.gen(function*() {
      const fake = makeFake()
      fake.state.writable = false
      const engine = yield* fake.engine
      const r = yield* Effect.forkChild(engine.recvMessage(false))
      const s = yield* Effect.forkChild(engine.send([new Uint8Array(1)], false))
      const p = yield* Effect.forkChild(engine.ready(1, false))
      yield* settle
      engine.fail(ZMQError.make("ENOTSOCK", "close"))
      for (const fiber of [r, s, p]) {
        const error = yield* Effect.flip(Fiber.join(fiber as Fiber.Fiber<unknown, ZMQError>))
        expect(error.code).toBe("ENOTSOCK")
      }
      expect((yield* Effect.flip(engine.recvFrame(false))).code).toBe("ENOTSOCK")
      expect(fake.state.watching).toBe(false)
    }))

  it.live("REQ-like sockets make a real first attempt so EFSM surfaces instead of a wait", () =>
    Effect.gen(function*() {
      const fake = makeFake({ needsRealAttempt: true })
      fake.state.writable = false
      const engine = yield* fake.engine
      fake.state.recvError = Object.assign(new Error("Operation cannot be accomplished in current state"), {
        code: "EFSM",
        errno: 156384763
      })
      expect((yield* Effect.flip(engine.recvMessage(false))).code).toBe("EFSM")
    }))

  it.live("recvBatch drains every ready message in one step and leaves the rest", () =>
    Effect.gen(function*() {
      const fake = makeFake()
      const engine = yield* fake.engine
      for (let i = 0; i < 10; i++) fake.state.incoming.push([new TextEncoder().encode(String(i))])
      const first = yield* engine.recvBatch(4, false)
      expect(first.map((m) => text(m)[0])).toEqual(["0", "1", "2", "3"])
      expect(fake.state.incoming.length).toBe(6)
      const rest = yield* engine.recvBatch(100, false)
      expect(rest.length).toBe(6)
    }))

  it.live("recvInto appends inside the take step; requeue gives leftovers back to the front, in order", () =>
    Effect.gen(function*() {
      const fake = makeFake()
      const engine = yield* fake.engine
      for (let i = 0; i < 5; i++) fake.state.incoming.push([new TextEncoder().encode(String(i))])
      const buffer: Array<ReadonlyArray<Uint8Array>> = []
      expect(yield* engine.recvInto(buffer, 10, false)).toBe(5)
      const first = buffer.shift()!
      expect(text(first)).toEqual(["0"])
      fake.state.incoming.push([new TextEncoder().encode("5")])
      engine.requeue(buffer.splice(0))
      const order: Array<string> = []
      for (let i = 0; i < 5; i++) order.push(text(yield* engine.recvMessage(false))[0])
      expect(order).toEqual(["1", "2", "3", "4", "5"])
    }))

  it.live("requeue serves a waiting receiver at once", () =>
    Effect.gen(function*() {
      const fake = makeFake()
      const engine = yield* fake.engine
      const waiter = yield* Effect.forkChild(engine.recvMessage(false))
      yield* settle
      engine.requeue([[new TextEncoder().encode("back")]])
      expect(text(yield* Fiber.join(waiter))).toEqual(["back"])
    }))

  it.live("ready reports readiness without consuming, and is woken by a later signal", () =>
    Effect.gen(function*() {
      const fake = makeFake()
      fake.state.writable = false
      const engine = yield* fake.engine
      expect(yield* engine.ready(1, true)).toBe(0)
      const probe = yield* Effect.forkChild(engine.ready(1, false))
      yield* settle
      fake.deliver("m")
      expect(yield* Fiber.join(probe)).toBe(1)
      expect(fake.state.incoming.length).toBe(1)
    }))

  it.live("a hot loop of successful operations lets timers run", () =>
    Effect.gen(function*() {
      const fake = makeFake()
      const engine = yield* fake.engine
      let ticks = 0
      const timer = setInterval(() => ticks++, 1)
      const started = Date.now()
      while (Date.now() - started < 50) yield* engine.send([new Uint8Array(1)], false)
      clearInterval(timer)
      expect(ticks).toBeGreaterThan(0)
    }))

  it.live("retry: waits for readiness between EAGAIN attempts, as long as the schedule allows", () =>
    Effect.gen(function*() {
      let attempts = 0
      let readies = 0
      const attempt = Effect.suspend(() =>
        ++attempts < 4 ? Effect.fail(ZMQError.make("EAGAIN", "op")) : Effect.succeed("done")
      )
      const ready = Effect.sync(() => {
        readies++
      })
      expect(yield* Green.retry(attempt, { ready })).toBe("done")
      expect(readies).toBe(3)
      attempts = -10
      const error = yield* Effect.flip(Green.retry(attempt, { ready, schedule: Schedule.recurs(2) }))
      expect(error.code).toBe("EAGAIN")
      const other = yield* Effect.flip(Green.retry(Effect.fail(ZMQError.make("EFSM", "op")), { ready }))
      expect(other.code).toBe("EFSM")
    }))

  it.live("a wait is bounded by the receive timeout (RCVTIMEO): EAGAIN, and nothing is lost", () =>
    Effect.gen(function*() {
      const fake = makeFake({ greenOptions: { receiveTimeout: () => 20 } })
      const engine = yield* fake.engine
      const error = yield* Effect.flip(engine.recvMessage(false))
      expect(error.code).toBe("EAGAIN")
      expect(error.message).toMatch(/timed out/)
      expect(engine.stats()).toMatchObject({ receivers: 0, watching: false })
      fake.deliver("after")
      expect(text(yield* engine.recvMessage(false))).toEqual(["after"])
    }))

  it.live("no unhandled rejection when sends that were predicted to succeed are rejected", () =>
    Effect.gen(function*() {
      const fake = makeFake()
      const engine = yield* fake.engine
      fake.state.rejectNextSend = true
      yield* engine.send([new Uint8Array(1)], false)
      yield* settle
      expect((engine as unknown as { unexpectedSendFailures: number }).unexpectedSendFailures).toBe(1)
    }))
})
