import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Fiber, Stream } from "effect"
import { Events, ZmqProxy, ZmqSocket } from "@effect-zmq/zmq"
import { decode, encode, zmqTest } from "../helpers.ts"
import { asNumber, eventually, numbers, sendNumbers } from "./util.ts"

describe("ZmqProxy", () => {
  it.live("a ROUTER/DEALER broker serves several REQ clients and REP workers; the capture sees every message", () =>
    zmqTest(Effect.gen(function*() {
      const frontend = yield* ZmqSocket.make("ROUTER", { bind: "tcp://127.0.0.1:*" })
      const backend = yield* ZmqSocket.make("DEALER", { bind: "tcp://127.0.0.1:*" })
      const capture = yield* ZmqSocket.make("PUSH", { bind: "tcp://127.0.0.1:*" })
      const captured = yield* ZmqSocket.make("PULL", { connect: yield* capture.lastEndpoint })
      yield* Effect.forkChild(ZmqProxy.run(frontend, backend, capture))

      const backendEndpoint = yield* backend.lastEndpoint
      const frontendEndpoint = yield* frontend.lastEndpoint
      const WORKERS = 3
      const CLIENTS = 4
      const REQUESTS = 10
      // the clients start once every worker has completed its handshake with the backend, so all take part
      const handshakes = yield* Effect.forkChild(
        ZmqSocket.events(backend).pipe(
          Stream.filter((event) => event._tag === "HandshakeSucceeded"),
          Stream.take(WORKERS),
          Stream.runDrain
        ),
        { startImmediately: true }
      )
      for (let w = 0; w < WORKERS; w++) {
        const worker = yield* ZmqSocket.make("REP", { connect: backendEndpoint })
        yield* Effect.forkChild(
          ZmqSocket.serve(worker, (request) => Effect.succeed(encode(`${decode(request[0])} by worker ${w}`)))
        )
      }
      yield* Fiber.join(handshakes)
      const replies = yield* Effect.forEach(numbers(0, CLIENTS), (c) =>
        Effect.gen(function*() {
          const client = yield* ZmqSocket.make("REQ", { connect: frontendEndpoint })
          const got: Array<string> = []
          for (let r = 0; r < REQUESTS; r++) {
            const [reply] = yield* ZmqSocket.request(client, encode(`client ${c} request ${r}`))
            got.push(decode(reply))
          }
          return got
        }), { concurrency: "unbounded" })
      for (let c = 0; c < CLIENTS; c++) {
        replies[c].forEach((reply, r) => expect(reply).toMatch(new RegExp(`^client ${c} request ${r} by worker \\d$`)))
      }
      const workersUsed = new Set(replies.flat().map((reply) => reply.slice(-1)))
      expect(workersUsed.size).toBeGreaterThan(1)

      // every request and every reply went past the capture: [routing id, "", body]
      const seen: Array<string> = []
      for (let i = 0; i < 2 * CLIENTS * REQUESTS; i++) {
        const message = yield* captured.recvMultipart()
        expect(message).toHaveLength(3)
        seen.push(decode(message[2]))
      }
      expect(seen.filter((body) => body.includes("by worker"))).toHaveLength(CLIENTS * REQUESTS)
      expect(new Set(seen.filter((body) => !body.includes("by worker")))).toEqual(
        new Set(replies.flat().map((reply) => reply.replace(/ by worker \d$/, "")))
      )
    })))

  it.live("a proxy interrupted while traffic flows loses and duplicates nothing", () =>
    zmqTest(Effect.gen(function*() {
      const total = 3000
      const frontend = yield* ZmqSocket.make("PULL", { bind: "tcp://127.0.0.1:*" })
      const producer = yield* ZmqSocket.make("PUSH", { connect: yield* frontend.lastEndpoint })
      const backend = yield* ZmqSocket.make("PUSH", { bind: "tcp://127.0.0.1:*" })
      const consumer = yield* ZmqSocket.make("PULL", { connect: yield* backend.lastEndpoint })
      const proxy = yield* Effect.forkChild(ZmqProxy.run(frontend, backend))
      yield* Effect.forkChild(sendNumbers(producer, 0, total))

      const forwarded: Array<number> = []
      while (forwarded.length < 300) forwarded.push(Number(decode(yield* consumer.recv())))
      yield* Fiber.interrupt(proxy)

      // what the proxy forwarded reaches the consumer; everything else is still in the frontend
      const left: Array<number> = []
      while (forwarded.length + left.length < total) {
        const ready = yield* ZmqSocket.poll([
          { socket: consumer, events: Events.POLLIN },
          { socket: frontend, events: Events.POLLIN }
        ])
        for (const { socket } of ready) {
          const n = Number(decode(yield* socket.recv()))
          if (socket === consumer) forwarded.push(n)
          else left.push(n)
        }
      }
      expect(forwarded).toEqual(numbers(0, forwarded.length))
      expect(left).toEqual(numbers(forwarded.length, total))
      expect(frontend.stats()).toMatchObject({ receivers: 0, probes: 0, inbox: 0 })
    })))

  it.live("the steerable form pauses, resumes and terminates", () =>
    zmqTest(Effect.gen(function*() {
      const frontend = yield* ZmqSocket.make("PULL", { bind: "tcp://127.0.0.1:*" })
      const producer = yield* ZmqSocket.make("PUSH", { connect: yield* frontend.lastEndpoint })
      const backend = yield* ZmqSocket.make("PUSH", { bind: "tcp://127.0.0.1:*" })
      const consumer = yield* ZmqSocket.make("PULL", { connect: yield* backend.lastEndpoint })
      const proxy = yield* ZmqProxy.steerable(frontend, backend)

      yield* sendNumbers(producer, 0, 5)
      for (const n of numbers(0, 5)) expect(asNumber([yield* consumer.recv()])).toBe(n)

      yield* proxy.pause
      yield* sendNumbers(producer, 5, 10)
      // paused: the messages arrive at the frontend and stay there
      expect(yield* ZmqSocket.poll([{ socket: frontend, events: Events.POLLIN }], { timeout: "5 seconds" })).toHaveLength(1)
      expect(yield* ZmqSocket.poll([{ socket: consumer, events: Events.POLLIN }], { timeout: "50 millis" })).toEqual([])
      expect((yield* proxy.stats).frontendToBackend).toBe(5)

      yield* proxy.resume
      for (const n of numbers(5, 10)) expect(asNumber([yield* consumer.recv()])).toBe(n)
      expect(yield* proxy.stats).toEqual({ frontendToBackend: 10, backendToFrontend: 0 })

      yield* proxy.terminate
      yield* proxy.await
      yield* producer.send(encode("after terminate"))
      expect(decode(yield* frontend.recv())).toBe("after terminate")
    })))

  it.live("a proxy ends when one of its sockets is closed by its owner; bad sockets fail with a typed error", () =>
    zmqTest(Effect.gen(function*() {
      const frontend = yield* ZmqSocket.make("ROUTER", { bind: "tcp://127.0.0.1:*" })
      const backend = yield* ZmqSocket.make("DEALER", { bind: "tcp://127.0.0.1:*" })
      const started = yield* Deferred.make<void>()
      const running = yield* Effect.forkChild(Effect.andThen(Deferred.succeed(started, undefined), ZmqProxy.run(frontend, backend)))
      yield* Deferred.await(started)
      yield* eventually(() => frontend.stats().probes + backend.stats().probes > 0)
      yield* backend.close
      yield* Fiber.join(running)

      const push = yield* ZmqSocket.make("PUSH")
      const pull = yield* ZmqSocket.make("PULL")
      // PUSH cannot receive: no direction to forward in
      expect(yield* Effect.flip(ZmqProxy.run(push, pull))).toMatchObject({ code: "ENOTSUP" })
      expect(yield* Effect.flip(ZmqProxy.run({} as ZmqSocket.ZmqSocket, pull))).toMatchObject({ code: "EINVAL" })
    })))
})
