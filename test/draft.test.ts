// Draft socket types, where this zeromq.js build has them. They have no ZMQ_FD, so their waits back off on a timer.
import { describe, expect, it } from "@effect/vitest"
import { createSocket } from "node:dgram"
import { Effect, Fiber } from "effect"
import { Frame, ZmqContext, ZmqSocket } from "@effect-zmq/zmq"
import { decode, encode, zmqTest } from "./helpers.ts"

// udp:// cannot bind a wildcard port: ask the OS for a free one
const freeUdpPort = Effect.callback<number>((resume) => {
  const socket = createSocket("udp4")
  socket.bind(0, "127.0.0.1", () => {
    const { port } = socket.address()
    socket.close(() => resume(Effect.succeed(port)))
  })
})

describe.runIf(ZmqContext.capability.draft === true)("draft socket types", () => {
  it.live("CLIENT/SERVER: the server replies with the routing id of the request", () =>
    zmqTest(Effect.gen(function*() {
      const server = yield* ZmqSocket.make("SERVER", { bind: "tcp://127.0.0.1:*" })
      const client = yield* ZmqSocket.make("CLIENT", { connect: yield* server.lastEndpoint })
      yield* client.send(encode("ping"))
      const request = yield* server.recv({ copy: false })
      expect(decode(request.bytes)).toBe("ping")
      expect(typeof request.properties.routingId).toBe("number")
      yield* server.send(Frame.make(encode("pong"), { properties: request.properties }))
      expect(decode(yield* client.recv())).toBe("pong")
      // without a routing id the send is refused, typed
      expect((yield* Effect.flip(server.send(encode("lost")))).code).toBe("EINVAL")
    })))

  it.live("SCATTER/GATHER and RADIO/DISH", () =>
    zmqTest(Effect.gen(function*() {
      const gather = yield* ZmqSocket.make("GATHER", { bind: "tcp://127.0.0.1:*" })
      const scatter = yield* ZmqSocket.make("SCATTER", { connect: yield* gather.lastEndpoint })
      yield* scatter.send(encode("s"))
      expect(decode(yield* gather.recv())).toBe("s")

      const port = yield* freeUdpPort
      const dish = yield* ZmqSocket.make("DISH", { bind: `udp://127.0.0.1:${port}` })
      yield* dish.join("news")
      const radio = yield* ZmqSocket.make("RADIO", { connect: `udp://127.0.0.1:${port}` })
      // UDP has no handshake: send until one arrives
      const sender = yield* Effect.forkChild(
        radio.send(Frame.make(encode("hello"), { properties: { group: "news" } })).pipe(
          Effect.andThen(Effect.sleep("5 millis")),
          Effect.forever
        )
      )
      const got = yield* dish.recv({ copy: false })
      expect(decode(got.bytes)).toBe("hello")
      expect(decode(got.properties.group as Uint8Array)).toBe("news")
      yield* Fiber.interrupt(sender)
    })))
})
