// The README's example, kept here so that CI runs it.
import { Effect } from "effect"
import { ZmqSocket } from "@effect-zmq/zmq"
import { NodeZmq } from "@effect-zmq/platform-node"

const program = Effect.gen(function*() {
  const rep = yield* ZmqSocket.make("REP", { bind: "tcp://127.0.0.1:*" })
  const req = yield* ZmqSocket.make("REQ", { connect: yield* rep.lastEndpoint })
  yield* Effect.forkChild(Effect.forever(rep.recv().pipe(Effect.flatMap((m) => rep.send(m)))))
  yield* req.sendString("hello")
  return yield* req.recvString().pipe(Effect.timeout("1 second"))
}).pipe(
  Effect.scoped,                    // sockets close when their scope closes
  Effect.provide(NodeZmq.layer()),  // the context; releasing it closes every socket made from it
  Effect.catchTag("ZMQError", (e) => Effect.succeed(`failed: ${e.code}: ${e.message}`))
)

NodeZmq.runMain(program.pipe(Effect.tap(Effect.log)))
