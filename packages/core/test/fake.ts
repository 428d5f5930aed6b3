import { Effect } from "effect"
import { Events, Green, Readiness, ZMQError } from "@effect-zmq/core"

const again = () => Object.assign(new Error("Operation was not possible or timed out"), { code: "EAGAIN", errno: 11 })

/**
 * A scripted binding: `incoming` is what ZeroMQ holds for us, `sent` what it accepted, `writable` whether it would
 * accept more. `signal()` plays the fd becoming readable (only delivered while the watch is started).
 */
export const makeFake = (options?: {
  readonly needsRealAttempt?: boolean
  readonly predictable?: boolean
  readonly greenOptions?: Green.GreenOptions
}) => {
  const state = {
    incoming: [] as Array<ReadonlyArray<Uint8Array>>,
    sent: [] as Array<ReadonlyArray<Uint8Array>>,
    writable: true,
    watching: false,
    starts: 0,
    eventsReads: 0,
    receiveAttempts: 0,
    eintrOnce: 0,
    recvError: undefined as unknown,
    rejectNextSend: false,
    onSignal: (() => {}) as () => void
  }
  const backend: Green.Backend = {
    fd: 3,
    events: () => {
      state.eventsReads++
      if (state.eintrOnce > 0) {
        state.eintrOnce--
        throw Object.assign(new Error("Interrupted system call"), { code: "EINTR", errno: 4 })
      }
      return (state.incoming.length > 0 ? Events.POLLIN : 0) | (state.writable ? Events.POLLOUT : 0)
    },
    receive: () => {
      state.receiveAttempts++
      if (state.recvError !== undefined) {
        const error = state.recvError
        state.recvError = undefined
        return Promise.reject(error)
      }
      const message = state.incoming.shift()
      return message === undefined ? Promise.reject(again()) : Promise.resolve(message)
    },
    send: (frames) => {
      if (state.rejectNextSend) {
        state.rejectNextSend = false
        return Promise.reject(Object.assign(new Error("No route to host"), { code: "EHOSTUNREACH", errno: 113 }))
      }
      if (!state.writable) return Promise.reject(again())
      state.sent.push(frames)
      return Promise.resolve()
    },
    sendIsPredictable: options?.predictable ?? true,
    needsRealAttempt: options?.needsRealAttempt ?? false,
    mapError: (error, operation) => ZMQError.fromUnknown(error, operation)
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
  const engine = Green.make(backend, options?.greenOptions ?? {}).pipe(Effect.provideService(Readiness.Readiness, readiness))
  /** ZeroMQ got a message from a peer, and the fd signals (if watched). */
  const deliver = (...frames: Array<string>) => {
    state.incoming.push(frames.map((f) => new TextEncoder().encode(f)))
    signal()
  }
  const signal = () => {
    if (state.watching) state.onSignal()
  }
  return { state, engine, deliver, signal }
}

export const text = (frames: ReadonlyArray<Uint8Array>) => frames.map((f) => new TextDecoder().decode(f))
