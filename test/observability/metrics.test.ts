/**
 * Observability (issue 11): metric values (read from `Metric.snapshot` of a fresh registry per test), ZAP decision
 * metrics, monitor-event metrics, the engine hooks, `Config` layers and `Redacted` secrets.
 */
import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Effect, Fiber, Layer, Metric, Redacted, Stream } from "effect"
import { Flags, SocketOption, ZmqAuth, ZmqConfig, ZmqContext, ZmqSocket, ZmqTelemetry } from "@effect-zmq/zmq"
import { NodeZmq } from "@effect-zmq/platform-node"
import {
  counterValue,
  decode,
  encode,
  eventually,
  histogramCount,
  observed,
  recordingTracer,
  watchEvents
} from "./util.ts"

describe("message metrics", () => {
  it.live("messages and bytes sent and received, by socket type and name", () =>
    observed(recordingTracer(), Effect.gen(function*() {
      const pull = yield* ZmqSocket.make("PULL", { bind: "tcp://127.0.0.1:*", telemetry: { name: "in" } })
      const push = yield* ZmqSocket.make("PUSH", { connect: yield* pull.lastEndpoint, telemetry: { name: "out" } })
      const other = yield* ZmqSocket.make("PUSH", { connect: yield* pull.lastEndpoint, telemetry: { name: "other" } })
      yield* push.send(encode("ab"), { flags: Flags.SNDMORE })
      yield* push.send(encode("cde"))
      yield* push.sendMultipart([encode("f"), encode("gh")])
      yield* push.sendString("ijkl")
      yield* other.sendString("z")
      for (let i = 0; i < 4; i++) yield* pull.recvMultipart()

      const out = { "zmq.socket.name": "out", "zmq.socket.type": "PUSH", "messaging.system": "zeromq" }
      expect(yield* counterValue("messaging.client.sent.messages", out)).toBe(3)
      expect(yield* counterValue("zmq.client.sent.bytes", out)).toBe(12)
      expect(yield* counterValue("messaging.client.sent.messages", { "zmq.socket.name": "other" })).toBe(1)
      const inbound = { "zmq.socket.name": "in", "zmq.socket.type": "PULL" }
      expect(yield* counterValue("messaging.client.consumed.messages", inbound)).toBe(4)
      expect(yield* counterValue("zmq.client.consumed.bytes", inbound)).toBe(13)
      // the series can also be read with the public metric and its attributes
      const series = Metric.withAttributes(ZmqTelemetry.messagesSent, {
        "messaging.system": "zeromq",
        "zmq.socket.type": "PUSH",
        "zmq.socket.name": "out"
      })
      expect((yield* Metric.value(series)).count).toBe(3)
    })))

  it.live("recv counts a message at its last frame; stream and sink count per message", () =>
    observed(recordingTracer(), Effect.gen(function*() {
      const pull = yield* ZmqSocket.make("PULL", { bind: "tcp://127.0.0.1:*", telemetry: { name: "in" } })
      const push = yield* ZmqSocket.make("PUSH", { connect: yield* pull.lastEndpoint, telemetry: { name: "out" } })
      yield* push.sendMultipart([encode("1"), encode("2")])
      expect(decode(yield* pull.recv())).toBe("1")
      expect(yield* counterValue("messaging.client.consumed.messages", { "zmq.socket.name": "in" })).toBe(0)
      expect(decode(yield* pull.recv())).toBe("2")
      expect(yield* counterValue("messaging.client.consumed.messages", { "zmq.socket.name": "in" })).toBe(1)

      yield* Stream.fromIterable([[encode("aa")], [encode("bb")], [encode("c"), encode("d")]]).pipe(
        Stream.rechunk(2),
        Stream.run(ZmqSocket.sink(push))
      )
      yield* ZmqSocket.stream(pull).pipe(Stream.take(3), Stream.runDrain)
      expect(yield* counterValue("messaging.client.sent.messages", { "zmq.socket.name": "out" })).toBe(4)
      expect(yield* counterValue("zmq.client.sent.bytes", { "zmq.socket.name": "out" })).toBe(8)
      expect(yield* counterValue("messaging.client.consumed.messages", { "zmq.socket.name": "in" })).toBe(4)
      expect(yield* counterValue("zmq.client.consumed.bytes", { "zmq.socket.name": "in" })).toBe(8)
    })))

  it.live("no metrics without telemetry, nor with metrics: false", () =>
    observed(recordingTracer(), Effect.gen(function*() {
      const pull = yield* ZmqSocket.make("PULL", { bind: "tcp://127.0.0.1:*" })
      const push = yield* ZmqSocket.make("PUSH", { connect: yield* pull.lastEndpoint, telemetry: { metrics: false } })
      yield* push.sendString("x")
      yield* pull.recvString()
      expect(yield* counterValue("messaging.client.sent.messages", {})).toBe(0)
      expect(yield* counterValue("messaging.client.consumed.messages", {})).toBe(0)
    })))

  it.live("request durations are recorded for a socket with metrics", () =>
    observed(recordingTracer(), Effect.gen(function*() {
      const rep = yield* ZmqSocket.make("REP", { bind: "tcp://127.0.0.1:*" })
      const req = yield* ZmqSocket.make("REQ", { connect: yield* rep.lastEndpoint, telemetry: { name: "client" } })
      yield* Effect.forkChild(ZmqSocket.serve(rep, (request) => Effect.succeed(request)))
      for (let i = 0; i < 3; i++) yield* ZmqSocket.request(req, encode(`r${i}`))
      expect(yield* histogramCount("zmq.request.duration", { "zmq.socket.name": "client" })).toBe(3)
    })))

  it.live("engine hooks: waits at the high-water mark and receive waits go to their counter and histogram", () =>
    observed(recordingTracer(), Effect.gen(function*() {
      const push = yield* ZmqSocket.make("PUSH", { telemetry: { name: "hwm" } })
      ZmqTelemetry.hooks.onSendWaited(push, 2.5)
      ZmqTelemetry.hooks.onSendWaited(push, 40)
      ZmqTelemetry.hooks.onRecvWaited(push, 1)
      expect(yield* counterValue("zmq.send.waits", { "zmq.socket.name": "hwm" })).toBe(2)
      expect(yield* histogramCount("zmq.send.wait.duration", { "zmq.socket.name": "hwm" })).toBe(2)
      expect(yield* counterValue("zmq.receive.waits", { "zmq.socket.name": "hwm" })).toBe(1)
      expect(yield* histogramCount("zmq.receive.wait.duration", { "zmq.socket.name": "hwm" })).toBe(1)
      // waitObserver: the function the engine calls when a wait ends
      ZmqTelemetry.hooks.waitObserver(push)!("recv", 3)
      expect(yield* counterValue("zmq.receive.waits", { "zmq.socket.name": "hwm" })).toBe(2)
      // a socket without telemetry (or without metrics): nothing, and no observer, so no clock read
      const plain = yield* ZmqSocket.make("PUSH")
      const quiet = yield* ZmqSocket.make("PUSH", { telemetry: { metrics: false } })
      ZmqTelemetry.hooks.onSendWaited(plain, 1)
      expect(ZmqTelemetry.hooks.waitObserver(plain)).toBeUndefined()
      expect(ZmqTelemetry.hooks.waitObserver(quiet)).toBeUndefined()
      expect(yield* counterValue("zmq.send.waits", {})).toBe(2)
    })))
})

describe("engine waits, wired", () => {
  it.live("a receive that waited and a send that waited at the high-water mark are counted by the engine", () =>
    observed(recordingTracer(), Effect.gen(function*() {
      const pull = yield* ZmqSocket.make("PULL", { bind: "tcp://127.0.0.1:*", telemetry: { name: "waiting-in" } })
      const push = yield* ZmqSocket.make("PUSH", { telemetry: { name: "waiting-out" }, SNDHWM: 1 })
      // a receive with nothing to read waits, then completes
      const receiver = yield* Effect.forkChild(pull.recvString())
      yield* eventually(() => pull.stats().receivers === 1)
      // a send with no peer waits until the peer connects
      const sender = yield* Effect.forkChild(push.sendString("hello"))
      yield* eventually(() => push.stats().senders === 1)
      yield* push.connect(yield* pull.lastEndpoint)
      expect(yield* Fiber.join(receiver)).toBe("hello")
      yield* Fiber.join(sender)
      expect(yield* counterValue("zmq.receive.waits", { "zmq.socket.name": "waiting-in" })).toBe(1)
      expect(yield* histogramCount("zmq.receive.wait.duration", { "zmq.socket.name": "waiting-in" })).toBe(1)
      expect(yield* counterValue("zmq.send.waits", { "zmq.socket.name": "waiting-out" })).toBe(1)
    })))

  it.live("setOption takes a Redacted secret on any socket", () =>
    Effect.gen(function*() {
      const keys = yield* ZmqContext.curveKeyPair
      const server = yield* ZmqSocket.make("REP")
      yield* server.setOption("CURVE_SERVER", true)
      yield* server.setOption("CURVE_SECRETKEY", Redacted.make(keys.secretKey))
      expect(yield* server.getOption("CURVE_SECRETKEY")).toBe(keys.secretKey)
    }).pipe(Effect.scoped, Effect.provide(NodeZmq.layer())))

  it.live("NodeZmq.layerConfig reads the context's options through Config", () =>
    Effect.gen(function*() {
      const context = yield* ZmqContext.ZmqContext
      expect(context.options.ioThreads).toBe(2)
      const pull = yield* ZmqSocket.make("PULL")
      expect(yield* pull.getOption("LINGER")).toBe(9)
    }).pipe(
      Effect.scoped,
      Effect.provide(NodeZmq.layerConfig),
      Effect.provide(ConfigProvider.layer(ConfigProvider.fromEnv({ env: { ZMQ_IO_THREADS: "2", ZMQ_DEFAULT_LINGER: "9" } })))
    ))
})

describe("monitor metrics", () => {
  it.live("connections, disconnections (monitor: true) and handshake failures (ZmqTelemetry.monitor)", () =>
    observed(recordingTracer(), Effect.gen(function*() {
      const router = yield* ZmqSocket.make("ROUTER", {
        bind: "tcp://127.0.0.1:*",
        telemetry: { monitor: true, name: "server" }
      })
      const endpoint = yield* router.lastEndpoint
      const events = yield* watchEvents(router)
      const dealer = yield* ZmqSocket.make("DEALER", { connect: endpoint, telemetry: { monitor: true, name: "client" } })
      yield* events.next("Accepted")
      yield* eventually(() =>
        Effect.map(counterValue("zmq.connections", { "zmq.socket.name": "server", "zmq.connection.direction": "accept" }), (n) => n === 1)
      )
      yield* eventually(() =>
        Effect.map(counterValue("zmq.connections", { "zmq.socket.name": "client", "zmq.connection.direction": "connect" }), (n) => n === 1)
      )
      yield* dealer.close
      yield* events.next("Disconnected")
      yield* eventually(() => Effect.map(counterValue("zmq.disconnections", { "zmq.socket.name": "server" }), (n) => n === 1))
    })))

  it.live("a PLAIN client with a wrong password: a handshake failure (auth) on its monitor, a ZAP denial", () =>
    Effect.gen(function*() {
      const pull = yield* ZmqSocket.make("PULL", { PLAIN_SERVER: true, bind: "tcp://127.0.0.1:*" })
      const endpoint = yield* pull.lastEndpoint
      const admin = yield* ZmqSocket.make("PUSH", {
        PLAIN_USERNAME: "admin",
        PLAIN_PASSWORD: Redacted.make("secret"),
        connect: endpoint
      })
      yield* admin.sendString("hello")
      expect(yield* pull.recvString()).toBe("hello")

      const intruder = yield* ZmqSocket.make("PUSH", { PLAIN_USERNAME: "admin", PLAIN_PASSWORD: "guess" })
      const events = yield* watchEvents(intruder)
      yield* Effect.forkScoped(ZmqTelemetry.monitor(intruder), { startImmediately: true })
      yield* intruder.connect(endpoint)
      yield* events.next("HandshakeFailed")
      yield* eventually(() =>
        Effect.map(counterValue("zmq.handshake.failures", {
          "zmq.socket.type": "PUSH",
          "zmq.handshake.failure.reason": "auth"
        }), (n) => n >= 1)
      )
      const plain = { "zmq.zap.mechanism": "PLAIN" }
      expect(yield* counterValue("zmq.zap.decisions", { ...plain, "zmq.zap.result": "allowed", "zmq.zap.status": "200" })).toBe(1)
      expect(yield* counterValue("zmq.zap.decisions", { ...plain, "zmq.zap.result": "denied", "zmq.zap.status": "400" }))
        .toBeGreaterThanOrEqual(1)
      const auth = yield* ZmqAuth.ZmqAuth
      expect((yield* auth.stats).accepted).toBe(1)
    }).pipe(
      Effect.scoped,
      Effect.provide(ZmqAuth.layer({ plain: { admin: Redacted.make("secret") } }).pipe(Layer.provideMerge(NodeZmq.layer()))),
      Effect.provideService(Metric.MetricRegistry, new Map()),
      Effect.timeout("30 seconds")
    ))
})

describe("Config and Redacted", () => {
  it.effect("ZmqConfig.contextOptions reads ZMQ_* variables; what is not set stays undefined", () =>
    Effect.gen(function*() {
      const provider = ConfigProvider.fromEnv({
        env: { ZMQ_IO_THREADS: "2", ZMQ_IPV6: "true", ZMQ_DEFAULT_LINGER: "0", ZMQ_MAX_SOCKETS: "512" }
      })
      const options = yield* ZmqConfig.contextOptions.parse(provider)
      expect(options).toEqual({
        ioThreads: 2,
        ipv6: true,
        defaultLinger: 0,
        maxSockets: 512,
        maxMessageSize: undefined,
        blocky: undefined,
        threadPriority: undefined,
        threadSchedulingPolicy: undefined
      })
      const bad = yield* Effect.flip(ZmqConfig.contextOptions.parse(ConfigProvider.fromEnv({ env: { ZMQ_IO_THREADS: "two" } })))
      expect(String(bad)).toContain("ZMQ_IO_THREADS")
    }))

  it.live("the lead's NodeZmq.layerConfig line: a context from ZmqConfig.contextOptions", () =>
    Effect.gen(function*() {
      const context = yield* ZmqContext.ZmqContext
      expect(context.options.ioThreads).toBe(2)
      expect(context.options.defaultLinger).toBe(7)
      const pull = yield* ZmqSocket.make("PULL")
      expect(yield* pull.getOption("LINGER")).toBe(7)
    }).pipe(
      Effect.scoped,
      Effect.provide(Layer.unwrap(Effect.map(ZmqConfig.contextOptions, NodeZmq.layer))),
      Effect.provide(ConfigProvider.layer(ConfigProvider.fromEnv({ env: { ZMQ_IO_THREADS: "2", ZMQ_DEFAULT_LINGER: "7" } })))
    ))

  it.live("ZmqAuth.layerConfig: PLAIN users from ZMQ_AUTH_PLAIN, passwords Redacted (never printed)", () =>
    Effect.gen(function*() {
      const auth = yield* ZmqAuth.ZmqAuth
      const config = yield* auth.config
      const password = config.plain?.["admin"]
      expect(Redacted.isRedacted(password)).toBe(true)
      expect(String(password)).not.toContain("s3cret")
      expect(JSON.stringify(config)).not.toContain("s3cret")
      expect(config.allow).toEqual(["127.0.0.1"])
      const pull = yield* ZmqSocket.make("PULL", { PLAIN_SERVER: true, bind: "tcp://127.0.0.1:*" })
      const push = yield* ZmqSocket.make("PUSH", {
        PLAIN_USERNAME: "admin",
        options: { PLAIN_PASSWORD: Redacted.make("s3cret") },
        connect: yield* pull.lastEndpoint
      })
      yield* push.sendString("configured")
      expect(yield* pull.recvString()).toBe("configured")
    }).pipe(
      Effect.scoped,
      Effect.provide(ZmqAuth.layerConfig().pipe(Layer.provideMerge(NodeZmq.layer()))),
      Effect.provide(ConfigProvider.layer(ConfigProvider.fromEnv({
        env: { ZMQ_AUTH_PLAIN: "admin=s3cret", ZMQ_AUTH_ALLOW: "127.0.0.1" }
      }))),
      Effect.timeout("30 seconds")
    ))

  it.live("CURVE_SECRETKEY as Redacted in make and in setOption (telemetry socket); ZmqTelemetry.layerConfig", () =>
    Effect.gen(function*() {
      const server = yield* ZmqContext.curveKeyPair
      const client = yield* ZmqContext.curveKeyPair
      const pull = yield* ZmqSocket.make("PULL", {
        CURVE_SERVER: true,
        CURVE_SECRETKEY: Redacted.make(server.secretKey),
        bind: "tcp://127.0.0.1:*"
      })
      const push = yield* ZmqSocket.make("PUSH", {
        CURVE_SERVERKEY: server.publicKey,
        CURVE_PUBLICKEY: client.publicKey
      })
      expect(ZmqTelemetry.optionsOf(push)).toMatchObject({ messageSpans: true })
      const secret: SocketOption.Input<"CURVE_SECRETKEY"> = Redacted.make(client.secretKey)
      yield* push.setOption("CURVE_SECRETKEY", secret)
      yield* push.connect(yield* pull.lastEndpoint)
      yield* push.sendString("over curve")
      expect(yield* pull.recvString()).toBe("over curve")
    }).pipe(
      Effect.scoped,
      Effect.provide(Layer.merge(NodeZmq.layer(), ZmqTelemetry.layerConfig())),
      Effect.provide(ConfigProvider.layer(ConfigProvider.fromEnv({ env: { ZMQ_TELEMETRY_MESSAGE_SPANS: "yes" } }))),
      Effect.timeout("30 seconds")
    ))
})
