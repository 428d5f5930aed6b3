// Real sockets over tcp loopback: the scenarios of eventlet's tests/zmq_test.py, pyzmq's asyncio cancellation tests
// and zeromq.js's concurrency tests, against the green sockets.
import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Exit, Fiber, Layer, Schedule, Scope } from "effect"
import { Events, Flags, Frame, ZmqSocket } from "@effect-zmq/zmq"
import { NodeZmq } from "@effect-zmq/platform-node"
import { decode, encode, eventually, pair, zmqTest } from "./helpers.ts"

const range = (n: number) => Array.from({ length: n }, (_, i) => i)

/** Publishes probes until the subscriber sees one: the zguide's slow-joiner fix, without sleeps as sync. */
const joined = (pub: ZmqSocket.ZmqSocket, sub: ZmqSocket.ZmqSocket, topic = "") =>
  Effect.gen(function*() {
    const prober = yield* Effect.forkChild(
      pub.sendString(`${topic}probe`).pipe(Effect.andThen(Effect.sleep("5 millis")), Effect.forever)
    )
    while ((yield* sub.recvString()) !== `${topic}probe`) { /* skip */ }
    yield* Fiber.interrupt(prober)
  })

describe("eventlet zmq_test scenarios", () => {
  it.live("pub/sub: each subscriber gets exactly the messages of its subscriptions", () =>
    zmqTest(Effect.gen(function*() {
      const pub = yield* ZmqSocket.make("PUB", { bind: "tcp://127.0.0.1:*" })
      const endpoint = yield* pub.lastEndpoint
      const subAll = yield* ZmqSocket.make("SUB", { connect: endpoint })
      const subB = yield* ZmqSocket.make("SUB", { connect: endpoint })
      yield* subAll.subscribe()
      yield* subB.subscribe("b")
      yield* joined(pub, subAll)
      yield* joined(pub, subB, "b")
      for (let i = 0; i < 10; i++) yield* pub.sendString(i % 2 === 0 ? `a${i}` : `b${i}`)
      yield* pub.sendString("bLAST")
      const collect = (sub: ZmqSocket.ZmqSocket) =>
        Effect.gen(function*() {
          const got: Array<string> = []
          for (;;) {
            const m = yield* sub.recvString()
            if (m === "bLAST") return got
            if (!m.endsWith("probe")) got.push(m)
          }
        })
      const [all, onlyB] = yield* Effect.all([collect(subAll), collect(subB)], { concurrency: 2 })
      expect(all.length).toBe(10)
      expect(onlyB).toEqual(["b1", "b3", "b5", "b7", "b9"])
    })))

  it.live("change subscription: after unsubscribe nothing more arrives for that prefix", () =>
    zmqTest(Effect.gen(function*() {
      const [pub, sub] = yield* pair("PUB", "SUB")
      yield* sub.subscribe("x")
      yield* joined(pub, sub, "x")
      yield* sub.subscribe("y")
      yield* joined(pub, sub, "y")
      yield* sub.unsubscribe("x")
      // "x" messages are now filtered; the "y" marker arrives and nothing before it
      yield* pub.sendString("x-dropped")
      yield* pub.sendString("y-kept")
      let m = yield* sub.recvString()
      while (m.endsWith("probe")) m = yield* sub.recvString()
      expect(m).toBe("y-kept")
    })))

  it.live("1000 req/rep round trips and 1000 push/pull messages", () =>
    zmqTest(Effect.gen(function*() {
      const [rep, req] = yield* pair("REP", "REQ")
      yield* Effect.forkChild(Effect.forever(rep.recv().pipe(Effect.flatMap((m) => rep.send(m)))))
      for (let i = 0; i < 1000; i++) {
        yield* req.sendString(String(i))
        expect(yield* req.recvString()).toBe(String(i))
      }
      const [pull, push] = yield* pair("PULL", "PUSH")
      yield* Effect.forkChild(Effect.forEach(range(1000), (i) => push.sendString(String(i)), { discard: true }))
      for (let i = 0; i < 1000; i++) expect(yield* pull.recvString()).toBe(String(i))
    })))

  it.live("recv spawned before send, and 30 waiting receivers served in FIFO order", () =>
    zmqTest(Effect.gen(function*() {
      const [pull, push] = yield* pair("PULL", "PUSH")
      const order: Array<string> = []
      const receivers = yield* Effect.forEach(range(30), (i) =>
        Effect.forkChild(pull.recvString().pipe(Effect.map((m) => order.push(`${i}=${m}`)))))
      yield* eventually(() => pull.stats().receivers === 30)
      for (let i = 0; i < 30; i++) yield* push.sendString(String(i))
      yield* Fiber.joinAll(receivers)
      expect(order).toEqual(range(30).map((i) => `${i}=${i}`))
      expect(pull.stats()).toMatchObject({ receivers: 0, inbox: 0, watching: false })
    })))

  it.live("send during recv on the same DEALER socket, both directions pending together", () =>
    zmqTest(Effect.gen(function*() {
      const [router, dealer] = yield* pair("ROUTER", "DEALER")
      const reply = yield* Effect.forkChild(dealer.recvString())
      yield* Effect.yieldNow
      yield* dealer.sendString("ping")
      const [id, body] = yield* router.recvMultipart()
      expect(decode(body)).toBe("ping")
      yield* router.sendMultipart([id, encode("pong")])
      expect(yield* Fiber.join(reply)).toBe("pong")
    })))

  it.live("multipart: empty frames are messages (bug 68), and copy: false returns Frames with more", () =>
    zmqTest(Effect.gen(function*() {
      const [pull, push] = yield* pair("PULL", "PUSH")
      yield* push.sendMultipart([new Uint8Array(0)])
      expect((yield* pull.recvMultipart()).map((f) => f.byteLength)).toEqual([0])
      yield* push.send(new Uint8Array(0))
      expect((yield* pull.recv()).byteLength).toBe(0)
      yield* push.sendMultipart([encode("a"), new Uint8Array(0), encode("c")])
      const frames = yield* pull.recvMultipart({ copy: false })
      expect(frames.map((f) => [Frame.text(f), f.more])).toEqual([["a", true], ["", true], ["c", false]])
      yield* push.sendMultipart([encode("1"), encode("2")])
      const first = yield* pull.recv({ copy: false })
      expect([Frame.text(first), first.more, yield* pull.getOption("RCVMORE")]).toEqual(["1", true, true])
      // recvMultipart after a partial per-frame read returns the rest of that message
      expect((yield* pull.recvMultipart()).map(decode)).toEqual(["2"])
      expect(yield* pull.getOption("RCVMORE")).toBe(false)
    })))

  it.live("close during recv fails the waiter with ENOTSOCK at once, and later calls too", () =>
    zmqTest(Effect.gen(function*() {
      const [pull] = yield* pair("PULL", "PUSH")
      const waiter = yield* Effect.forkChild(pull.recv())
      yield* Effect.yieldNow
      yield* pull.close
      yield* pull.close
      expect((yield* Effect.flip(Fiber.join(waiter))).code).toBe("ENOTSOCK")
      expect((yield* Effect.flip(pull.recv())).code).toBe("ENOTSOCK")
      expect((yield* Effect.flip(pull.getOption("LINGER"))).code).toBe("ENOTSOCK")
      expect(pull.closed).toBe(true)
    })))

  it.live("getOption(EVENTS) reports readiness and wakes a waiting receiver", () =>
    zmqTest(Effect.gen(function*() {
      const [pull, push] = yield* pair("PULL", "PUSH")
      expect((yield* push.getOption("EVENTS")) & Events.POLLOUT).toBe(Events.POLLOUT)
      expect((yield* pull.getOption("EVENTS")) & Events.POLLIN).toBe(0)
      const waiter = yield* Effect.forkChild(pull.recvString())
      yield* push.sendString("hi")
      yield* pull.getOption("EVENTS")
      expect(yield* Fiber.join(waiter)).toBe("hi")
    })))

  it.live("NOBLOCK: recv on an empty socket and send without a peer fail EAGAIN without waiting", () =>
    zmqTest(Effect.gen(function*() {
      const [pull, push] = yield* pair("PULL", "PUSH")
      expect((yield* Effect.flip(pull.recv({ flags: Flags.NOBLOCK }))).code).toBe("EAGAIN")
      const lonely = yield* ZmqSocket.make("PUSH")
      expect((yield* Effect.flip(lonely.send(encode("x"), { flags: Flags.NOBLOCK }))).code).toBe("EAGAIN")
      expect(lonely.stats().watching).toBe(false)
      yield* push.sendString("now")
      // NOBLOCK takes a message that is there
      let got: string | undefined
      while (got === undefined) {
        got = yield* pull.recvString({ flags: Flags.NOBLOCK }).pipe(
          Effect.catchTag("ZMQError", (e) => e.code === "EAGAIN" ? pull.getOption("EVENTS").pipe(Effect.as(undefined)) : Effect.fail(e))
        )
        if (got === undefined) yield* Effect.sleep("1 millis")
      }
      expect(got).toBe("now")
    })))

  it.live("RCVTIMEO bounds a green recv with EAGAIN (eventlet bug 282)", () =>
    zmqTest(Effect.gen(function*() {
      const [pull] = yield* pair("PULL", "PUSH", { a: { RCVTIMEO: 30 } })
      expect(yield* pull.getOption("RCVTIMEO")).toBe(30)
      const error = yield* Effect.flip(pull.recv())
      expect(error.code).toBe("EAGAIN")
      expect(pull.stats().receivers).toBe(0)
    })))

  it.live("no CPU and no watched handle while a socket idles after bind, or while a recv waits", () =>
    zmqTest(Effect.gen(function*() {
      const pub = yield* ZmqSocket.make("PUB", { bind: "tcp://127.0.0.1:*" })
      const pull = yield* ZmqSocket.make("PULL", { bind: "tcp://127.0.0.1:*" })
      expect(pub.stats().watching).toBe(false)
      const waiter = yield* Effect.forkChild(pull.recv())
      yield* eventually(() => pull.stats().watching)
      const before = process.cpuUsage()
      const started = performance.now()
      yield* Effect.sleep("200 millis")
      const cpu = process.cpuUsage(before)
      const wall = (performance.now() - started) * 1000
      // a busy loop on the fd would burn the whole window; idle waiting costs next to nothing
      expect((cpu.user + cpu.system) / wall).toBeLessThan(0.25)
      yield* Fiber.interrupt(waiter)
      expect(pull.stats()).toMatchObject({ receivers: 0, watching: false })
    })))

  it.live("a hot loop of successful sends still lets timers run", () =>
    zmqTest(Effect.gen(function*() {
      const [pull, push] = yield* pair("PULL", "PUSH", { b: { SNDHWM: 0 }, a: { RCVHWM: 0 } })
      let ticks = 0
      const timer = setInterval(() => ticks++, 1)
      const started = Date.now()
      let sent = 0
      while (Date.now() - started < 100) {
        yield* push.send(encode("x"))
        sent++
      }
      clearInterval(timer)
      expect(ticks).toBeGreaterThan(0)
      for (let i = 0; i < sent; i++) yield* pull.recv()
    })))
})

describe("cancellation (pyzmq asyncio)", () => {
  it.live("a cancelled recv does not eat the next message, and leaves no waiter behind", () =>
    zmqTest(Effect.gen(function*() {
      const [pull, push] = yield* pair("PULL", "PUSH")
      for (let round = 0; round < 50; round++) {
        const waiter = yield* Effect.forkChild(pull.recv())
        yield* Effect.yieldNow
        yield* Fiber.interrupt(waiter)
        expect(pull.stats().receivers).toBe(0)
        yield* push.sendString(`m${round}`)
        expect(yield* pull.recvString()).toBe(`m${round}`)
      }
    })))

  it.live("timeouts racing arriving messages lose nothing", () =>
    zmqTest(Effect.gen(function*() {
      const [pull, push] = yield* pair("PULL", "PUSH")
      const total = 2000
      yield* Effect.forkChild(Effect.forEach(range(total), (i) => push.sendString(String(i)), { discard: true }))
      const got: Array<number> = []
      while (got.length < total) {
        const m = yield* pull.recvString().pipe(Effect.timeoutOption("1 millis"))
        if (m._tag === "Some") got.push(Number(m.value))
      }
      expect(got).toEqual(range(total))
      expect(pull.stats()).toMatchObject({ receivers: 0, inbox: 0 })
    })))

  it.live("an interrupted send is never delivered, even when the peer appears later", () =>
    zmqTest(Effect.gen(function*() {
      const push = yield* ZmqSocket.make("PUSH", { bind: "tcp://127.0.0.1:*" })
      const endpoint = yield* push.lastEndpoint
      const sender = yield* Effect.forkChild(push.sendString("ghost"))
      yield* eventually(() => push.stats().senders === 1)
      yield* Fiber.interrupt(sender)
      expect(push.stats().senders).toBe(0)
      const pull = yield* ZmqSocket.make("PULL", { connect: endpoint })
      yield* push.sendString("real")
      expect(yield* pull.recvString()).toBe("real")
      expect((yield* Effect.flip(pull.recv({ flags: Flags.NOBLOCK }))).code).toBe("EAGAIN")
    })))

  it.live("SNDMORE frames staged before an interrupted last frame are discarded with it", () =>
    zmqTest(Effect.gen(function*() {
      const push = yield* ZmqSocket.make("PUSH", { bind: "tcp://127.0.0.1:*" })
      const endpoint = yield* push.lastEndpoint
      yield* push.send(encode("head"), { flags: Flags.SNDMORE })
      const last = yield* Effect.forkChild(push.send(encode("tail")))
      yield* Effect.yieldNow
      yield* Fiber.interrupt(last)
      const pull = yield* ZmqSocket.make("PULL", { connect: endpoint })
      yield* push.sendMultipart([encode("only")])
      expect((yield* pull.recvMultipart()).map(decode)).toEqual(["only"])
    })))

  it.live("REQ/REP: after an interrupted recv on REQ, the reply stays for the next recv", () =>
    zmqTest(Effect.gen(function*() {
      const [rep, req] = yield* pair("REP", "REQ")
      const release = yield* Deferred.make<void>()
      yield* Effect.forkChild(Effect.gen(function*() {
        const request = yield* rep.recvString()
        yield* Deferred.await(release)
        yield* rep.sendString(`re:${request}`)
      }))
      yield* req.sendString("q")
      const waiting = yield* Effect.forkChild(req.recvString())
      yield* Effect.yieldNow
      yield* Fiber.interrupt(waiting)
      yield* Deferred.succeed(release, undefined)
      expect(yield* req.recvString()).toBe("re:q")
      // and the socket is in lock-step again
      expect((yield* Effect.flip(req.recvString({ flags: Flags.NOBLOCK }))).code).toBe("EFSM")
    })))
})

describe("concurrency (zeromq.js EBUSY)", () => {
  it.live("many concurrent senders and receivers on one socket pair: no EBUSY, nothing lost", () =>
    zmqTest(Effect.gen(function*() {
      const [dealerA, dealerB] = yield* pair("DEALER", "DEALER", { a: { SNDHWM: 10, RCVHWM: 10 }, b: { SNDHWM: 10, RCVHWM: 10 } })
      const perFiber = 100
      const fibers = 20
      const received: Array<string> = []
      const receivers = yield* Effect.forEach(range(fibers), () =>
        Effect.forkChild(Effect.forEach(range(perFiber), () => dealerB.recvString().pipe(Effect.map((m) => received.push(m))), { discard: true })))
      yield* Effect.forEach(range(fibers), (f) =>
        Effect.forEach(range(perFiber), (i) => dealerA.sendString(`${f}:${i}`), { discard: true }), { concurrency: "unbounded", discard: true })
      yield* Fiber.joinAll(receivers)
      expect(received.length).toBe(perFiber * fibers)
      expect(new Set(received).size).toBe(perFiber * fibers)
      // per sender, order is kept
      for (let f = 0; f < fibers; f++) {
        const mine = received.filter((m) => m.startsWith(`${f}:`)).map((m) => Number(m.split(":")[1]))
        expect(mine).toEqual(range(perFiber))
      }
    })))
})

describe("bad input", () => {
  it.live("strings, numbers and other non-bytes payloads fail EINVAL and send nothing", () =>
    zmqTest(Effect.gen(function*() {
      const [pull, push] = yield* pair("PULL", "PUSH")
      const send = push.send as (data: unknown) => Effect.Effect<void, import("@effect-zmq/zmq").ZMQError>
      const sendMultipart = push.sendMultipart as (frames: unknown) => Effect.Effect<void, import("@effect-zmq/zmq").ZMQError>
      for (const bad of ["text", 42, null, undefined, {}, [1, 2], new ArrayBuffer(2), Symbol("s")]) {
        const error = yield* Effect.flip(send(bad))
        expect(error.code).toBe("EINVAL")
        expect(error.message).toMatch(/data must be/)
      }
      for (const bad of ["text", 42, null, [], [encode("ok"), "no"]]) {
        expect((yield* Effect.flip(sendMultipart(bad))).code).toBe("EINVAL")
      }
      yield* push.sendString("real")
      expect(yield* pull.recvString()).toBe("real")
      expect((yield* Effect.flip(pull.recv({ flags: Flags.NOBLOCK }))).code).toBe("EAGAIN")
    })))

  it.live("unknown options and wrong value types fail EINVAL and change nothing", () =>
    zmqTest(Effect.gen(function*() {
      const s = yield* ZmqSocket.make("DEALER")
      const setOption = s.setOption as (name: unknown, value: unknown) => Effect.Effect<void, import("@effect-zmq/zmq").ZMQError>
      yield* s.setOption("LINGER", 5)
      expect((yield* Effect.flip(setOption("NOPE", 1))).code).toBe("EINVAL")
      expect((yield* Effect.flip(setOption("LINGER", "5"))).message).toMatch(/LINGER/)
      expect((yield* Effect.flip(setOption("LINGER", 1.5))).code).toBe("EINVAL")
      expect((yield* Effect.flip(setOption("EVENTS", 1))).code).toBe("EINVAL")
      expect(yield* s.getOption("LINGER")).toBe(5)
      expect((yield* Effect.flip(ZmqSocket.make("NOPE" as ZmqSocket.SocketType))).code).toBe("EINVAL")
      expect((yield* Effect.flip(s.bind(42 as unknown as string))).code).toBe("EINVAL")
      expect((yield* Effect.flip(s.connect("nonsense"))).code).toBe("EINVAL")
    })))

  it.live("sockets refuse the direction their type cannot use", () =>
    zmqTest(Effect.gen(function*() {
      const pub = yield* ZmqSocket.make("PUB")
      const pull = yield* ZmqSocket.make("PULL")
      expect((yield* Effect.flip(pub.recv())).code).toBe("ENOTSUP")
      expect((yield* Effect.flip(pull.sendString("x"))).code).toBe("ENOTSUP")
      expect((yield* Effect.flip(pull.subscribe("x"))).code).toBe("ENOTSUP")
    })))
})

describe("options, types and life cycle", () => {
  it.live("the option table reads and writes through the binding", () =>
    zmqTest(Effect.gen(function*() {
      const s = yield* ZmqSocket.make("ROUTER", { options: { SNDHWM: 7 }, RCVHWM: 9, ROUTING_ID: "me" })
      expect(yield* s.getOption("SNDHWM")).toBe(7)
      expect(yield* s.getOption("RCVHWM")).toBe(9)
      expect(yield* s.getOption("ROUTING_ID")).toBe("me")
      expect(yield* s.getOption("TYPE")).toBe(6)
      expect(yield* s.getOption("LINGER")).toBe(1000)
      expect(typeof (yield* s.getOption("FD"))).toBe("number")
      yield* s.setOption("MAXMSGSIZE", 1024)
      expect(yield* s.getOption("MAXMSGSIZE")).toBe(1024)
      yield* s.setOption("IMMEDIATE", true)
      expect(yield* s.getOption("IMMEDIATE")).toBe(true)
    })))

  it.live("every standard socket type can be made, bound and closed", () =>
    zmqTest(Effect.gen(function*() {
      for (const type of ["PAIR", "PUB", "SUB", "REQ", "REP", "DEALER", "ROUTER", "PULL", "PUSH", "XPUB", "XSUB", "STREAM"] as const) {
        const s = yield* ZmqSocket.make(type, { bind: "tcp://127.0.0.1:*" })
        expect(s.type).toBe(type)
        expect(yield* s.lastEndpoint).toMatch(/^tcp:\/\/127\.0\.0\.1:\d+$/)
        yield* s.close
      }
    })))

  it.live("XPUB/XSUB: subscriptions travel as messages", () =>
    zmqTest(Effect.gen(function*() {
      const [xpub, xsub] = yield* pair("XPUB", "XSUB")
      yield* xsub.subscribe("t")
      const subscription = yield* xpub.recv()
      expect(Array.from(subscription)).toEqual([1, "t".charCodeAt(0)])
    })))

  it.live("releasing the context layer closes its sockets and fails their waiters with ENOTSOCK", () =>
    Effect.gen(function*() {
      const layerScope = yield* Scope.make()
      const context = yield* Layer.buildWithScope(NodeZmq.layer(), layerScope)
      const pull = yield* ZmqSocket.make("PULL", { bind: "tcp://127.0.0.1:*" }).pipe(Effect.provideContext(context))
      const waiter = yield* Effect.forkChild(pull.recv())
      yield* eventually(() => pull.stats().receivers === 1)
      yield* Scope.close(layerScope, Exit.void)
      expect(pull.closed).toBe(true)
      expect((yield* Effect.flip(Fiber.join(waiter))).code).toBe("ENOTSOCK")
    }))

  it.live("make fails typed when an initial option or endpoint fails", () =>
    zmqTest(Effect.gen(function*() {
      const taken = yield* ZmqSocket.make("PULL", { bind: "tcp://127.0.0.1:*" })
      const endpoint = yield* taken.lastEndpoint
      expect((yield* Effect.flip(ZmqSocket.make("PULL", { bind: endpoint }))).code).toBe("EADDRINUSE")
      expect((yield* Effect.flip(ZmqSocket.make("PULL", { SNDHWM: -2 as number, bind: endpoint }))).code).toBe("EINVAL")
      // and the endpoint can be bound again once its owner closed it
      yield* taken.close
      const again = yield* ZmqSocket.make("PULL").pipe(
        Effect.tap((s) => s.bind(endpoint).pipe(Effect.retry({ while: (e) => e.code === "EADDRINUSE", times: 100, schedule: Schedule.spaced("10 millis") })))
      )
      expect(yield* again.lastEndpoint).toBe(endpoint)
    })))

  it.live("a released context refuses new sockets with ETERM", () =>
    Effect.gen(function*() {
      const context = yield* Layer.build(NodeZmq.layer()).pipe(Effect.scoped)
      const error = yield* Effect.flip(ZmqSocket.make("PUSH").pipe(Effect.scoped, Effect.provideContext(context)))
      expect(error.code).toBe("ETERM")
    }))
})
