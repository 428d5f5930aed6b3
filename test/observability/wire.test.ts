/** The trace-context frame and the endpoint attributes, as pure functions (docs/observability.md, "On the wire"). */
import { describe, expect, it } from "@effect/vitest"
import { Tracer } from "effect"
import { ZmqTelemetry } from "@effect-zmq/zmq"

const traceId = "4bf92f3577b34da6a3ce929d0e0e4736"
const spanId = "00f067aa0ba902b7"

describe("trace-context frame", () => {
  it("encodes \\0tp\\0 + traceparent and decodes it back", () => {
    const frame = ZmqTelemetry.encodeTraceFrame(Tracer.externalSpan({ traceId, spanId, sampled: false }))!
    expect(frame.byteLength).toBe(59)
    expect(new TextDecoder().decode(frame.subarray(4))).toBe(`00-${traceId}-${spanId}-00`)
    expect(ZmqTelemetry.decodeTraceFrame(frame)).toMatchObject({ _tag: "ExternalSpan", traceId, spanId, sampled: false })
  })

  it("refuses what is not a valid frame: no magic, wrong length, bad hex, all-zero ids, other versions", () => {
    const text = (s: string) => new TextEncoder().encode(s)
    const frame = (header: string) => new Uint8Array([...ZmqTelemetry.TRACE_FRAME_MAGIC, ...text(header)])
    expect(ZmqTelemetry.decodeTraceFrame(text(`0000-${traceId}-${spanId}-01`))).toBeUndefined()
    expect(ZmqTelemetry.decodeTraceFrame(frame(`00-${traceId}-${spanId}-0`))).toBeUndefined()
    expect(ZmqTelemetry.decodeTraceFrame(frame(`00-${traceId.toUpperCase()}-${spanId}-01`))).toBeUndefined()
    expect(ZmqTelemetry.decodeTraceFrame(frame(`00-${"0".repeat(32)}-${spanId}-01`))).toBeUndefined()
    expect(ZmqTelemetry.decodeTraceFrame(frame(`01-${traceId}-${spanId}-01`))).toBeUndefined()
    expect(ZmqTelemetry.decodeTraceFrame(frame(`00-${traceId}-${spanId}-01`))).toMatchObject({ sampled: true })
  })

  it("a span whose ids are not W3C ids gets no frame", () => {
    expect(ZmqTelemetry.encodeTraceFrame(Tracer.externalSpan({ traceId: "trace-1", spanId: "span-1" }))).toBeUndefined()
  })
})

describe("endpoint attributes", () => {
  it("tcp, ipv6, source;destination, ipc and inproc", () => {
    expect(ZmqTelemetry.endpointAttributes("tcp://10.0.0.1:5555", "connect")).toEqual({
      "zmq.endpoint": "tcp://10.0.0.1:5555",
      "network.transport": "tcp",
      "server.address": "10.0.0.1",
      "server.port": 5555,
      "network.peer.address": "10.0.0.1",
      "network.peer.port": 5555
    })
    expect(ZmqTelemetry.endpointAttributes("tcp://[::1]:80", "bind")).toMatchObject({ "server.address": "::1", "server.port": 80 })
    expect(ZmqTelemetry.endpointAttributes("tcp://*:*", "bind")).toMatchObject({ "server.address": "*" })
    expect(ZmqTelemetry.endpointAttributes("tcp://eth0;192.168.1.9:7000", "connect")).toMatchObject({
      "server.address": "192.168.1.9",
      "server.port": 7000
    })
    expect(ZmqTelemetry.endpointAttributes("ipc:///tmp/feed", "bind")).toEqual({
      "zmq.endpoint": "ipc:///tmp/feed",
      "network.transport": "unix",
      "server.address": "/tmp/feed"
    })
    expect(ZmqTelemetry.endpointAttributes("inproc://jobs", "connect")).toMatchObject({
      "network.transport": "inproc",
      "server.address": "jobs",
      "network.peer.address": "jobs"
    })
  })
})
