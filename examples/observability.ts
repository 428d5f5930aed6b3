// Observability (docs/observability.md): a request/reply service with tracing and metrics on. A ROUTER serves
// upper-casing requests; a REQ client asks three times inside a "checkout" span. With `propagation` on, each request
// carries the W3C trace context in a leading frame, so the server's spans continue the client's trace. The example
// records the spans with a small in-memory tracer (use `effect/observability`'s `OtlpTracer` in real life),
// then prints them as a tree (parent/child across client and server) and prints the metric values.
import { Effect, Layer, Metric, Option, Tracer } from "effect"
import { ZmqSocket, ZmqTelemetry } from "@effect-zmq/zmq"
import { NodeZmq } from "@effect-zmq/platform-node"

const text = new TextEncoder()
const read = new TextDecoder()

// an in-memory tracer: keeps every span it starts
const spans: Array<Tracer.NativeSpan> = []
const tracer = Tracer.make({
  span(options) {
    const span = new Tracer.NativeSpan(options)
    spans.push(span)
    return span
  }
})

const program = Effect.scoped(Effect.gen(function*() {
  const server = yield* ZmqSocket.make("ROUTER", { bind: "tcp://127.0.0.1:*", telemetry: { name: "orders-server" } })
  const endpoint = yield* server.lastEndpoint
  yield* Effect.forkChild(ZmqSocket.serve(server, (request) =>
    // the handler's own work shows as a child of the server span
    Effect.succeed(text.encode(read.decode(request[0]).toUpperCase())).pipe(Effect.withSpan("orders.lookup")), { concurrency: 4 }))

  const client = yield* ZmqSocket.make("REQ", { connect: endpoint, telemetry: { name: "orders-client" } })
  const replies = yield* Effect.forEach(
    ["tea", "milk", "bread"],
    (item) => Effect.map(ZmqSocket.request(client, text.encode(item)), (reply) => read.decode(reply[0])),
    { concurrency: 1 }
  ).pipe(Effect.withSpan("checkout"))
  yield* Effect.log(`replies: ${replies.join(", ")}`)
  yield* client.close
}))

// print the spans as a tree: children under their parent, across the client and the server
const printSpans = () => {
  const byParent = new Map<string | undefined, Array<Tracer.NativeSpan>>()
  const ids = new Set(spans.map((span) => span.spanId))
  for (const span of spans) {
    const parent = Option.getOrUndefined(span.parent)?.spanId
    const key = parent !== undefined && ids.has(parent) ? parent : undefined
    byParent.set(key, [...(byParent.get(key) ?? []), span])
  }
  const show = (span: Tracer.NativeSpan, depth: number) => {
    const millis = span.status._tag === "Ended" ? Number(span.status.endTime - span.status.startTime) / 1e6 : NaN
    const attributes = ["zmq.socket.name", "messaging.operation.type", "server.port"]
      .filter((key) => span.attributes.has(key))
      .map((key) => `${key}=${String(span.attributes.get(key))}`)
      .join(" ")
    console.log(
      `${"  ".repeat(depth)}${span.name} [${span.kind}] trace=${span.traceId.slice(0, 8)} span=${span.spanId.slice(0, 8)}` +
        ` ${millis.toFixed(2)} ms ${attributes}`
    )
    for (const child of byParent.get(span.spanId) ?? []) show(child, depth + 1)
  }
  console.log("spans:")
  for (const root of byParent.get(undefined) ?? []) show(root, 1)
}

const printMetrics = Effect.gen(function*() {
  console.log("metrics:")
  for (const snapshot of yield* Metric.snapshot) {
    if (!snapshot.id.startsWith("zmq.") && !snapshot.id.startsWith("messaging.")) continue
    const name = snapshot.attributes?.["zmq.socket.name"] ?? ""
    const value = snapshot.type === "Counter"
      ? String(snapshot.state.count)
      : snapshot.type === "Histogram"
      ? `count=${snapshot.state.count} sum=${snapshot.state.sum.toFixed(3)} max=${snapshot.state.max.toFixed(3)}`
      : JSON.stringify(snapshot.state)
    console.log(`  ${snapshot.id}{${name}} ${value}`)
  }
})

const main = Effect.gen(function*() {
  yield* program
  printSpans()
  // the server span of each request is a child of the client's request span, in the same trace
  const requests = spans.filter((span) => span.name === "ZmqSocket.request")
  const served = spans.filter((span) => span.name === "ZmqSocket.serve")
  const linked = served.filter((span) =>
    requests.some((request) => Option.getOrUndefined(span.parent)?.spanId === request.spanId && span.traceId === request.traceId)
  )
  console.log(`server spans continuing a client span: ${linked.length} of ${served.length}`)
  yield* printMetrics
  if (requests.length !== 3 || linked.length !== 3) return yield* Effect.die(new Error("trace propagation did not link the spans"))
}).pipe(
  Effect.provide(Layer.merge(NodeZmq.layer(), ZmqTelemetry.layer({ propagation: true }))),
  Effect.provideService(Tracer.Tracer, tracer)
)

NodeZmq.runMain(main)
