// Request/reply helpers: a ROUTER server with concurrent handlers (serve), several fibers sharing one REQ socket
// (request queues them instead of failing EFSM), and the zguide "lazy pirate" client against a server that drops
// its first request: the client gives up on the silent socket after a timeout, reopens it and retries.
import { Effect, Schedule } from "effect"
import { ZmqSocket } from "@effect-zmq/zmq"
import { NodeZmq } from "@effect-zmq/platform-node"

const text = new TextEncoder()
const read = new TextDecoder()

const program = Effect.scoped(Effect.gen(function*() {
  const server = yield* ZmqSocket.make("ROUTER", { bind: "tcp://127.0.0.1:*" })
  const endpoint = yield* server.lastEndpoint
  let dropped = false
  yield* Effect.forkChild(ZmqSocket.serve(server, (request) => {
    const body = read.decode(request[0])
    if (body === "flaky" && !dropped) {
      dropped = true
      return Effect.never // this request is never answered
    }
    return Effect.succeed(text.encode(body.toUpperCase())).pipe(Effect.delay("5 millis"))
  }, { concurrency: 8 }))

  const shared = yield* ZmqSocket.make("REQ", { connect: endpoint })
  const answers = yield* Effect.forEach(
    ["one", "two", "three", "four"],
    (word) => Effect.map(ZmqSocket.request(shared, text.encode(word)), (reply) => read.decode(reply[0])),
    { concurrency: "unbounded" }
  )
  yield* Effect.log(`four fibers, one REQ socket: ${answers.join(" ")}`)

  const client = yield* ZmqSocket.lazyPirate({ connect: endpoint, timeout: "200 millis", schedule: Schedule.recurs(3) })
  const reply = yield* client.request(text.encode("flaky"))
  yield* Effect.log(`lazy pirate got "${read.decode(reply[0])}" after reopening its socket ${yield* client.reopened} time(s)`)
})).pipe(Effect.provide(NodeZmq.layer()))

NodeZmq.runMain(program)
