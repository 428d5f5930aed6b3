import { NodeZmq } from "@effect-zmq/platform-node"
import type { ZmqSocket } from "@effect-zmq/zmq"
import { Effect, Layer, Metric, Option, Queue, Stream, Tracer } from "effect"
import * as Zmq from "@effect-zmq/zmq"

/** A tracer that keeps every span it makes, in order of creation. */
export const recordingTracer = () => {
  const spans: Array<Tracer.NativeSpan> = []
  const tracer = Tracer.make({
    span(options) {
      const span = new Tracer.NativeSpan(options)
      spans.push(span)
      return span
    }
  })
  const named = (name: string) => spans.filter((span) => span.name === name)
  const one = (name: string) => {
    const found = named(name)
    if (found.length !== 1) throw new Error(`expected one span ${name}, got ${found.length}: ${spans.map((s) => s.name).join(", ")}`)
    return found[0]!
  }
  return { spans, tracer, named, one }
}

export type Recording = ReturnType<typeof recordingTracer>

/** The parent span id of a span, if it has a parent. */
export const parentId = (span: Tracer.Span): string | undefined => Option.getOrUndefined(span.parent)?.spanId

/**
 * Runs a test program with its own context, a recording tracer and a fresh metric registry (so metric values are
 * the test's own), closing every socket at the end.
 */
export const observed = <A, E>(
  recording: Recording,
  self: Effect.Effect<A, E, Zmq.ZmqContext.ZmqContext | import("effect/Scope").Scope>,
  layer: Layer.Layer<never> = Layer.empty
) =>
  self.pipe(
    Effect.scoped,
    Effect.provide(Layer.merge(NodeZmq.layer(), layer)),
    Effect.provideService(Tracer.Tracer, recording.tracer),
    Effect.provideService(Metric.MetricRegistry, new Map()),
    Effect.timeout("30 seconds")
  )

/** The value of a counter series in the current registry, found by metric id and (a subset of) its attributes. */
export const counterValue = (id: string, attributes: Record<string, string>) =>
  Effect.map(Metric.snapshot, (snapshots) => {
    let total = 0
    for (const snapshot of snapshots) {
      if (snapshot.id !== id || snapshot.type !== "Counter") continue
      const own = snapshot.attributes ?? {}
      if (Object.entries(attributes).every(([key, value]) => own[key] === value)) total += Number(snapshot.state.count)
    }
    return total
  })

/** The count of observations of a histogram series, found as {@link counterValue} finds a counter. */
export const histogramCount = (id: string, attributes: Record<string, string>) =>
  Effect.map(Metric.snapshot, (snapshots) => {
    let total = 0
    for (const snapshot of snapshots) {
      if (snapshot.id !== id || snapshot.type !== "Histogram") continue
      const own = snapshot.attributes ?? {}
      if (Object.entries(attributes).every(([key, value]) => own[key] === value)) total += snapshot.state.count
    }
    return total
  })

/** Lets other fibers run (one scheduler turn at a time) until `condition` holds. */
export const eventually = (condition: () => boolean | Effect.Effect<boolean>, turns = 10_000) =>
  Effect.gen(function*() {
    for (let i = 0; i < turns; i++) {
      const value = condition()
      if (typeof value === "boolean" ? value : yield* value) return
      yield* Effect.yieldNow
    }
    return yield* Effect.die(new Error("condition never held"))
  })

/** Watches a socket's monitor events from now on; `next(tag)` waits for the next event of that tag. */
export const watchEvents = (socket: ZmqSocket.ZmqSocket) =>
  Effect.gen(function*() {
    const events = yield* Queue.unbounded<ZmqSocket.SocketEvent>()
    yield* Effect.forkScoped(Zmq.ZmqSocket.events(socket).pipe(Stream.runForEach((event) => Queue.offer(events, event))), {
      startImmediately: true
    })
    return {
      next: <T extends ZmqSocket.SocketEvent["_tag"]>(tag: T) =>
        Effect.gen(function*() {
          for (;;) {
            const event = yield* Queue.take(events)
            if (event._tag === tag) return event as Extract<ZmqSocket.SocketEvent, { _tag: T }>
          }
        }).pipe(Effect.timeoutOrElse({ duration: "10 seconds", orElse: () => Effect.die(new Error(`no ${tag} event`)) }))
    }
  })

export const encode = (text: string) => new TextEncoder().encode(text)
export const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes)
