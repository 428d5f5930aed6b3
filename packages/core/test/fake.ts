import { Effect } from "effect"
import { Binding, Events, Green, Readiness } from "@effect-zmq/core"
import type { ZMQErrorCode } from "@effect-zmq/core"

const errnos: Partial<Record<ZMQErrorCode, number>> = {
  EAGAIN: 11,
  EINTR: 4,
  EINVAL: 22,
  ENOTSOCK: 88,
  EHOSTUNREACH: 113,
  EFSM: 156384763,
  ETERM: 156384765
}
const codes = new Map(Object.entries(errnos).map(([code, errno]) => [errno, code as ZMQErrorCode]))

/**
 * A scripted synchronous binding for one socket: `incoming` is what libzmq holds for us (whole messages), `sent`
 * what it accepted, `writable` whether it would accept more. `signal()` plays the fd becoming readable (delivered only
 * while the watch is started). `recvErrno` / `sendErrno` make the next attempt fail with that errno.
 */
export const makeFake = (options?: { readonly greenOptions?: Green.GreenOptions; readonly fd?: number }) => {
  const state = {
    incoming: [] as Array<ReadonlyArray<Uint8Array>>,
    /** frames of the message being received, after its first */
    partial: [] as Array<Uint8Array>,
    sent: [] as Array<ReadonlyArray<Uint8Array>>,
    writable: true,
    watching: false,
    starts: 0,
    eventsReads: 0,
    recvAttempts: 0,
    sendAttempts: 0,
    recvErrno: 0,
    sendErrno: 0,
    /** bits `events` reports on top of the real ones (a readiness that the next attempt does not find) */
    phantom: 0,
    /** reads of `events` that still report `phantom` (a guard against a spinning engine hanging the test run) */
    phantomBudget: 100_000,
    /** when set, `events` never reports POLLIN (readiness that only an attempt finds) */
    blind: false,
    /** when set, `events` fails with this errno (returned negated) */
    eventsErrno: 0,
    /** when a number, how many more messages libzmq accepts before it is at the high-water mark */
    room: undefined as number | undefined,
    releases: 0,
    more: false,
    onSignal: (() => {}) as () => void
  }
  const handle = {} as Binding.SocketHandle
  const takeFrame = (): Uint8Array | undefined => {
    if (state.partial.length > 0) {
      const frame = state.partial.shift()!
      state.more = state.partial.length > 0
      return frame
    }
    const message = state.incoming.shift()
    if (message === undefined) return undefined
    state.partial = message.slice(1)
    state.more = state.partial.length > 0
    return message[0]
  }
  const accept = (frames: ReadonlyArray<Uint8Array>): number => {
    state.sendAttempts++
    if (state.sendErrno !== 0) {
      const errno = state.sendErrno
      state.sendErrno = 0
      return errno
    }
    if (!state.writable) return 11
    state.sent.push(frames.map((frame) => frame.slice()))
    if (state.room !== undefined && --state.room <= 0) state.writable = false
    return 0
  }
  const unused = () => {
    throw new Error("not scripted")
  }
  const binding: Binding.BindingShape = {
    description: "fake",
    version: "4.3.5",
    capabilities: { ipc: true, pgm: false, tipc: false, norm: false, curve: true, gssapi: false, draft: false },
    codeOf: (errno) => codes.get(errno) ?? "UNKNOWN",
    errnoOf: (code) => errnos[code],
    strerror: (errno) => `errno ${errno}`,
    contextNew: unused,
    contextSet: unused,
    contextGet: unused,
    contextTerm: unused,
    socket: unused,
    close: () => 0,
    bind: unused,
    unbind: unused,
    connect: unused,
    disconnect: unused,
    getOption: unused,
    setOption: unused,
    events: () => {
      state.eventsReads++
      if (state.eventsErrno !== 0) return -state.eventsErrno
      let phantom = 0
      if (state.phantom !== 0 && state.phantomBudget > 0) {
        state.phantomBudget--
        phantom = state.phantom
      }
      return (!state.blind && (state.incoming.length > 0 || state.partial.length > 0) ? Events.POLLIN : 0) |
        (state.writable ? Events.POLLOUT : 0) | phantom
    },
    fd: () => options?.fd ?? 3,
    recv: () => {
      state.recvAttempts++
      if (state.recvErrno !== 0) {
        const errno = state.recvErrno
        state.recvErrno = 0
        return errno
      }
      return takeFrame() ?? 11
    },
    more: () => state.more,
    lastProperties: () => ({}),
    send: (_socket, data) => accept([data]),
    sendMessage: (_socket, frames, _flags, sendOptions) => {
      const status = accept(frames)
      if (sendOptions?.release !== undefined) {
        state.releases++
        sendOptions.release()
      }
      return status
    },
    join: unused,
    leave: unused,
    monitor: unused,
    curveKeyPair: unused,
    curvePublic: unused,
    z85Encode: unused,
    z85Decode: unused
  }
  const readiness = Readiness.Readiness.of({
    watch: (_fd, onSignal) =>
      Effect.sync(() => {
        state.onSignal = onSignal
        return {
          start: () => {
            if (!state.watching) state.starts++
            state.watching = true
          },
          stop: () => {
            state.watching = false
          },
          close: () => {
            state.watching = false
          }
        }
      })
  })
  const engine = Green.make(binding, handle, options?.greenOptions ?? {}).pipe(
    Effect.provideService(Readiness.Readiness, readiness)
  )
  const signal = () => {
    if (state.watching) state.onSignal()
  }
  /** A peer's message reaches libzmq, and the fd signals (if watched). */
  const deliver = (...frames: Array<string>) => {
    state.incoming.push(frames.map((f) => new TextEncoder().encode(f)))
    signal()
  }
  /** Room at the high-water mark again, and the fd signals. */
  const drain = () => {
    state.writable = true
    signal()
  }
  /** A peer's messages reach libzmq without the fd signalling (an edge consumed elsewhere). */
  const push = (...messages: Array<ReadonlyArray<string>>) => {
    for (const frames of messages) state.incoming.push(frames.map((f) => new TextEncoder().encode(f)))
  }
  return { state, engine, binding, deliver, drain, push, signal }
}

export const text = (frames: ReadonlyArray<Uint8Array>) => frames.map((f) => new TextDecoder().decode(f))
