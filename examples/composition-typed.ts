// Typed messages with Schema (JSON frames), a bad message surfacing as a typed error that carries its raw frames,
// and timeouts: Effect.timeout first, RCVTIMEO when the socket itself should carry the limit.
import { Effect, Schema, Stream } from "effect"
import { ZmqSocket } from "@effect-zmq/zmq"
import { NodeZmq } from "@effect-zmq/platform-node"

const Order = Schema.Struct({ id: Schema.Number, item: Schema.String, quantity: Schema.Int })

const program = Effect.scoped(Effect.gen(function*() {
  const pull = yield* ZmqSocket.make("PULL", { bind: "tcp://127.0.0.1:*" })
  const push = yield* ZmqSocket.make("PUSH", { connect: yield* pull.lastEndpoint })
  const outgoing = ZmqSocket.schema(push, Order)
  const incoming = ZmqSocket.schema(pull, Order)

  yield* outgoing.send({ id: 1, item: "tea", quantity: 2 })
  yield* outgoing.send({ id: 2, item: "cake", quantity: 1 })
  yield* ZmqSocket.sendJson(push, { id: 3, item: "soup", quantity: "lots" }) // not an Order
  yield* outgoing.send({ id: 4, item: "bread", quantity: 3 })

  const orders = yield* incoming.stream({ chunkSize: 1 }).pipe(
    Stream.take(2),
    Stream.runCollect
  )
  yield* Effect.log(`typed stream: ${orders.map((order) => `#${order.id} ${order.quantity}x ${order.item}`).join(", ")}`)
  const bad = yield* incoming.recv.pipe(Effect.flip)
  if (bad._tag === "ZmqDecodeError") {
    yield* Effect.log(`a bad message is a typed error with its frames: ${new TextDecoder().decode(bad.frames[0])}`)
  }
  const next = yield* incoming.recv
  yield* Effect.log(`and the next message is fine: #${next.id} ${next.item}`)

  const timedOut = yield* incoming.recv.pipe(Effect.timeoutOption("30 millis"))
  yield* Effect.log(`Effect.timeout on a quiet socket: ${timedOut._tag === "None" ? "timed out, nothing taken" : "?"}`)
  yield* pull.setOption("RCVTIMEO", 30)
  const error = yield* incoming.recv.pipe(Effect.flip)
  yield* Effect.log(`RCVTIMEO 30 on a quiet socket: ${error._tag === "ZMQError" ? error.code : error._tag}`)
})).pipe(Effect.provide(NodeZmq.layer()))

NodeZmq.runMain(program)
