// Streams and sinks: three PUSH producers feed three PULL sockets; one Stream.merge reads all of them at once, and a
// sink relays the merged stream to a final PULL. Each pull drains every ready message in one step.
import { Effect, Stream } from "effect"
import { ZmqSocket } from "@effect-zmq/zmq"
import { NodeZmq } from "@effect-zmq/platform-node"

const PER_SOURCE = 1000
const text = new TextEncoder()

const program = Effect.scoped(Effect.gen(function*() {
  const sources = yield* Effect.forEach(["red", "green", "blue"], (name) =>
    Effect.gen(function*() {
      const pull = yield* ZmqSocket.make("PULL", { bind: "tcp://127.0.0.1:*" })
      const push = yield* ZmqSocket.make("PUSH", { connect: yield* pull.lastEndpoint })
      return { name, pull, push }
    }))
  const sinkPull = yield* ZmqSocket.make("PULL", { bind: "tcp://127.0.0.1:*" })
  const sinkPush = yield* ZmqSocket.make("PUSH", { connect: yield* sinkPull.lastEndpoint })

  // producers: a Stream of messages run into each PUSH socket's Sink (backpressure at the HWM)
  yield* Effect.forEach(sources, ({ name, push }) =>
    Effect.forkChild(
      Stream.range(1, PER_SOURCE).pipe(
        Stream.map((n) => [text.encode(name), text.encode(String(n))]),
        Stream.run(ZmqSocket.sink(push))
      )
    ))

  // one consumer for three sockets: Stream.merge, relayed into another socket through a Sink
  let chunks = 0
  yield* Effect.forkChild(
    sources.map(({ pull }) => ZmqSocket.stream(pull)).reduce((merged, next) => Stream.merge(merged, next)).pipe(
      Stream.run(ZmqSocket.sink(sinkPush))
    )
  )
  const counts = new Map<string, number>()
  yield* ZmqSocket.stream(sinkPull).pipe(
    Stream.take(3 * PER_SOURCE),
    Stream.runForEachArray((chunk) =>
      Effect.sync(() => {
        chunks++
        for (const [name] of chunk) {
          const key = new TextDecoder().decode(name)
          counts.set(key, (counts.get(key) ?? 0) + 1)
        }
      })
    )
  )
  yield* Effect.log(
    `merged ${3 * PER_SOURCE} messages from ${sources.length} sockets in ${chunks} chunks: ` +
      JSON.stringify(Object.fromEntries(counts))
  )
  if ([...counts.values()].some((count) => count !== PER_SOURCE)) {
    return yield* Effect.die(new Error("a message was lost"))
  }
})).pipe(Effect.provide(NodeZmq.layer()))

NodeZmq.runMain(program)
