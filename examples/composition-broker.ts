// A ROUTER/DEALER broker (zguide "rrbroker") as ZmqProxy.run, with a capture socket that sees every message, then
// the steerable form: pause (requests wait in the sockets), resume, terminate.
import { Effect, Option } from "effect"
import { ZmqProxy, ZmqSocket } from "@effect-zmq/zmq"
import { NodeZmq } from "@effect-zmq/platform-node"

const text = new TextEncoder()
const read = new TextDecoder()

const program = Effect.scoped(Effect.gen(function*() {
  const frontend = yield* ZmqSocket.make("ROUTER", { bind: "tcp://127.0.0.1:*" })
  const backend = yield* ZmqSocket.make("DEALER", { bind: "tcp://127.0.0.1:*" })
  const capture = yield* ZmqSocket.make("PUSH", { bind: "tcp://127.0.0.1:*" })
  const tap = yield* ZmqSocket.make("PULL", { connect: yield* capture.lastEndpoint })
  const frontendEndpoint = yield* frontend.lastEndpoint
  const backendEndpoint = yield* backend.lastEndpoint

  for (const name of ["w1", "w2"]) {
    const worker = yield* ZmqSocket.make("REP", { connect: backendEndpoint })
    yield* Effect.forkChild(
      ZmqSocket.serve(worker, (request) => Effect.succeed(text.encode(`${read.decode(request[0])} done by ${name}`)))
    )
  }
  const proxy = yield* ZmqProxy.steerable(frontend, backend, capture)

  const clients = yield* Effect.forEach(["alice", "bob", "carol"], () => ZmqSocket.make("REQ", { connect: frontendEndpoint }))
  const replies = yield* Effect.forEach(
    clients,
    (client, i) => ZmqSocket.request(client, text.encode(`job ${i}`)),
    { concurrency: "unbounded" }
  )
  for (const reply of replies) yield* Effect.log(`reply: ${read.decode(reply[0])}`)
  let captured = 0
  while (captured < 2 * clients.length) {
    yield* tap.recvMultipart()
    captured++
  }
  yield* Effect.log(`capture saw ${captured} messages (every request and every reply)`)

  yield* proxy.pause
  const paused = yield* ZmqSocket.request(clients[0], text.encode("job while paused")).pipe(
    Effect.timeoutOption("100 millis")
  )
  yield* Effect.log(`while paused: ${Option.isNone(paused) ? "no reply (the request waits in the frontend)" : "a reply?!"}`)
  yield* proxy.resume
  // the paused request was sent: its reply now arrives on the same REQ
  const late = yield* clients[0].recvMultipart()
  yield* Effect.log(`after resume: ${read.decode(late[0])}`)
  yield* Effect.log(`forwarded ${JSON.stringify(yield* proxy.stats)}`)
  yield* proxy.terminate
  yield* proxy.await
  yield* Effect.log("proxy terminated")
})).pipe(Effect.provide(NodeZmq.layer()))

NodeZmq.runMain(program)
