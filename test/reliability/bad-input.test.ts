/**
 * Bad input, fuzzed (issue 5, part 3). Every JS value kind (from fast-check's `anything`, plus symbols, functions,
 * promises, class instances, null-prototype objects, huge and odd strings) as a payload, a frame list, send/recv
 * options, an option name and an option value, a socket type, make options and an endpoint; endpoints that are
 * malformed, too long, on unknown transports or on ports in use; every operation on a closed socket and on a
 * released context; messages over `MAXMSGSIZE`.
 *
 * Each call must end in success or a typed `ZMQError` failure: never a thrown exception, a defect, a crash or an
 * unhandled rejection (each test runs under `noUnhandledRejections`, and vitest fails the run on any unhandled
 * error). A refused call sends nothing and changes nothing: the peer's next message is the sentinel sent after the
 * bad calls, and options read back unchanged.
 *
 * The fast-check seed is printed with every failure; set `ZMQ_FUZZ_SEED` to replay it.
 */
import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Exit, Fiber, Layer, Scope } from "effect"
import fc from "fast-check"
import { isZMQError, SocketOption, type ZMQError, ZmqContext, ZmqSocket } from "@effect-zmq/zmq"
import { NodeZmq } from "@effect-zmq/platform-node"
import { decode, encode, pair, zmqTest } from "../helpers.ts"
import { noUnhandledRejections } from "./harness.ts"

const seed = Number(process.env.ZMQ_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31))
const SAMPLES = Number(process.env.ZMQ_FUZZ_SAMPLES ?? 150)

class Custom {
  readonly field = 1
}

/** Values fast-check's `anything` does not produce. */
const extras: ReadonlyArray<unknown> = [
  undefined,
  null,
  Symbol("s"),
  Symbol.iterator,
  () => 1,
  async () => 1,
  function* gen() {
    yield 1
  },
  Promise.resolve(new Uint8Array(1)),
  new Custom(),
  Object.create(null),
  Object.assign(Object.create(null), { flags: 1 }),
  NaN,
  -0,
  Infinity,
  -Infinity,
  2 ** 53,
  -(2 ** 31) - 1,
  2 ** 32,
  1.5,
  10n,
  "",
  "\u0000",
  "x".repeat(100_000),
  "\ud800",
  new Date(NaN),
  /re/,
  new Error("e"),
  new ArrayBuffer(4),
  new DataView(new ArrayBuffer(4)),
  new Uint16Array(2),
  new Float64Array(1),
  [new Uint8Array(1), "text"],
  [[new Uint8Array(1)]],
  [],
  new Map([[1, 2]]),
  new Set([1]),
  new Set(["a"]),
  { bytes: "not bytes" },
  { bytes: new Uint8Array(1) },
  new WeakMap(),
  new Proxy({}, {}),
  globalThis
]

const values = (salt: number): ReadonlyArray<unknown> => [
  ...extras,
  ...fc.sample(
    fc.anything({
      withBigInt: true,
      withBoxedValues: true,
      withDate: true,
      withMap: true,
      withSet: true,
      withNullPrototype: true,
      withObjectString: true,
      withSparseArray: true,
      withTypedArray: true,
      withUnicodeString: true
    }),
    { seed: seed + salt, numRuns: SAMPLES }
  )
]

const show = (u: unknown): string => {
  try {
    return fc.stringify(u).slice(0, 200)
  } catch {
    return Object.prototype.toString.call(u)
  }
}

/** The outcome of a call: success, or a typed ZMQError failure; anything else (a throw, a defect) fails the test. */
const outcome = <A, R>(label: string, value: unknown, make: () => Effect.Effect<A, ZMQError, R>) =>
  Effect.gen(function*() {
    let effect: Effect.Effect<A, ZMQError, R>
    try {
      effect = make()
    } catch (error) {
      return yield* Effect.die(new Error(`${label}(${show(value)}) threw synchronously: ${String(error)} [seed ${seed}]`))
    }
    const exit = yield* Effect.exit(effect)
    if (Exit.isSuccess(exit)) return exit
    const failure = Cause.findErrorOption(exit.cause)
    if (failure._tag === "None" || !isZMQError(failure.value) || Cause.hasDies(exit.cause)) {
      return yield* Effect.die(
        new Error(`${label}(${show(value)}) ended with something other than a ZMQError: ${Cause.pretty(exit.cause)} [seed ${seed}]`)
      )
    }
    return exit
  })

const failsWith = <A, R>(
  label: string,
  value: unknown,
  code: ZMQError["code"] | ReadonlyArray<ZMQError["code"]>,
  make: () => Effect.Effect<A, ZMQError, R>
) =>
  Effect.gen(function*() {
    const exit = yield* outcome(label, value, make)
    const codes = typeof code === "string" ? [code] : code
    if (Exit.isSuccess(exit)) {
      return yield* Effect.die(new Error(`${label}(${show(value)}) succeeded; expected ${codes.join("|")} [seed ${seed}]`))
    }
    const error = Cause.findErrorOption(exit.cause)
    if (error._tag === "Some" && !codes.includes(error.value.code)) {
      return yield* Effect.die(new Error(`${label}(${show(value)}) failed with ${error.value.code}; expected ${codes.join("|")} [seed ${seed}]`))
    }
  })

const isBytes = (u: unknown) => u instanceof Uint8Array
const isFrameLike = (u: unknown) => typeof u === "object" && u !== null && isBytes((u as { bytes?: unknown }).bytes)

/** The peer's next message is `sentinel`: nothing the refused calls made was sent. */
const expectOnly = (receiver: ZmqSocket.ZmqSocket, sender: ZmqSocket.ZmqSocket, sentinel: string) =>
  Effect.gen(function*() {
    yield* sender.sendString(sentinel)
    const got = yield* receiver.recvMultipart().pipe(Effect.timeout("5 seconds"))
    expect(got.map(decode)).toEqual([sentinel])
  })

describe("bad input never throws, dies or sends", () => {
  it.live("payloads, frame lists and send options of every kind", () =>
    zmqTest(noUnhandledRejections(Effect.gen(function*() {
      const [pull, push] = yield* pair("PULL", "PUSH")
      for (const value of values(1)) {
        if (!isBytes(value) && !isFrameLike(value)) {
          yield* failsWith("send", value, "EINVAL", () => push.send(value as Uint8Array))
          yield* failsWith("send+SNDMORE", value, "EINVAL", () => push.send(value as Uint8Array, { flags: 2 }))
        }
        if (typeof value !== "string") {
          yield* failsWith("sendString", value, "EINVAL", () => push.sendString(value as string))
        }
        const validList = Array.isArray(value) && value.length > 0 && value.every((f) => isBytes(f) || isFrameLike(f))
        if (!validList && !(value instanceof Set && value.size > 0 && [...value].every(isBytes))) {
          yield* failsWith("sendMultipart", value, "EINVAL", () => push.sendMultipart(value as Array<Uint8Array>))
        }
        // options of any kind with a good payload: success or EINVAL, never a throw
        yield* outcome("send(options)", value, () => push.send(encode("o"), value as ZmqSocket.SendOptions)).pipe(
          Effect.andThen(Effect.void)
        )
      }
      // options may have sent (or, with SNDMORE, staged) good payloads: one more "o" completes any staged message;
      // then everything before the sentinel is made of "o" frames only (a frame a refused call had staged would show
      // up here), and the sentinel comes alone. Received in order over one connection, so no timing is involved.
      yield* push.send(encode("o"))
      yield* push.sendString("sentinel")
      for (;;) {
        const next = (yield* pull.recvMultipart().pipe(Effect.timeout("5 seconds"))).map(decode)
        if (next.includes("sentinel")) {
          expect(next).toEqual(["sentinel"])
          break
        }
        expect(next.every((text) => text === "o")).toBe(true)
      }
      expect(push.stats()).toMatchObject({ senders: 0, inbox: 0 })
    }).pipe(Effect.scoped))))

  it.live("receive options of every kind", () =>
    zmqTest(noUnhandledRejections(Effect.gen(function*() {
      const [pull, push] = yield* pair("PULL", "PUSH")
      for (const value of values(2)) {
        // with nothing queued: NOBLOCK fails EAGAIN, a blocking receive is cut short by a timeout
        yield* outcome("recv(options)", value, () =>
          pull.recv(value as ZmqSocket.RecvOptions).pipe(
            Effect.timeoutOrElse({ duration: 1, orElse: () => Effect.void as Effect.Effect<never> })
          ))
        yield* outcome("recvMultipart(options)", value, () =>
          pull.recvMultipart(value as ZmqSocket.RecvOptions).pipe(
            Effect.timeoutOrElse({ duration: 1, orElse: () => Effect.void as Effect.Effect<never> })
          ))
      }
      yield* expectOnly(pull, push, "after")
      expect(pull.stats()).toMatchObject({ receivers: 0, inbox: 0, watching: false })
    }).pipe(Effect.scoped))))

  it.live("option names and values of every kind; refused values change nothing", () =>
    zmqTest(noUnhandledRejections(Effect.gen(function*() {
      const socket = yield* ZmqSocket.make("DEALER")
      const all = values(3)
      for (const value of all) {
        if (!SocketOption.isName(value)) {
          yield* failsWith("getOption", value, "EINVAL", () => socket.getOption(value as "LINGER"))
          yield* failsWith("setOption", value, "EINVAL", () => socket.setOption(value as "LINGER", 1))
        }
      }
      // every option name with every value kind: a typed outcome; a refusal leaves a readable option as it was
      const names = Object.keys(SocketOption.options) as Array<SocketOption.Name>
      const risky = new Set(["USE_FD", "BINDTODEVICE", "SOCKS_PROXY", "ROUTER_RAW", "PROBE_ROUTER"])
      for (const name of names) {
        if (risky.has(name)) continue
        const spec: SocketOption.OptionSpec = SocketOption.options[name]
        const fresh = yield* ZmqSocket.make(name.startsWith("XPUB") ? "XPUB" : name.includes("SUBSCRIBE") ? "SUB" : name.startsWith("ROUTER") ? "ROUTER" : "DEALER")
        for (const value of all.slice(0, 60)) {
          const before = spec.access === "w" || spec.emulated ? undefined : yield* Effect.exit(fresh.getOption(name as SocketOption.Readable))
          const exit = yield* outcome(`setOption(${name})`, value, () => fresh.setOption(name as SocketOption.Writable, value as never))
          if (Exit.isFailure(exit) && before !== undefined && Exit.isSuccess(before)) {
            const after = yield* fresh.getOption(name as SocketOption.Readable)
            if (after !== before.value) {
              return yield* Effect.die(new Error(`refused setOption(${name}, ${show(value)}) changed it: ${String(before.value)} -> ${String(after)}`))
            }
          }
          if (Exit.isSuccess(exit) && name !== "SUBSCRIBE" && name !== "UNSUBSCRIBE") {
            // a value that is accepted must have the option's type
            const expected = spec.kind === "boolean" ? "boolean" : spec.kind === "string" || spec.kind === "bytes" ? ["string", "object"] : "number"
            expect([expected].flat()).toContain(value === null ? "object" : value instanceof Uint8Array ? "object" : typeof value)
          }
        }
        yield* fresh.close
      }
    }).pipe(Effect.scoped))))

  it.live("socket types, make options and context options of every kind", () =>
    zmqTest(noUnhandledRejections(Effect.gen(function*() {
      for (const value of values(4)) {
        yield* outcome("make(type)", value, () => Effect.scoped(ZmqSocket.make(value as "PAIR")))
        yield* outcome("make(PAIR, options)", value, () => Effect.scoped(ZmqSocket.make("PAIR", value as ZmqSocket.MakeOptions)))
        yield* outcome("make(PAIR, { LINGER: value })", value, () => Effect.scoped(ZmqSocket.make("PAIR", { LINGER: value as number })))
        yield* outcome("make(PAIR, { bind: value })", value, () => Effect.scoped(ZmqSocket.make("PAIR", { bind: value as string })))
        yield* outcome("NodeZmq.layer(options)", value, () =>
          Effect.scoped(Layer.build(NodeZmq.layer(value as ZmqContext.ContextOptions))))
        yield* outcome("NodeZmq.layer({ ioThreads })", value, () =>
          Effect.scoped(Layer.build(NodeZmq.layer({ ioThreads: value as number }))))
      }
    }))))

  it.live("endpoints: any value, malformed, too long, unknown transports, ports in use", () =>
    zmqTest(noUnhandledRejections(Effect.gen(function*() {
      const socket = yield* ZmqSocket.make("PAIR")
      const malformed = [
        "",
        "tcp",
        "tcp://",
        "tcp://:",
        "tcp://*:",
        "tcp://127.0.0.1",
        "tcp://127.0.0.1:99999",
        "tcp://127.0.0.1:-1",
        "tcp://256.256.256.256:5555",
        "tcp://[::1",
        "tcp://127.0.0.1:*:*",
        "udp://127.0.0.1:5555",
        "foo://bar",
        "://x",
        "inproc://",
        "ipc://",
        `tcp://${"a".repeat(5000)}:5555`,
        `ipc:///tmp/${"x".repeat(5000)}`,
        `inproc://${"n".repeat(100_000)}`,
        "tcp://127.0.0.1:5555\u0000junk",
        "pgm://eth0;239.192.1.1:5555",
        "ws://127.0.0.1:5555"
      ]
      for (const value of [...values(5), ...malformed]) {
        for (const operation of ["bind", "connect", "unbind", "disconnect"] as const) {
          yield* outcome(operation, value, () => socket[operation](value as string))
        }
      }
      // nothing was bound: the socket still binds and works
      yield* socket.close
      const [a, b] = yield* pair("PAIR", "PAIR")
      yield* b.sendString("still works")
      expect(yield* a.recvString().pipe(Effect.timeout("5 seconds"))).toBe("still works")

      // a port in use
      const first = yield* ZmqSocket.make("PULL", { bind: "tcp://127.0.0.1:*" })
      const endpoint = yield* first.lastEndpoint
      const second = yield* ZmqSocket.make("PULL")
      yield* failsWith("bind (in use)", endpoint, "EADDRINUSE", () => second.bind(endpoint))
      yield* failsWith("make({ bind: in use })", endpoint, "EADDRINUSE", () => Effect.scoped(ZmqSocket.make("PULL", { bind: endpoint })))
      // an unknown transport and an unavailable address have their own codes
      yield* failsWith("bind", "foo://bar", "EPROTONOSUPPORT", () => second.bind("foo://bar"))
      yield* failsWith("bind", "tcp://192.0.2.1:5555", ["EADDRNOTAVAIL", "ENODEV"], () => second.bind("tcp://192.0.2.1:5555"))
    }).pipe(Effect.scoped))))

  it.live("every operation on a closed socket fails with ENOTSOCK; close is idempotent", () =>
    zmqTest(noUnhandledRejections(Effect.gen(function*() {
      for (const type of ["PUSH", "PULL", "REQ", "REP", "DEALER", "ROUTER", "PUB", "SUB", "XPUB", "XSUB", "PAIR", "STREAM"] as const) {
        const socket = yield* ZmqSocket.make(type)
        yield* socket.close
        yield* socket.close
        const calls: Array<[string, () => Effect.Effect<unknown, ZMQError>]> = [
          ["send", () => socket.send(encode("x"))],
          ["send NOBLOCK", () => socket.send(encode("x"), { flags: 1 })],
          ["send SNDMORE", () => socket.send(encode("x"), { flags: 2 })],
          ["sendMultipart", () => socket.sendMultipart([encode("x")])],
          ["sendString", () => socket.sendString("x")],
          ["recv", () => socket.recv()],
          ["recv NOBLOCK", () => socket.recv({ flags: 1 })],
          ["recvMultipart", () => socket.recvMultipart()],
          ["recvString", () => socket.recvString()],
          ["bind", () => socket.bind("tcp://127.0.0.1:*")],
          ["connect", () => socket.connect("tcp://127.0.0.1:5555")],
          ["unbind", () => socket.unbind("tcp://127.0.0.1:5555")],
          ["disconnect", () => socket.disconnect("tcp://127.0.0.1:5555")],
          ["lastEndpoint", () => socket.lastEndpoint],
          ["getOption", () => socket.getOption("LINGER")],
          ["getOption(EVENTS)", () => socket.getOption("EVENTS")],
          ["setOption", () => socket.setOption("LINGER", 0)]
        ]
        for (const [label, call] of calls) {
          // a socket that cannot do this at all may say ENOTSUP instead
          yield* failsWith(`${type}.${label} after close`, undefined, ["ENOTSOCK", "ENOTSUP"], call)
        }
        if (type === "SUB") yield* failsWith("subscribe after close", undefined, "ENOTSOCK", () => socket.subscribe("a"))
        expect(socket.closed).toBe(true)
        expect(socket.stats()).toMatchObject({ receivers: 0, senders: 0, probes: 0, inbox: 0, watching: false })
      }
    }).pipe(Effect.scoped))))

  it.live("operations on a released context: ETERM for new sockets, ENOTSOCK for its sockets", () =>
    noUnhandledRejections(Effect.gen(function*() {
      const scope = yield* Scope.make()
      const context = yield* Layer.buildWithScope(NodeZmq.layer(), scope)
      const socket = yield* ZmqSocket.make("PULL", { bind: "tcp://127.0.0.1:*" }).pipe(
        Effect.provideContext(context),
        Scope.provide(scope)
      )
      const waiting = yield* Effect.forkChild(Effect.exit(socket.recv()), { startImmediately: true })
      yield* Scope.close(scope, Exit.void)
      const exit = yield* Fiber.join(waiting).pipe(Effect.timeout("2 seconds"))
      expect(Exit.isFailure(exit) && Cause.findErrorOption(exit.cause)).toMatchObject({ value: { code: "ENOTSOCK" } })
      yield* failsWith("make after release", undefined, "ETERM", () =>
        ZmqSocket.make("PUSH").pipe(Effect.provideContext(context), Effect.scoped))
      yield* failsWith("recv after release", undefined, "ENOTSOCK", () => socket.recv())
      yield* failsWith("send on PULL after release", undefined, ["ENOTSOCK", "ENOTSUP"], () => socket.send(encode("x")))
      yield* failsWith("bind after release", undefined, "ENOTSOCK", () => socket.bind("tcp://127.0.0.1:*"))
    })))

  it.live("messages over MAXMSGSIZE are never delivered; smaller ones still are; huge messages are fine", () =>
    zmqTest(noUnhandledRejections(Effect.gen(function*() {
      const [pull, push] = yield* pair("PULL", "PUSH", { a: { MAXMSGSIZE: 1000 }, b: { RECONNECT_IVL: 10 } })
      yield* push.send(new Uint8Array(1001).fill(1))
      // libzmq drops the connection that carried the oversized message (and what was queued behind it on that
      // connection); the PUSH reconnects, and small messages go through again. The big one never arrives.
      let first: Uint8Array | undefined
      for (let i = 0; first === undefined && i < 200; i++) {
        yield* push.send(encode("small"))
        const got = yield* pull.recv().pipe(Effect.timeoutOption("50 millis"))
        if (got._tag === "Some") first = got.value
      }
      expect(first && decode(first)).toBe("small")
      expect(yield* push.getOption("MAXMSGSIZE")).toBe(-1)
      yield* failsWith("setOption(MAXMSGSIZE, -2.5)", -2.5, "EINVAL", () => pull.setOption("MAXMSGSIZE", -2.5))
      expect(yield* pull.getOption("MAXMSGSIZE")).toBe(1000)

      // without a limit, a 32 MiB message goes through, intact
      const [bigPull, bigPush] = yield* pair("PULL", "PUSH")
      const big = new Uint8Array(32 * 1024 * 1024)
      for (let i = 0; i < big.length; i += 4096) big[i] = i % 251
      yield* bigPush.send(big)
      const got = yield* bigPull.recv().pipe(Effect.timeout("20 seconds"))
      expect(got.length).toBe(big.length)
      expect(Buffer.compare(Buffer.from(got.buffer, got.byteOffset, got.byteLength), Buffer.from(big))).toBe(0)
    }).pipe(Effect.scoped))), 60_000)
})
