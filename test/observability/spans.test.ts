/**
 * Observability (issue 11): the spans effect-zmq records, read from a recording tracer — their names, kinds,
 * OpenTelemetry messaging attributes and parent/child links, including across a client and a server with the
 * trace-context envelope on, and the envelope's wire format against a plain peer.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Schedule } from "effect"
import { Flags, ZmqProxy, ZmqSocket, ZmqTelemetry } from "@effect-zmq/zmq"
import { decode, encode, observed, parentId, recordingTracer } from "./util.ts"

const upper = (request: ReadonlyArray<Uint8Array>) => Effect.succeed(encode(decode(request[0]!).toUpperCase()))

describe("operation spans", () => {
  it.live("make is always in a span; without telemetry the socket is the engine's own object", () => {
    const recording = recordingTracer()
    return observed(recording, Effect.gen(function*() {
      const pull = yield* ZmqSocket.make("PULL", { bind: "tcp://127.0.0.1:*" })
      expect(ZmqTelemetry.optionsOf(pull)).toBeUndefined()
      const make = recording.one("ZmqSocket.make")
      expect(make.kind).toBe("internal")
      expect(make.status._tag).toBe("Ended")
      expect(make.attributes.get("messaging.system")).toBe("zeromq")
      expect(make.attributes.get("zmq.socket.type")).toBe("PULL")
      expect(make.attributes.get("zmq.bind")).toEqual(["tcp://127.0.0.1:*"])
      // no bind span: bind/connect spans need telemetry on (or the engine hooks)
      expect(recording.named("ZmqSocket.bind")).toEqual([])
    }))
  })

  it.live("with telemetry: bind and connect are children of make, with server.address/port of the real endpoint", () => {
    const recording = recordingTracer()
    return observed(recording, Effect.gen(function*() {
      const pull = yield* ZmqSocket.make("PULL", { bind: "tcp://127.0.0.1:*", telemetry: { name: "sink" } })
      const endpoint = yield* pull.lastEndpoint
      const port = Number(endpoint.slice(endpoint.lastIndexOf(":") + 1))
      const push = yield* ZmqSocket.make("PUSH", { connect: endpoint, telemetry: true })
      yield* push.close

      const [makePull, makePush] = recording.named("ZmqSocket.make")
      const bind = recording.one("ZmqSocket.bind")
      const connect = recording.one("ZmqSocket.connect")
      expect(parentId(bind)).toBe(makePull!.spanId)
      expect(parentId(connect)).toBe(makePush!.spanId)
      expect(makePull!.attributes.get("zmq.socket.name")).toBe("sink")
      expect(Object.fromEntries(bind.attributes)).toMatchObject({
        "messaging.system": "zeromq",
        "messaging.operation.name": "bind",
        "zmq.socket.type": "PULL",
        "zmq.socket.name": "sink",
        "network.transport": "tcp",
        "server.address": "127.0.0.1",
        "server.port": port,
        "zmq.endpoint": endpoint
      })
      expect(Object.fromEntries(connect.attributes)).toMatchObject({
        "zmq.socket.type": "PUSH",
        "server.address": "127.0.0.1",
        "server.port": port,
        "network.peer.address": "127.0.0.1",
        "network.peer.port": port
      })
      const close = recording.one("ZmqSocket.close")
      expect(close.status._tag).toBe("Ended")
      expect(push.closed).toBe(true)
    }))
  })

  it.live("a failed bind ends its span with the failure, and make fails and closes the socket", () => {
    const recording = recordingTracer()
    return observed(recording, Effect.gen(function*() {
      const error = yield* ZmqSocket.make("PULL", { bind: "nonsense://x", telemetry: true }).pipe(Effect.flip)
      expect(error.code).not.toBe("EAGAIN")
      const bind = recording.one("ZmqSocket.bind")
      expect(bind.status._tag === "Ended" && bind.status.exit._tag).toBe("Failure")
      const make = recording.one("ZmqSocket.make")
      expect(make.status._tag === "Ended" && make.status.exit._tag).toBe("Failure")
    }))
  })

  it.live("ZmqTelemetry.layer is the default for every socket; telemetry: false opts one out", () => {
    const recording = recordingTracer()
    return observed(recording, Effect.gen(function*() {
      const on = yield* ZmqSocket.make("PULL", { bind: "tcp://127.0.0.1:*" })
      const off = yield* ZmqSocket.make("PULL", { bind: "tcp://127.0.0.1:*", telemetry: false })
      const tuned = yield* ZmqSocket.make("PULL", { telemetry: { messageSpans: true } })
      expect(ZmqTelemetry.optionsOf(on)).toMatchObject({ propagation: true, messageSpans: false, metrics: true })
      expect(ZmqTelemetry.optionsOf(off)).toBeUndefined()
      expect(ZmqTelemetry.optionsOf(tuned)).toMatchObject({ propagation: true, messageSpans: true })
      expect(recording.named("ZmqSocket.bind").length).toBe(1)
    }), ZmqTelemetry.layer({ propagation: true }))
  })
})

describe("bad telemetry options", () => {
  it.live("fail with EINVAL naming the field, before the engine is asked for a socket", () => {
    const recording = recordingTracer()
    return observed(recording, Effect.gen(function*() {
      const bad: ReadonlyArray<unknown> = ["yes", 1, null, [], { metrics: "on" }, { name: 7 }, { attributes: { a: 1 } }]
      for (const telemetry of bad) {
        const error = yield* ZmqSocket.make("PULL", { telemetry } as unknown as ZmqSocket.MakeOptions).pipe(Effect.flip)
        expect(error.code).toBe("EINVAL")
        expect(error.message).toContain("telemetry")
      }
      // the checks run before the engine's make (and its span)
      expect(recording.named("ZmqSocket.make")).toEqual([])
    }))
  })
})

describe("message spans (opt-in)", () => {
  it.live("send and recv spans: producer and consumer, operation type, body size; none when off", () => {
    const recording = recordingTracer()
    return observed(recording, Effect.gen(function*() {
      const pull = yield* ZmqSocket.make("PULL", { bind: "tcp://127.0.0.1:*", telemetry: { messageSpans: true } })
      const push = yield* ZmqSocket.make("PUSH", { connect: yield* pull.lastEndpoint, telemetry: { messageSpans: true } })
      yield* push.send(encode("head"), { flags: Flags.SNDMORE })
      yield* push.send(encode("tail!"))
      yield* push.sendMultipart([encode("a"), encode("bc")])
      expect(decode(yield* pull.recv())).toBe("head")
      expect(decode(yield* pull.recv())).toBe("tail!")
      expect((yield* pull.recvMultipart()).map(decode)).toEqual(["a", "bc"])

      const sends = recording.named("ZmqSocket.send")
      expect(sends.map((span) => span.kind)).toEqual(["producer", "producer", "producer"])
      expect(sends.map((span) => span.attributes.get("messaging.message.body.size"))).toEqual([4, 5, 3])
      expect(sends[2]!.attributes.get("zmq.message.frames")).toBe(2)
      expect(sends[0]!.attributes.get("messaging.operation.type")).toBe("send")
      const recvs = recording.named("ZmqSocket.recv")
      expect(recvs.map((span) => span.kind)).toEqual(["consumer", "consumer", "consumer"])
      expect(recvs.map((span) => span.attributes.get("messaging.message.body.size"))).toEqual([4, 5, 3])
      expect(recvs[0]!.attributes.get("messaging.operation.type")).toBe("receive")
      expect(recvs[0]!.attributes.get("server.port")).toBeTypeOf("number")

      const plainPull = yield* ZmqSocket.make("PULL", { bind: "tcp://127.0.0.1:*", telemetry: true })
      const plainPush = yield* ZmqSocket.make("PUSH", { connect: yield* plainPull.lastEndpoint, telemetry: true })
      yield* plainPush.sendString("quiet")
      expect(yield* plainPull.recvString()).toBe("quiet")
      expect(recording.named("ZmqSocket.send").length).toBe(3)
      expect(recording.named("ZmqSocket.recv").length).toBe(3)
    }))
  })

  it.live("stream and sink: a span per chunk, with the batch size", () => {
    const recording = recordingTracer()
    return observed(recording, Effect.gen(function*() {
      const { Stream } = yield* Effect.promise(() => import("effect"))
      const pull = yield* ZmqSocket.make("PULL", { bind: "tcp://127.0.0.1:*", telemetry: { messageSpans: true } })
      const push = yield* ZmqSocket.make("PUSH", { connect: yield* pull.lastEndpoint, telemetry: { messageSpans: true } })
      yield* Stream.fromIterable([[encode("1")], [encode("22")], [encode("333")]]).pipe(
        Stream.rechunk(3),
        Stream.run(ZmqSocket.sink(push))
      )
      const received = yield* ZmqSocket.stream(pull).pipe(Stream.take(3), Stream.runCollect)
      expect(received.map((message) => decode(message[0]!))).toEqual(["1", "22", "333"])
      const sink = recording.one("ZmqSocket.sink.send")
      expect(sink.attributes.get("messaging.batch.message_count")).toBe(3)
      expect(sink.attributes.get("messaging.message.body.size")).toBe(6)
      const chunks = recording.named("ZmqSocket.stream.receive")
      expect(chunks.map((span) => span.attributes.get("messaging.batch.message_count"))).toEqual([1, 1, 1])
      const streamSpan = recording.one("ZmqSocket.stream")
      for (const chunk of chunks) expect(parentId(chunk)).toBe(streamSpan.spanId)
    }))
  })
})

describe("request/reply spans and trace propagation", () => {
  it.live("with propagation on both sides, the server span continues the client's trace (REQ → ROUTER)", () => {
    const recording = recordingTracer()
    return observed(recording, Effect.gen(function*() {
      const router = yield* ZmqSocket.make("ROUTER", { bind: "tcp://127.0.0.1:*", telemetry: { propagation: true } })
      const req = yield* ZmqSocket.make("REQ", { connect: yield* router.lastEndpoint, telemetry: { propagation: true } })
      const seen: Array<ReadonlyArray<string>> = []
      yield* Effect.forkChild(ZmqSocket.serve(router, (request) => {
        seen.push(request.map(decode))
        return upper(request).pipe(Effect.withSpan("handler"))
      }))
      const reply = yield* ZmqSocket.request(req, encode("hello")).pipe(Effect.withSpan("caller"))
      expect(decode(reply[0]!)).toBe("HELLO")
      // the handler saw the body only: the trace frame was taken off
      expect(seen).toEqual([["hello"]])

      const caller = recording.one("caller")
      const client = recording.one("ZmqSocket.request")
      const server = recording.one("ZmqSocket.serve")
      const handler = recording.one("handler")
      expect(client.kind).toBe("client")
      expect(server.kind).toBe("server")
      expect(parentId(client)).toBe(caller.spanId)
      expect(server.traceId).toBe(client.traceId)
      expect(parentId(server)).toBe(client.spanId)
      expect(parentId(handler)).toBe(server.spanId)
      expect(handler.traceId).toBe(client.traceId)
      expect(client.attributes.get("messaging.operation.type")).toBe("send")
      expect(server.attributes.get("messaging.operation.type")).toBe("process")
      expect(server.attributes.get("zmq.socket.type")).toBe("ROUTER")
      expect(client.attributes.get("server.address")).toBe("127.0.0.1")
    }))
  })

  it.live("DEALER → REP with propagation: the same parent/child link", () => {
    const recording = recordingTracer()
    return observed(recording, Effect.gen(function*() {
      const rep = yield* ZmqSocket.make("REP", { bind: "tcp://127.0.0.1:*" })
      const req = yield* ZmqSocket.make("REQ", { connect: yield* rep.lastEndpoint })
      yield* Effect.forkChild(ZmqSocket.serve(rep, upper))
      expect(decode((yield* ZmqSocket.request(req, encode("abc")))[0]!)).toBe("ABC")
      const client = recording.one("ZmqSocket.request")
      const server = recording.one("ZmqSocket.serve")
      expect(server.traceId).toBe(client.traceId)
      expect(parentId(server)).toBe(client.spanId)
    }), ZmqTelemetry.layer({ propagation: true }))
  })

  it.live("wire format: a plain peer sees one leading frame of \\0tp\\0 + the W3C traceparent of the request span", () => {
    const recording = recordingTracer()
    return observed(recording, Effect.gen(function*() {
      const rep = yield* ZmqSocket.make("REP", { bind: "tcp://127.0.0.1:*" })
      const req = yield* ZmqSocket.make("REQ", { connect: yield* rep.lastEndpoint, telemetry: { propagation: true } })
      const asking = yield* Effect.forkChild(ZmqSocket.request(req, [encode("body1"), encode("body2")]))
      const frames = yield* rep.recvMultipart()
      expect(frames.length).toBe(3)
      const trace = frames[0]!
      expect(trace.byteLength).toBe(59)
      expect(Array.from(trace.subarray(0, 4))).toEqual([0, 0x74, 0x70, 0])
      const client = recording.one("ZmqSocket.request")
      expect(decode(trace.subarray(4))).toBe(`00-${client.traceId}-${client.spanId}-01`)
      expect(ZmqTelemetry.decodeTraceFrame(trace)).toMatchObject({ traceId: client.traceId, spanId: client.spanId })
      expect(frames.slice(1).map(decode)).toEqual(["body1", "body2"])
      yield* rep.send(encode("ok"))
      expect((yield* Fiber.join(asking)).map(decode)).toEqual(["ok"])
    }))
  })

  it.live("interoperable when off: a plain client's request reaches a propagating server unchanged, as a new trace", () => {
    const recording = recordingTracer()
    return observed(recording, Effect.gen(function*() {
      const router = yield* ZmqSocket.make("ROUTER", { bind: "tcp://127.0.0.1:*", telemetry: { propagation: true } })
      const req = yield* ZmqSocket.make("REQ", { connect: yield* router.lastEndpoint })
      const seen: Array<ReadonlyArray<string>> = []
      yield* Effect.forkChild(ZmqSocket.serve(router, (request) => {
        seen.push(request.map(decode))
        return upper(request)
      }))
      // a plain request whose body merely looks like data: nothing taken off
      expect(decode((yield* ZmqSocket.request(req, [encode("x"), encode("y")]))[0]!)).toBe("X")
      expect(seen).toEqual([["x", "y"]])
      const client = recording.one("ZmqSocket.request")
      const server = recording.one("ZmqSocket.serve")
      expect(parentId(server)).not.toBe(client.spanId)
    }))
  })

  it.live("lazyPirate: a request span with one attempt span per try (the first one timed out)", () => {
    const recording = recordingTracer()
    return observed(recording, Effect.gen(function*() {
      const router = yield* ZmqSocket.make("ROUTER", { bind: "tcp://127.0.0.1:*" })
      const endpoint = yield* router.lastEndpoint
      // drops the first request, answers the rest
      yield* Effect.forkChild(Effect.gen(function*() {
        yield* router.recvMultipart()
        for (;;) {
          const [id, empty, ...body] = yield* router.recvMultipart()
          yield* router.sendMultipart([id!, empty!, ...body])
        }
      }))
      const client = yield* ZmqSocket.lazyPirate({
        connect: endpoint,
        timeout: "300 millis",
        schedule: Schedule.recurs(3),
        telemetry: { propagation: false }
      })
      expect(decode((yield* client.request(encode("ping")))[0]!)).toBe("ping")
      const request = recording.one("ZmqSocket.lazyPirate")
      const attempts = recording.named("ZmqSocket.lazyPirate.attempt")
      expect(attempts.map((span) => span.attributes.get("zmq.lazy_pirate.attempt"))).toEqual([1, 2])
      for (const attempt of attempts) expect(parentId(attempt)).toBe(request.spanId)
      expect(attempts[0]!.status._tag === "Ended" && attempts[0]!.status.exit._tag).toBe("Failure")
      expect(attempts[1]!.status._tag === "Ended" && attempts[1]!.status.exit._tag).toBe("Success")
      expect(request.attributes.get("zmq.lazy_pirate.attempts")).toBe(2)
      expect(request.kind).toBe("client")
      expect(attempts[1]!.attributes.get("server.port")).toBeTypeOf("number")
    }))
  })

  it.live("the proxy runs in a span that records how many messages went each way", () => {
    const recording = recordingTracer()
    return observed(recording, Effect.gen(function*() {
      const front = yield* ZmqSocket.make("PULL", { bind: "tcp://127.0.0.1:*" })
      const back = yield* ZmqSocket.make("PUSH", { bind: "tcp://127.0.0.1:*" })
      const producer = yield* ZmqSocket.make("PUSH", { connect: yield* front.lastEndpoint })
      const consumer = yield* ZmqSocket.make("PULL", { connect: yield* back.lastEndpoint })
      const proxy = yield* Effect.forkChild(ZmqProxy.run(front, back))
      yield* producer.sendString("one")
      yield* producer.sendString("two")
      expect(yield* consumer.recvString()).toBe("one")
      expect(yield* consumer.recvString()).toBe("two")
      yield* Fiber.interrupt(proxy)
      const span = recording.one("ZmqProxy.run")
      expect(span.status._tag).toBe("Ended")
      expect(Object.fromEntries(span.attributes)).toMatchObject({
        "messaging.system": "zeromq",
        "zmq.proxy.frontend.type": "PULL",
        "zmq.proxy.backend.type": "PUSH",
        "zmq.proxy.frontend_to_backend.messages": 2
      })
    }))
  })
})
