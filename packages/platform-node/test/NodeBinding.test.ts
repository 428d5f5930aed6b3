import { describe, expect, it } from "@effect/vitest"
import { spawn } from "node:child_process"
import { randomUUID } from "node:crypto"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { Deferred, Effect } from "effect"
import { Binding } from "@effect-zmq/core"
import type { BindingShape, ContextHandle, SocketHandle } from "@effect-zmq/core/Binding"
import { NodeBinding, NodeReadiness } from "@effect-zmq/platform-node"

const resolved = NodeBinding.makeUnsafe()
if (resolved instanceof Error) throw resolved
const b: BindingShape = resolved

// libzmq's numbers (zmq.h)
const T = { PAIR: 0, REQ: 3, REP: 4, DEALER: 5, ROUTER: 6, PULL: 7, PUSH: 8, SERVER: 12, CLIENT: 13, RADIO: 14, DISH: 15 }
const O = {
  ROUTING_ID: 5,
  RCVMORE: 13,
  LINGER: 17,
  MAXMSGSIZE: 22,
  SNDHWM: 23,
  LAST_ENDPOINT: 32,
  ROUTER_MANDATORY: 33,
  CURVE_SERVER: 47,
  CURVE_PUBLICKEY: 48,
  CURVE_SECRETKEY: 49
}
const DONTWAIT = Binding.DONTWAIT
const POLLIN = 1
const POLLOUT = 2
const errno = (code: Parameters<BindingShape["errnoOf"]>[0]) => b.errnoOf(code)!
const text = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString()
const bytes = (s: string) => new TextEncoder().encode(s)

const context = () => {
  const c = b.contextNew()
  if (typeof c === "number") throw new Error(`contextNew: ${b.strerror(c)}`)
  return c
}
const socket = (c: ContextHandle, type: number) => {
  const s = b.socket(c, type)
  if (typeof s === "number") throw new Error(`socket: ${b.strerror(s)}`)
  expect(b.setOption(s, O.LINGER, "int32", 0)).toBe(0)
  return s
}
const lastEndpoint = (s: SocketHandle) => {
  const endpoint = b.getOption(s, O.LAST_ENDPOINT, "string")
  if (typeof endpoint !== "string") throw new Error("LAST_ENDPOINT")
  return endpoint
}

/** Waits (with the readiness watch, never a timer) until EVENTS has `bit`. */
const waitFor = (s: SocketHandle, bit: number) =>
  Effect.gen(function*() {
    const ready = () => {
      const events = b.events(s)
      return events < 0 || (events & bit) !== 0
    }
    if (ready()) return
    const signalled = yield* Deferred.make<void>()
    const watch = yield* NodeReadiness.readiness.watch(b.fd(s), () => {
      if (ready()) Deferred.doneUnsafe(signalled, Effect.void)
    })
    watch.start()
    if (ready()) Deferred.doneUnsafe(signalled, Effect.void) // the edge may have been consumed before the start
    yield* Deferred.await(signalled).pipe(
      Effect.timeout("10 seconds"),
      Effect.ensuring(Effect.sync(() => watch.close()))
    )
  })

/** Receives one frame, waiting for it. */
const recv = (s: SocketHandle, properties = false) =>
  Effect.gen(function*() {
    for (;;) {
      const frame = b.recv(s, DONTWAIT, properties)
      if (typeof frame !== "number") return frame
      if (frame !== errno("EAGAIN")) return yield* Effect.die(new Error(`recv: ${b.strerror(frame)}`))
      yield* waitFor(s, POLLIN)
    }
  })

/** Sends a message, waiting until the socket can take it. */
const send = (s: SocketHandle, frames: ReadonlyArray<Uint8Array>, options?: Binding.SendOptions) =>
  Effect.gen(function*() {
    for (;;) {
      const status = b.sendMessage(s, frames, DONTWAIT, options)
      if (status === 0) return
      if (status !== errno("EAGAIN")) return yield* Effect.die(new Error(`send: ${b.strerror(status)}`))
      yield* waitFor(s, POLLOUT)
    }
  })

const term = (c: ContextHandle) => Effect.callback<number>((resume) => b.contextTerm(c, (status) => resume(Effect.succeed(status))))

const pushPull = (endpoint: string) => {
  const c = context()
  const pull = socket(c, T.PULL)
  expect(b.bind(pull, endpoint)).toBe(0)
  const push = socket(c, T.PUSH)
  expect(b.connect(push, lastEndpoint(pull))).toBe(0)
  const done = Effect.gen(function*() {
    b.close(push)
    b.close(pull)
    expect(yield* term(c)).toBe(0)
  })
  return { c, pull, push, done }
}

describe("NodeBinding", () => {
  it("binds the libzmq inside zeromq and says so", () => {
    expect(b.version).toMatch(/^4\.\d+\.\d+$/)
    expect(b.description).toContain(b.version)
    expect(b.description).toMatch(/addon\.node|libzmq/)
    expect(b.capabilities.ipc).toBe(true)
    expect(b.capabilities.curve).toBe(true)
    expect(b.codeOf(errno("EAGAIN"))).toBe("EAGAIN")
    expect(b.codeOf(156384712 + 51)).toBe("EFSM")
    expect(b.errnoOf("ETERM")).toBe(156384712 + 53)
    expect(b.errnoOf("UNKNOWN")).toBeUndefined()
    expect(b.codeOf(-12345)).toBe("UNKNOWN")
    expect(b.strerror(errno("EFSM"))).toMatch(/state/)
  })

  it.effect("make and layer provide the same binding", () =>
    Effect.gen(function*() {
      const made = yield* NodeBinding.make
      const provided = yield* Effect.provide(
        Effect.gen(function*() {
          return yield* Binding.Binding
        }),
        NodeBinding.layer
      )
      expect(made).toBe(b)
      expect(provided).toBe(b)
    }))

  for (const [name, endpoint] of [
    ["tcp", "tcp://127.0.0.1:*"],
    ["ipc", `ipc://${join(tmpdir(), `effect-zmq-${randomUUID()}.sock`)}`]
  ] as const) {
    it.live(`PUSH/PULL over ${name}: send, then receive`, () =>
      Effect.gen(function*() {
        const { done, pull, push } = pushPull(endpoint)
        expect(lastEndpoint(pull).startsWith(`${name}://`)).toBe(true)
        yield* send(push, [bytes("hello")])
        expect(b.send(push, bytes("again"), DONTWAIT)).toBe(0)
        expect(text(yield* recv(pull))).toBe("hello")
        expect(b.more()).toBe(false)
        expect(text(yield* recv(pull))).toBe("again")
        yield* done
      }))
  }

  it.live("EAGAIN with DONTWAIT on an empty socket, and nothing is taken", () =>
    Effect.gen(function*() {
      const { done, pull, push } = pushPull("tcp://127.0.0.1:*")
      expect(b.recv(pull, DONTWAIT, false)).toBe(errno("EAGAIN"))
      expect(b.events(pull) & POLLIN).toBe(0)
      yield* send(push, [bytes("x")])
      expect(text(yield* recv(pull))).toBe("x")
      expect(b.recv(pull, DONTWAIT, false)).toBe(errno("EAGAIN"))
      yield* done
    }))

  it.live("REQ: a second send is EFSM", () =>
    Effect.gen(function*() {
      const c = context()
      const rep = socket(c, T.REP)
      expect(b.bind(rep, "inproc://req-efsm")).toBe(0)
      const req = socket(c, T.REQ)
      expect(b.connect(req, "inproc://req-efsm")).toBe(0)
      yield* send(req, [bytes("1")])
      expect(b.send(req, bytes("2"), DONTWAIT)).toBe(errno("EFSM"))
      expect(b.sendMessage(req, [bytes("2")], DONTWAIT)).toBe(errno("EFSM"))
      expect(text(yield* recv(rep))).toBe("1")
      b.close(req)
      b.close(rep)
      expect(yield* term(c)).toBe(0)
    }))

  it("ROUTER_MANDATORY: EHOSTUNREACH to an unknown peer", () => {
    const c = context()
    const router = socket(c, T.ROUTER)
    expect(b.setOption(router, O.ROUTER_MANDATORY, "boolean", true)).toBe(0)
    expect(b.sendMessage(router, [bytes("nobody"), bytes("x")], DONTWAIT)).toBe(errno("EHOSTUNREACH"))
    b.close(router)
  })

  it.live("multipart: more on every frame but the last; a refused or invalid message leaves nothing behind", () =>
    Effect.gen(function*() {
      const c = context()
      const push = socket(c, T.PUSH)
      // no peer yet: the first frame is refused, so nothing of the message is queued
      expect(b.sendMessage(push, [bytes("lost-1"), bytes("lost-2")], DONTWAIT)).toBe(errno("EAGAIN"))
      const pull = socket(c, T.PULL)
      expect(b.bind(pull, "inproc://multipart")).toBe(0)
      expect(b.connect(push, "inproc://multipart")).toBe(0)
      // an invalid frame anywhere: EINVAL, and nothing is sent
      expect(b.sendMessage(push, [bytes("bad-1"), "no" as unknown as Uint8Array], DONTWAIT)).toBe(errno("EINVAL"))
      expect(b.sendMessage(push, [], DONTWAIT)).toBe(errno("EINVAL"))
      yield* send(push, [bytes("a"), bytes("b"), bytes("c")])
      const got: Array<[string, boolean]> = []
      for (let i = 0; i < 3; i++) {
        const frame = yield* recv(pull)
        got.push([text(frame), b.more()])
      }
      expect(got).toEqual([["a", true], ["b", true], ["c", false]])
      expect(b.getOption(pull, O.RCVMORE, "boolean")).toBe(false)
      b.close(push)
      b.close(pull)
      expect(yield* term(c)).toBe(0)
    }))

  it.live("slab views are independent: a later receive never overwrites an earlier frame", () =>
    Effect.gen(function*() {
      const { done, pull, push } = pushPull("tcp://127.0.0.1:*")
      const sizes = [0, 1, 16, 1000, 4096, 4097, 70_000]
      const count = 300 // several slabs' worth
      const frames: Array<Uint8Array> = []
      for (let i = 0; i < count; i++) {
        const size = sizes[i % sizes.length]!
        yield* send(push, [new Uint8Array(size).fill(i & 0xff)])
        frames.push(yield* recv(pull))
      }
      for (let i = 0; i < count; i++) {
        const size = sizes[i % sizes.length]!
        expect(frames[i]!.byteLength).toBe(size)
        expect(frames[i]!.every((byte) => byte === (i & 0xff))).toBe(true)
      }
      yield* done
    }))

  it("options round trip: LINGER, ROUTING_ID bytes, LAST_ENDPOINT, MAXMSGSIZE, CURVE keys", () => {
    const c = context()
    const dealer = socket(c, T.DEALER)
    expect(b.setOption(dealer, O.LINGER, "int32", 250)).toBe(0)
    expect(b.getOption(dealer, O.LINGER, "int32")).toBe(250)
    expect(b.setOption(dealer, O.SNDHWM, "int32", 10)).toBe(0)
    expect(b.getOption(dealer, O.SNDHWM, "int32")).toBe(10)
    expect(b.setOption(dealer, O.MAXMSGSIZE, "int64", 1 << 20)).toBe(0)
    expect(b.getOption(dealer, O.MAXMSGSIZE, "int64")).toBe(1 << 20)
    const id = new Uint8Array([0, 1, 2, 255])
    expect(b.setOption(dealer, O.ROUTING_ID, "bytes", id)).toBe(0)
    expect(Array.from(b.getOption(dealer, O.ROUTING_ID, "bytes") as Uint8Array)).toEqual([0, 1, 2, 255])
    expect(b.setOption(dealer, O.ROUTING_ID, "bytes", new Uint8Array(255).fill(7))).toBe(0)
    expect((b.getOption(dealer, O.ROUTING_ID, "bytes") as Uint8Array).byteLength).toBe(255)
    expect(b.bind(dealer, "tcp://127.0.0.1:*")).toBe(0)
    expect(lastEndpoint(dealer)).toMatch(/^tcp:\/\/127\.0\.0\.1:\d+$/)

    const keys = b.curveKeyPair()
    if (Binding.isErrno(keys)) throw new Error("curveKeyPair")
    const server = socket(c, T.ROUTER)
    expect(b.setOption(server, O.CURVE_SERVER, "boolean", true)).toBe(0)
    expect(b.getOption(server, O.CURVE_SERVER, "boolean")).toBe(true)
    expect(b.setOption(server, O.CURVE_SECRETKEY, "string", keys.secretKey)).toBe(0)
    expect(b.getOption(server, O.CURVE_SECRETKEY, "string")).toBe(keys.secretKey)
    expect(b.setOption(server, O.CURVE_PUBLICKEY, "string", keys.publicKey)).toBe(0)
    expect(b.getOption(server, O.CURVE_PUBLICKEY, "string")).toBe(keys.publicKey)
    const raw = b.getOption(server, O.CURVE_PUBLICKEY, "bytes") as Uint8Array
    expect(raw.byteLength).toBe(32)
    expect(b.z85Encode(raw)).toBe(keys.publicKey)

    // bad values: EINVAL, nothing changed
    expect(b.setOption(dealer, O.LINGER, "int32", "x" as unknown as number)).toBe(errno("EINVAL"))
    expect(b.setOption(dealer, O.LINGER, "int32", 1.5)).toBe(errno("EINVAL"))
    expect(b.setOption(dealer, O.LINGER, "nope" as Binding.OptionKind, 1)).toBe(errno("EINVAL"))
    expect(b.getOption(dealer, O.LINGER, "int32")).toBe(250)
    const unknown = b.getOption(dealer, 9999, "int32")
    expect(Binding.isErrno(unknown) && unknown.errno).toBe(errno("EINVAL"))
    b.close(dealer)
    b.close(server)
  })

  it.live("events/fd: the readiness watch fires when a message arrives", () =>
    Effect.gen(function*() {
      const { done, pull, push } = pushPull("tcp://127.0.0.1:*")
      const fd = b.fd(pull)
      expect(fd).toBeGreaterThanOrEqual(0)
      expect(b.events(pull) & POLLIN).toBe(0) // consumes the edges so far: the fd re-arms
      const signalled = yield* Deferred.make<void>()
      const watch = yield* NodeReadiness.readiness.watch(fd, () => Deferred.doneUnsafe(signalled, Effect.void))
      watch.start()
      expect(b.send(push, bytes("ping"), DONTWAIT)).toBe(0)
      yield* Deferred.await(signalled).pipe(Effect.timeout("10 seconds"))
      yield* waitFor(pull, POLLIN)
      expect(b.events(pull) & POLLIN).toBe(POLLIN)
      watch.stop()
      watch.close()
      watch.close()
      watch.start() // after close: a no-op
      expect(text(yield* recv(pull))).toBe("ping")
      yield* done
    }))

  it.live("monitor events arrive on a PAIR, and the monitor stops", () =>
    Effect.gen(function*() {
      const c = context()
      const watched = socket(c, T.PULL)
      expect(b.monitor(watched, "inproc://monitor", 0xffff)).toBe(0)
      const pair = socket(c, T.PAIR)
      expect(b.connect(pair, "inproc://monitor")).toBe(0)
      expect(b.bind(watched, "tcp://127.0.0.1:*")).toBe(0)
      const head = yield* recv(pair)
      expect(b.more()).toBe(true)
      const event = new DataView(head.buffer, head.byteOffset, head.byteLength).getUint16(0, true)
      expect(event).toBe(8) // ZMQ_EVENT_LISTENING
      expect(text(yield* recv(pair))).toBe(lastEndpoint(watched))
      expect(b.more()).toBe(false)
      expect(b.monitor(watched, null, 0)).toBe(0)
      b.close(watched)
      b.close(pair)
      expect(yield* term(c)).toBe(0)
    }))

  it.live("context term waits for open sockets, then a socket of it fails ETERM", () =>
    Effect.gen(function*() {
      const c = context()
      const push = socket(c, T.PUSH)
      let status: number | undefined
      const terminated = yield* Deferred.make<number>()
      b.contextTerm(c, (s) => {
        status = s
        Deferred.doneUnsafe(terminated, Effect.succeed(s))
      })
      yield* Effect.yieldNow
      expect(status).toBeUndefined() // blocked on the open socket, off the main thread
      b.close(push)
      expect(yield* Deferred.await(terminated).pipe(Effect.timeout("10 seconds"))).toBe(0)
      expect(b.socket(c, T.PUSH)).toBe(errno("ETERM"))
      expect(b.contextSet(c, 1, 1)).toBe(errno("ETERM"))
      expect(b.contextGet(c, 1)).toBe(-errno("ETERM"))
      let again: number | undefined
      b.contextTerm(c, (s) => (again = s))
      expect(again).toBe(0)
    }))

  it.live("zero-copy send: release runs once libzmq let go, after the peer received", () =>
    Effect.gen(function*() {
      const { done, pull, push } = pushPull("tcp://127.0.0.1:*")
      const big = new Uint8Array(64 * 1024).fill(42)
      let released = 0
      const releasedOnce = yield* Deferred.make<void>()
      yield* send(push, [bytes("head"), big], {
        release: () => {
          released++
          Deferred.doneUnsafe(releasedOnce, Effect.void)
        }
      })
      expect(text(yield* recv(pull))).toBe("head")
      const body = yield* recv(pull)
      expect(body.byteLength).toBe(big.byteLength)
      expect(body.every((byte) => byte === 42)).toBe(true)
      yield* Deferred.await(releasedOnce).pipe(Effect.timeout("10 seconds"))
      expect(released).toBe(1)

      // small frames are copied: release runs before sendMessage returns
      let small = 0
      yield* send(push, [bytes("small")], { release: () => small++ })
      expect(small).toBe(1)
      expect(text(yield* recv(pull))).toBe("small")
      yield* done

      // a refused send releases at once too
      const c = context()
      const lonely = socket(c, T.PUSH)
      let refused = 0
      expect(b.sendMessage(lonely, [big], DONTWAIT, { release: () => refused++ })).toBe(errno("EAGAIN"))
      expect(refused).toBe(1)
      b.close(lonely)
      expect(yield* term(c)).toBe(0)
    }))

  it("CURVE keypair and Z85 round trip; bad input is an Errno", () => {
    const keys = b.curveKeyPair()
    if (Binding.isErrno(keys)) throw new Error("curveKeyPair")
    expect(keys.publicKey).toHaveLength(40)
    expect(b.curvePublic(keys.secretKey)).toBe(keys.publicKey)
    const decoded = b.z85Decode(keys.publicKey)
    if (Binding.isErrno(decoded)) throw new Error("z85Decode")
    expect(decoded.byteLength).toBe(32)
    expect(b.z85Encode(decoded)).toBe(keys.publicKey)
    expect(b.z85Encode(new Uint8Array([0x86, 0x4f, 0xd2, 0x6f, 0xb5, 0x59, 0xf7, 0x5b]))).toBe("HelloWorld")
    const bad = b.z85Encode(new Uint8Array(3))
    expect(Binding.isErrno(bad) && bad.errno).toBe(errno("EINVAL"))
    expect(Binding.isErrno(b.z85Decode("abc"))).toBe(true)
    expect(Binding.isErrno(b.curvePublic("short"))).toBe(true)
  })

  it("a closed handle is ENOTSOCK everywhere; close is idempotent", () => {
    const c = context()
    const s = socket(c, T.PUSH)
    expect(b.close(s)).toBe(0)
    expect(b.close(s)).toBe(0)
    const ENOTSOCK = errno("ENOTSOCK")
    expect(b.send(s, bytes("x"), DONTWAIT)).toBe(ENOTSOCK)
    expect(b.sendMessage(s, [bytes("x")], DONTWAIT)).toBe(ENOTSOCK)
    expect(b.recv(s, DONTWAIT, false)).toBe(ENOTSOCK)
    expect(b.bind(s, "inproc://closed")).toBe(ENOTSOCK)
    expect(b.connect(s, "inproc://closed")).toBe(ENOTSOCK)
    expect(b.setOption(s, O.LINGER, "int32", 0)).toBe(ENOTSOCK)
    const option = b.getOption(s, O.LINGER, "int32")
    expect(Binding.isErrno(option) && option.errno).toBe(ENOTSOCK)
    expect(b.events(s)).toBe(-ENOTSOCK)
    expect(b.fd(s)).toBe(-ENOTSOCK)
    expect(b.monitor(s, null, 0)).toBe(ENOTSOCK)
    expect(b.join(s, "g")).toBe(ENOTSOCK)
  })

  it("bad arguments are a typed failure, never a crash", () => {
    const EINVAL = errno("EINVAL")
    const c = context()
    const s = socket(c, T.PUSH)
    const notASocket = {} as SocketHandle
    const notAContext = {} as ContextHandle
    expect(b.send(s, "text" as unknown as Uint8Array, DONTWAIT)).toBe(EINVAL)
    expect(b.send(s, bytes("x"), "1" as unknown as number)).toBe(EINVAL)
    expect(b.send(notASocket, bytes("x"), DONTWAIT)).toBe(EINVAL)
    expect(b.send(c as unknown as SocketHandle, bytes("x"), DONTWAIT)).toBe(EINVAL)
    expect(b.sendMessage(s, "x" as unknown as Array<Uint8Array>, DONTWAIT)).toBe(EINVAL)
    expect(b.bind(s, 42 as unknown as string)).toBe(EINVAL)
    expect(b.bind(s, "nonsense")).toBe(EINVAL)
    expect(b.bind(s, "nope://x")).toBe(errno("EPROTONOSUPPORT"))
    expect(b.recv(notASocket, DONTWAIT, false)).toBe(EINVAL)
    expect(b.events(null as unknown as SocketHandle)).toBe(-EINVAL)
    expect(b.fd(undefined as unknown as SocketHandle)).toBe(-EINVAL)
    expect(b.socket(notAContext, T.PUSH)).toBe(EINVAL)
    expect(b.socket(c, 999)).toBe(EINVAL)
    expect(b.contextSet(notAContext, 1, 1)).toBe(EINVAL)
    expect(b.contextGet(notAContext, 1)).toBe(-EINVAL)
    let termStatus: number | undefined
    b.contextTerm(notAContext, (status) => (termStatus = status))
    expect(termStatus).toBe(EINVAL)
    expect(b.join(s, 42 as unknown as string)).toBe(EINVAL)
    expect(b.monitor(s, 42 as unknown as string, 0)).toBe(EINVAL)
    expect(Binding.isErrno(b.z85Decode(42 as unknown as string))).toBe(true)
    expect(Binding.isErrno(b.z85Encode("x" as unknown as Uint8Array))).toBe(true)
    b.close(s)
  })

  it.live("SERVER/CLIENT: routing ids on receive and send, through the poller fd of a thread-safe socket", () =>
    Effect.gen(function*() {
      if (!b.capabilities.draft) return
      const c = context()
      const server = socket(c, T.SERVER)
      expect(b.bind(server, "tcp://127.0.0.1:*")).toBe(0)
      const client = socket(c, T.CLIENT)
      expect(b.connect(client, lastEndpoint(server))).toBe(0)
      expect(b.fd(server)).toBeGreaterThanOrEqual(0)
      yield* send(client, [bytes("hi")])
      expect(text(yield* recv(server, true))).toBe("hi")
      const properties = b.lastProperties()
      expect(properties.routingId).toBeGreaterThan(0)
      expect(properties["Peer-Address"]).toBe("127.0.0.1")
      yield* send(server, [bytes("back")], { routingId: properties.routingId })
      expect(text(yield* recv(client))).toBe("back")
      expect(b.lastProperties().routingId).toBeUndefined()
      b.close(client)
      b.close(server)
      expect(yield* term(c)).toBe(0)
    }))

  it.live("RADIO/DISH: join, group on send and receive", () =>
    Effect.gen(function*() {
      if (!b.capabilities.draft) return
      const c = context()
      const dish = socket(c, T.DISH)
      expect(b.bind(dish, "inproc://radio")).toBe(0)
      expect(b.join(dish, "weather")).toBe(0)
      const radio = socket(c, T.RADIO)
      expect(b.connect(radio, "inproc://radio")).toBe(0)
      // the join reaches the radio asynchronously: send until the dish has one (bounded; each wait is readiness)
      let received: Uint8Array | undefined
      for (let attempt = 0; attempt < 200 && received === undefined; attempt++) {
        yield* send(radio, [bytes("sunny")], { group: "weather" })
        const frame = b.recv(dish, DONTWAIT, false)
        if (typeof frame !== "number") received = frame
        else yield* waitFor(dish, POLLIN).pipe(Effect.timeout("20 millis"), Effect.ignore)
      }
      if (received === undefined) {
        received = yield* recv(dish)
      }
      expect(text(received)).toBe("sunny")
      expect(b.lastProperties().group).toBe("weather")
      expect(b.leave(dish, "weather")).toBe(0)
      b.close(radio)
      b.close(dish)
      expect(yield* term(c)).toBe(0)
    }))
})

/** Runs a small Node program with --expose-gc and returns its stdout. */
const run = (source: string) =>
  Effect.callback<string>((resume) => {
    const child = spawn(process.execPath, ["--expose-gc", "--input-type=module", "-e", source], {
      cwd: fileURLToPath(new URL("..", import.meta.url)),
      stdio: ["ignore", "pipe", "inherit"]
    })
    let out = ""
    child.stdout.on("data", (chunk) => (out += String(chunk)))
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000)
    child.on("exit", () => {
      clearTimeout(timer)
      resume(Effect.succeed(out.trim()))
    })
  })

describe("NodeBinding lifetimes", () => {
  it.live("a watch that was never closed does not keep its socket from being collected", () =>
    Effect.gen(function*() {
      const out = yield* run(`
        import { createRequire } from "node:module"
        const require = createRequire(import.meta.url)
        require("zeromq")
        const path = Object.keys(require.cache).find((k) => k.endsWith("addon.node"))
        const native = require("./build/effect_zmq.node")
        if (typeof native.init(path) === "string") throw new Error("init")
        const context = native.contextNew()
        const registry = new FinalizationRegistry((what) => { console.log("collected " + what); process.exit(0) })
        const make = () => {
          // as in the engine: socket state -> watch -> callback -> socket state (a cycle through the addon)
          const state = { socket: native.socket(context, 7), watch: undefined, onReadable: undefined }
          native.setOption(state.socket, 17, 0, 0)
          state.onReadable = () => native.events(state.socket) && state.watch
          state.watch = native.watchNew(native.fd(state.socket), state.onReadable)
          native.watchStart(state.watch)
          native.watchStop(state.watch)
          registry.register(state.socket, "socket")
        }
        make()
        for (let i = 0; i < 200; i++) {
          globalThis.gc()
          await new Promise((resolve) => setImmediate(resolve))
        }
        console.log("leaked")
        process.exit(1)
      `)
      expect(out).toBe("collected socket")
    }))

  it.live("an unref'd release queue and stopped watches let the process exit", () =>
    Effect.gen(function*() {
      const out = yield* run(`
        import { createRequire } from "node:module"
        const require = createRequire(import.meta.url)
        require("zeromq")
        const path = Object.keys(require.cache).find((k) => k.endsWith("addon.node"))
        const native = require("./build/effect_zmq.node")
        native.init(path)
        const context = native.contextNew()
        const socket = native.socket(context, 7)
        const watch = native.watchNew(native.fd(socket), () => {})
        native.watchStart(watch)
        console.log(native.watchStarted(watch))
        native.watchStop(watch)
        console.log(native.watchStarted(watch))
        native.close(socket)
        native.contextTerm(context, (status) => console.log("term " + status))
      `)
      expect(out.split("\n")).toEqual(["true", "false", "term 0"])
    }))
})
