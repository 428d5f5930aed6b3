// The effect-zmq demo, in one process over tcp loopback:
// 1. a ventilator/workers/sink pipeline (PUSH → 3 PULL/PUSH workers → PULL), the zguide's "divide and conquer";
// 2. a REQ/REP service answered by a REP server fiber, with a request that times out and leaves the socket usable.
// Every socket is a scoped resource; everything closes when the program ends, and the process exits 0.
import { Effect, Fiber } from "effect"
import { ZmqSocket } from "@effect-zmq/zmq"
import { NodeZmq } from "@effect-zmq/platform-node"

const TASKS = 100
const WORKERS = 3

const pipeline = Effect.gen(function*() {
  const sink = yield* ZmqSocket.make("PULL", { bind: "tcp://127.0.0.1:*" })
  const sinkEndpoint = yield* sink.lastEndpoint
  const ventilator = yield* ZmqSocket.make("PUSH", { bind: "tcp://127.0.0.1:*" })
  const ventilatorEndpoint = yield* ventilator.lastEndpoint

  const worker = (id: number) =>
    Effect.gen(function*() {
      const tasks = yield* ZmqSocket.make("PULL", { connect: ventilatorEndpoint })
      const results = yield* ZmqSocket.make("PUSH", { connect: sinkEndpoint })
      for (;;) {
        const n = Number(yield* tasks.recvString())
        yield* results.sendMultipart([new TextEncoder().encode(String(id)), new TextEncoder().encode(String(n * n))])
      }
    })
  const workers = yield* Effect.forEach(Array.from({ length: WORKERS }, (_, i) => i + 1), (id) => Effect.forkChild(worker(id)))

  const started = Date.now()
  yield* Effect.forkChild(Effect.forEach(Array.from({ length: TASKS }, (_, i) => i), (n) => ventilator.sendString(String(n)), { discard: true }))
  let sum = 0
  const perWorker = new Map<string, number>()
  for (let i = 0; i < TASKS; i++) {
    const [id, square] = (yield* sink.recvMultipart()).map((frame) => new TextDecoder().decode(frame))
    sum += Number(square)
    perWorker.set(id, (perWorker.get(id) ?? 0) + 1)
  }
  yield* Fiber.interruptAll(workers)
  const expected = Array.from({ length: TASKS }, (_, i) => i * i).reduce((a, b) => a + b, 0)
  yield* Effect.log(
    `pipeline: ${TASKS} tasks through ${WORKERS} workers in ${Date.now() - started} ms; sum of squares ${sum} ` +
      `(expected ${expected}); per worker ${JSON.stringify(Object.fromEntries(perWorker))}`
  )
  if (sum !== expected) return yield* Effect.die(new Error("the pipeline lost or duplicated a task"))
})

const requestReply = Effect.gen(function*() {
  const server = yield* ZmqSocket.make("REP", { bind: "tcp://127.0.0.1:*" })
  const endpoint = yield* server.lastEndpoint
  yield* Effect.forkChild(
    Effect.forever(Effect.gen(function*() {
      const request = yield* server.recvString()
      yield* server.sendString(request.toUpperCase())
    }))
  )
  const client = yield* ZmqSocket.make("REQ", { connect: endpoint })
  for (const word of ["green", "sockets", "for", "effect"]) {
    yield* client.sendString(word)
    yield* Effect.log(`req/rep: ${word} → ${yield* client.recvString()}`)
  }

  // A receive with nobody answering times out; the interrupted recv took nothing, and closing the socket early
  // fails nothing else.
  const lonely = yield* ZmqSocket.make("PULL", { bind: "tcp://127.0.0.1:*" })
  const timedOut = yield* lonely.recv().pipe(Effect.timeoutOption("50 millis"))
  yield* Effect.log(`a recv with no sender: ${timedOut._tag === "None" ? "timed out cleanly" : "unexpected message"}`)
})

const program = Effect.scoped(Effect.gen(function*() {
  yield* pipeline
  yield* requestReply
  yield* Effect.log("demo finished: every socket closes with its scope")
})).pipe(Effect.provide(NodeZmq.layer()))

NodeZmq.runMain(program)
