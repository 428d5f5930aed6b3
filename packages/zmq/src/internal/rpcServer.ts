import type { ZMQError } from "@effect-zmq/core/ZMQError"
import { isZMQError } from "@effect-zmq/core/ZMQError"
import * as Effect from "effect/Effect"
import * as Queue from "effect/Queue"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type * as RpcMessage from "effect/rpc/RpcMessage"
import * as RpcSerialization from "effect/rpc/RpcSerialization"
import * as RpcServer from "effect/rpc/RpcServer"
import type { ServerOptions } from "../ZmqRpc.ts"
import type { ZmqContext } from "../ZmqContext.ts"
import * as ZmqSocket from "../ZmqSocket.ts"
import * as wire from "./rpcWire.ts"

interface Client {
  readonly id: number
  readonly key: string
  readonly envelope: ReadonlyArray<Uint8Array>
  parser: RpcSerialization.Parser
  lastSeen: number
  /** Requests this server is working on for the client: the ids its heartbeats name. */
  readonly inflight: Map<string, string | number>
}

export const makeProtocolServer = (
  options: ServerOptions
): Effect.Effect<RpcServer.Protocol["Service"], ZMQError, ZmqContext | RpcSerialization.RpcSerialization | Scope.Scope> =>
  Effect.map(makeProtocolServerWithEndpoints(options), (bound) => bound.protocol)

export const makeProtocolServerWithEndpoints: (
  options: ServerOptions
) => Effect.Effect<
  { readonly protocol: RpcServer.Protocol["Service"]; readonly endpoints: ReadonlyArray<string> },
  ZMQError,
  ZmqContext | RpcSerialization.RpcSerialization | Scope.Scope
> = Effect.fnUntraced(function*(options: ServerOptions) {
  const operation = "ZmqRpc.makeProtocolServer"
  if (typeof options !== "object" || options === null) {
    return yield* wire.invalid(operation, `options must be an object, got ${String(options)}`)
  }
  const { acks, bind, clientTimeout, connect, heartbeatInterval, options: socketOptions, ...topLevel } = options
  const endpoints = bind === undefined && connect !== undefined ? [] : wire.endpointsOption(operation, "bind", bind)
  if (isZMQError(endpoints)) return yield* endpoints
  const connects = connect === undefined ? [] : wire.endpointsOption(operation, "connect", connect)
  if (isZMQError(connects)) return yield* connects
  const heartbeatMillis = wire.millisOption(operation, "heartbeatInterval", heartbeatInterval, "1 second")
  if (isZMQError(heartbeatMillis)) return yield* heartbeatMillis
  const timeoutMillis = wire.millisOption(operation, "clientTimeout", clientTimeout, "10 seconds")
  if (isZMQError(timeoutMillis)) return yield* timeoutMillis

  const serialization = yield* RpcSerialization.RpcSerialization
  const encodeDefect = Schema.encodeUnknownSync(serialization.codecFor(Schema.Defect()))
  const router = yield* ZmqSocket.make("ROUTER", {
    LINGER: 0,
    ROUTER_MANDATORY: true,
    ROUTER_HANDOVER: true,
    SNDHWM: 100_000,
    RCVHWM: 100_000,
    ...topLevel,
    ...(socketOptions === undefined ? {} : { options: socketOptions })
  })
  // bound one by one, so that each endpoint's real address (a `*` port filled in) can be reported
  const bound: Array<string> = []
  for (const endpoint of endpoints) {
    yield* router.bind(endpoint)
    bound.push(yield* router.lastEndpoint)
  }
  for (const endpoint of connects) yield* router.connect(endpoint)
  const disconnects = yield* Queue.unbounded<number>()
  const byKey = new Map<string, Client>()
  const byId = new Map<number, Client>()
  const clientIds = new Set<number>()
  let nextId = 0

  const drop = (client: Client) =>
    Effect.suspend(() => {
      if (byId.get(client.id) !== client) return Effect.void
      byId.delete(client.id)
      byKey.delete(client.key)
      clientIds.delete(client.id)
      client.inflight.clear()
      return Queue.offer(disconnects, client.id)
    })

  const clientOf = (frames: ReadonlyArray<Uint8Array>): Client => {
    const count = frames.length - 1
    const key = wire.envelopeKey(frames, count)
    let client = byKey.get(key)
    if (client === undefined) {
      client = {
        id: nextId++,
        key,
        envelope: frames.slice(0, count),
        parser: serialization.makeUnsafe(),
        lastSeen: Date.now(),
        inflight: new Map()
      }
      byKey.set(key, client)
      byId.set(client.id, client)
      clientIds.add(client.id)
    }
    return client
  }

  /** Sends one frame (after the client's envelope); a peer that is gone (EHOSTUNREACH) is a disconnect. */
  const sendFrames = (client: Client, frames: ReadonlyArray<Uint8Array>, flags?: number) =>
    router.sendMultipart([...client.envelope, ...frames], flags === undefined ? undefined : { flags }).pipe(
      Effect.catch((error: ZMQError) => error.code === "EHOSTUNREACH" ? drop(client) : Effect.void)
    )

  const sendDefect = (client: Client, defect: unknown) =>
    Effect.suspend(() => {
      let encoded: Uint8Array | string | undefined
      try {
        encoded = client.parser.encode({ _tag: "Defect", defect: encodeDefect(defect) })
      } catch {
        encoded = client.parser.encode({ _tag: "Defect", defect: encodeDefect(String(defect)) })
      }
      return encoded === undefined ? Effect.void : sendFrames(client, [wire.toBytes(encoded)])
    })

  const protocol = yield* RpcServer.Protocol.make(Effect.fnUntraced(function*(writeRequest) {
    const onMessage = (frames: ReadonlyArray<Uint8Array>): Effect.Effect<void> => {
      // a ROUTER always prepends at least one routing id; anything else is not ours to answer
      if (frames.length < 2) return Effect.void
      const client = clientOf(frames)
      client.lastSeen = Date.now()
      let decoded: ReadonlyArray<unknown>
      try {
        decoded = client.parser.decode(frames[frames.length - 1]!)
      } catch (cause) {
        // a framed parser may hold half a message: start again with the next one
        client.parser = serialization.makeUnsafe()
        return sendDefect(client, cause)
      }
      if (decoded.length === 0) return Effect.void
      let i = 0
      return Effect.whileLoop({
        while: () => i < decoded.length,
        body: () => {
          const message = decoded[i++]
          if (!wire.isFromClientEncoded(message)) {
            return sendDefect(client, `Malformed RPC message from a ZeroMQ peer: ${safeString(message)}`)
          }
          if (message._tag === "Request" && message.isNotification !== true) {
            client.inflight.set(String(message.id), message.id)
          } else if (message._tag === "Interrupt") {
            client.inflight.delete(String(message.requestId))
          }
          return writeRequest(client.id, message)
        },
        step: () => {}
      })
    }

    yield* ZmqSocket.stream(router, { chunkSize: 64 }).pipe(
      Stream.runForEachArray((messages) => {
        let i = 0
        return Effect.whileLoop({
          while: () => i < messages.length,
          body: () => onMessage(messages[i++]!),
          step: () => {}
        })
      }),
      Effect.catchCause((cause) => Effect.logError("ZmqRpc server receive loop failed", cause)),
      Effect.forkScoped
    )

    // heartbeats for requests in flight, and the idle timeout that tells a client went away
    const heartbeatFrames = (client: Client) => [wire.EMPTY, wire.encodeHeartbeat(client.inflight.values())]
    yield* Effect.suspend(() => {
      const now = Date.now()
      const clients = Array.from(byId.values())
      return Effect.forEach(clients, (client) =>
        now - client.lastSeen > timeoutMillis
          ? drop(client)
          : client.inflight.size > 0
          ? sendFrames(client, heartbeatFrames(client), 1 /* NOBLOCK: a full pipe skips a beat */)
          : Effect.void, { discard: true })
    }).pipe(
      Effect.delay(heartbeatMillis),
      Effect.forever,
      Effect.forkScoped
    )

    return {
      disconnects,
      send: (clientId: number, response: RpcMessage.FromServerEncoded) =>
        Effect.suspend(() => {
          const client = byId.get(clientId)
          if (client === undefined) return Effect.void
          if (response._tag === "Exit") client.inflight.delete(String(response.requestId))
          let encoded: Uint8Array | string | undefined
          try {
            encoded = client.parser.encode(response)
          } catch (cause) {
            return sendDefect(client, cause)
          }
          return encoded === undefined ? Effect.void : sendFrames(client, [wire.toBytes(encoded)])
        }),
      end: (_clientId: number) => Effect.void,
      clientIds: Effect.sync(() => clientIds),
      initialMessage: Effect.succeedNone,
      supportsAck: acks ?? true,
      supportsTransferables: false,
      supportsSpanPropagation: true,
      supportsNotifications: true,
      codecFor: serialization.codecFor
    }
  }))
  return { protocol, endpoints: bound }
})

const safeString = (u: unknown): string => {
  try {
    const text = JSON.stringify(u)
    return text === undefined ? String(u) : text.length > 200 ? `${text.slice(0, 200)}…` : text
  } catch {
    return String(u)
  }
}
