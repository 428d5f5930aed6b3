import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Fiber, Latch, Option, Schedule } from "effect"
import { ZmqSocket } from "@effect-zmq/zmq"
import { decode, encode, pair, zmqTest } from "../helpers.ts"
import { eventually, numbers } from "./util.ts"

const upper = (request: ReadonlyArray<Uint8Array>) => Effect.succeed(encode(decode(request[0]).toUpperCase()))

describe("request / serve", () => {
  it.live("concurrent requests on one REQ queue instead of failing with EFSM", () =>
    zmqTest(Effect.gen(function*() {
      const [rep, req] = yield* pair("REP", "REQ")
      yield* Effect.forkChild(ZmqSocket.serve(rep, upper))
      const replies = yield* Effect.forEach(
        numbers(0, 20),
        (n) => ZmqSocket.request(req, encode(`hello ${n}`)),
        { concurrency: "unbounded" }
      )
      expect(replies.map((reply) => decode(reply[0]))).toEqual(numbers(0, 20).map((n) => `HELLO ${n}`))
      // without the lock, the second concurrent send is refused
      const raw = yield* Effect.all([req.send(encode("a")), req.send(encode("b"))], { concurrency: "unbounded" }).pipe(Effect.flip)
      expect(raw).toMatchObject({ code: "EFSM" })
    })))

  it.live("serve on ROUTER keeps the envelope and runs up to `concurrency` handlers at once", () =>
    zmqTest(Effect.gen(function*() {
      const router = yield* ZmqSocket.make("ROUTER", { bind: "tcp://127.0.0.1:*" })
      const endpoint = yield* router.lastEndpoint
      const gate = yield* Latch.make(false)
      let running = 0
      let most = 0
      yield* Effect.forkChild(ZmqSocket.serve(router, (request) =>
        Effect.gen(function*() {
          running++
          most = Math.max(most, running)
          yield* gate.await
          running--
          return [encode("re:"), request[0]]
        }), { concurrency: 3 }))
      const clients = yield* Effect.forEach(numbers(0, 5), () => ZmqSocket.make("REQ", { connect: endpoint }))
      const asking = yield* Effect.forkChild(Effect.forEach(
        clients,
        (client, i) => ZmqSocket.request(client, encode(`q${i}`)),
        { concurrency: "unbounded" }
      ))
      yield* eventually(() => running === 3)
      expect(router.stats().inbox + running).toBeLessThanOrEqual(5)
      yield* gate.open
      const replies = yield* Fiber.join(asking)
      expect(replies.map((frames) => frames.map(decode))).toEqual(numbers(0, 5).map((i) => ["re:", `q${i}`]))
      expect(most).toBe(3)
    })))

  it.live("a REQ whose server never answers: Effect.timeout stops the wait, and the REQ then refuses to send (EFSM)", () =>
    zmqTest(Effect.gen(function*() {
      const [silent, req] = yield* pair("ROUTER", "REQ")
      const timedOut = yield* ZmqSocket.request(req, encode("anyone?")).pipe(Effect.timeoutOption("50 millis"))
      expect(timedOut).toEqual(Option.none())
      expect(yield* Effect.flip(ZmqSocket.request(req, encode("again?")))).toMatchObject({ code: "EFSM" })
      void silent
    })))

  it.live("lazy pirate: a server that never answers fails EAGAIN after the schedule's retries, each on a new socket", () =>
    zmqTest(Effect.gen(function*() {
      const silent = yield* ZmqSocket.make("ROUTER", { bind: "tcp://127.0.0.1:*" })
      const client = yield* ZmqSocket.lazyPirate({
        connect: yield* silent.lastEndpoint,
        timeout: "60 millis",
        schedule: Schedule.recurs(2)
      })
      const error = yield* Effect.flip(client.request(encode("ping")))
      expect(error).toMatchObject({ _tag: "ZMQError", code: "EAGAIN" })
      // three attempts, each from a fresh REQ (a new routing id)
      const senders = new Set<string>()
      for (let i = 0; i < 3; i++) {
        const [id, , body] = yield* silent.recvMultipart()
        expect(decode(body)).toBe("ping")
        senders.add(Buffer.from(id).toString("hex"))
      }
      expect(senders.size).toBe(3)
      expect(yield* client.reopened).toBe(2)
    })))

  it.live("lazy pirate: a lost request is retried on a new socket and the reply arrives", () =>
    zmqTest(Effect.gen(function*() {
      const server = yield* ZmqSocket.make("ROUTER", { bind: "tcp://127.0.0.1:*" })
      const dropped = yield* Deferred.make<void>()
      yield* Effect.forkChild(Effect.gen(function*() {
        // the first request is dropped, like a server that crashed while handling it
        yield* server.recvMultipart()
        yield* Deferred.succeed(dropped, undefined)
        for (;;) {
          const [id, empty, body] = yield* server.recvMultipart()
          yield* server.sendMultipart([id, empty, encode(`pong to ${decode(body)}`)])
        }
      }))
      const client = yield* ZmqSocket.lazyPirate({
        connect: yield* server.lastEndpoint,
        timeout: "100 millis",
        schedule: Schedule.recurs(3)
      })
      const [reply] = yield* client.request(encode("ping"))
      expect(decode(reply)).toBe("pong to ping")
      expect(yield* Deferred.isDone(dropped)).toBe(true)
      expect(yield* client.reopened).toBe(1)
      // later requests use the new socket without retry
      expect(decode((yield* client.request(encode("again")))[0])).toBe("pong to again")
    })))

  it.live("bad input fails with EINVAL or ENOTSUP", () =>
    zmqTest(Effect.gen(function*() {
      const [rep, req] = yield* pair("REP", "REQ")
      expect(yield* Effect.flip(ZmqSocket.request(req, "text" as unknown as Uint8Array))).toMatchObject({ code: "EINVAL" })
      expect(yield* Effect.flip(ZmqSocket.serve(rep, upper, { concurrency: 2 }))).toMatchObject({ code: "EINVAL" })
      const push = yield* ZmqSocket.make("PUSH")
      expect(yield* Effect.flip(ZmqSocket.serve(push, upper))).toMatchObject({ code: "ENOTSUP" })
      const dealer = yield* ZmqSocket.make("DEALER")
      expect(yield* Effect.flip(ZmqSocket.serve(dealer, upper))).toMatchObject({ code: "ENOTSUP" })
      expect(yield* Effect.flip(ZmqSocket.lazyPirate({ connect: [], timeout: "1 second" }))).toMatchObject({ code: "EINVAL" })
    })))
})
