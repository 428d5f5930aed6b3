import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Fiber, Scheduler, Schedule } from "effect"
import { TestClock } from "effect/testing"
import { Events, Frame, Green, ZMQError } from "@effect-zmq/core"
import { makeFake, text } from "./fake.ts"

/** One event-loop turn (setImmediate): every fiber that can run has run and parked. */
const settle = Effect.promise(() => new Promise<void>((resolve) => setImmediate(resolve)))
const bytes = (s: string) => new TextEncoder().encode(s)
const EFSM = 156384763
const EHOSTUNREACH = 113
const ENOTSOCK = 88

/** Forks at once (the child runs its first step before `forkChild` returns), so queue order is the fork order. */
const forkNow = <A, E>(effect: Effect.Effect<A, E>) => Effect.forkChild(effect, { startImmediately: true })

/**
 * A scheduler that, once armed, makes the next fiber step it runs yield first: the fiber that the engine resumes
 * then stays woken-but-not-run until the next event-loop turn.
 */
const holdOnWake = () => {
  let armed = false
  const base = new Scheduler.MixedScheduler()
  const dispatcher = base.makeDispatcher()
  const scheduler: Scheduler.Scheduler = {
    executionMode: "async",
    shouldYield: (fiber) => {
      if (armed) {
        armed = false
        return true
      }
      return base.shouldYield(fiber)
    },
    makeDispatcher: () => dispatcher
  }
  return {
    arm: () => {
      armed = true
    },
    hold: <A, E>(effect: Effect.Effect<A, E>) => Effect.provideService(effect, Scheduler.Scheduler, scheduler)
  }
}

/** Signals the fd, one event-loop turn apart, until `fiber` is done (at most `max` times). */
const signalUntilDone = (fake: ReturnType<typeof makeFake>, fiber: Fiber.Fiber<unknown, unknown>, max = 20) =>
  Effect.gen(function*() {
    for (let i = 0; i < max && fiber.pollUnsafe() === undefined; i++) {
      fake.signal()
      yield* settle
    }
  })

describe("Green engine: receiving", () => {
  it.live("recv waits for readiness, then takes the message; the watch runs only while it waits", () =>
    Effect.gen(function*() {
      const fake = makeFake()
      const engine = yield* fake.engine
      expect(fake.state.watching).toBe(false)
      const waiter = yield* Effect.forkChild(engine.recvMessage(false))
      yield* settle
      expect(fake.state.recvAttempts).toBe(1)
      expect(engine.stats()).toMatchObject({ receivers: 1, watching: true })
      expect(fake.state.watching).toBe(true)
      fake.deliver("a", "b")
      expect(text(yield* Fiber.join(waiter))).toEqual(["a", "b"])
      expect(engine.stats()).toMatchObject({ receivers: 0, senders: 0, probes: 0, inbox: 0, watching: false })
      expect(fake.state.watching).toBe(false)
      expect(fake.state.starts).toBe(1)
    }))

  it.live("a recv with a message ready completes in the same step, without the watch", () =>
    Effect.gen(function*() {
      const fake = makeFake()
      const engine = yield* fake.engine
      fake.push(["now"])
      const exit = Effect.runSyncExit(engine.recvMessage(false))
      expect(Exit.isSuccess(exit) && text(exit.value)).toEqual(["now"])
      expect(fake.state.starts).toBe(0)
    }))

  it.live("recv modes: bytes and frame hand out one frame and set rcvMore; transform runs on the value", () =>
    Effect.gen(function*() {
      const fake = makeFake()
      const engine = yield* fake.engine
      fake.push(["a", "b"], ["c"])
      const first = yield* engine.recv("bytes", false)
      expect(text([first as Uint8Array])).toEqual(["a"])
      expect(engine.rcvMore).toBe(true)
      const second = yield* engine.recv("frame", false)
      expect(Frame.isFrame(second)).toBe(true)
      expect(Frame.text(second as Frame.Frame)).toBe("b")
      expect((second as Frame.Frame).more).toBe(false)
      expect(engine.rcvMore).toBe(false)
      const mapped = yield* engine.recv("message", false, undefined, (m) => text(m as ReadonlyArray<Uint8Array>).join("+"))
      expect(mapped).toBe("c")
    }))

  it.live("an interrupted recv took nothing: the message stays for the next recv", () =>
    Effect.gen(function*() {
      const fake = makeFake()
      const engine = yield* fake.engine
      const waiter = yield* Effect.forkChild(engine.recvMessage(false))
      yield* settle
      yield* Fiber.interrupt(waiter)
      expect(engine.stats()).toMatchObject({ receivers: 0, watching: false })
      expect(fake.state.watching).toBe(false)
      const attempts = fake.state.recvAttempts
      fake.deliver("kept")
      yield* settle
      expect(fake.state.recvAttempts).toBe(attempts)
      expect(fake.state.incoming.length).toBe(1)
      expect(text(yield* engine.recvMessage(false))).toEqual(["kept"])
    }))

  it.live("a receiver interrupted right after the signal has the message or left it: never both, never neither", () =>
    Effect.gen(function*() {
      const fake = makeFake()
      const engine = yield* fake.engine
      const waiter = yield* Effect.forkChild(engine.recvMessage(false))
      yield* settle
      fake.deliver("late")
      yield* Fiber.interrupt(waiter)
      const exit = yield* Fiber.await(waiter)
      const got = Exit.isSuccess(exit) ? [text(exit.value)[0]] : []
      while (fake.state.incoming.length > 0) got.push(text(yield* engine.recvMessage(true))[0])
      expect(got).toEqual(["late"])
    }))

  it.live("many receivers are served in FIFO order", () =>
    Effect.gen(function*() {
      const fake = makeFake()
      const engine = yield* fake.engine
      const order: Array<string> = []
      const fibers = yield* Effect.forEach(Array.from({ length: 30 }, (_, i) => i), (i) =>
        forkNow(engine.recvMessage(false).pipe(Effect.map((m) => order.push(`${i}:${text(m)[0]}`)))))
      expect(engine.stats().receivers).toBe(30)
      for (let i = 0; i < 30; i++) fake.push([String(i)])
      fake.signal()
      yield* Fiber.joinAll(fibers)
      expect(order).toEqual(Array.from({ length: 30 }, (_, i) => `${i}:${i}`))
      expect(engine.stats()).toMatchObject({ receivers: 0, watching: false })
    }))

  it.live("FIFO holds when messages arrive one at a time", () =>
    Effect.gen(function*() {
      const fake = makeFake()
      const engine = yield* fake.engine
      const order: Array<string> = []
      const fibers = yield* Effect.forEach(Array.from({ length: 10 }, (_, i) => i), (i) =>
        forkNow(engine.recvMessage(false).pipe(Effect.map((m) => order.push(`${i}:${text(m)[0]}`)))))
      for (let i = 0; i < 10; i++) {
        fake.deliver(String(i))
        yield* settle
        expect(order.length).toBe(i + 1)
      }
      yield* Fiber.joinAll(fibers)
      expect(order).toEqual(Array.from({ length: 10 }, (_, i) => `${i}:${i}`))
    }))

  it.live("a woken receiver keeps the head: a caller arriving before it runs queues behind it", () =>
    Effect.gen(function*() {
      const fake = makeFake()
      const engine = yield* fake.engine
      const held = holdOnWake()
      const first = yield* forkNow(held.hold(engine.recvMessage(false)))
      yield* settle
      expect(engine.stats().receivers).toBe(1)
      held.arm()
      fake.deliver("1") // wakes `first`, which yields before its attempt
      expect(fake.state.incoming.length).toBe(1)
      expect(first.pollUnsafe()).toBeUndefined()
      // a NOBLOCK caller may not jump the queue, though a message is ready
      expect((yield* Effect.flip(engine.recvMessage(true))).code).toBe("EAGAIN")
      const second = yield* forkNow(engine.recvMessage(false))
      expect(engine.stats().receivers).toBe(2)
      expect(fake.state.incoming.length).toBe(1)
      fake.push(["2"])
      expect(text(yield* Fiber.join(first))).toEqual(["1"])
      expect(text(yield* Fiber.join(second))).toEqual(["2"])
      expect(engine.stats()).toMatchObject({ receivers: 0, watching: false })
    }))

  it.live("a woken receiver interrupted before its attempt took nothing, and the next one gets the message", () =>
    Effect.gen(function*() {
      const fake = makeFake()
      const engine = yield* fake.engine
      const held = holdOnWake()
      const first = yield* forkNow(held.hold(engine.recvMessage(false)))
      const second = yield* forkNow(engine.recvMessage(false))
      yield* settle
      held.arm()
      fake.deliver("only")
      expect(first.pollUnsafe()).toBeUndefined()
      yield* Fiber.interrupt(first)
      expect(Exit.hasInterrupts(yield* Fiber.await(first))).toBe(true)
      expect(text(yield* Fiber.join(second))).toEqual(["only"])
      expect(engine.stats()).toMatchObject({ receivers: 0, watching: false })
    }))

  it.live("NOBLOCK fails EAGAIN at once and never waits", () =>
    Effect.gen(function*() {
      const fake = makeFake()
      const engine = yield* fake.engine
      const exit = Effect.runSyncExit(engine.recvMessage(true))
      expect(Exit.isFailure(exit)).toBe(true)
      expect((yield* Effect.flip(engine.recvMessage(true))).code).toBe("EAGAIN")
      expect((yield* Effect.flip(engine.recv("bytes", true))).code).toBe("EAGAIN")
      fake.state.writable = false
      expect((yield* Effect.flip(engine.send([new Uint8Array(1)], true))).code).toBe("EAGAIN")
      expect(fake.state.starts).toBe(0)
      expect(engine.stats()).toMatchObject({ receivers: 0, senders: 0, watching: false })
    }))

  it.live("NOBLOCK fails EAGAIN at once when others wait ahead, even with a message ready", () =>
    Effect.gen(function*() {
      const fake = makeFake()
      const engine = yield* fake.engine
      const waiter = yield* forkNow(engine.recvMessage(false))
      fake.push(["for the waiter"]) // no signal yet
      const attempts = fake.state.recvAttempts
      expect((yield* Effect.flip(engine.recvMessage(true))).code).toBe("EAGAIN")
      expect(fake.state.recvAttempts).toBe(attempts)
      expect(fake.state.incoming.length).toBe(1)
      expect(engine.stats().receivers).toBe(1)
      fake.signal()
      expect(text(yield* Fiber.join(waiter))).toEqual(["for the waiter"])
    }))

  it.live("a recv error is the verdict of that recv, in the same step, with no wait (EFSM)", () =>
    Effect.gen(function*() {
      const fake = makeFake()
      const engine = yield* fake.engine
      fake.state.recvErrno = EFSM
      const exit = Effect.runSyncExit(engine.recvMessage(false))
      expect(Exit.isFailure(exit) && Exit.findErrorOption(exit)).toMatchObject({ value: { code: "EFSM" } })
      fake.state.recvErrno = EFSM
      const failure = yield* Effect.flip(engine.recvMessage(false))
      expect(failure.code).toBe("EFSM")
      expect(failure.errno).toBe(EFSM)
      expect(fake.state.starts).toBe(0)
      expect(engine.stats()).toMatchObject({ receivers: 0, watching: false })
    }))

  it.live("a woken receiver whose attempt fails gets that error and the next receiver proceeds", () =>
    Effect.gen(function*() {
      const fake = makeFake()
      const engine = yield* fake.engine
      const first = yield* forkNow(engine.recvMessage(false))
      const second = yield* forkNow(engine.recvMessage(false))
      fake.state.recvErrno = EHOSTUNREACH
      fake.deliver("m")
      expect((yield* Effect.flip(Fiber.join(first))).code).toBe("EHOSTUNREACH")
      expect(text(yield* Fiber.join(second))).toEqual(["m"])
    }))
})

describe("Green engine: requeue and recvInto", () => {
  it.live("recvInto appends every ready message inside the take step, up to max, and leaves the rest", () =>
    Effect.gen(function*() {
      const fake = makeFake()
      const engine = yield* fake.engine
      for (let i = 0; i < 10; i++) fake.push([String(i)])
      const target: Array<ReadonlyArray<Uint8Array>> = [[bytes("old")]]
      expect(yield* engine.recvInto(target, 4, false)).toBe(4)
      expect(target.map((m) => text(m)[0])).toEqual(["old", "0", "1", "2", "3"])
      expect(fake.state.incoming.length).toBe(6)
      const rest: Array<ReadonlyArray<Uint8Array>> = []
      expect(yield* engine.recvInto(rest, 100, false)).toBe(6)
      expect((yield* Effect.flip(engine.recvInto(rest, 100, true))).code).toBe("EAGAIN")
      expect(rest.length).toBe(6)
    }))

  it.live("recvInto waits for the first message, then takes all that are ready in that step", () =>
    Effect.gen(function*() {
      const fake = makeFake()
      const engine = yield* fake.engine
      const target: Array<ReadonlyArray<Uint8Array>> = []
      const fiber = yield* forkNow(engine.recvInto(target, 10, false))
      expect(target.length).toBe(0)
      fake.push(["a"], ["b", "b2"])
      fake.signal()
      expect(yield* Fiber.join(fiber)).toBe(2)
      expect(target.map(text)).toEqual([["a"], ["b", "b2"]])
    }))

  it.live("an interrupted recvInto appended nothing", () =>
    Effect.gen(function*() {
      const fake = makeFake()
      const engine = yield* fake.engine
      const target: Array<ReadonlyArray<Uint8Array>> = []
      const fiber = yield* forkNow(engine.recvInto(target, 10, false))
      yield* Fiber.interrupt(fiber)
      fake.deliver("x")
      yield* settle
      expect(target.length).toBe(0)
      expect(fake.state.incoming.length).toBe(1)
    }))

  it.live("requeue gives leftovers back to the front, in order, ahead of what libzmq holds", () =>
    Effect.gen(function*() {
      const fake = makeFake()
      const engine = yield* fake.engine
      for (let i = 0; i < 5; i++) fake.push([String(i)])
      const buffer: Array<ReadonlyArray<Uint8Array>> = []
      expect(yield* engine.recvInto(buffer, 10, false)).toBe(5)
      expect(text(buffer.shift()!)).toEqual(["0"])
      fake.push(["5"])
      engine.requeue(buffer.splice(0))
      expect(engine.stats().inbox).toBe(4)
      const order: Array<string> = []
      for (let i = 0; i < 5; i++) order.push(text(yield* engine.recvMessage(false))[0])
      expect(order).toEqual(["1", "2", "3", "4", "5"])
      expect(engine.stats().inbox).toBe(0)
    }))

  it.live("a second requeue goes in front of the first", () =>
    Effect.gen(function*() {
      const fake = makeFake()
      const engine = yield* fake.engine
      engine.requeue([[bytes("c")], [bytes("d")]])
      engine.requeue([[bytes("a")], [bytes("b")]])
      const target: Array<ReadonlyArray<Uint8Array>> = []
      expect(yield* engine.recvInto(target, 10, true)).toBe(4)
      expect(target.map((m) => text(m)[0])).toEqual(["a", "b", "c", "d"])
    }))

  it.live("requeued messages are handed out frame by frame in bytes mode, with rcvMore", () =>
    Effect.gen(function*() {
      const fake = makeFake()
      const engine = yield* fake.engine
      engine.requeue([[bytes("a"), bytes("b"), bytes("c")]])
      expect(text([(yield* engine.recv("bytes", true)) as Uint8Array])).toEqual(["a"])
      expect(engine.rcvMore).toBe(true)
      expect(text((yield* engine.recvMessage(true)) as ReadonlyArray<Uint8Array>)).toEqual(["b", "c"])
      expect(engine.rcvMore).toBe(false)
      expect(engine.stats().inbox).toBe(0)
    }))

  it.live("requeue wakes a waiting receiver", () =>
    Effect.gen(function*() {
      const fake = makeFake()
      const engine = yield* fake.engine
      const waiter = yield* forkNow(engine.recvMessage(false))
      engine.requeue([[bytes("back")]])
      expect(text(yield* Fiber.join(waiter))).toEqual(["back"])
      expect(engine.stats()).toMatchObject({ receivers: 0, inbox: 0, watching: false })
    }))

  it.live("EVENTS and ready count a requeued message as POLLIN", () =>
    Effect.gen(function*() {
      const fake = makeFake()
      fake.state.writable = false
      const engine = yield* fake.engine
      expect(yield* engine.events()).toBe(0)
      engine.requeue([[bytes("kept")]])
      expect(yield* engine.events()).toBe(Events.POLLIN)
      expect(yield* engine.ready(Events.POLLIN, true)).toBe(Events.POLLIN)
      expect(text(yield* engine.recvMessage(true))).toEqual(["kept"])
      expect(yield* engine.events()).toBe(0)
    }))
})

describe("Green engine: sending", () => {
  it.live("a send with room completes in the same step, without the watch", () =>
    Effect.gen(function*() {
      const fake = makeFake()
      const engine = yield* fake.engine
      expect(Exit.isSuccess(Effect.runSyncExit(engine.send([bytes("a"), bytes("b")], false)))).toBe(true)
      expect(fake.state.sent.map(text)).toEqual([["a", "b"]])
      expect(fake.state.starts).toBe(0)
    }))

  it.live("a send at the high-water mark waits for room, then sends", () =>
    Effect.gen(function*() {
      const fake = makeFake()
      fake.state.writable = false
      const engine = yield* fake.engine
      const sender = yield* forkNow(engine.send([bytes("m")], false))
      expect(engine.stats()).toMatchObject({ senders: 1, watching: true })
      expect(fake.state.sent.length).toBe(0)
      fake.drain()
      yield* Fiber.join(sender)
      expect(fake.state.sent.map(text)).toEqual([["m"]])
      expect(engine.stats()).toMatchObject({ senders: 0, watching: false })
    }))

  it.live("an interrupted send sent nothing, and sends nothing later when room appears", () =>
    Effect.gen(function*() {
      const fake = makeFake()
      fake.state.writable = false
      const engine = yield* fake.engine
      const sender = yield* Effect.forkChild(engine.send([bytes("never")], false))
      yield* settle
      expect(engine.stats().senders).toBe(1)
      const attempts = fake.state.sendAttempts
      yield* Fiber.interrupt(sender)
      expect(engine.stats()).toMatchObject({ senders: 0, watching: false })
      fake.drain()
      yield* settle
      expect(fake.state.sendAttempts).toBe(attempts)
      expect(fake.state.sent.length).toBe(0)
      yield* engine.send([bytes("after")], false)
      expect(fake.state.sent.map(text)).toEqual([["after"]])
    }))

  it.live("many senders are served in FIFO order, one message per unit of room", () =>
    Effect.gen(function*() {
      const fake = makeFake()
      fake.state.writable = false
      const engine = yield* fake.engine
      const fibers = yield* Effect.forEach(Array.from({ length: 20 }, (_, i) => i), (i) =>
        forkNow(engine.send([bytes(String(i))], false)))
      expect(engine.stats().senders).toBe(20)
      for (let i = 0; i < 20; i += 5) {
        fake.state.room = 5
        fake.drain()
        yield* settle
        expect(fake.state.sent.length).toBe(i + 5)
      }
      yield* Fiber.joinAll(fibers)
      expect(fake.state.sent.map((m) => text(m)[0])).toEqual(Array.from({ length: 20 }, (_, i) => String(i)))
    }))

  it.live("a new sender queues behind waiting senders, though there is room", () =>
    Effect.gen(function*() {
      const fake = makeFake()
      fake.state.writable = false
      const engine = yield* fake.engine
      const first = yield* forkNow(engine.send([bytes("first")], false))
      fake.state.writable = true // room, but no signal yet
      expect((yield* Effect.flip(engine.send([bytes("noblock")], true))).code).toBe("EAGAIN")
      const second = yield* forkNow(engine.send([bytes("second")], false))
      expect(fake.state.sent.length).toBe(0)
      fake.signal()
      yield* Fiber.join(first)
      yield* Fiber.join(second)
      expect(fake.state.sent.map((m) => text(m)[0])).toEqual(["first", "second"])
    }))

  it.live("a woken sender keeps the head: a caller arriving before it runs queues behind it", () =>
    Effect.gen(function*() {
      const fake = makeFake()
      fake.state.writable = false
      const engine = yield* fake.engine
      const held = holdOnWake()
      const first = yield* forkNow(held.hold(engine.send([bytes("first")], false)))
      yield* settle
      held.arm()
      fake.drain()
      expect(first.pollUnsafe()).toBeUndefined()
      expect((yield* Effect.flip(engine.send([bytes("noblock")], true))).code).toBe("EAGAIN")
      const second = yield* forkNow(engine.send([bytes("second")], false))
      expect(engine.stats().senders).toBe(2)
      yield* Fiber.join(first)
      yield* Fiber.join(second)
      expect(fake.state.sent.map((m) => text(m)[0])).toEqual(["first", "second"])
    }))

  it.live("EHOSTUNREACH and EFSM fail that send in the same step, with no wait", () =>
    Effect.gen(function*() {
      const fake = makeFake()
      const engine = yield* fake.engine
      for (const [errno, code] of [[EHOSTUNREACH, "EHOSTUNREACH"], [EFSM, "EFSM"]] as const) {
        fake.state.sendErrno = errno
        const exit = Effect.runSyncExit(engine.send([bytes("x")], false))
        expect(Exit.isFailure(exit)).toBe(true)
        fake.state.sendErrno = errno
        const error = yield* Effect.flip(engine.send([bytes("x"), bytes("y")], false, { routingId: 1 }))
        expect(error.code).toBe(code)
        expect(error.errno).toBe(errno)
      }
      expect(fake.state.sent.length).toBe(0)
      expect(fake.state.starts).toBe(0)
      expect(engine.stats()).toMatchObject({ senders: 0, watching: false })
      yield* engine.send([bytes("fine")], false)
      expect(fake.state.sent.map(text)).toEqual([["fine"]])
    }))

  it.live("a woken sender whose attempt fails gets that error and the next sender proceeds", () =>
    Effect.gen(function*() {
      const fake = makeFake()
      fake.state.writable = false
      const engine = yield* fake.engine
      const first = yield* forkNow(engine.send([bytes("a")], false))
      const second = yield* forkNow(engine.send([bytes("b")], false))
      fake.state.sendErrno = EHOSTUNREACH
      fake.drain()
      expect((yield* Effect.flip(Fiber.join(first))).code).toBe("EHOSTUNREACH")
      yield* Fiber.join(second)
      expect(fake.state.sent.map(text)).toEqual([["b"]])
    }))

  it.live("a zero-copy send's release runs exactly once, also when the send first had to wait", () =>
    Effect.gen(function*() {
      const fake = makeFake()
      const engine = yield* fake.engine
      let released = 0
      yield* engine.send([bytes("a")], false, { release: () => released++ })
      expect(released).toBe(1)
      fake.state.writable = false
      released = 0
      const sender = yield* forkNow(engine.send([bytes("b")], false, { release: () => released++ }))
      fake.drain()
      yield* Fiber.join(sender)
      expect(fake.state.sent.map(text)).toEqual([["a"], ["b"]])
      expect(released).toBe(1)
    }))

  it.live("sendBatch hands over everything there is room for in one step, then waits for the rest", () =>
    Effect.gen(function*() {
      const fake = makeFake()
      const engine = yield* fake.engine
      const messages = Array.from({ length: 10 }, (_, i) => [bytes(String(i))])
      fake.state.room = 4
      const fiber = yield* forkNow(engine.sendBatch(messages))
      expect(fake.state.sent.length).toBe(4)
      expect(engine.stats().senders).toBe(1)
      fake.state.room = 4
      fake.drain()
      yield* settle
      expect(fake.state.sent.length).toBe(8)
      fake.state.room = undefined
      fake.drain()
      yield* Fiber.join(fiber)
      expect(fake.state.sent.map((m) => text(m)[0])).toEqual(messages.map((_, i) => String(i)))
      expect(engine.stats()).toMatchObject({ senders: 0, watching: false })
    }))

  it.live("an interrupted sendBatch leaves the rest unsent, now and later", () =>
    Effect.gen(function*() {
      const fake = makeFake()
      const engine = yield* fake.engine
      fake.state.room = 2
      const fiber = yield* forkNow(engine.sendBatch([[bytes("a")], [bytes("b")], [bytes("c")]]))
      yield* Fiber.interrupt(fiber)
      fake.state.room = undefined
      fake.drain()
      yield* settle
      expect(fake.state.sent.map((m) => text(m)[0])).toEqual(["a", "b"])
    }))

  it.live("sendBatch fails with a send error at once", () =>
    Effect.gen(function*() {
      const fake = makeFake()
      const engine = yield* fake.engine
      fake.state.sendErrno = EHOSTUNREACH
      expect((yield* Effect.flip(engine.sendBatch([[bytes("a")]]))).code).toBe("EHOSTUNREACH")
      expect(fake.state.starts).toBe(0)
    }))
})

describe("Green engine: readiness", () => {
  it.live("a send wakes the waiting receiver whose edge it consumed (EVENTS re-checked after every operation)", () =>
    Effect.gen(function*() {
      const fake = makeFake()
      const engine = yield* fake.engine
      const receiver = yield* forkNow(engine.recvMessage(false))
      // the message arrives, but the fd edge is consumed by our own send, not delivered as a signal
      fake.push(["edge"])
      yield* engine.send([new Uint8Array(1)], false)
      expect(text(yield* Fiber.join(receiver))).toEqual(["edge"])
    }))

  it.live("a receive wakes the waiting sender whose edge it consumed", () =>
    Effect.gen(function*() {
      const fake = makeFake()
      fake.state.writable = false
      const engine = yield* fake.engine
      const sender = yield* forkNow(engine.send([bytes("s")], false))
      fake.push(["r"])
      fake.state.writable = true // no signal
      expect(text(yield* engine.recvMessage(false))).toEqual(["r"])
      yield* Fiber.join(sender)
      expect(fake.state.sent.map(text)).toEqual([["s"]])
    }))

  it.live("reading EVENTS wakes waiters", () =>
    Effect.gen(function*() {
      const fake = makeFake()
      const engine = yield* fake.engine
      const receiver = yield* forkNow(engine.recvMessage(false))
      fake.push(["x"])
      expect(yield* engine.events()).toBe(Events.POLLIN | Events.POLLOUT)
      expect(text(yield* Fiber.join(receiver))).toEqual(["x"])
    }))

  it.live("poke wakes whoever can proceed", () =>
    Effect.gen(function*() {
      const fake = makeFake()
      const engine = yield* fake.engine
      const receiver = yield* forkNow(engine.recvMessage(false))
      fake.push(["x"])
      engine.poke()
      expect(text(yield* Fiber.join(receiver))).toEqual(["x"])
    }))

  it.live("ready reports readiness without consuming, and is woken by a later signal", () =>
    Effect.gen(function*() {
      const fake = makeFake()
      fake.state.writable = false
      const engine = yield* fake.engine
      expect(yield* engine.ready(Events.POLLIN, true)).toBe(0)
      expect(fake.state.starts).toBe(0)
      const probe = yield* forkNow(engine.ready(Events.POLLIN, false))
      expect(engine.stats()).toMatchObject({ probes: 1, watching: true })
      fake.deliver("m")
      expect(yield* Fiber.join(probe)).toBe(Events.POLLIN)
      expect(fake.state.incoming.length).toBe(1)
      expect(engine.stats()).toMatchObject({ probes: 0, watching: false })
      expect(fake.state.recvAttempts).toBe(0)
    }))

  it.live("ready answers only with the bits asked for, and waits for POLLOUT", () =>
    Effect.gen(function*() {
      const fake = makeFake()
      fake.state.writable = false
      const engine = yield* fake.engine
      fake.push(["in"])
      expect(yield* engine.ready(Events.POLLIN | Events.POLLOUT, false)).toBe(Events.POLLIN)
      const probe = yield* forkNow(engine.ready(Events.POLLOUT, false))
      fake.signal()
      yield* settle
      expect(probe.pollUnsafe()).toBeUndefined()
      fake.drain()
      expect(yield* Fiber.join(probe)).toBe(Events.POLLOUT)
    }))

  it.live("an interrupted probe stops the watch", () =>
    Effect.gen(function*() {
      const fake = makeFake()
      const engine = yield* fake.engine
      const probe = yield* forkNow(engine.ready(Events.POLLIN, false))
      expect(fake.state.watching).toBe(true)
      yield* Fiber.interrupt(probe)
      expect(engine.stats()).toMatchObject({ probes: 0, watching: false })
      expect(fake.state.watching).toBe(false)
    }))

  it.live("the watch runs exactly while someone waits, in either direction", () =>
    Effect.gen(function*() {
      const fake = makeFake()
      fake.state.writable = false
      const engine = yield* fake.engine
      const receiver = yield* forkNow(engine.recvMessage(false))
      expect(fake.state).toMatchObject({ watching: true, starts: 1 })
      const sender = yield* forkNow(engine.send([bytes("s")], false))
      expect(fake.state).toMatchObject({ watching: true, starts: 1 })
      fake.deliver("r")
      yield* Fiber.join(receiver)
      expect(fake.state).toMatchObject({ watching: true, starts: 1 })
      expect(engine.stats()).toMatchObject({ receivers: 0, senders: 1, watching: true })
      fake.drain()
      yield* Fiber.join(sender)
      expect(fake.state).toMatchObject({ watching: false, starts: 1 })
      // successful operations never start it
      fake.push(["x"])
      yield* engine.recvMessage(false)
      yield* engine.send([bytes("y")], false)
      expect(fake.state).toMatchObject({ watching: false, starts: 1 })
      const again = yield* forkNow(engine.recvMessage(false))
      expect(fake.state).toMatchObject({ watching: true, starts: 2 })
      yield* Fiber.interrupt(again)
      expect(fake.state.watching).toBe(false)
      expect(engine.stats().watching).toBe(false)
    }))

  it.live("an EVENTS failure fails events() with its code", () =>
    Effect.gen(function*() {
      const fake = makeFake()
      const engine = yield* fake.engine
      fake.state.eventsErrno = ENOTSOCK
      const error = yield* Effect.flip(engine.events())
      expect(error.code).toBe("ENOTSOCK")
      expect(error.operation).toBe("getOption(EVENTS)")
      expect((yield* Effect.flip(engine.ready(Events.POLLIN, true))).code).toBe("ENOTSOCK")
    }))
})

describe("Green engine: retry schedule", () => {
  it.live("GreenOptions.retry Schedule.recurs(3) gives up with EAGAIN after three fruitless wake-ups", () =>
    Effect.gen(function*() {
      const fake = makeFake({ greenOptions: { retry: () => Schedule.recurs(3) } })
      const engine = yield* fake.engine
      fake.state.phantom = Events.POLLIN // EVENTS says readable, recv still finds nothing
      const fiber = yield* forkNow(engine.recvMessage(false))
      yield* signalUntilDone(fake, fiber)
      const error = yield* Effect.flip(Fiber.join(fiber))
      expect(error.code).toBe("EAGAIN")
      expect(fake.state.recvAttempts).toBe(4) // the first attempt, then one per wake-up
      expect(engine.stats()).toMatchObject({ receivers: 0, watching: false })
      fake.state.phantom = 0
      fake.deliver("later")
      expect(text(yield* engine.recvMessage(false))).toEqual(["later"])
    }))

  it.live("the per-call retry of recv and send overrides GreenOptions.retry", () =>
    Effect.gen(function*() {
      const fake = makeFake({ greenOptions: { retry: () => Schedule.recurs(100) } })
      fake.state.writable = false
      const engine = yield* fake.engine
      fake.state.phantom = Events.POLLIN | Events.POLLOUT
      const receiver = yield* forkNow(engine.recv("message", false, Schedule.recurs(2)))
      yield* signalUntilDone(fake, receiver)
      expect((yield* Effect.flip(Fiber.join(receiver))).code).toBe("EAGAIN")
      expect(fake.state.recvAttempts).toBe(3)
      const sender = yield* forkNow(engine.send([bytes("x")], false, undefined, Schedule.recurs(1)))
      yield* signalUntilDone(fake, sender)
      expect((yield* Effect.flip(Fiber.join(sender))).code).toBe("EAGAIN")
      expect(fake.state.sendAttempts).toBe(2)
      expect(fake.state.sent.length).toBe(0)
      expect(engine.stats()).toMatchObject({ receivers: 0, senders: 0, watching: false })
    }))

  it.live("a retry schedule still lets a real message through on a later wake-up", () =>
    Effect.gen(function*() {
      const fake = makeFake()
      const engine = yield* fake.engine
      const fiber = yield* forkNow(engine.recv("message", false, Schedule.recurs(3)))
      fake.state.recvErrno = 11 // the wake-up's attempt finds nothing; the engine looks again before sleeping
      fake.deliver("m")
      yield* signalUntilDone(fake, fiber)
      expect(text((yield* Fiber.join(fiber)) as ReadonlyArray<Uint8Array>)).toEqual(["m"])
      expect(fake.state.recvAttempts).toBe(3)
      expect(engine.stats()).toMatchObject({ receivers: 0, watching: false })
    }))

  it.effect("a schedule with a delay bounds the wait with EAGAIN", () =>
    Effect.gen(function*() {
      const fake = makeFake()
      const engine = yield* fake.engine
      const schedule = Schedule.spaced("20 millis").pipe(Schedule.upTo({ times: 2 }))
      const fiber = yield* forkNow(engine.recv("message", false, schedule))
      yield* TestClock.adjust("20 millis")
      expect(fiber.pollUnsafe()).toBeUndefined()
      yield* TestClock.adjust("20 millis")
      const error = yield* Effect.flip(Fiber.join(fiber))
      expect(error.code).toBe("EAGAIN")
      expect(engine.stats()).toMatchObject({ receivers: 0, watching: false })
      expect(fake.state.incoming.length).toBe(0)
    }))

  it.effect("with a delay schedule, readiness still wakes the fiber at once", () =>
    Effect.gen(function*() {
      const fake = makeFake()
      const engine = yield* fake.engine
      const schedule = Schedule.spaced("1 second").pipe(Schedule.upTo({ times: 2 }))
      const fiber = yield* forkNow(engine.recv("message", false, schedule))
      fake.deliver("fast")
      expect(text((yield* Fiber.join(fiber)) as ReadonlyArray<Uint8Array>)).toEqual(["fast"])
      expect(engine.stats()).toMatchObject({ receivers: 0, watching: false })
    }))

  it.effect("when a delay ends, the fiber attempts again (a message whose edge was missed is taken)", () =>
    Effect.gen(function*() {
      const fake = makeFake()
      const engine = yield* fake.engine
      const schedule = Schedule.spaced("20 millis").pipe(Schedule.upTo({ times: 3 }))
      const fiber = yield* forkNow(engine.recv("message", false, schedule))
      expect(fake.state.recvAttempts).toBe(1)
      fake.push(["missed edge"]) // no signal: only the delay can find it
      yield* TestClock.adjust("20 millis")
      yield* settle
      expect(fake.state.recvAttempts).toBe(2)
      const exit = yield* Fiber.await(fiber)
      expect(Exit.isSuccess(exit) && text(exit.value as ReadonlyArray<Uint8Array>)).toEqual(["missed edge"])
    }))

  it.effect("when a delay ends, the fiber attempts again even though EVENTS shows nothing (the delay is the poll)", () =>
    Effect.gen(function*() {
      const fake = makeFake()
      const engine = yield* fake.engine
      fake.state.blind = true // EVENTS never reports POLLIN: only an attempt finds the message
      const schedule = Schedule.spaced("20 millis").pipe(Schedule.upTo({ times: 3 }))
      const fiber = yield* forkNow(engine.recv("message", false, schedule))
      expect(fake.state.recvAttempts).toBe(1)
      fake.push(["found by the delay"])
      yield* TestClock.adjust("20 millis")
      yield* settle
      expect(fake.state.recvAttempts).toBe(2)
      const exit = yield* Fiber.await(fiber)
      expect(Exit.isSuccess(exit) && text(exit.value as ReadonlyArray<Uint8Array>)).toEqual(["found by the delay"])
    }))

  it.effect("a waiter whose delay ended keeps its place in line (FIFO)", () =>
    Effect.gen(function*() {
      const fake = makeFake()
      const engine = yield* fake.engine
      const order: Array<string> = []
      const first = yield* forkNow(engine.recvMessage(false).pipe(Effect.map((m) => order.push(`first:${text(m)}`))))
      const schedule = Schedule.spaced("20 millis").pipe(Schedule.upTo({ times: 5 }))
      const second = yield* forkNow(
        engine.recv("message", false, schedule).pipe(
          Effect.map((m) => order.push(`second:${text(m as ReadonlyArray<Uint8Array>)}`))
        )
      )
      yield* TestClock.adjust("20 millis")
      yield* settle
      fake.deliver("1")
      yield* settle
      fake.deliver("2")
      yield* Fiber.join(first)
      yield* Fiber.join(second)
      expect(order).toEqual(["first:1", "second:2"])
    }))
})

describe("Green engine: timeouts", () => {
  it.effect("RCVTIMEO bounds the wait with EAGAIN, and nothing is lost", () =>
    Effect.gen(function*() {
      const fake = makeFake({ greenOptions: { receiveTimeout: () => 20 } })
      const engine = yield* fake.engine
      const fiber = yield* forkNow(engine.recvMessage(false))
      yield* TestClock.adjust("19 millis")
      expect(fiber.pollUnsafe()).toBeUndefined()
      yield* TestClock.adjust("1 millis")
      const error = yield* Effect.flip(Fiber.join(fiber))
      expect(error.code).toBe("EAGAIN")
      expect(error.message).toMatch(/timed out/)
      expect(engine.stats()).toMatchObject({ receivers: 0, watching: false })
      fake.deliver("after")
      expect(text(yield* engine.recvMessage(false))).toEqual(["after"])
    }))

  it.effect("a message arriving before RCVTIMEO is received", () =>
    Effect.gen(function*() {
      const fake = makeFake({ greenOptions: { receiveTimeout: () => 20 } })
      const engine = yield* fake.engine
      const fiber = yield* forkNow(engine.recvMessage(false))
      yield* TestClock.adjust("10 millis")
      fake.deliver("in time")
      expect(text(yield* Fiber.join(fiber))).toEqual(["in time"])
    }))

  it.effect("RCVTIMEO bounds recvInto", () =>
    Effect.gen(function*() {
      const fake = makeFake({ greenOptions: { receiveTimeout: () => 20 } })
      const engine = yield* fake.engine
      const target: Array<ReadonlyArray<Uint8Array>> = []
      const fiber = yield* forkNow(engine.recvInto(target, 10, false))
      yield* TestClock.adjust("20 millis")
      expect((yield* Effect.flip(Fiber.join(fiber))).code).toBe("EAGAIN")
      expect(target.length).toBe(0)
    }))

  it.effect("SNDTIMEO bounds the wait with EAGAIN, and the message is never sent", () =>
    Effect.gen(function*() {
      const fake = makeFake({ greenOptions: { sendTimeout: () => 20 } })
      fake.state.writable = false
      const engine = yield* fake.engine
      const fiber = yield* forkNow(engine.send([bytes("late")], false))
      yield* TestClock.adjust("20 millis")
      const error = yield* Effect.flip(Fiber.join(fiber))
      expect(error.code).toBe("EAGAIN")
      expect(error.message).toMatch(/timed out/)
      expect(engine.stats()).toMatchObject({ senders: 0, watching: false })
      fake.drain()
      yield* settle
      expect(fake.state.sent.length).toBe(0)
    }))

  it.effect("sendBatch honours SNDTIMEO: EAGAIN, with what was handed over sent and the rest not", () =>
    Effect.gen(function*() {
      const fake = makeFake({ greenOptions: { sendTimeout: () => 20 } })
      const engine = yield* fake.engine
      fake.state.room = 2
      const fiber = yield* forkNow(engine.sendBatch([[bytes("a")], [bytes("b")], [bytes("c")]]))
      yield* TestClock.adjust("20 millis")
      const error = yield* Effect.flip(Fiber.join(fiber))
      expect(error.code).toBe("EAGAIN")
      expect(engine.stats()).toMatchObject({ senders: 0, watching: false })
      fake.state.room = undefined
      fake.drain()
      yield* settle
      expect(fake.state.sent.map((m) => text(m)[0])).toEqual(["a", "b"])
    }))

  it.effect("a timeout of -1 waits forever", () =>
    Effect.gen(function*() {
      const fake = makeFake({ greenOptions: { receiveTimeout: () => -1 } })
      const engine = yield* fake.engine
      const fiber = yield* forkNow(engine.recvMessage(false))
      yield* TestClock.adjust("1 hour")
      expect(fiber.pollUnsafe()).toBeUndefined()
      fake.deliver("x")
      expect(text(yield* Fiber.join(fiber))).toEqual(["x"])
    }))
})

describe("Green engine: closing", () => {
  it.live("failing the engine fails every waiter at once, in both directions and probes, and every later call", () =>
    Effect.gen(function*() {
      const fake = makeFake()
      fake.state.writable = false
      const engine = yield* fake.engine
      const r = yield* forkNow(engine.recvMessage(false))
      const r2 = yield* forkNow(engine.recv("frame", false))
      const s = yield* forkNow(engine.send([new Uint8Array(1)], false))
      const p = yield* forkNow(engine.ready(Events.POLLIN, false))
      engine.requeue([[bytes("dropped")]]) // wakes r: it takes this one
      expect(text(yield* Fiber.join(r))).toEqual(["dropped"])
      engine.fail(ZMQError.make("ENOTSOCK", "close"))
      for (const fiber of [r2, s, p] as Array<Fiber.Fiber<unknown, ZMQError>>) {
        expect(fiber.pollUnsafe()).toBeDefined()
        expect((yield* Effect.flip(Fiber.join(fiber))).code).toBe("ENOTSOCK")
      }
      expect(engine.closedError?.code).toBe("ENOTSOCK")
      expect(engine.stats()).toMatchObject({ receivers: 0, senders: 0, probes: 0, inbox: 0, watching: false })
      expect(fake.state.watching).toBe(false)
      fake.push(["x"])
      fake.state.writable = true
      const attempts = [fake.state.recvAttempts, fake.state.sendAttempts]
      expect((yield* Effect.flip(engine.recv("frame", false))).code).toBe("ENOTSOCK")
      expect((yield* Effect.flip(engine.recvMessage(true))).code).toBe("ENOTSOCK")
      expect((yield* Effect.flip(engine.recvInto([], 1, false))).code).toBe("ENOTSOCK")
      expect((yield* Effect.flip(engine.send([bytes("x")], false))).code).toBe("ENOTSOCK")
      expect((yield* Effect.flip(engine.sendBatch([[bytes("x")]]))).code).toBe("ENOTSOCK")
      expect((yield* Effect.flip(engine.ready(Events.POLLIN, false))).code).toBe("ENOTSOCK")
      expect((yield* Effect.flip(engine.events())).code).toBe("ENOTSOCK")
      expect([fake.state.recvAttempts, fake.state.sendAttempts]).toEqual(attempts)
      engine.requeue([[bytes("ignored")]])
      expect(engine.stats().inbox).toBe(0)
      expect(fake.state.starts).toBe(1)
    }))

  it.live("a receiver woken but not yet run when the engine fails takes nothing and fails with the error", () =>
    Effect.gen(function*() {
      const fake = makeFake()
      const engine = yield* fake.engine
      const held = holdOnWake()
      const receiver = yield* forkNow(held.hold(engine.recvMessage(false)))
      yield* settle
      held.arm()
      fake.deliver("m")
      expect(receiver.pollUnsafe()).toBeUndefined()
      engine.fail(ZMQError.make("ETERM", "close"))
      expect((yield* Effect.flip(Fiber.join(receiver))).code).toBe("ETERM")
      expect(fake.state.incoming.length).toBe(1)
    }))

  it.live("an EVENTS failure while waking closes the engine and fails the waiters with it", () =>
    Effect.gen(function*() {
      const fake = makeFake()
      const engine = yield* fake.engine
      const r = yield* forkNow(engine.recvMessage(false))
      fake.state.eventsErrno = ENOTSOCK
      fake.signal()
      expect((yield* Effect.flip(Fiber.join(r))).code).toBe("ENOTSOCK")
      expect(engine.closedError?.code).toBe("ENOTSOCK")
      expect(fake.state.watching).toBe(false)
    }))
})

describe("Green engine: races and bursts", () => {
  const raceReceives = (burst: number) =>
    Effect.gen(function*() {
      const fake = makeFake()
      const engine = yield* fake.engine
      const total = 2000
      const got: Array<string> = []
      const consumer = yield* Effect.forkChild(Effect.gen(function*() {
        while (got.length < total) {
          const message = yield* Effect.race(engine.recvMessage(false), engine.recvMessage(false))
          got.push(text(message)[0])
        }
      }))
      for (let i = 0; i < total; i += burst) {
        for (let j = i; j < Math.min(total, i + burst); j++) fake.push([String(j)])
        fake.signal()
        yield* settle
      }
      for (let i = 0; i < 10 && consumer.pollUnsafe() === undefined; i++) {
        fake.signal()
        yield* settle
      }
      yield* Fiber.join(consumer)
      expect(got).toEqual(Array.from({ length: total }, (_, i) => String(i)))
      expect(fake.state.incoming.length).toBe(0)
      expect(engine.stats()).toMatchObject({ receivers: 0, watching: false })
    })

  it.live("Effect.race of two receives over 2,000 messages, delivered one at a time, never loses or duplicates one", () =>
    raceReceives(1))

  it.live("Effect.race of two receives over 2,000 messages, delivered in bursts, never loses or duplicates one", () =>
    raceReceives(97))

  it.live("Effect.race of two receives over 2,000 messages all ready up front", () => raceReceives(2000))

  it.live("Effect.race of two sends sends exactly one message per race", () =>
    Effect.gen(function*() {
      const fake = makeFake()
      const engine = yield* fake.engine
      const total = 500
      const consumer = yield* Effect.forkChild(Effect.gen(function*() {
        for (let i = 0; i < total; i++) {
          yield* Effect.race(engine.send([bytes(`${i}a`)], false), engine.send([bytes(`${i}b`)], false))
        }
      }))
      while (consumer.pollUnsafe() === undefined) {
        fake.state.room = 7
        fake.drain()
        yield* settle
      }
      yield* Fiber.join(consumer)
      expect(fake.state.sent.length).toBe(total)
      expect(fake.state.sent.map((m) => text(m)[0].slice(0, -1))).toEqual(
        Array.from({ length: total }, (_, i) => String(i))
      )
    }))

  it.live("a hot loop of successful operations lets timers run (the burst yield)", () =>
    Effect.gen(function*() {
      const fake = makeFake()
      const engine = yield* fake.engine
      let ticks = 0
      const timer = setInterval(() => ticks++, 1)
      const started = Date.now()
      while (Date.now() - started < 50) yield* engine.send([new Uint8Array(1)], false)
      fake.state.incoming = Array.from({ length: 20000 }, () => [new Uint8Array(1)])
      const ticksBefore = ticks
      const startedRecv = Date.now()
      while (Date.now() - startedRecv < 50 && fake.state.incoming.length > 0) yield* engine.recvMessage(false)
      clearInterval(timer)
      expect(ticksBefore).toBeGreaterThan(0)
      expect(ticks).toBeGreaterThan(ticksBefore)
    }))

  it.live("a send that meets EAGAIN while EVENTS says POLLOUT (ROUTER_MANDATORY to a full peer) lets the event loop run", () =>
    Effect.gen(function*() {
      const fake = makeFake()
      fake.state.writable = false
      fake.state.phantom = Events.POLLOUT
      fake.state.phantomBudget = 10_000
      const engine = yield* fake.engine
      const sender = yield* forkNow(engine.send([bytes("x")], false))
      fake.signal()
      yield* settle
      const spent = 10_000 - fake.state.phantomBudget
      yield* Fiber.interrupt(sender)
      expect(fake.state.sent.length).toBe(0)
      // one look per signal is enough; spinning through EVENTS without yielding starves every timer and socket
      expect(spent).toBeLessThan(100)
    }))
})

describe("Green.retry (combinator)", () => {
  it.live("waits for readiness between EAGAIN attempts, as long as the schedule allows", () =>
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
      readies = 0
      const error = yield* Effect.flip(Green.retry(attempt, { ready, schedule: Schedule.recurs(2) }))
      expect(error.code).toBe("EAGAIN")
      expect(readies).toBe(2)
      const other = yield* Effect.flip(Green.retry(Effect.fail(ZMQError.make("EFSM", "op")), { ready }))
      expect(other.code).toBe("EFSM")
    }))
})

describe("Green engine: edges consumed by failed attempts", () => {
  it.live("a NOBLOCK send that fails EAGAIN still wakes a receiver whose fd edge it may have consumed", () =>
    Effect.gen(function*() {
      const fake = makeFake()
      const engine = yield* fake.engine
      const receiver = yield* Effect.forkChild(engine.recvMessage(false))
      yield* settle
      expect(engine.stats().receivers).toBe(1)
      fake.state.writable = false
      // the message arrives, but its fd signal is taken by the send's attempt (libzmq processed the command there)
      fake.push(["arrived"])
      const refused = yield* Effect.flip(engine.send([new TextEncoder().encode("x")], true))
      expect(refused.code).toBe("EAGAIN")
      const got = yield* Fiber.join(receiver).pipe(Effect.timeout("2 seconds"))
      expect(text(got)).toEqual(["arrived"])
    }))

  it.live("a blocking send that meets EAGAIN wakes such a receiver too, and then waits itself", () =>
    Effect.gen(function*() {
      const fake = makeFake()
      const engine = yield* fake.engine
      const receiver = yield* Effect.forkChild(engine.recvMessage(false))
      yield* settle
      fake.state.writable = false
      fake.push(["arrived"])
      const sender = yield* Effect.forkChild(engine.send([new TextEncoder().encode("x")], false))
      const got = yield* Fiber.join(receiver).pipe(Effect.timeout("2 seconds"))
      expect(text(got)).toEqual(["arrived"])
      expect(engine.stats().senders).toBe(1)
      yield* Fiber.interrupt(sender)
      expect(fake.state.sent.length).toBe(0)
    }))
})
