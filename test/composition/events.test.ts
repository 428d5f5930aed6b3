import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Queue, Stream } from "effect"
import { ZmqSocket } from "@effect-zmq/zmq"
import { execFile } from "node:child_process"
import { fileURLToPath } from "node:url"
import { zmqTest } from "../helpers.ts"

const fixture = fileURLToPath(new URL("./fixtures/events-exit.ts", import.meta.url))

/** Forks an events stream into a queue, so the test can wait for each event in turn. */
const watch = (socket: ZmqSocket.ZmqSocket) =>
  Effect.gen(function*() {
    const queue = yield* Queue.unbounded<ZmqSocket.SocketEvent>()
    const fiber = yield* Effect.forkChild(
      ZmqSocket.events(socket).pipe(Stream.runForEach((event) => Queue.offer(queue, event))),
      // the monitor starts in this very step, so no event of what the test does next is missed
      { startImmediately: true }
    )
    const next = (tag: ZmqSocket.SocketEvent["_tag"]): Effect.Effect<ZmqSocket.SocketEvent> =>
      Effect.flatMap(Queue.take(queue), (event) => event._tag === tag ? Effect.succeed(event) : next(tag))
    return { fiber, next }
  })

describe("ZmqSocket.events", () => {
  it.live("sees a peer connect and disconnect, and ends with the socket", () =>
    zmqTest(Effect.gen(function*() {
      const router = yield* ZmqSocket.make("ROUTER")
      const monitor = yield* watch(router)
      yield* router.bind("tcp://127.0.0.1:*")
      const endpoint = yield* router.lastEndpoint
      expect(yield* monitor.next("Listening")).toEqual({ _tag: "Listening", address: endpoint })

      const dealer = yield* ZmqSocket.make("DEALER")
      const dealerMonitor = yield* watch(dealer)
      yield* dealer.connect(endpoint)
      expect(yield* dealerMonitor.next("Connected")).toMatchObject({ _tag: "Connected", address: endpoint })
      expect(yield* monitor.next("Accepted")).toMatchObject({ _tag: "Accepted", address: endpoint })
      expect(yield* monitor.next("HandshakeSucceeded")).toMatchObject({ _tag: "HandshakeSucceeded" })

      yield* dealer.close
      expect(yield* monitor.next("Disconnected")).toMatchObject({ _tag: "Disconnected", address: endpoint })
      // the dealer's own stream ended with its socket
      yield* Fiber.join(dealerMonitor.fiber)

      yield* router.close
      yield* Fiber.join(monitor.fiber)
    })))

  it.live("a handshake failure says why", () =>
    zmqTest(Effect.gen(function*() {
      // a PLAIN server meets a client with no security mechanism: the handshake fails on protocol grounds
      const server = yield* ZmqSocket.make("ROUTER", { PLAIN_SERVER: true })
      const monitor = yield* watch(server)
      yield* server.bind("tcp://127.0.0.1:*")
      const client = yield* ZmqSocket.make("DEALER", { connect: yield* server.lastEndpoint })
      const failed = yield* monitor.next("HandshakeFailed")
      expect(failed).toMatchObject({ _tag: "HandshakeFailed", reason: "protocol" })
      if (failed._tag === "HandshakeFailed") {
        expect(failed.detail).toMatch(/MECHANISM_MISMATCH/)
        expect(failed.error._tag).toBe("ZMQError")
      }
      yield* client.close
    })))

  it.live("once the streams stopped and the socket closed, no pending monitor read keeps the process alive", () =>
    Effect.gen(function*() {
      // the fixture stops its streams, closes its socket and ends; it exits only if no observer read is left pending
      const result = yield* Effect.callback<{ code: number | null; stdout: string; stderr: string }>((resume) => {
        const child = execFile(process.execPath, [fixture], { timeout: 20_000 }, (error, stdout, stderr) =>
          resume(Effect.succeed({ code: error ? (typeof error.code === "number" ? error.code : -1) : 0, stdout, stderr })))
        return Effect.sync(() => child.kill())
      })
      expect(result.stderr).toBe("")
      expect(result.stdout.trim()).toBe("events: Listening; socket closed: true")
      expect(result.code).toBe(0)
    }))

  it.live("a new stream can start after one ended; a closed socket's stream is empty; a non-socket is EINVAL", () =>
    zmqTest(Effect.gen(function*() {
      const pull = yield* ZmqSocket.make("PULL")
      const idle = yield* Effect.forkChild(ZmqSocket.events(pull).pipe(Stream.runDrain), { startImmediately: true })
      yield* Fiber.interrupt(idle)
      const again = yield* Effect.forkChild(ZmqSocket.events(pull).pipe(Stream.take(1), Stream.runCollect), {
        startImmediately: true
      })
      yield* pull.bind("tcp://127.0.0.1:*")
      expect((yield* Fiber.join(again)).map((event) => event._tag)).toEqual(["Listening"])
      yield* pull.close
      expect(yield* ZmqSocket.events(pull).pipe(Stream.runCollect)).toEqual([])
      expect(yield* Effect.flip(Stream.runDrain(ZmqSocket.events({} as ZmqSocket.ZmqSocket)))).toMatchObject({
        code: "EINVAL"
      })
    })))
})
