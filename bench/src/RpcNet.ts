// Effect's `Socket` and `SocketServer` over node:net, for the baseline of the RPC benchmark: Effect RPC's own socket
// protocol (`RpcClient.makeProtocolSocket`, `RpcServer.makeProtocolSocketServer`) on TCP. Written the way
// @effect/platform-node's NodeSocket is (a queue of 'data' chunks, writes resumed by the write callback), since that
// package is not a dependency here.
import * as net from "node:net"
import { Cause, Effect, Latch, Queue, Scope } from "effect"
import * as NetAddress from "effect/net/NetAddress"
import * as Socket from "effect/socket/Socket"
import * as SocketServer from "effect/socket/SocketServer"

const fromNet = (open: Effect.Effect<net.Socket, Socket.SocketError>): Effect.Effect<Socket.Socket> =>
  Effect.sync(() => {
    let current: net.Socket | undefined
    // writes made before the connection is up wait for it
    const connected = Latch.makeUnsafe(false)
    const reader: Socket.Socket["reader"] = Effect.gen(function*() {
      const scope = yield* Effect.scope
      const socket = yield* open
      current = socket
      connected.openUnsafe()
      const chunks = yield* Queue.unbounded<Uint8Array, Socket.SocketError>()
      socket.on("data", (chunk: Buffer) => void Queue.offerUnsafe(chunks, chunk))
      socket.on("error", (cause) =>
        Effect.runSync(Queue.fail(chunks, new Socket.SocketError({ reason: new Socket.SocketReadError({ cause }) }))))
      socket.on("close", () =>
        Effect.runSync(
          Queue.fail(chunks, new Socket.SocketError({ reason: new Socket.SocketCloseError({ code: 1000 }) }))
        ))
      yield* Scope.addFinalizer(
        scope,
        Effect.andThen(
          Queue.fail(chunks, new Socket.SocketError({ reason: new Socket.SocketCloseError({ code: 1000 }) })),
          Effect.sync(() => socket.destroy())
        )
      )
      return {
        pull: Queue.takeAll(chunks) as unknown as Effect.Effect<readonly [Uint8Array, ...Array<Uint8Array>], Socket.SocketError>,
        upgrade: () => Effect.fail(new Socket.SocketError({ reason: new Socket.SocketUpgradeError({ cause: "unsupported" }) }))
      }
    })
    const write = (chunk: Uint8Array | string | Socket.CloseEvent): Effect.Effect<void, Socket.SocketError> =>
      Effect.andThen(connected.await, Effect.callback<void, Socket.SocketError>((resume) => {
        const socket = current
        if (socket === undefined) return resume(Effect.void)
        if (Socket.isCloseEvent(chunk)) {
          socket.end()
          return resume(Effect.void)
        }
        socket.write(chunk, (error) =>
          resume(error ? Effect.fail(new Socket.SocketError({ reason: new Socket.SocketWriteError({ cause: error }) })) : Effect.void))
      }))
    return Socket.make({
      reader,
      writer: Effect.succeed({
        write,
        writeAll: (chunks) => Effect.forEach(chunks, write, { discard: true })
      })
    })
  })

/** A client `Socket` connecting to `port` on 127.0.0.1. */
export const connect = (port: number): Effect.Effect<Socket.Socket> =>
  fromNet(Effect.callback<net.Socket, Socket.SocketError>((resume) => {
    const socket = net.connect({ port, host: "127.0.0.1", noDelay: true })
    socket.once("connect", () => resume(Effect.succeed(socket)))
    socket.once("error", (cause) => resume(Effect.fail(new Socket.SocketError({ reason: new Socket.SocketOpenError({ kind: "Unknown", cause }) }))))
  }))

/** A `SocketServer` listening on a free port of 127.0.0.1 (scoped). */
export const listen: Effect.Effect<SocketServer.SocketServer["Service"] & { readonly port: number }, never, Scope.Scope> = Effect
  .gen(function*() {
    const accepted = yield* Queue.unbounded<net.Socket>()
    const server = net.createServer({ noDelay: true }, (socket) => void Queue.offerUnsafe(accepted, socket))
    yield* Effect.acquireRelease(
      Effect.callback<void>((resume) => void server.listen(0, "127.0.0.1", () => resume(Effect.void))),
      () => Effect.sync(() => server.close())
    )
    const port = (server.address() as net.AddressInfo).port
    return {
      port,
      address: NetAddress.inetAddressFromIpStringUnsafe("127.0.0.1", port),
      run: <R, E, _>(handler: (socket: Socket.Socket) => Effect.Effect<_, E, R>) =>
        Effect.forever(
          Effect.flatMap(Queue.take(accepted), (socket) =>
            Effect.flatMap(fromNet(Effect.succeed(socket)), (s) =>
              Effect.forkDetach(Effect.catchCause(handler(s), (cause) => Cause.hasInterruptsOnly(cause) ? Effect.void : Effect.logDebug(cause)))))
        ) as Effect.Effect<never, SocketServer.SocketServerError, R>
    }
  })
