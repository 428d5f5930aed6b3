// Socket monitor events as a Stream: a ROUTER watches a DEALER connect, complete its handshake and disconnect; the
// stream ends when the ROUTER closes.
import { Effect, Fiber, Queue, Stream } from "effect"
import { ZmqSocket } from "@effect-zmq/zmq"
import { NodeZmq } from "@effect-zmq/platform-node"

const program = Effect.scoped(Effect.gen(function*() {
  const router = yield* ZmqSocket.make("ROUTER")
  const seen = yield* Queue.unbounded<ZmqSocket.SocketEvent>()
  // started at once, so the monitor is in place before the bind below
  const watching = yield* Effect.forkChild(
    ZmqSocket.events(router).pipe(
      Stream.tap((event) => Effect.log(`router event: ${event._tag}${"address" in event ? ` ${event.address}` : ""}`)),
      Stream.runForEach((event) => Queue.offer(seen, event))
    ),
    { startImmediately: true }
  )
  const waitFor = (tag: ZmqSocket.SocketEvent["_tag"]): Effect.Effect<void> =>
    Effect.flatMap(Queue.take(seen), (event) => event._tag === tag ? Effect.void : waitFor(tag))

  yield* router.bind("tcp://127.0.0.1:*")
  yield* waitFor("Listening")
  const dealer = yield* ZmqSocket.make("DEALER", { connect: yield* router.lastEndpoint })
  yield* waitFor("HandshakeSucceeded")
  yield* dealer.close
  yield* waitFor("Disconnected")
  yield* router.close
  yield* Fiber.join(watching)
  yield* Effect.log("the event stream ended with its socket")
})).pipe(Effect.provide(NodeZmq.layer()))

NodeZmq.runMain(program)
