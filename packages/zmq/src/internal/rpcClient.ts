import type { ZMQError } from "@effect-zmq/core/ZMQError"
import { isZMQError } from "@effect-zmq/core/ZMQError"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Queue from "effect/Queue"
import * as Schema from "effect/Schema"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as Socket from "effect/socket/Socket"
import * as RpcClient from "effect/rpc/RpcClient"
import { RpcClientDefect, RpcClientError } from "effect/rpc/RpcClientError"
import * as RpcMessage from "effect/rpc/RpcMessage"
import * as RpcSerialization from "effect/rpc/RpcSerialization"
import type { ClientOptions } from "../ZmqRpc.ts"
import { ZmqContext } from "../ZmqContext.ts"
import * as ZmqSocket from "../ZmqSocket.ts"
import * as wire from "./rpcWire.ts"

/** One server endpoint: a DEALER connected to it, replaced by a new one when the server falls silent. */
interface Connection {
  readonly endpoint: string
  socket: ZmqSocket.ZmqSocket | undefined
  scope: Scope.Closeable | undefined
  parser: RpcSerialization.Parser
  /** When the last frame (any message, heartbeat or pong) arrived from this connection. */
  lastFrame: number
  /** A ping went out and nothing arrived since. */
  awaiting: boolean
  /**
   * Whether the DEALER has a server: true after a handshake (monitor event) or any message, false after a
   * `Disconnected` event or a ping timeout, undefined while not known. Calls go to connections that are not false.
   */
  connected: boolean | undefined
}

/** A call in flight: which `RpcClient` made it, on which connection, and when the server last showed it alive. */
interface Pending {
  /** The id as the `RpcClient` made it (a number by default); the maps here key it as a string. */
  readonly requestId: string | number
  readonly clientId: number
  readonly connection: Connection
  lastSeen: number
  /**
   * A stream's responses, in order, delivered by a fiber of their own: the `RpcClient` takes a chunk only when its
   * consumer has room, and a consumer that stops pulling must not stop the connection's receive loop (and with it
   * every other call, and the pongs).
   */
  mailbox: Queue.Queue<RpcMessage.FromServerEncoded> | undefined
}

/** Chunks a stream may have waiting for its consumer before the receive loop waits too (only without acks). */
const MAILBOX_SIZE = 64

const NOBLOCK = 1

export const makeProtocolClient: (
  options: ClientOptions
) => Effect.Effect<
  RpcClient.Protocol["Service"],
  ZMQError,
  ZmqContext | RpcSerialization.RpcSerialization | Scope.Scope
> = Effect.fnUntraced(function*(options: ClientOptions) {
  const operation = "ZmqRpc.makeProtocolClient"
  if (typeof options !== "object" || options === null) {
    return yield* wire.invalid(operation, `options must be an object, got ${String(options)}`)
  }
  const { acks, connect, options: socketOptions, pingInterval, pingTimeout, ...topLevel } = options
  const endpoints = wire.endpointsOption(operation, "connect", connect)
  if (isZMQError(endpoints)) return yield* endpoints
  const intervalMillis = wire.millisOption(operation, "pingInterval", pingInterval, "1 second")
  if (isZMQError(intervalMillis)) return yield* intervalMillis
  const timeoutMillis = wire.millisOption(operation, "pingTimeout", pingTimeout, "5 seconds")
  if (isZMQError(timeoutMillis)) return yield* timeoutMillis

  const serialization = yield* RpcSerialization.RpcSerialization
  const scope = yield* Effect.scope
  const context = yield* ZmqContext
  const encoder = serialization.makeUnsafe()
  const encodedPing = wire.toBytes(encoder.encode(RpcMessage.constPing)!)
  const makeOptions: ZmqSocket.MakeOptions = {
    LINGER: 0,
    IMMEDIATE: true,
    SNDHWM: 100_000,
    RCVHWM: 100_000,
    ...topLevel,
    ...(socketOptions === undefined ? {} : { options: socketOptions })
  }

  return yield* RpcClient.Protocol.make(Effect.fnUntraced(function*(writeResponse) {
    const requests = new Map<string, Pending>()

    /** Makes the connection's DEALER in a scope of its own, so that it can be thrown away on its own. */
    const open = Effect.fnUntraced(function*(connection: Connection) {
      const socketScope = yield* Scope.fork(scope)
      const socket = yield* ZmqSocket.make("DEALER", { ...makeOptions, connect: connection.endpoint }).pipe(
        Scope.provide(socketScope),
        Effect.provideService(ZmqContext, context),
        Effect.onError(() => Scope.close(socketScope, Exit.void))
      )
      connection.socket = socket
      connection.scope = socketScope
      connection.parser = serialization.makeUnsafe()
      connection.lastFrame = Date.now()
      connection.awaiting = false
      yield* ZmqSocket.stream(socket, { chunkSize: 64 }).pipe(
        Stream.runForEachArray((messages) => {
          let i = 0
          return Effect.whileLoop({
            while: () => i < messages.length,
            body: () => onFrames(connection, messages[i++]!),
            step: () => {}
          })
        }),
        Effect.catchCause((cause) => Effect.logDebug("ZmqRpc client receive loop ended", cause)),
        Effect.forkIn(socketScope)
      )
      // which connections have a server, to send calls to those
      yield* ZmqSocket.events(socket).pipe(
        Stream.runForEach((event) =>
          Effect.sync(() => {
            if (connection.socket !== socket) return
            if (event._tag === "HandshakeSucceeded") {
              // a new connection is a sign of life: its server gets a whole ping timeout to answer
              connection.connected = true
              connection.lastFrame = Date.now()
            }
            else if (event._tag === "Disconnected") connection.connected = false
          })
        ),
        Effect.ignore,
        Effect.forkIn(socketScope, { startImmediately: true })
      )
    })

    const connections: Array<Connection> = []
    for (const endpoint of endpoints) {
      const connection: Connection = {
        endpoint,
        socket: undefined,
        scope: undefined,
        parser: serialization.makeUnsafe(),
        lastFrame: Date.now(),
        awaiting: false,
        connected: undefined
      }
      // the first socket is made here, so that bad options or endpoints fail the layer with their ZMQError
      yield* open(connection)
      connections.push(connection)
    }

    /** Forgets a call: what its stream still had waiting for its consumer is dropped. */
    const forget = (id: string, pending: Pending) => {
      requests.delete(id)
      if (pending.mailbox !== undefined) Queue.shutdownUnsafe(pending.mailbox)
    }

    /** The `RpcClient`s that have calls on `connection`, whose calls are forgotten here. */
    const takeClients = (connection: Connection): Set<number> => {
      const clients = new Set<number>()
      for (const [id, pending] of requests) {
        if (pending.connection === connection) {
          clients.add(pending.clientId)
          forget(id, pending)
        }
      }
      return clients
    }

    /** Hands a response of a call to its `RpcClient`: a stream's through its mailbox, so in order. */
    const deliver = (pending: Pending, response: RpcMessage.FromServerEncoded): Effect.Effect<void> => {
      if (pending.mailbox !== undefined) return Effect.asVoid(Queue.offer(pending.mailbox, response))
      if (response._tag !== "Chunk") return writeResponse(pending.clientId, response)
      return Effect.flatMap(Queue.bounded<RpcMessage.FromServerEncoded>(MAILBOX_SIZE), (mailbox) => {
        pending.mailbox = mailbox
        const drain: Effect.Effect<void> = Effect.flatMap(Queue.take(mailbox), (next) =>
          next._tag === "Exit"
            ? writeResponse(pending.clientId, next)
            : Effect.andThen(writeResponse(pending.clientId, next), drain))
        return Effect.andThen(
          Effect.forkIn(Effect.ignore(drain), scope),
          Queue.offer(mailbox, response)
        )
      })
    }

    const writeRaw = (connection: Connection, frame: Uint8Array, flags?: number): Effect.Effect<void, ZMQError> =>
      Effect.suspend(() => {
        const socket = connection.socket
        return socket === undefined
          ? Effect.fail(wire.invalid(operation, `no socket for ${connection.endpoint}`))
          : socket.send(frame, flags === undefined ? undefined : { flags })
      })

    const writeError = (cause: unknown) => new RpcClientError({ reason: new Socket.SocketWriteError({ cause }) })

    const encode = (message: RpcMessage.FromClientEncoded): Effect.Effect<Uint8Array | undefined, RpcClientError> =>
      Effect.suspend(() => {
        try {
          const encoded = encoder.encode(message)
          return Effect.succeed(encoded === undefined ? undefined : wire.toBytes(encoded))
        } catch (cause) {
          return Effect.fail(new RpcClientError({ reason: new RpcClientDefect({ message: "Error encoding message", cause }) }))
        }
      })

    /** Fails one call as a defect carrying `error`: Effect RPC can fail a single call only with its own schemas. */
    const encodeDie = Schema.encodeUnknownSync(serialization.codecFor(Schema.Defect()))
    const failOne = (pending: Pending, message: string) =>
      deliver(
        pending,
        RpcMessage.ResponseExitDieEncoded({
          requestId: RpcMessage.RequestId(pending.requestId),
          encodedDefect: encodeDie(new RpcClientError({ reason: new RpcClientDefect({ message, cause: undefined }) }))
        })
      )

    /**
     * Fails the calls on `connection`. An `RpcClient` whose calls are all on it gets a typed `RpcClientError`
     * (Effect RPC's `ClientProtocolError`, which ends every call of that client); one that also has calls on other
     * connections, which must go on, gets a defect carrying the error for each call on this one.
     */
    const failConnection = (connection: Connection, reason: string, error: RpcClientError) =>
      Effect.suspend(() => {
        const failed = new Map<number, Array<Pending>>()
        for (const [id, pending] of requests) {
          if (pending.connection !== connection) continue
          requests.delete(id)
          const list = failed.get(pending.clientId)
          if (list === undefined) failed.set(pending.clientId, [pending])
          else list.push(pending)
        }
        const elsewhere = new Set<number>()
        for (const pending of requests.values()) elsewhere.add(pending.clientId)
        return Effect.forEach(failed, ([clientId, calls]) =>
          elsewhere.has(clientId)
            ? Effect.forEach(calls, (pending) => failOne(pending, reason), { discard: true })
            : Effect.suspend(() => {
              for (const pending of calls) if (pending.mailbox !== undefined) Queue.shutdownUnsafe(pending.mailbox)
              return writeResponse(clientId, { _tag: "ClientProtocolError", error })
            }), { discard: true })
      }).pipe(Effect.uninterruptible)

    /**
     * Asks the server to stop a call this side no longer knows (a stale stream, a misrouted interrupt), at most once
     * per ping interval for each call: a server streaming without acks must not get an interrupt per chunk.
     */
    const interrupted = new Map<string, number>()
    const interruptUnknown = (connection: Connection, requestId: string | number) =>
      Effect.suspend(() => {
        const now = Date.now()
        const key = String(requestId)
        const last = interrupted.get(key)
        if (last !== undefined && now - last < intervalMillis) return Effect.void
        interrupted.set(key, now)
        if (interrupted.size > 10_000) {
          for (const [id, at] of interrupted) if (now - at >= intervalMillis) interrupted.delete(id)
        }
        return encode({ _tag: "Interrupt", requestId }).pipe(
          Effect.flatMap((frame) => frame === undefined ? Effect.void : writeRaw(connection, frame, NOBLOCK)),
          Effect.ignore
        )
      })

    const onHeartbeat = (connection: Connection, frame: Uint8Array): Effect.Effect<void> => {
      const ids = wire.decodeHeartbeat(frame)
      if (ids === undefined) return Effect.void
      const now = Date.now()
      const unknown: Array<string | number> = []
      for (const id of ids) {
        const pending = requests.get(String(id))
        if (pending === undefined) unknown.push(id)
        else pending.lastSeen = now
      }
      return unknown.length === 0
        ? Effect.void
        : Effect.forEach(unknown, (id) => interruptUnknown(connection, id), { discard: true })
    }

    const onFrames = (connection: Connection, frames: ReadonlyArray<Uint8Array>): Effect.Effect<void> => {
      connection.lastFrame = Date.now()
      connection.awaiting = false
      connection.connected = true
      if (frames.length === 2 && frames[0]!.byteLength === 0) return onHeartbeat(connection, frames[1]!)
      if (frames.length !== 1) return Effect.void
      let responses: ReadonlyArray<RpcMessage.FromServerEncoded>
      try {
        responses = connection.parser.decode(frames[0]!) as ReadonlyArray<RpcMessage.FromServerEncoded>
      } catch (cause) {
        connection.parser = serialization.makeUnsafe()
        return failConnection(
          connection,
          "Error decoding message",
          new RpcClientError({ reason: new RpcClientDefect({ message: "Error decoding message", cause }) })
        )
      }
      let i = 0
      return Effect.whileLoop({
        while: () => i < responses.length,
        body: () => onResponse(connection, responses[i++]!),
        step: () => {}
      })
    }

    const onResponse = (connection: Connection, response: RpcMessage.FromServerEncoded): Effect.Effect<void> => {
      if (typeof response !== "object" || response === null || response._tag === "Pong") return Effect.void
      if (Object.hasOwn(response, "requestId")) {
        const requestId = (response as { readonly requestId: string | number }).requestId
        const pending = requests.get(String(requestId))
        if (pending === undefined) {
          return response._tag === "Chunk" ? interruptUnknown(connection, requestId) : Effect.void
        }
        pending.lastSeen = Date.now()
        if (response._tag === "Exit") requests.delete(String(requestId))
        return deliver(pending, response)
      }
      if (response._tag === "Defect") {
        // a defect ends every call of the clients on this connection
        return Effect.forEach(takeClients(connection), (clientId) => writeResponse(clientId, response), {
          discard: true
        }).pipe(Effect.uninterruptible)
      }
      return Effect.void
    }

    // liveness: a ping per connection each interval; silence for longer than the timeout replaces the socket
    const tick = (connection: Connection): Effect.Effect<void> =>
      Effect.suspend(() => {
        const now = Date.now()
        if (connection.awaiting && now - connection.lastFrame > timeoutMillis) {
          return reconnect(connection, `no message from ${connection.endpoint} for ${timeoutMillis} ms`)
        }
        connection.awaiting = true
        // calls the server no longer names in its heartbeats, although it is alive: a restarted server, or a
        // worker behind a broker that died. Only these calls fail.
        const orphans: Array<[string, Pending]> = []
        for (const entry of requests) {
          const pending = entry[1]
          if (
            pending.connection === connection && connection.lastFrame > pending.lastSeen &&
            now - pending.lastSeen > timeoutMillis
          ) orphans.push(entry)
        }
        for (const [id] of orphans) requests.delete(id)
        return Effect.andThen(
          Effect.ignore(writeRaw(connection, encodedPing, NOBLOCK)),
          Effect.forEach(orphans, ([, pending]) =>
            failOne(
              pending,
              `the server at ${connection.endpoint} no longer knows this call (not in its heartbeats for ${timeoutMillis} ms)`
            ), { discard: true })
        )
      })

    const reconnect = Effect.fnUntraced(function*(connection: Connection, reason: string) {
      connection.connected = false
      const old = connection.scope
      connection.socket = undefined
      connection.scope = undefined
      yield* failConnection(
        connection,
        reason,
        new RpcClientError({ reason: new Socket.SocketReadError({ cause: new Error(reason) }) })
      )
      if (old !== undefined) yield* Scope.close(old, Exit.void)
      // a new socket: whatever the old one still queued for a dead server is dropped with it
      yield* open(connection).pipe(
        Effect.catch((error) => Effect.logWarning(`ZmqRpc client could not reopen ${connection.endpoint}`, error))
      )
      connection.lastFrame = Date.now()
      connection.awaiting = false
    })

    for (const connection of connections) {
      yield* tick(connection).pipe(
        Effect.delay(intervalMillis),
        Effect.forever,
        Effect.forkScoped
      )
    }

    let next = 0
    const choose = (): Connection => {
      for (let i = 0; i < connections.length; i++) {
        const connection = connections[(next + i) % connections.length]!
        if (connection.connected !== false) {
          next = (next + i + 1) % connections.length
          return connection
        }
      }
      return connections[next++ % connections.length]!
    }

    const write = (connection: Connection, message: RpcMessage.FromClientEncoded) =>
      Effect.flatMap(encode(message), (frame) =>
        frame === undefined ? Effect.void : Effect.mapError(writeRaw(connection, frame), writeError))

    return {
      send: (clientId: number, request: RpcMessage.FromClientEncoded): Effect.Effect<void, RpcClientError> => {
        switch (request._tag) {
          case "Request": {
            const connection = choose()
            // a notification gets no reply: nothing to track
            if (request.isNotification === true) return write(connection, request)
            const id = String(request.id)
            requests.set(id, { requestId: request.id, clientId, connection, lastSeen: Date.now(), mailbox: undefined })
            return Effect.onError(write(connection, request), () => Effect.sync(() => requests.delete(id)))
          }
          case "Ack": {
            const pending = requests.get(String(request.requestId))
            return pending === undefined ? Effect.void : write(pending.connection, request)
          }
          case "Interrupt": {
            const pending = requests.get(String(request.requestId))
            if (pending === undefined) return Effect.void
            forget(String(request.requestId), pending)
            // sent from the protocol's scope: an interrupted caller must not wait for a busy or absent server
            return Effect.asVoid(Effect.forkIn(Effect.ignore(write(pending.connection, request)), scope))
          }
          default:
            return Effect.forEach(connections, (connection) => Effect.ignore(write(connection, request)), {
              discard: true
            })
        }
      },
      supportsAck: acks ?? true,
      supportsTransferables: false,
      codecFor: serialization.codecFor
    }
  }))
})
