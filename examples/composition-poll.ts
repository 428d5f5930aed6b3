// zguide "mspoller" with ZmqSocket.poll: one fiber serves a task PULL socket and a weather SUB socket, waiting on
// both at once without consuming anything until it knows which is ready; a poll with timeout 0 answers at once.
import { Effect } from "effect"
import { Events, ZmqSocket } from "@effect-zmq/zmq"
import { NodeZmq } from "@effect-zmq/platform-node"

const read = new TextDecoder()

const program = Effect.scoped(Effect.gen(function*() {
  const tasks = yield* ZmqSocket.make("PULL", { bind: "tcp://127.0.0.1:*" })
  const ventilator = yield* ZmqSocket.make("PUSH", { connect: yield* tasks.lastEndpoint })
  const publisher = yield* ZmqSocket.make("PUB", { bind: "tcp://127.0.0.1:*" })
  const weather = yield* ZmqSocket.make("SUB", { connect: yield* publisher.lastEndpoint })
  yield* weather.subscribe("10001 ")

  const idle = yield* ZmqSocket.poll([{ socket: tasks, events: Events.POLLIN }], { timeout: 0 })
  yield* Effect.log(`poll(0) before any traffic: ${idle.length} socket(s) ready`)

  // the publisher keeps publishing until the subscription has taken (PUB drops while nobody subscribes)
  yield* Effect.forkChild(Effect.forever(Effect.andThen(publisher.sendString("10001 21C"), Effect.sleep("5 millis"))))
  yield* Effect.forkChild(Effect.forEach([1, 2, 3], (n) => ventilator.sendString(`task ${n}`), { discard: true }))

  let taskCount = 0
  let updates = 0
  while (taskCount < 3 || updates < 3) {
    const ready = yield* ZmqSocket.poll([
      { socket: tasks, events: Events.POLLIN },
      { socket: weather, events: Events.POLLIN }
    ], { timeout: "5 seconds" })
    if (ready.length === 0) return yield* Effect.die(new Error("nothing arrived within 5 seconds"))
    for (const { socket } of ready) {
      const message = read.decode(yield* socket.recv())
      if (socket === tasks) taskCount++
      else updates++
      yield* Effect.log(`${socket === tasks ? "task socket" : "weather socket"} ready: ${message}`)
    }
  }
  const timedOut = yield* ZmqSocket.poll([{ socket: tasks, events: Events.POLLIN }], { timeout: "20 millis" })
  yield* Effect.log(`a poll with nothing to read times out with ${timedOut.length} ready; done`)
})).pipe(Effect.provide(NodeZmq.layer()))

NodeZmq.runMain(program)
