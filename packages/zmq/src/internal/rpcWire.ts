/**
 * The wire format of Effect RPC over ZeroMQ, shared by the client (DEALER) and the server (ROUTER) protocols.
 *
 * - client → server: one ZeroMQ message `[payload]` per encoded RPC message; the ROUTER sees
 *   `[routing id…, payload]` (one routing id from a direct DEALER, more through ROUTER/DEALER brokers);
 * - server → client: `[routing id…, payload]`, so the DEALER sees `[payload]`;
 * - server → client heartbeat (transport control, not an RPC message): `[routing id…, "", ids]` where `ids` is the
 *   UTF-8 JSON array of the request ids the server is still working on for that client. The DEALER sees two
 *   frames, the first empty, which no RPC message ever is.
 */
import * as Duration from "effect/Duration"
import { ZMQError } from "@effect-zmq/core/ZMQError"
import type * as RpcMessage from "effect/rpc/RpcMessage"

const textEncoder = new TextEncoder()
const textDecoder = new TextDecoder()

export const EMPTY = new Uint8Array(0)

const isRequestId = (u: unknown): u is string | number => typeof u === "string" || typeof u === "number"

/** An encoded RPC message as one frame. */
export const toBytes = (encoded: Uint8Array | string): Uint8Array =>
  typeof encoded === "string" ? textEncoder.encode(encoded) : encoded

export const encodeHeartbeat = (ids: Iterable<string | number>): Uint8Array =>
  textEncoder.encode(JSON.stringify(Array.from(ids)))

/** The request ids of a heartbeat frame (as the client made them), or `undefined` when it is not one. */
export const decodeHeartbeat = (frame: Uint8Array): ReadonlyArray<string | number> | undefined => {
  try {
    const ids: unknown = JSON.parse(textDecoder.decode(frame))
    return Array.isArray(ids) && ids.every(isRequestId) ? ids : undefined
  } catch {
    return undefined
  }
}

/** A map key for a routing envelope: each frame as hex, joined. */
export const envelopeKey = (frames: ReadonlyArray<Uint8Array>, count: number): string => {
  let key = ""
  for (let i = 0; i < count; i++) {
    if (i > 0) key += "."
    key += Buffer.from(frames[i]!.buffer, frames[i]!.byteOffset, frames[i]!.byteLength).toString("hex")
  }
  return key
}

const isHeaders = (u: unknown): boolean =>
  Array.isArray(u) &&
  u.every((pair) => Array.isArray(pair) && pair.length === 2 && typeof pair[0] === "string" && typeof pair[1] === "string")

/**
 * Whether a decoded value is a well-formed message from a client. The server checks this before anything reaches
 * `RpcServer`, so that a raw ZeroMQ peer sending `null`, a number or a half-formed request gets a defect back
 * instead of reaching code that assumes the envelope's shape.
 */
export const isFromClientEncoded = (u: unknown): u is RpcMessage.FromClientEncoded => {
  if (typeof u !== "object" || u === null) return false
  const message = u as Record<string, unknown>
  switch (message._tag) {
    case "Request":
      return isRequestId(message.id) && typeof message.tag === "string" && isHeaders(message.headers) &&
        (message.traceId === undefined || typeof message.traceId === "string") &&
        (message.spanId === undefined || typeof message.spanId === "string") &&
        (message.sampled === undefined || typeof message.sampled === "boolean")
    case "Ack":
    case "Interrupt":
      return isRequestId(message.requestId)
    case "Ping":
    case "Eof":
      return true
    default:
      return false
  }
}

export const invalid = (operation: string, message: string): ZMQError => ZMQError.make("EINVAL", operation, message)

/** A positive duration option in milliseconds, or an `EINVAL` error naming it. */
export const millisOption = (
  operation: string,
  name: string,
  input: Duration.Input | undefined,
  fallback: Duration.Input
): number | ZMQError => {
  const decoded = Duration.fromInput(input ?? fallback)
  if (decoded._tag === "None") return invalid(operation, `${name} must be a duration, got ${String(input)}`)
  const millis = Duration.toMillis(decoded.value)
  return Number.isFinite(millis) && millis > 0
    ? millis
    : invalid(operation, `${name} must be a positive, finite duration, got ${String(input)}`)
}

/** Endpoints given as one string or several, checked. */
export const endpointsOption = (
  operation: string,
  name: string,
  input: string | ReadonlyArray<string> | undefined
): ReadonlyArray<string> | ZMQError => {
  const endpoints = typeof input === "string" ? [input] : input
  if (!Array.isArray(endpoints) || endpoints.length === 0 || !endpoints.every((e) => typeof e === "string" && e.length > 0)) {
    return invalid(operation, `${name} must be an endpoint or a non-empty array of endpoints, got ${String(input)}`)
  }
  return endpoints
}
