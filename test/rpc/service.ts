/**
 * The service every RPC test (and fixture) uses: a unary call, a typed failure, a defect, a finite and an endless
 * stream, a call that never ends, and a call that reports the span it ran in. `Probe` tells a test when a handler
 * started and when it was interrupted, without sleeping.
 */
import { Context, Effect, Layer, Schema, Stream } from "effect"
import { Rpc, RpcGroup } from "effect/rpc"

export class Boom extends Schema.TaggedError<Boom>()("Boom", { reason: Schema.String }) {}

export class Service extends RpcGroup.make(
  Rpc.make("Echo", { payload: { text: Schema.String }, success: Schema.String }),
  Rpc.make("Fail", { payload: { reason: Schema.String }, error: Boom }),
  Rpc.make("Die", { payload: { message: Schema.String } }),
  Rpc.make("Count", { payload: { from: Schema.Number, to: Schema.Number }, success: Schema.Number, stream: true }),
  Rpc.make("Forever", { payload: { tag: Schema.String }, success: Schema.Number, stream: true }),
  Rpc.make("Hang", { payload: { tag: Schema.String } }),
  Rpc.make("Pid", { success: Schema.Number }),
  Rpc.make("Ticks", { success: Schema.Number, stream: true }),
  Rpc.make("Produced", { success: Schema.Number }),
  Rpc.make("Echoes", { success: Schema.Number }),
  Rpc.make("Span", {
    success: Schema.Struct({ traceId: Schema.String, parentSpanId: Schema.optional(Schema.String) })
  })
) {}

/** Tells a test that the handler of the call tagged `tag` started, or was interrupted. */
export class Probe extends Context.Service<Probe, {
  readonly started: (tag: string) => Effect.Effect<void>
  readonly interrupted: (tag: string) => Effect.Effect<void>
}>()("test/rpc/Probe") {}

export const ProbeNoop = Layer.succeed(Probe)({ started: () => Effect.void, interrupted: () => Effect.void })

export const ServiceLive = Service.toLayer(Effect.gen(function*() {
  const probe = yield* Probe
  // how many elements the Ticks streams have produced, to see backpressure at work
  let produced = 0
  // how many Echo calls this server ran, to see that every call ran exactly once
  let echoes = 0
  return {
    Echo: ({ text }) => Effect.sync(() => (echoes++, text)),
    Echoes: () => Effect.sync(() => echoes),
    Fail: ({ reason }) => Effect.fail(new Boom({ reason })),
    Die: ({ message }) => Effect.die(new Error(message)),
    Count: ({ from, to }) => Stream.range(from, to),
    Forever: ({ tag }) =>
      Stream.iterate(0, (n) => n + 1).pipe(
        Stream.onStart(probe.started(tag)),
        Stream.ensuring(probe.interrupted(tag))
      ),
    Hang: ({ tag }) => Effect.andThen(probe.started(tag), Effect.never).pipe(Effect.onInterrupt(() => probe.interrupted(tag))),
    Pid: () => Effect.sync(() => process.pid),
    Ticks: () => Stream.fromEffect(Effect.sync(() => ++produced)).pipe(Stream.forever),
    Produced: () => Effect.sync(() => produced),
    Span: () =>
      Effect.map(Effect.currentSpan, (span) => ({
        traceId: span.traceId,
        ...(span.parent._tag === "Some" ? { parentSpanId: span.parent.value.spanId } : {})
      })).pipe(Effect.orDie)
  }
}))
