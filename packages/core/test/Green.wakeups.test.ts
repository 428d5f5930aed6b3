import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Fiber, Schedule } from "effect"
import { Events } from "@effect-zmq/core"
import { makeFake, text } from "./fake.ts"

const settle = Effect.promise(() => new Promise<void>((resolve) => setImmediate(resolve)))
const bytes = (s: string) => new TextEncoder().encode(s)
const forkNow = <A, E>(effect: Effect.Effect<A, E>) => Effect.forkChild(effect, { startImmediately: true })

describe("Green engine: wake-ups that other calls could take away", () => {
  // an EAGAIN attempt made by a *woken waiter* (Operation path) does not call afterAttempt, so a fruitless head in
  // the other direction is never made eligible again although that attempt may have consumed the fd edge it waits for.
  it.live("a fruitless sender is woken after a receiver's failed attempt consumed the edge of its writability", () =>
    Effect.gen(function*() {
      const fake = makeFake()
      fake.state.writable = false
      const engine = yield* fake.engine
      const sender = yield* forkNow(engine.send([bytes("x")], false))
      // the receiver wakes every 5 ms (a retry schedule with a delay): each wake-up is an attempt, EAGAIN
      const receiver = yield* forkNow(engine.recv("message", false, Schedule.spaced("5 millis")))
      yield* settle
      // the sender's attempt is fruitless once (EVENTS says POLLOUT, the send meets EAGAIN: ROUTER_MANDATORY)
      fake.state.phantom = Events.POLLOUT
      fake.state.phantomBudget = 3
      fake.signal()
      yield* settle
      yield* settle
      fake.state.phantom = 0
      expect(fake.state.sent.length).toBe(0)
      // now the peer drains; the receiver's next recv processes that command, which consumes the fd's edge
      const recv = fake.binding.recv
      ;(fake.binding as { recv: typeof recv }).recv = (...args) => {
        fake.state.writable = true
        return recv(...args)
      }
      yield* Fiber.join(sender).pipe(Effect.timeout("2 seconds"))
      expect(fake.state.writable).toBe(true)
      expect(engine.stats().senders).toBe(0)
      expect(fake.state.sent.length).toBe(1)
      yield* Fiber.interrupt(receiver)
    }), 10_000)

  // R1b: the same stolen edge, through the documented "reading EVENTS wakes waiters" path: the EVENTS read of
  // getOption("EVENTS") / ready() / Poll processes the command that made the fruitless head's direction ready, and the
  // poke it schedules skips that head (look() never clears `fruitless`).
  it.live("reading EVENTS wakes a fruitless sender whose direction it found ready", () =>
    Effect.gen(function*() {
      const fake = makeFake()
      fake.state.writable = false
      const engine = yield* fake.engine
      const sender = yield* forkNow(engine.send([bytes("x")], false))
      yield* settle
      fake.state.phantom = Events.POLLOUT
      fake.state.phantomBudget = 3
      fake.signal() // one fruitless attempt (ROUTER_MANDATORY towards a full peer)
      yield* settle
      yield* settle
      fake.state.phantom = 0
      expect(engine.stats().senders).toBe(1)
      // the peer drains; the user's EVENTS read is what processes libzmq's activate_write (so the fd never signals)
      fake.state.writable = true
      expect((yield* engine.events("getOption(EVENTS)")) & Events.POLLOUT).toBe(Events.POLLOUT)
      yield* Fiber.join(sender).pipe(Effect.timeout("2 seconds"))
      expect(fake.state.sent.length).toBe(1)
    }), 10_000)

  // messages given back with `requeue` (a stream's leftovers) never make the fd signal, but `requeue` does not
  // clear `fruitless`: a head receiver whose last attempt was fruitless is skipped by the poke that requeue schedules.
  it.live("a fruitless head receiver gets the messages a stream gave back", () =>
    Effect.gen(function*() {
      const fake = makeFake()
      const engine = yield* fake.engine
      const receiver = yield* forkNow(engine.recv("message", false, Schedule.spaced("1 hour")))
      yield* settle
      fake.state.phantom = Events.POLLIN // one fruitless wake-up
      fake.state.phantomBudget = 3
      fake.signal()
      yield* settle
      yield* settle
      fake.state.phantom = 0
      expect(receiver.pollUnsafe()).toBeUndefined()
      engine.requeue([[bytes("left")]])
      expect(text((yield* Fiber.join(receiver).pipe(Effect.timeout("2 seconds"))) as ReadonlyArray<Uint8Array>)).toEqual(["left"])
    }), 10_000)

  // an attempt that throws (a `transform` given to the public Green.recv, or a binding that throws on bad input)
  // skips `done()`: the woken waiter is never taken out of its queue, and the direction is wedged for ever.
  it.live("a woken receiver whose attempt throws leaves the queue", () =>
    Effect.gen(function*() {
      const fake = makeFake()
      const engine = yield* fake.engine
      const bad = yield* forkNow(engine.recv("message", false, undefined, () => {
        throw new Error("boom")
      }))
      yield* settle
      fake.deliver("a")
      const exit = yield* Fiber.await(bad)
      expect(Exit.isFailure(exit)).toBe(true)
      const good = yield* forkNow(engine.recvMessage(false))
      fake.deliver("b")
      expect(text(yield* Fiber.join(good).pipe(Effect.timeout("2 seconds")))).toEqual(["b"])
      expect(engine.stats().receivers).toBe(0)
    }), 10_000)

  // wake() resumes probes from a copy and removes each with splice(indexOf(probe), 1); when a resumed probe's
  // fiber synchronously interrupts another probe of the copy (a race of ready()s, as Poll makes), indexOf is -1 and
  // splice(-1, 1) removes the *last* probe, which may be one just added and never resumed.
  it.live("a probe added while probes are being resumed is not dropped", () =>
    Effect.gen(function*() {
      const fake = makeFake()
      fake.state.writable = false
      const engine = yield* fake.engine
      const fiber = yield* forkNow(
        Effect.raceFirst(engine.ready(Events.POLLIN, false), engine.ready(Events.POLLIN, false)).pipe(
          Effect.andThen(engine.ready(Events.POLLOUT, false))
        )
      )
      yield* settle
      expect(engine.stats().probes).toBe(2)
      fake.deliver("m")
      yield* settle
      expect(engine.stats()).toMatchObject({ probes: 1, watching: true })
      fake.drain()
      expect(yield* Fiber.join(fiber).pipe(Effect.timeout("2 seconds"))).toBe(Events.POLLOUT)
    }), 10_000)
})
