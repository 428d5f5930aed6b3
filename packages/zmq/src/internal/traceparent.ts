import type * as Tracer from "effect/Tracer"
import * as EffectTracer from "effect/Tracer"

/**
 * The trace-context frame of the request/reply envelope (docs/observability.md, "On the wire"): the 4 bytes
 * `00 74 70 00` ("\0tp\0") followed by the 55 ASCII bytes of a W3C `traceparent` (version 00):
 * `00-<32 hex trace id>-<16 hex parent span id>-<2 hex flags>`. 59 bytes in all, always the first body frame.
 */
export const MAGIC = new Uint8Array([0x00, 0x74, 0x70, 0x00])
export const TRACEPARENT_LENGTH = 55
export const FRAME_LENGTH = MAGIC.length + TRACEPARENT_LENGTH

const HEX32 = /^[0-9a-f]{32}$/
const HEX16 = /^[0-9a-f]{16}$/
const HEX2 = /^[0-9a-f]{2}$/
const ZEROS32 = "0".repeat(32)
const ZEROS16 = "0".repeat(16)

/** A parsed `traceparent`. */
export interface TraceParent {
  readonly traceId: string
  readonly spanId: string
  readonly sampled: boolean
}

/** The W3C `traceparent` header of a span (ids as Effect's native tracer writes them: lower-case hex). */
export const format = (span: { readonly traceId: string; readonly spanId: string; readonly sampled: boolean }): string =>
  `00-${span.traceId}-${span.spanId}-${span.sampled ? "01" : "00"}`

/** Parses a `traceparent` header; `undefined` for anything that is not a valid version-00 header. */
export const parse = (header: string): TraceParent | undefined => {
  if (header.length !== TRACEPARENT_LENGTH) return undefined
  const [version, traceId, spanId, flags] = header.split("-")
  if (version !== "00" || traceId === undefined || spanId === undefined || flags === undefined) return undefined
  if (!HEX32.test(traceId) || !HEX16.test(spanId) || !HEX2.test(flags)) return undefined
  if (traceId === ZEROS32 || spanId === ZEROS16) return undefined
  return { traceId, spanId, sampled: (parseInt(flags, 16) & 1) === 1 }
}

/** Ids that can go on the wire: W3C wants 32 and 16 lower-case hex digits. */
const wireable = (span: Tracer.AnySpan): boolean => HEX32.test(span.traceId) && HEX16.test(span.spanId)

/** The envelope frame carrying `span` as the parent, or `undefined` when the span's ids are not W3C ids. */
export const encodeFrame = (span: Tracer.AnySpan): Uint8Array | undefined => {
  if (!wireable(span)) return undefined
  const header = format(span)
  const frame = new Uint8Array(FRAME_LENGTH)
  frame.set(MAGIC, 0)
  for (let i = 0; i < TRACEPARENT_LENGTH; i++) frame[MAGIC.length + i] = header.charCodeAt(i)
  return frame
}

/** Whether a frame is a trace-context frame (magic prefix, right length, valid `traceparent`). */
export const decodeFrame = (frame: Uint8Array | undefined): TraceParent | undefined => {
  if (frame === undefined || frame.byteLength !== FRAME_LENGTH) return undefined
  for (let i = 0; i < MAGIC.length; i++) if (frame[i] !== MAGIC[i]) return undefined
  let header = ""
  for (let i = MAGIC.length; i < FRAME_LENGTH; i++) header += String.fromCharCode(frame[i])
  return parse(header)
}

/** The remote parent a server span continues. */
export const toExternalSpan = (parent: TraceParent): Tracer.ExternalSpan =>
  EffectTracer.externalSpan({ traceId: parent.traceId, spanId: parent.spanId, sampled: parent.sampled })
