/**
 * Effect RPC over ZeroMQ across processes, and under faults: calls to a server in another process over tcp and ipc,
 * a client interrupt reaching a handler in another process, a server killed with SIGKILL mid-stream (the client
 * fails typed within its ping timeout, then recovers when a server is back), a client killed mid-stream (its
 * handler is interrupted), a stopped client (the idle timeout), a server restarted within the ping timeout (the
 * heartbeats), CURVE with a wrong server key, malformed messages from a raw ZeroMQ peer, and several
 * servers behind a ZmqProxy broker with one of them killed mid-call.
 */
import { afterAll, describe, expect, it } from "@effect/vitest"
import { Cause, Deferred, Effect, Exit, Fiber, Option, Stream } from "effect"
import { RpcClientError } from "effect/rpc/RpcClientError"
import { ZmqContext, ZmqProxy, ZmqSocket } from "@effect-zmq/zmq"
import { fixture as reliabilityFixture, noUnhandledRejections, spawnNode } from "../reliability/harness.ts"
import { Boom } from "./service.ts"
import { ipcEndpoint, removeIpcFiles, makeClient, makeProbe, startServer, zmq } from "./util.ts"

const fixture = (name: string) => reliabilityFixture(`../../rpc/fixtures/${name}`)

/** Client timings of these tests: a ping every 250 ms, a server silent for 2 s is dead. */
const PING_TIMEOUT = 2000
const clientTimings = { pingInterval: 250, pingTimeout: PING_TIMEOUT } as const

/** Starts the server fixture; returns the child and the endpoint it bound. */
const spawnServer = (mode: "bind" | "connect", endpoint: string, env: Record<string, string> = {}) =>
  Effect.gen(function*() {
    const child = yield* spawnNode(fixture("server.ts"), [mode, endpoint], env)
    const line = yield* child.line((l) => l.startsWith("bound ") || l.startsWith("connected ")).pipe(
      Effect.timeoutOrElse({ duration: "20 seconds", orElse: () => Effect.die(new Error(`server did not start: ${child.stderr()}`)) })
    )
    return { child, endpoint: line.split(" ")[1]! }
  })

const within = (duration: `${number} seconds`, what: string) =>
  <A, E, R>(self: Effect.Effect<A, E, R>) =>
    Effect.timeoutOrElse(self, { duration, orElse: () => Effect.die(new Error(`timed out: ${what}`)) })

describe("ZmqRpc across processes", () => {
  afterAll(removeIpcFiles)

  for (const transport of ["tcp", "ipc"] as const) {
    it.live(`every call kind, and a client interrupt stopping the handler, over ${transport}`, () =>
      Effect.gen(function*() {
        const server = yield* spawnServer("bind", transport === "tcp" ? "tcp://127.0.0.1:*" : ipcEndpoint())
        const client = yield* makeClient({ connect: server.endpoint, client: clientTimings })
        expect(yield* client.Echo({ text: "over there" })).toBe("over there")
        expect(yield* client.Fail({ reason: "typed" }).pipe(Effect.flip)).toBeInstanceOf(Boom)
        const died = yield* client.Die({ message: "defect" }).pipe(Effect.exit)
        expect(Exit.isFailure(died) && Cause.hasDies(died.cause)).toBe(true)
        const counted = yield* client.Count({ from: 1, to: 500 }).pipe(Stream.runCollect)
        expect(counted.length).toBe(500)
        expect(yield* client.Pid()).toBe(server.child.process.pid)

        const hang = yield* client.Hang({ tag: "remote" }).pipe(Effect.forkChild)
        yield* server.child.line((l) => l === "started remote").pipe(within("15 seconds", "started"))
        yield* Fiber.interrupt(hang)
        yield* server.child.line((l) => l === "interrupted remote").pipe(within("15 seconds", "interrupted"))
      }).pipe(Effect.scoped, Effect.provide(zmq)))

    it.live(`server killed with SIGKILL mid-stream over ${transport}: typed failure within the timeout, then recovery`, () =>
      Effect.gen(function*() {
        const first = yield* spawnServer("bind", transport === "tcp" ? "tcp://127.0.0.1:*" : ipcEndpoint())
        const client = yield* makeClient({ connect: first.endpoint, client: clientTimings })
        const streaming = yield* Deferred.make<void>()
        const stream = yield* client.Forever({ tag: "s" }).pipe(
          Stream.tap(() => Deferred.succeed(streaming, undefined)),
          Stream.runDrain,
          Effect.forkChild
        )
        yield* Deferred.await(streaming).pipe(within("15 seconds", "first chunk"))
        const killed = Date.now()
        yield* first.child.kill("SIGKILL")
        const exit = yield* Fiber.await(stream).pipe(within("15 seconds", "stream failure"))
        const millis = Date.now() - killed
        expect(Exit.isFailure(exit)).toBe(true)
        const error = Exit.isFailure(exit) ? Cause.findErrorOption(exit.cause) : Option.none()
        expect(Option.isSome(error) && error.value instanceof RpcClientError).toBe(true)
        // the timeout is measured on ping ticks: at most one interval late, and some slack for a loaded machine
        expect(millis).toBeLessThan(PING_TIMEOUT + 3000)

        // a new server on the same endpoint: the client's new socket reaches it. (A call made in the moment the client
        // gives up on a socket that has not reached the new server yet fails typed, like any call while no server
        // answers: retried.)
        const second = yield* spawnServer("bind", first.endpoint)
        expect(yield* client.Pid().pipe(Effect.retry({ times: 3 }), within("30 seconds", "call to the new server")))
          .toBe(second.child.process.pid)
        const counted = yield* client.Count({ from: 1, to: 100 }).pipe(Stream.runCollect)
        expect(counted.length).toBe(100)
      }).pipe(Effect.scoped, Effect.provide(zmq)))
  }

  it.live("1,000 concurrent calls from 10 clients to a server in another process, each run and answered once", () =>
    Effect.gen(function*() {
      const server = yield* spawnServer("bind", "tcp://127.0.0.1:*")
      const clients = yield* Effect.forEach(
        Array.from({ length: 10 }, (_, i) => i),
        () => makeClient({ connect: server.endpoint, client: clientTimings })
      )
      const answers = yield* Effect.forEach(
        Array.from({ length: 1000 }, (_, i) => i),
        (i) => clients[i % 10]!.Echo({ text: `call ${i}` }),
        { concurrency: "unbounded" }
      ).pipe(within("30 seconds", "1,000 calls"))
      expect(answers).toEqual(Array.from({ length: 1000 }, (_, i) => `call ${i}`))
      expect(yield* clients[3]!.Echoes()).toBe(1000)
    }).pipe(Effect.scoped, Effect.provide(zmq)))

  it.live("a server restarted within the ping timeout: the calls it no longer knows fail, new calls work", () =>
    Effect.gen(function*() {
      const first = yield* spawnServer("bind", ipcEndpoint())
      // a ping timeout far longer than the restart: the connection never looks dead, only the heartbeats tell
      const client = yield* makeClient({ connect: first.endpoint, client: { pingInterval: 250, pingTimeout: 8000 } })
      const hang = yield* client.Hang({ tag: "old" }).pipe(Effect.forkChild)
      yield* first.child.line((l) => l === "started old").pipe(within("15 seconds", "started"))
      yield* first.child.kill("SIGKILL")
      const second = yield* spawnServer("bind", first.endpoint)
      expect(yield* client.Pid().pipe(Effect.retry({ times: 3 }), within("30 seconds", "call to the new server")))
        .toBe(second.child.process.pid)
      const exit = yield* Fiber.await(hang).pipe(within("20 seconds", "the orphaned call"))
      expect(Exit.isFailure(exit) && Cause.hasDies(exit.cause)).toBe(true)
      // the defect went through the serialization's Defect schema: an Error that tells what happened
      const defect = Exit.isFailure(exit) ? Cause.squash(exit.cause) : undefined
      expect(String(defect)).toContain("no longer knows this call")
    }).pipe(Effect.scoped, Effect.provide(zmq)))

  it.live("client killed with SIGKILL mid-stream: the server's handler is interrupted", () =>
    Effect.gen(function*() {
      const probe = yield* makeProbe
      const [bound] = yield* startServer({
        bind: "tcp://127.0.0.1:*",
        probe: probe.layer,
        server: { heartbeatInterval: 250, clientTimeout: 3000 }
      })
      const client = yield* spawnNode(fixture("client.ts"), [bound!, "k"])
      yield* probe.next("started k")
      yield* client.line((l) => l === "streaming").pipe(within("15 seconds", "client streaming"))
      yield* client.kill("SIGKILL")
      yield* probe.next("interrupted k")
    }).pipe(Effect.scoped, Effect.provide(zmq)))

  it.live("a client that stops (SIGSTOP: its connection stays open, its pings stop) times out; its handler is interrupted", () =>
    Effect.gen(function*() {
      const probe = yield* makeProbe
      const [bound] = yield* startServer({
        bind: "tcp://127.0.0.1:*",
        probe: probe.layer,
        server: { heartbeatInterval: 250, clientTimeout: 3000 }
      })
      const client = yield* spawnNode(fixture("client.ts"), [bound!, "stopped"])
      yield* probe.next("started stopped")
      yield* client.line((l) => l === "streaming").pipe(within("15 seconds", "client streaming"))
      client.process.kill("SIGSTOP")
      // nothing fails on the server's side (heartbeats land in the kernel's buffers): only the idle timeout tells
      yield* probe.next("interrupted stopped")
      client.process.kill("SIGCONT")
    }).pipe(Effect.scoped, Effect.provide(zmq)))

  it.live("CURVE: a client with the wrong server key never connects; the right key works", () =>
    Effect.gen(function*() {
      const server = yield* ZmqContext.curveKeyPair
      const impostor = yield* ZmqContext.curveKeyPair
      const clientKeys = yield* ZmqContext.curveKeyPair
      const started = yield* startServer({
        bind: "tcp://127.0.0.1:*",
        server: { CURVE_SERVER: true, CURVE_SECRETKEY: server.secretKey }
      })
      const bound = started[0]
      const curve = (serverKey: string) => ({
        ...clientTimings,
        CURVE_SERVERKEY: serverKey,
        CURVE_PUBLICKEY: clientKeys.publicKey,
        CURVE_SECRETKEY: clientKeys.secretKey
      })
      const wrong = yield* makeClient({ connect: bound!, client: curve(impostor.publicKey) })
      const failed = yield* wrong.Echo({ text: "let me in" }).pipe(Effect.flip, within("15 seconds", "wrong key"))
      expect(failed).toBeInstanceOf(RpcClientError)
      // in all that time (its request, pings every 250 ms) not one message reached the server
      expect((yield* started.protocol.clientIds).size).toBe(0)
      const right = yield* makeClient({ connect: bound!, client: curve(server.publicKey) })
      expect(yield* right.Echo({ text: "secret" })).toBe("secret")
    }).pipe(Effect.scoped, Effect.provide(zmq)))

  it.live("malformed messages from a raw ZeroMQ peer get a defect back and do not take the server down", () =>
    noUnhandledRejections(
      Effect.gen(function*() {
        const [bound] = yield* startServer({ bind: "tcp://127.0.0.1:*" })
        const raw = yield* ZmqSocket.make("DEALER", { connect: bound!, LINGER: 0 })
        const text = new TextEncoder()
        const garbage = [
          "not json",
          "null",
          "5",
          "[]",
          "\"text\"",
          JSON.stringify({ _tag: "Request" }),
          JSON.stringify({ _tag: "Request", id: {}, tag: "Echo", payload: {}, headers: [] }),
          JSON.stringify({ _tag: "Request", id: "1", tag: "Echo", payload: { text: 5 }, headers: [] }),
          JSON.stringify({ _tag: "Request", id: "2", tag: "Nope", payload: {}, headers: [] }),
          JSON.stringify({ _tag: "Bogus" }),
          JSON.stringify({ _tag: "Ack", requestId: "999" }),
          JSON.stringify({ _tag: "Interrupt", requestId: "999" }),
          ""
        ]
        for (const message of garbage) yield* raw.send(text.encode(message))
        yield* raw.sendMultipart([text.encode("a"), text.encode("b"), text.encode("c")])
        // a well-formed request from the same raw peer is still answered
        yield* raw.send(text.encode(JSON.stringify({ _tag: "Request", id: "3", tag: "Echo", payload: { text: "ok" }, headers: [] })))
        const replies: Array<{ _tag: string; requestId?: string }> = []
        while (!replies.some((r) => r._tag === "Exit" && r.requestId === "3")) {
          const frames = yield* raw.recvMultipart().pipe(within("10 seconds", "replies to the raw peer"))
          if (frames.length === 1) replies.push(JSON.parse(new TextDecoder().decode(frames[0]!)))
        }
        expect(replies.filter((r) => r._tag === "Defect").length).toBeGreaterThanOrEqual(7)
        // and a real client is served as before
        const client = yield* makeClient({ connect: bound! })
        expect(yield* client.Echo({ text: "still here" })).toBe("still here")
      })
    ).pipe(Effect.scoped, Effect.provide(zmq)))

  it.live("a ZmqProxy broker spreads calls over workers; a worker killed mid-call fails only its calls", () =>
    Effect.gen(function*() {
      const frontend = yield* ZmqSocket.make("ROUTER", { bind: "tcp://127.0.0.1:*", LINGER: 0 })
      const backend = yield* ZmqSocket.make("DEALER", { bind: "tcp://127.0.0.1:*", LINGER: 0 })
      yield* ZmqProxy.steerable(frontend, backend)
      const workerA = yield* spawnServer("connect", yield* backend.lastEndpoint)
      const workerB = yield* spawnServer("connect", yield* backend.lastEndpoint)
      const client = yield* makeClient({ connect: yield* frontend.lastEndpoint, client: clientTimings })
      // both workers answer
      const pids = new Set<number>()
      while (pids.size < 2) {
        pids.add(yield* client.Pid().pipe(within("15 seconds", "both workers")))
      }
      expect(pids).toEqual(new Set([workerA.child.process.pid, workerB.child.process.pid]))

      // calls that hang on both workers; each worker tells which it got
      const tags = Array.from({ length: 6 }, (_, i) => `b${i}`)
      const fibers = new Map<string, Fiber.Fiber<void, unknown>>()
      for (const tag of tags) fibers.set(tag, yield* client.Hang({ tag }).pipe(Effect.forkChild))
      const onA = new Set<string>()
      const onB = new Set<string>()
      const watch = (child: typeof workerA.child, into: Set<string>) =>
        child.line((l) => {
          if (l.startsWith("started ")) into.add(l.slice(8))
          return onA.size + onB.size === tags.length
        })
      yield* Effect.raceFirst(watch(workerA.child, onA), watch(workerB.child, onB)).pipe(within("15 seconds", "calls started"))
      while (onA.size + onB.size < tags.length) yield* Effect.yieldNow
      expect(onA.size).toBeGreaterThan(0)
      expect(onB.size).toBeGreaterThan(0)

      yield* workerA.child.kill("SIGKILL")
      for (const tag of onA) {
        const exit = yield* Fiber.await(fibers.get(tag)!).pipe(within("15 seconds", `call ${tag} on the dead worker`))
        expect(Exit.isFailure(exit)).toBe(true)
      }
      // the calls on the live worker are still running, and still interruptible there
      for (const tag of onB) expect(fibers.get(tag)!.pollUnsafe()).toBeUndefined()
      for (const tag of onB) {
        yield* Fiber.interrupt(fibers.get(tag)!)
        yield* workerB.child.line((l) => l === `interrupted ${tag}`).pipe(within("15 seconds", `interrupted ${tag}`))
      }
      // new calls go to the live worker
      expect(yield* client.Pid()).toBe(workerB.child.process.pid)
    }).pipe(Effect.scoped, Effect.provide(zmq)))

  it.live("streams through a ZmqProxy broker with acks off on both sides; cut streams are stopped on their worker", () =>
    Effect.gen(function*() {
      const frontend = yield* ZmqSocket.make("ROUTER", { bind: "tcp://127.0.0.1:*", LINGER: 0 })
      const backend = yield* ZmqSocket.make("DEALER", { bind: "tcp://127.0.0.1:*", LINGER: 0 })
      yield* ZmqProxy.steerable(frontend, backend)
      const workerA = yield* spawnServer("connect", yield* backend.lastEndpoint, { RPC_ACKS: "false" })
      const workerB = yield* spawnServer("connect", yield* backend.lastEndpoint, { RPC_ACKS: "false" })
      const client = yield* makeClient({ connect: yield* frontend.lastEndpoint, client: { ...clientTimings, acks: false } })
      const sums = yield* Effect.forEach(
        [1, 2, 3, 4],
        () => client.Count({ from: 1, to: 2000 }).pipe(Stream.runFold(() => 0, (a, b) => a + b)),
        { concurrency: "unbounded" }
      )
      expect(sums).toEqual([2001000, 2001000, 2001000, 2001000])
      // an endless stream cut short: the client's interrupt may reach the other worker, but the chunks that keep
      // coming for a call the client forgot are answered with interrupts until the right worker stops
      for (const tag of ["c0", "c1", "c2", "c3"]) {
        const head = yield* client.Forever({ tag }).pipe(Stream.take(3), Stream.runCollect)
        expect(head).toEqual([0, 1, 2])
        yield* Effect.raceFirst(
          workerA.child.line((l) => l === `interrupted ${tag}`),
          workerB.child.line((l) => l === `interrupted ${tag}`)
        ).pipe(within("15 seconds", `interrupted ${tag}`))
      }
    }).pipe(Effect.scoped, Effect.provide(zmq)))
})
