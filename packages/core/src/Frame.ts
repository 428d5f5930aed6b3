/**
 * One frame of a ZeroMQ message, as `recv({ copy: false })` returns it (pyzmq's `zmq.Frame`).
 *
 * @since 0.1.0
 */
import * as Predicate from "effect/Predicate"

const TypeId = "~@effect-zmq/core/Frame" as const

/**
 * A frame: its bytes, whether more frames of the same message follow, and the per-message properties ZeroMQ
 * attached to it (e.g. `routingId` for SERVER sockets, `group` for DISH sockets), where the binding reports them.
 *
 * @example
 * ```ts
 * import { Frame } from "@effect-zmq/core"
 *
 * const frame: Frame.Frame = Frame.make(new Uint8Array([1, 2, 3]))
 * frame.more // false
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface Frame {
  readonly [TypeId]: typeof TypeId
  readonly bytes: Uint8Array
  readonly more: boolean
  readonly properties: Readonly<Record<string, unknown>>
}

const FrameProto = {
  [TypeId]: TypeId,
  toJSON(this: Frame) {
    return { _id: "Frame", bytes: Array.from(this.bytes), more: this.more, properties: this.properties }
  }
}

/**
 * Makes a frame.
 *
 * @example
 * ```ts
 * import { Frame } from "@effect-zmq/core"
 *
 * const first = Frame.make(new TextEncoder().encode("hello"), { more: true })
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  bytes: Uint8Array,
  options?: { readonly more?: boolean | undefined; readonly properties?: Readonly<Record<string, unknown>> | undefined }
): Frame => {
  const frame = Object.create(FrameProto)
  frame.bytes = bytes
  frame.more = options?.more ?? false
  frame.properties = options?.properties ?? {}
  return frame
}

/**
 * Whether a value is a {@link Frame}.
 *
 * @example
 * ```ts
 * import { Frame } from "@effect-zmq/core"
 *
 * Frame.isFrame(Frame.make(new Uint8Array())) // true
 * Frame.isFrame(new Uint8Array()) // false
 * ```
 *
 * @since 0.1.0
 * @category guards
 */
export const isFrame = (u: unknown): u is Frame => Predicate.hasProperty(u, TypeId)

/**
 * The frame's bytes decoded as UTF-8.
 *
 * @example
 * ```ts
 * import { Frame } from "@effect-zmq/core"
 *
 * Frame.text(Frame.make(new TextEncoder().encode("hi"))) // "hi"
 * ```
 *
 * @since 0.1.0
 * @category getters
 */
export const text = (self: Frame): string => decoder.decode(self.bytes)

const decoder = new TextDecoder()
