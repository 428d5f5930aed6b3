/**
 * Crashed and restarted peers (issue 5, part 2). The peer runs in a child process (test/reliability/fixtures/peer.ts,
 * the same Node, tcp loopback) and is SIGKILLed in the middle of a stream. Our side keeps working, its monitor shows
 * the disconnect, and it reconnects when a new peer process appears. With HEARTBEAT_IVL/HEARTBEAT_TIMEOUT a peer
 * that has gone silent (SIGSTOPped: its TCP connection stays up) is detected. A lazy-pirate REQ client survives a
 * server that drops every third request.
 */
import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Exit, Fiber, Queue, Schedule, Stream } from "effect"
import { ZmqSocket } from "@effect-zmq/zmq"
import { decode, encode, zmqTest } from "../helpers.ts"
import { fixture, idle, spawnNode } from "./harness.ts"

const peer = fixture("peer.ts")

/** The socket's monitor events, collected into a queue by a fiber of the test's scope. */
const monitor = (socket: ZmqSocket.ZmqSocket) =>
  Effect.gen(function*() {
    const events = yield* Queue.unbounded<ZmqSocket.SocketEvent>()
    // started at once, so the monitor is attached before the caller's next step (connect, kill, ...)
    yield* Effect.forkScoped(ZmqSocket.events(socket).pipe(Stream.runForEach((event) => Queue.offer(events, event))), {
      startImmediately: true
    })
    const next = (tag: ZmqSocket.SocketEvent["_tag"]) =>
      Effect.gen(function*() {
        for (;;) {
          const event = yield* Queue.take(events)
          if (event._tag === tag) return event
        }
      }).pipe(Effect.timeoutOrElse({ duration: "10 seconds", orElse: () => Effect.die(new Error(`no ${tag} event within 10 s; ${JSON.stringify(socket.stats())}`)) }))
    return { next }
  })

const boundAt = (line: string) => line.slice("bound ".length)
const step = (label: string) => Effect.sync(() => process.env.ZMQ_PEER_DEBUG && console.log(`[peers] ${label}`))

describe("crashed and restarted peers", () => {
  it.live("a streaming peer SIGKILLed mid-stream: our PULL keeps working and takes a new peer's stream", () =>
    zmqTest(Effect.gen(function*() {
      // small buffers: a dead peer's end is read after what it had sent, so keep that short
      const pull = yield* ZmqSocket.make("PULL", { RCVHWM: 100, RCVBUF: 8192, bind: "tcp://127.0.0.1:*" })
      const endpoint = yield* pull.lastEndpoint
      const events = yield* monitor(pull)

      const first = yield* spawnNode(peer, ["stream-push", endpoint, "first"])
      yield* first.line((l) => l === "ready")
      yield* step("first ready")
      // take part of the stream: in order, no gaps, no duplicates
      for (let seq = 0; seq < 500; seq++) expect(decode(yield* pull.recv())).toBe(`first:${seq}`)
      // a receive is waiting (or about to) when the peer dies
      const waiting = yield* Effect.forkChild(Effect.forever(pull.recv().pipe(Effect.map(decode), Effect.filterOrFail((m) => m.startsWith("first:")))), { startImmediately: true })
      yield* step("500 received")
      yield* first.kill("SIGKILL")
      yield* step("first killed")
      yield* events.next("Disconnected")
      yield* step("first disconnected")
      // whatever of the first stream was still buffered is taken by the waiting fiber; it then waits for more
      const exit = yield* Fiber.await(waiting).pipe(Effect.timeoutOption("50 millis"))
      expect(exit._tag === "None" || Exit.isFailure(exit.value)).toBe(true)
      yield* Fiber.interrupt(waiting)

      // a new peer process: its stream arrives, from its first message
      const second = yield* spawnNode(peer, ["stream-push", endpoint, "second"])
      yield* second.line((l) => l === "ready")
      yield* step("second ready")
      yield* events.next("Accepted")
      yield* step("second accepted")
      let next = 0
      while (next < 200) {
        const message = decode(yield* pull.recv().pipe(Effect.timeoutOrElse({ duration: "10 seconds", orElse: () => Effect.die(new Error(`second stream stalled at ${next}: ${JSON.stringify(pull.stats())}`)) })))
        if (message.startsWith("first:")) continue // the tail of the first stream, still buffered
        expect(message).toBe(`second:${next++}`)
      }
      // libzmq reads a dead connection's end only after the messages before it: keep receiving while it dies
      const drain = yield* Effect.forkChild(Effect.forever(pull.recv()), { startImmediately: true })
      yield* second.kill("SIGKILL")
      yield* events.next("Disconnected")
      yield* Fiber.interrupt(drain)
      expect(idle(pull)).toBe(true)
    }).pipe(Effect.scoped)), 60_000)

  it.live("a ROUTER peer SIGKILLed mid-conversation: our DEALER reconnects to its successor on the same port", () =>
    zmqTest(Effect.gen(function*() {
      const first = yield* spawnNode(peer, ["echo-router", "tcp://127.0.0.1:*"])
      const endpoint = boundAt(yield* first.line((l) => l.startsWith("bound ")))
      const dealer = yield* ZmqSocket.make("DEALER", { RECONNECT_IVL: 20, RECONNECT_IVL_MAX: 100, LINGER: 0 })
      const events = yield* monitor(dealer)
      yield* dealer.connect(endpoint)
      yield* events.next("HandshakeSucceeded")

      // a stream of requests; echoes come back in order
      for (let i = 0; i < 100; i++) yield* dealer.sendString(`a${i}`)
      for (let i = 0; i < 100; i++) expect(decode(yield* dealer.recv())).toBe(`a${i}`)
      const pendingReply = yield* Effect.forkChild(dealer.recv(), { startImmediately: true })
      yield* first.kill("SIGKILL")
      yield* events.next("Disconnected")
      // our side keeps working: nothing failed, the receive still waits, and sends are still accepted (queued)
      expect(pendingReply.pollUnsafe()).toBeUndefined()
      yield* dealer.sendString("while-down", { flags: 1 }).pipe(Effect.catchTag("ZMQError", (e) => e.code === "EAGAIN" ? Effect.void : Effect.fail(e)))

      const second = yield* spawnNode(peer, ["echo-router", endpoint])
      expect(boundAt(yield* second.line((l) => l.startsWith("bound ")))).toBe(endpoint)
      yield* events.next("HandshakeSucceeded")
      // the receive that waited across the crash gets the first echo from the new peer
      const echoes: Array<string> = [decode(yield* Fiber.join(pendingReply).pipe(Effect.timeout("10 seconds")))]
      yield* dealer.sendString("after-restart")
      while (!echoes.includes("after-restart")) echoes.push(decode(yield* dealer.recv().pipe(Effect.timeout("10 seconds"))))
      // a message queued while the peer was down is delivered to the new one at most once
      expect(echoes.filter((m) => m === "while-down").length).toBeLessThanOrEqual(1)
      expect(echoes.every((m) => m === "while-down" || m === "after-restart")).toBe(true)
      expect(idle(dealer)).toBe(true)
    }).pipe(Effect.scoped)))

  it.live("heartbeats detect a silent (SIGSTOPped) peer: the monitor shows the disconnect, routing to it fails", () =>
    zmqTest(Effect.gen(function*() {
      const router = yield* ZmqSocket.make("ROUTER", {
        ROUTER_MANDATORY: true,
        HEARTBEAT_IVL: 100,
        HEARTBEAT_TIMEOUT: 400,
        bind: "tcp://127.0.0.1:*"
      })
      const endpoint = yield* router.lastEndpoint
      const events = yield* monitor(router)
      const child = yield* spawnNode(peer, ["hello-dealer", endpoint, "silent-peer"])
      yield* child.line((l) => l === "sent")
      const [identity, hello] = yield* router.recvMultipart().pipe(Effect.timeout("10 seconds"))
      expect([decode(identity), decode(hello)]).toEqual(["silent-peer", "hello"])
      // reachable while alive
      yield* router.sendMultipart([identity, encode("ping")])

      const stoppedAt = Date.now()
      child.process.kill("SIGSTOP")
      yield* events.next("Disconnected")
      const detectedAfter = Date.now() - stoppedAt
      // HEARTBEAT_TIMEOUT is 400 ms: detection comes after about that, well before TCP would notice
      expect(detectedAfter).toBeLessThan(5000)
      // the ROUTER drops the peer's route when its own thread processes the disconnect, a moment after the event
      const exit = yield* Effect.exit(
        router.sendMultipart([identity, encode("ping")]).pipe(
          Effect.andThen(Effect.fail("still routable" as const)),
          Effect.retry({ while: (e) => e === "still routable", schedule: Schedule.spaced("10 millis"), times: 200 })
        )
      )
      expect(Exit.isFailure(exit) && Cause.findErrorOption(exit.cause)).toMatchObject({ value: { code: "EHOSTUNREACH" } })
      child.process.kill("SIGCONT")
    }).pipe(Effect.scoped)))

  it.live("a lazy-pirate REQ client (loop written here) survives a server that drops every third request", () =>
    zmqTest(Effect.gen(function*() {
      const server = yield* spawnNode(peer, ["flaky-server", "tcp://127.0.0.1:*"])
      const endpoint = boundAt(yield* server.line((l) => l.startsWith("bound ")))
      const open = ZmqSocket.make("REQ", { LINGER: 0, connect: endpoint })
      let req = yield* open
      let reopened = 0
      const request = (body: string) =>
        Effect.gen(function*() {
          for (let attempt = 0; attempt < 4; attempt++) {
            yield* req.sendString(body)
            const reply = yield* req.recvString().pipe(Effect.timeoutOption("300 millis"))
            if (reply._tag === "Some") return reply.value
            // no reply: the REQ is stuck in its receive state; the only reset is a new socket
            yield* req.close
            req = yield* open
            reopened++
          }
          return yield* Effect.fail(new Error(`no reply to ${body} after 4 attempts`))
        })
      for (let i = 0; i < 12; i++) expect(yield* request(`request-${i}`)).toBe(`request-${i}`)
      // 12 requests, every third delivery dropped: 17 deliveries (the 3rd, 6th, ..., 15th dropped), 5 timeouts
      expect(reopened).toBe(5)
      expect(idle(req)).toBe(true)
    }).pipe(Effect.scoped)), 30_000)

  it.live("ZmqSocket.lazyPirate (issue 3's helper) survives the same server", () =>
    zmqTest(Effect.gen(function*() {
      const server = yield* spawnNode(peer, ["flaky-server", "tcp://127.0.0.1:*"])
      const endpoint = boundAt(yield* server.line((l) => l.startsWith("bound ")))
      const client = yield* ZmqSocket.lazyPirate({ connect: endpoint, timeout: "300 millis", schedule: Schedule.recurs(3) })
      for (let i = 0; i < 12; i++) {
        const reply = yield* client.request(encode(`request-${i}`))
        expect(reply.map(decode)).toEqual([`request-${i}`])
      }
      expect(yield* client.reopened).toBe(5)
    }).pipe(Effect.scoped)), 30_000)
})
