// The synchronous binding under the green engine (issue 8): verdicts in the caller's own step, the retry Schedule,
// real context termination, real message trackers, and the bugs the old binding had, each with a test that failed
// on it.
import { describe, expect, it } from "@effect/vitest"
import { Cause, Deferred, Effect, Exit, Fiber, Layer, Schedule, Schema, Stream } from "effect"
import { Binding } from "@effect-zmq/core"
import { Flags, Frame, ZmqContext, ZmqSocket, ZMQError } from "@effect-zmq/zmq"
import { NodeBinding, NodeZmq } from "@effect-zmq/platform-node"
import { decode, encode, eventually, pair, zmqTest } from "./helpers.ts"
import { fixture, spawnNode } from "./reliability/harness.ts"

describe("synchronous verdicts", () => {
  it.live("ROUTER_MANDATORY to an unknown peer fails EHOSTUNREACH in the sender's step, and an interrupt cannot send it later", () =>
    zmqTest(Effect.gen(function*() {
      const router = yield* ZmqSocket.make("ROUTER", { bind: "tcp://127.0.0.1:*", ROUTER_MANDATORY: true })
      const error = yield* Effect.flip(router.sendMultipart([encode("nobody"), encode("hi")]))
      expect(error.code).toBe("EHOSTUNREACH")
      expect(router.stats()).toMatchObject({ senders: 0, watching: false })
    })))

  it.live("REQ: a second send fails EFSM at once; a recv on a fresh REQ fails EFSM at once", () =>
    zmqTest(Effect.gen(function*() {
      const [, req] = yield* pair("REP", "REQ")
      yield* req.sendString("one")
      expect((yield* Effect.flip(req.sendString("two"))).code).toBe("EFSM")
      const fresh = yield* ZmqSocket.make("REQ")
      expect((yield* Effect.flip(fresh.recv())).code).toBe("EFSM")
    })))

  it.live("errors carry the binding's own errno numbers", () =>
    zmqTest(Effect.gen(function*() {
      const binding = NodeBinding.makeUnsafe()
      if (binding instanceof Error) return yield* Effect.die(binding)
      const pull = yield* ZmqSocket.make("PULL")
      const error = yield* Effect.flip(pull.recv({ flags: 1 }))
      expect(error.code).toBe("EAGAIN")
      expect(error.errno).toBe(binding.errnoOf("EAGAIN"))
      const bad = yield* Effect.flip(pull.bind("nonsense://x"))
      expect(bad.errno).toBe(binding.errnoOf(bad.code))
    })))

  it("ZMQError.fromErrno takes the code and text of the platform that reported it", () => {
    // macOS numbers EAGAIN 35; a binding there reports 35, and the error says EAGAIN with 35
    const mac = { codeOf: (errno: number) => (errno === 35 ? "EAGAIN" as const : "UNKNOWN" as const), strerror: () => "again" }
    const error = ZMQError.fromErrno(35, "recv", mac)
    expect(error).toMatchObject({ code: "EAGAIN", errno: 35, message: "again", operation: "recv" })
  })
})

describe("staging with SNDMORE", () => {
  it.live("a send(bytes) built before a SNDMORE send ran completes the staged message when it runs, also when run again", () =>
    zmqTest(Effect.gen(function*() {
      const pull = yield* ZmqSocket.make("PULL", { bind: "inproc://staging" })
      const push = yield* ZmqSocket.make("PUSH", { connect: "inproc://staging" })
      const last = push.send(encode("last"))
      yield* push.send(encode("first"), { flags: Flags.SNDMORE })
      yield* last
      expect((yield* pull.recvMultipart()).map(decode)).toEqual(["first", "last"])
      yield* last
      expect((yield* pull.recvMultipart()).map(decode)).toEqual(["last"])
    })))
})

describe("the retry Schedule", () => {
  it.live("a per-call schedule with a delay bounds the wait: EAGAIN after its last step, nothing lost", () =>
    zmqTest(Effect.gen(function*() {
      const [pull, push] = yield* pair("PULL", "PUSH")
      const error = yield* Effect.flip(pull.recv({ retry: Schedule.spaced("10 millis").pipe(Schedule.upTo({ times: 3 })) }))
      expect(error.code).toBe("EAGAIN")
      expect(pull.stats()).toMatchObject({ receivers: 0, watching: false })
      yield* push.sendString("after")
      expect(yield* pull.recvString()).toBe("after")
    })))

  it.live("readiness still wakes the fiber at once, long before a schedule's delay", () =>
    zmqTest(Effect.gen(function*() {
      const [pull, push] = yield* pair("PULL", "PUSH")
      const receiver = yield* Effect.forkChild(pull.recvString({ retry: Schedule.spaced("1 hour") }))
      yield* eventually(() => pull.stats().receivers === 1)
      yield* push.sendString("now")
      const got = yield* Fiber.join(receiver).pipe(Effect.timeout("5 seconds"))
      expect(got).toBe("now")
    })))

  it.live("a socket's schedule (make option) applies to every call; a call's own overrides it", () =>
    zmqTest(Effect.gen(function*() {
      const pull = yield* ZmqSocket.make("PULL", {
        bind: "tcp://127.0.0.1:*",
        retry: Schedule.spaced("5 millis").pipe(Schedule.upTo({ times: 2 }))
      })
      expect((yield* Effect.flip(pull.recv())).code).toBe("EAGAIN")
      const push = yield* ZmqSocket.make("PUSH", { connect: yield* pull.lastEndpoint })
      const waiting = yield* Effect.forkChild(pull.recvString({ retry: Schedule.forever }))
      yield* eventually(() => pull.stats().receivers === 1)
      yield* push.sendString("kept waiting")
      expect(yield* Fiber.join(waiting)).toBe("kept waiting")
    })))

  it.live("a retry that is not a Schedule is refused with EINVAL", () =>
    zmqTest(Effect.gen(function*() {
      const pull = yield* ZmqSocket.make("PULL")
      const error = yield* Effect.flip(pull.recv({ retry: 3 as unknown as Schedule.Schedule<unknown, ZMQError> }))
      expect(error.code).toBe("EINVAL")
    })))
})

describe("bugs of the zeromq.js binding, fixed", () => {
  it.live("ZmqSocket.sink honours SNDTIMEO, as send does", () =>
    zmqTest(Effect.gen(function*() {
      // a PUSH with no peer cannot send: the sink's wait ends after SNDTIMEO
      const push = yield* ZmqSocket.make("PUSH", { SNDTIMEO: 50 })
      const exit = yield* Stream.make([encode("nobody")]).pipe(Stream.run(ZmqSocket.sink(push)), Effect.exit)
      expect(Exit.isFailure(exit)).toBe(true)
      const error = Exit.isFailure(exit) ? Cause.squash(exit.cause) : undefined
      expect(error).toBeInstanceOf(ZMQError)
      expect((error as ZMQError).code).toBe("EAGAIN")
      expect(push.stats()).toMatchObject({ senders: 0, watching: false })
    })))

  it.live("a typed stream that meets an undecodable message keeps the messages after it (chunkSize 16)", () =>
    zmqTest(Effect.gen(function*() {
      // inproc: a message is in the receiver's pipe when send returns, so one drain takes all five
      const pull = yield* ZmqSocket.make("PULL", { bind: "inproc://typed-stream" })
      const push = yield* ZmqSocket.make("PUSH", { connect: "inproc://typed-stream" })
      const Item = Schema.Struct({ n: Schema.Number })
      for (const text of ['{"n":1}', '{"n":2}', "not json", '{"n":4}', '{"n":5}']) yield* push.sendString(text)
      const typed = ZmqSocket.schema(pull, Item)
      const got: Array<number> = []
      const exit = yield* typed.stream({ chunkSize: 16 }).pipe(
        Stream.runForEach((item) => Effect.sync(() => got.push(item.n))),
        Effect.exit
      )
      expect(got).toEqual([1, 2])
      expect(Exit.isFailure(exit)).toBe(true)
      const error = Exit.isFailure(exit) ? Cause.squash(exit.cause) : undefined
      expect(error).toMatchObject({ _tag: "ZmqDecodeError" })
      expect(decode((error as { frames: ReadonlyArray<Uint8Array> }).frames[0])).toBe("not json")
      expect((yield* typed.recv).n).toBe(4)
      expect((yield* typed.recv).n).toBe(5)
    })))

  describe.runIf(ZmqContext.capability.draft === true)("draft", () => {
    it.live("sendMultipart given a generator on SERVER sends it (the frames are iterated once)", () =>
      zmqTest(Effect.gen(function*() {
        const server = yield* ZmqSocket.make("SERVER", { bind: "tcp://127.0.0.1:*" })
        const client = yield* ZmqSocket.make("CLIENT", { connect: yield* server.lastEndpoint })
        yield* client.sendString("ping")
        const request = yield* server.recv({ copy: false })
        function* reply() {
          yield Frame.make(encode("pong"), { properties: request.properties })
        }
        yield* server.sendMultipart(reply())
        expect(yield* client.recvString()).toBe("pong")
      })))
  })
})

describe("message trackers and zero-copy sends", () => {
  it.live("a tracked zero-copy send of 64 KiB is done once libzmq let go of the buffer", () =>
    zmqTest(Effect.gen(function*() {
      const [pull, push] = yield* pair("PULL", "PUSH")
      const payload = new Uint8Array(65536).fill(7)
      const tracker = yield* push.send(payload, { copy: false, track: true })
      const received = yield* pull.recv()
      expect(received.byteLength).toBe(65536)
      expect(received[65535]).toBe(7)
      yield* tracker.wait.pipe(Effect.timeout("10 seconds"))
      expect(yield* tracker.done).toBe(true)
    })))

  it.live("copy: true (the default) lets the caller change the buffer as soon as the send completed", () =>
    zmqTest(Effect.gen(function*() {
      const [pull, push] = yield* pair("PULL", "PUSH")
      const payload = new Uint8Array(65536).fill(1)
      yield* push.send(payload)
      payload.fill(2)
      const received = yield* pull.recv()
      expect(received.every((byte) => byte === 1)).toBe(true)
    })))

  it.live("received frames of every size are independent (slab views up to 4 KiB, own buffers above)", () =>
    zmqTest(Effect.gen(function*() {
      const pull = yield* ZmqSocket.make("PULL", { bind: "inproc://sizes" })
      const push = yield* ZmqSocket.make("PUSH", { connect: "inproc://sizes" })
      const sizes = [16, 4096, 4097, 20000, 65536, 65537, 200000]
      const got: Array<Uint8Array> = []
      for (let round = 0; round < 30; round++) {
        for (const size of sizes) {
          yield* push.send(new Uint8Array(size).fill((round * 7 + size) % 251))
          got.push(yield* pull.recv())
        }
      }
      let i = 0
      for (let round = 0; round < 30; round++) {
        for (const size of sizes) {
          const frame = got[i++]
          expect(frame.byteLength).toBe(size)
          expect(frame.every((byte) => byte === (round * 7 + size) % 251)).toBe(true)
        }
      }
    })))

  it.live("received frames are independent: a later receive never changes an earlier frame", () =>
    zmqTest(Effect.gen(function*() {
      const [pull, push] = yield* pair("PULL", "PUSH")
      for (let i = 0; i < 2000; i++) yield* push.sendString(`message ${i}`)
      const frames: Array<Uint8Array> = []
      for (let i = 0; i < 2000; i++) frames.push(yield* pull.recv())
      expect(frames.map(decode)).toEqual(Array.from({ length: 2000 }, (_, i) => `message ${i}`))
    })))
})

describe("context termination", () => {
  it.live("releasing the layer terminates the libzmq context: its handle refuses new sockets with ETERM", () =>
    Effect.gen(function*() {
      const captured = yield* Deferred.make<ZmqContext.ZmqContext["Service"]>()
      yield* Effect.scoped(Layer.build(NodeZmq.layer()).pipe(
        Effect.flatMap((context) =>
          Effect.gen(function*() {
            const service = yield* ZmqContext.ZmqContext
            yield* Deferred.succeed(captured, service)
            const push = yield* ZmqSocket.make("PUSH", { connect: "tcp://127.0.0.1:1" })
            yield* push.sendString("undeliverable, dropped after LINGER")
          }).pipe(Effect.provide(context), Effect.scoped)
        )
      ))
      const service = yield* Deferred.await(captured)
      const socket = service.binding.socket(service.handle, 8)
      expect(typeof socket).toBe("number")
      expect(service.binding.codeOf(socket as number)).toBe("ETERM")
      expect(service.isTerminated()).toBe(true)
    }))

  it.live("a program that releases its context exits by itself, also under --frozen-intrinsics", () =>
    Effect.gen(function*() {
      for (const nodeArgs of [[], ["--frozen-intrinsics"]]) {
        const child = yield* spawnNode(fixture("term.ts"), [], {}, nodeArgs)
        const lines = [
          yield* child.line().pipe(Effect.timeout("20 seconds")),
          yield* child.line().pipe(Effect.timeout("20 seconds")),
          yield* child.line().pipe(Effect.timeout("20 seconds"))
        ]
        expect(lines).toEqual(["received", "multipart 2 65536", "released"])
        const exit = yield* child.exited.pipe(Effect.timeout("10 seconds"))
        expect(exit.code).toBe(0)
      }
    }).pipe(Effect.scoped))
})

describe("Binding service", () => {
  it.live("NodeZmq.layer provides a ZmqContext over the Node binding, which reports what it bound", () =>
    zmqTest(Effect.gen(function*() {
      const context = yield* ZmqContext.ZmqContext
      expect(context.binding.version).toMatch(/^\d+\.\d+\.\d+$/)
      expect(context.binding.description).toContain("libzmq")
      expect(ZmqContext.version).toBe(context.binding.version)
      expect(Binding.isErrno(context.binding.getOption({} as Binding.SocketHandle, 17, "int32"))).toBe(true)
    })))
})
