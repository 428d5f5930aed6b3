import * as Effect from "effect/Effect"
import * as Events from "../Events.ts"
import type { Backend, GreenOptions, GreenStats, ReceivedFrame } from "../Green.ts"
import type { ReadinessWatch } from "../Readiness.ts"
import { ZMQError } from "../ZMQError.ts"

/** A message taken from ZeroMQ and not yet handed out; `next` is the first frame not yet handed out. */
interface InboxMessage {
  readonly frames: ReadonlyArray<Uint8Array>
  readonly properties: Readonly<Record<string, unknown>> | undefined
  next: number
}

type RecvMode = "frame" | "message" | "batch"

interface RecvWaiter {
  readonly mode: RecvMode
  /** How many whole messages the waiter takes at most (1 but for batches). */
  readonly want: number
  /** For `recvInto`: where the taken messages go, inside the take step itself. */
  readonly target: Array<ReadonlyArray<Uint8Array>> | undefined
  readonly noblock: boolean
  readonly resume: (effect: Effect.Effect<unknown, ZMQError>) => void
  active: boolean
}

interface Probe {
  readonly mask: number
  readonly resume: (effect: Effect.Effect<number, ZMQError>) => void
  active: boolean
}

interface Outgoing {
  readonly frames: ReadonlyArray<Uint8Array>
  readonly properties: Readonly<Record<string, unknown>> | undefined
}

interface SendWaiter {
  readonly resume: (effect: Effect.Effect<void, ZMQError>) => void
  active: boolean
}

const emptyProperties: Readonly<Record<string, unknown>> = Object.freeze({})
const isBytes = (u: unknown): u is Uint8Array => u instanceof Uint8Array
/** How many successful operations may complete without an event-loop turn before one yields. */
const BURST = 64
/** How many times an EAGAIN attempt is retried at once while EVENTS claims readiness, before waiting on the fd. */
const EAGER_RETRIES = 8
const EINTR_RETRIES = 64

/**
 * The green engine of one socket (design §3). Receiving: every message taken from ZeroMQ goes to `inbox` first, and
 * a fiber takes it from there in one synchronous step of its own, so an interrupted receiver never takes anything
 * and a taken message is never dropped. Sending: a message is handed to ZeroMQ only in a synchronous step of the
 * sending fiber that completes the send, so an interrupted sender never sent anything.
 */
export class GreenSocket {
  readonly backend: Backend
  readonly options: GreenOptions
  watch: ReadinessWatch | undefined
  closedError: ZMQError | undefined = undefined

  private readonly inbox: Array<InboxMessage> = []
  private readonly recvWaiters: Array<RecvWaiter> = []
  private readonly sendWaiters: Array<SendWaiter> = []
  private readonly probes: Array<Probe> = []
  private receiving = false
  private armed = false
  private burst = 0
  private dispatchingRecv = false
  private redispatchRecv = false
  private dispatchingSend = false
  private redispatchSend = false
  private lastMore = false
  /** A receive attempt met EAGAIN: gate the next one on EVENTS until a message is found without waiting. */
  private recvStarved = false
  /** The last operation completed was a send: on REQ/REP a receive is legal now, so EFSM cannot surface. */
  private lastWasSend = false
  /** Rejections of sends that EVENTS had predicted would succeed (never seen; counted so tests can assert it). */
  unexpectedSendFailures = 0

  constructor(backend: Backend, options: GreenOptions) {
    this.backend = backend
    this.options = options
  }

  attach(watch: ReadinessWatch): void {
    this.watch = watch
  }

  // ---------------------------------------------------------------------------------------------------------------
  // receiving

  recvFrame(noblock: boolean): Effect.Effect<ReceivedFrame, ZMQError> {
    return this.recv("frame", noblock) as Effect.Effect<ReceivedFrame, ZMQError>
  }

  recvMessage(noblock: boolean): Effect.Effect<ReadonlyArray<Uint8Array>, ZMQError> {
    return this.recv("message", noblock) as Effect.Effect<ReadonlyArray<Uint8Array>, ZMQError>
  }

  /** Waits for at least one message, then takes every message ready (in the inbox or in ZeroMQ), up to `max`. */
  recvBatch(max: number, noblock: boolean): Effect.Effect<ReadonlyArray<ReadonlyArray<Uint8Array>>, ZMQError> {
    return this.recv("batch", noblock, Math.max(1, Math.floor(max))) as Effect.Effect<
      ReadonlyArray<ReadonlyArray<Uint8Array>>,
      ZMQError
    >
  }

  /**
   * Like `recvBatch`, but the messages are appended to `target` in the take step itself and the count is returned:
   * a caller that owns `target` (and gives its leftovers back with `requeue`) never holds a message in flight.
   */
  recvInto(
    target: Array<ReadonlyArray<Uint8Array>>,
    max: number,
    noblock: boolean
  ): Effect.Effect<number, ZMQError> {
    return this.recv("batch", noblock, Math.max(1, Math.floor(max)), target) as Effect.Effect<number, ZMQError>
  }

  /** Puts whole messages back at the front of the inbox, in order, for the next receiver. */
  requeue(messages: ReadonlyArray<ReadonlyArray<Uint8Array>>): void {
    if (this.closedError || messages.length === 0) return
    this.inbox.unshift(...messages.map((frames): InboxMessage => ({ frames, properties: undefined, next: 0 })))
    this.dispatchRecv()
    this.wakeProbes(0)
    this.updateArm()
  }

  private recv(
    mode: RecvMode,
    noblock: boolean,
    want = 1,
    target?: Array<ReadonlyArray<Uint8Array>>
  ): Effect.Effect<unknown, ZMQError> {
    return Effect.suspend(() => {
      if (this.closedError) return Effect.fail(this.closedError)
      if (this.recvWaiters.length === 0 && this.inbox.length >= want) {
        return this.budget(Effect.sync(() => this.take(mode, want, target)))
      }
      if (noblock) {
        if (this.recvWaiters.length > 0 || this.receiving) return Effect.fail(this.again("recv"))
        if (!this.backend.needsRealAttempt) {
          const events = this.readEvents("recv")
          if (typeof events !== "number") return Effect.fail(events)
          if ((events & Events.POLLIN) === 0) return Effect.fail(this.again("recv"))
        }
      }
      return this.budget(this.waitRecv(mode, noblock, want, target))
    })
  }

  private waitRecv(
    mode: RecvMode,
    noblock: boolean,
    want: number,
    target: Array<ReadonlyArray<Uint8Array>> | undefined
  ): Effect.Effect<unknown, ZMQError> {
    const wait = Effect.callback<unknown, ZMQError>((resume) => {
      const waiter: RecvWaiter = { mode, want, target, noblock, resume, active: true }
      this.recvWaiters.push(waiter)
      this.pumpRecv()
      return Effect.sync(() => this.cancelRecv(waiter))
    })
    return noblock ? wait : this.withTimeout(wait, this.options.receiveTimeout?.(), "recv")
  }

  private cancelRecv(waiter: RecvWaiter): void {
    if (!waiter.active) return
    waiter.active = false
    const index = this.recvWaiters.indexOf(waiter)
    if (index >= 0) this.recvWaiters.splice(index, 1)
    this.updateArm()
  }

  /** Runs in the receiving fiber, synchronously: the only place a message leaves the inbox. */
  private take(mode: RecvMode, want: number, target?: Array<ReadonlyArray<Uint8Array>>): unknown {
    if (mode === "batch") {
      const count = Math.min(want, this.inbox.length)
      if (target !== undefined) {
        for (let i = 0; i < count; i++) target.push(this.take("message", 1) as ReadonlyArray<Uint8Array>)
        return count
      }
      const batch: Array<ReadonlyArray<Uint8Array>> = new Array(count)
      for (let i = 0; i < count; i++) batch[i] = this.take("message", 1) as ReadonlyArray<Uint8Array>
      return batch
    }
    const message = this.inbox[0]
    if (mode === "frame") {
      const bytes = message.frames[message.next++]
      const more = message.next < message.frames.length
      if (!more) this.inbox.shift()
      this.lastMore = more
      return { bytes, more, properties: message.properties ?? emptyProperties } satisfies ReceivedFrame
    }
    this.inbox.shift()
    this.lastMore = false
    return message.next === 0 ? message.frames : message.frames.slice(message.next)
  }

  /** Whether the last frame handed out by `recvFrame` has more frames after it (RCVMORE). */
  get rcvMore(): boolean {
    return this.lastMore
  }

  private dispatchRecv(): void {
    if (this.dispatchingRecv) {
      this.redispatchRecv = true
      return
    }
    this.dispatchingRecv = true
    try {
      do {
        this.redispatchRecv = false
        while (this.inbox.length > 0 && this.recvWaiters.length > 0) {
          const waiter = this.recvWaiters.shift()!
          if (!waiter.active) continue
          waiter.active = false
          // the fiber runs now, synchronously, and takes its message from the inbox in its own step
          waiter.resume(Effect.suspend(() =>
            this.inbox.length > 0
              ? Effect.succeed(this.take(waiter.mode, waiter.want, waiter.target))
              : this.recv(waiter.mode, waiter.noblock, waiter.want, waiter.target)
          ))
        }
      } while (this.redispatchRecv)
    } finally {
      this.dispatchingRecv = false
    }
  }

  private pumpRecv(readable = false): void {
    if (this.receiving || this.closedError) return
    this.dispatchRecv()
    // a fiber resumed by the dispatch may already have started the next attempt
    if (this.receiving || this.closedError) return
    if (this.recvWaiters.length === 0) {
      this.updateArm()
      return
    }
    // The last attempt met EAGAIN (or, on REQ/REP, this receive follows a send, so EFSM cannot surface): ask EVENTS
    // first, which costs less than an attempt that fails. NOBLOCK receivers still get their one real attempt.
    if (!readable && this.recvStarved && (!this.backend.needsRealAttempt || this.lastWasSend) &&
      !this.recvWaiters.some((waiter) => waiter.noblock)) {
      const events = this.readEvents("recv")
      if (typeof events !== "number") return this.fail(events)
      if ((events & Events.POLLOUT) !== 0 && this.sendWaiters.length > 0) this.dispatchSend()
      if ((events & Events.POLLIN) === 0) return this.updateArm()
      // a message was there without waiting: messages are flowing, attempt directly again
      this.recvStarved = false
      if (this.receiving || this.closedError) return
    }
    this.attemptReceive(0)
  }

  private attemptReceive(eagerRetries: number): void {
    this.receiving = true
    this.updateArm()
    let pending: PromiseLike<ReadonlyArray<unknown>>
    try {
      pending = this.backend.receive()
    } catch (error) {
      this.receiving = false
      this.onReceiveFailed(error, eagerRetries)
      return
    }
    pending.then(
      (message) => {
        this.receiving = false
        this.lastWasSend = false
        if (this.closedError) return
        this.inbox.push(toInboxMessage(message))
        const head = this.recvWaiters[0]
        if (head !== undefined && head.want > this.inbox.length) {
          // a batch: keep taking what is ready before handing it over
          return this.attemptReceive(0)
        }
        this.dispatchRecv()
        if (this.sendWaiters.length > 0 || this.probes.length > 0) this.poke()
        this.pumpRecv()
      },
      (error) => {
        this.receiving = false
        if (this.closedError) return
        this.onReceiveFailed(error, eagerRetries)
      }
    )
  }

  private onReceiveFailed(cause: unknown, eagerRetries: number): void {
    const error = this.backend.mapError(cause, "recv")
    if (error.code === "EAGAIN" && this.inbox.length > 0) {
      // the end of a batch: hand over what was taken
      this.dispatchRecv()
      if (this.recvWaiters.length === 0) return this.updateArm()
    }
    if (error.code === "EAGAIN") {
      this.recvStarved = true
      // NOBLOCK receivers asked for one attempt and got its answer
      for (let i = this.recvWaiters.length - 1; i >= 0; i--) {
        const waiter = this.recvWaiters[i]
        if (!waiter.noblock) continue
        this.recvWaiters.splice(i, 1)
        waiter.active = false
        waiter.resume(Effect.fail(error))
      }
      if (this.recvWaiters.length === 0) return this.updateArm()
      // the attempt may have consumed the fd's edge: look again in this same step before waiting
      const events = this.readEvents("recv")
      if (typeof events !== "number") return this.fail(events)
      if ((events & Events.POLLOUT) !== 0 && this.sendWaiters.length > 0) this.dispatchSend()
      if ((events & Events.POLLIN) !== 0 && eagerRetries < EAGER_RETRIES && !this.receiving && !this.closedError) {
        return this.attemptReceive(eagerRetries + 1)
      }
      return this.updateArm()
    }
    if (error.code === "ETERM" || error.code === "ENOTSOCK") return this.fail(error)
    // an error of this attempt (EFSM, …) belongs to the receiver it was made for
    const waiter = this.recvWaiters.shift()
    if (waiter) {
      waiter.active = false
      waiter.resume(Effect.fail(error))
    }
    this.pumpRecv()
  }

  // ---------------------------------------------------------------------------------------------------------------
  // sending

  send(
    frames: ReadonlyArray<Uint8Array>,
    noblock: boolean,
    properties?: Readonly<Record<string, unknown>>
  ): Effect.Effect<void, ZMQError> {
    return Effect.suspend(() => {
      if (this.closedError) return Effect.fail(this.closedError)
      const message: Outgoing = { frames, properties }
      if (this.sendWaiters.length > 0) {
        return noblock ? Effect.fail(this.again("send")) : this.waitSend(message, false)
      }
      // not `budget(attemptSend(...))`: the attempt sends when it is called, so a yield placed after it could let
      // the fiber be interrupted after the message was sent
      return this.budgetThen(() => this.attemptSend(message, noblock, true))
    })
  }

  private attemptSend(message: Outgoing, noblock: boolean, first: boolean): Effect.Effect<void, ZMQError> {
    if (this.closedError) return Effect.fail(this.closedError)
    if (this.backend.sendIsPredictable) {
      // PUB-like sockets drop instead of refusing: a send always succeeds, so EVENTS need not be asked
      const events = this.backend.alwaysWritable ? Events.POLLOUT : this.readEvents("send")
      if (typeof events !== "number") return Effect.fail(events)
      if ((events & Events.POLLOUT) !== 0) {
        // EVENTS said writable: this DONTWAIT send is accepted, and the Effect completes in this same step
        let pending: PromiseLike<void>
        try {
          pending = this.backend.send(message.frames, message.properties)
        } catch (error) {
          return Effect.fail(this.backend.mapError(error, "send"))
        }
        pending.then(undefined, this.onUnexpectedSendFailure)
        this.afterSend()
        return Effect.void
      }
      if (!(first && this.backend.needsRealAttempt)) {
        return noblock ? Effect.fail(this.again("send")) : this.waitSend(message, !first)
      }
    }
    // the outcome is only known when the binding's promise settles: wait for it without being interrupted
    return Effect.uninterruptible(Effect.callback<void, ZMQError>((resume) => {
      let pending: PromiseLike<void>
      try {
        pending = this.backend.send(message.frames, message.properties)
      } catch (error) {
        return resume(Effect.fail(this.backend.mapError(error, "send")))
      }
      pending.then(
        () => {
          this.afterSend()
          resume(Effect.void)
        },
        (error) => resume(Effect.fail(this.backend.mapError(error, "send")))
      )
    })).pipe(
      Effect.catchIf(
        (error) => error.code === "EAGAIN" && !noblock && !this.closedError,
        () => this.waitSend(message, !first)
      )
    )
  }

  /**
   * Sends a batch of messages in as few steps as possible: each step hands ZeroMQ every message it accepts now and
   * completes in that same step; at the high-water mark the fiber waits for POLLOUT and goes on with the rest. An
   * interruption while waiting leaves the rest unsent (what was sent was sent by an earlier, completed step).
   */
  sendBatch(messages: ReadonlyArray<ReadonlyArray<Uint8Array>>): Effect.Effect<void, ZMQError> {
    return Effect.suspend(() => {
      if (this.closedError) return Effect.fail(this.closedError)
      const sendMany = this.backend.sendMany
      if (sendMany === undefined || !this.backend.sendIsPredictable || this.sendWaiters.length > 0) {
        return Effect.forEach(messages, (frames) => this.send(frames, false), { discard: true })
      }
      const step = (from: number): Effect.Effect<void, ZMQError> => {
        if (this.closedError) return Effect.fail(this.closedError)
        const { error, sent } = sendMany(from === 0 ? messages : messages.slice(from))
        if (sent > 0) this.afterSend()
        if (error === undefined) return Effect.void
        const mapped = this.backend.mapError(error, "send")
        if (mapped.code !== "EAGAIN") return Effect.fail(mapped)
        return Effect.flatMap(this.waitWritable(), () => step(from + sent))
      }
      return this.budgetThen(() => step(0))
    })
  }

  private waitWritable(): Effect.Effect<void, ZMQError> {
    return Effect.callback<void, ZMQError>((resume) => {
      const waiter: SendWaiter = { resume, active: true }
      this.sendWaiters.push(waiter)
      this.poke()
      return Effect.sync(() => this.cancelSend(waiter))
    })
  }

  private readonly onUnexpectedSendFailure = () => {
    this.unexpectedSendFailures++
  }

  private waitSend(message: Outgoing, front: boolean): Effect.Effect<void, ZMQError> {
    const wait = Effect.callback<void, ZMQError>((resume) => {
      const waiter: SendWaiter = { resume, active: true }
      if (front) this.sendWaiters.unshift(waiter)
      else this.sendWaiters.push(waiter)
      // the failed attempt may have consumed the fd's edge: look again in this same step
      this.poke()
      return Effect.sync(() => this.cancelSend(waiter))
    })
    return this.withTimeout(wait, this.options.sendTimeout?.(), "send").pipe(
      Effect.flatMap(() => this.attemptSend(message, false, false))
    )
  }

  private cancelSend(waiter: SendWaiter): void {
    if (!waiter.active) return
    waiter.active = false
    const index = this.sendWaiters.indexOf(waiter)
    if (index >= 0) this.sendWaiters.splice(index, 1)
    this.updateArm()
  }

  private afterSend(): void {
    this.lastWasSend = true
    if (this.sendWaiters.length > 0 || this.probes.length > 0 || (this.recvWaiters.length > 0 && !this.receiving)) {
      this.poke()
    }
  }

  /** Wakes the first sender; it retries in its own step, and its success pokes the next one. */
  private dispatchSend(): void {
    if (this.dispatchingSend) {
      this.redispatchSend = true
      return
    }
    this.dispatchingSend = true
    try {
      do {
        this.redispatchSend = false
        const waiter = this.sendWaiters.shift()
        if (waiter === undefined) break
        waiter.active = false
        waiter.resume(Effect.void)
      } while (this.redispatchSend && this.sendWaiters.length > 0)
    } finally {
      this.dispatchingSend = false
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // readiness

  /**
   * Waits until the socket is ready for any of `mask` (POLLIN: a message can be received; POLLOUT: one can be sent)
   * and succeeds with the ready events, consuming nothing. With `noblock`, answers at once (possibly 0).
   */
  ready(mask: number, noblock: boolean): Effect.Effect<number, ZMQError> {
    return Effect.suspend(() => {
      if (this.closedError) return Effect.fail(this.closedError)
      const now = this.readyNow()
      if (typeof now !== "number") return Effect.fail(now)
      if ((now & mask) !== 0 || noblock) return Effect.succeed(now & mask)
      return Effect.callback<number, ZMQError>((resume) => {
        const probe: Probe = { mask, resume, active: true }
        this.probes.push(probe)
        this.updateArm()
        return Effect.sync(() => {
          if (!probe.active) return
          probe.active = false
          const index = this.probes.indexOf(probe)
          if (index >= 0) this.probes.splice(index, 1)
          this.updateArm()
        })
      })
    })
  }

  /** The events ready now, counting messages already taken into the inbox as POLLIN. Wakes waiters. */
  private readyNow(): number | ZMQError {
    const events = this.readEvents("poll")
    if (typeof events !== "number") return events
    this.wake(events)
    return this.inbox.length > 0 ? events | Events.POLLIN : events
  }

  private wakeProbes(events: number): void {
    if (this.probes.length === 0) return
    const ready = this.inbox.length > 0 ? events | Events.POLLIN : events
    for (const probe of this.probes.slice()) {
      if (!probe.active || (probe.mask & ready) === 0) continue
      probe.active = false
      this.probes.splice(this.probes.indexOf(probe), 1)
      probe.resume(Effect.succeed(probe.mask & ready))
    }
  }

  /** Reads EVENTS (retrying EINTR) and wakes every waiter whose condition holds: the fd's edge may be gone. */
  events(operation = "getOption(EVENTS)"): Effect.Effect<number, ZMQError> {
    return Effect.suspend(() => {
      if (this.closedError) return Effect.fail(this.closedError)
      const events = this.readEvents(operation)
      if (typeof events !== "number") return Effect.fail(events)
      this.wake(events)
      // a message already taken from ZeroMQ (kept after an interrupted take) can be received without waiting
      return Effect.succeed(this.inbox.length > 0 ? events | Events.POLLIN : events)
    })
  }

  /** Called by the fd watch: the event loop has turned, so the burst budget starts again. */
  readonly onSignal = (): void => {
    this.burst = 0
    this.poke()
  }

  /** Called by the fd watch and after operations: look at EVENTS and wake whoever can proceed. */
  readonly poke = (): void => {
    if (this.closedError) return
    const events = this.readEvents("poll")
    if (typeof events !== "number") return this.fail(events)
    this.wake(events)
  }

  private wake(events: number): void {
    if ((events & Events.POLLIN) !== 0 && this.recvWaiters.length > 0 && !this.receiving) this.pumpRecv(true)
    if ((events & Events.POLLOUT) !== 0 && this.sendWaiters.length > 0) this.dispatchSend()
    this.wakeProbes(events)
    this.updateArm()
  }

  private readEvents(operation: string): number | ZMQError {
    for (let i = 0;; i++) {
      try {
        return this.backend.events()
      } catch (cause) {
        const error = this.backend.mapError(cause, operation)
        if (error.code === "EINTR" && i < EINTR_RETRIES) continue
        return error
      }
    }
  }

  private updateArm(): void {
    const wanted = !this.closedError &&
      ((this.recvWaiters.length > 0 && !this.receiving) || this.sendWaiters.length > 0 || this.probes.length > 0)
    if (wanted === this.armed || this.watch === undefined) return
    this.armed = wanted
    if (wanted) this.watch.start()
    else this.watch.stop()
  }

  // ---------------------------------------------------------------------------------------------------------------
  // life cycle and helpers

  /** Fails every waiter with `error` and refuses every later operation with it; releases the fd watch. */
  fail(error: ZMQError): void {
    if (this.closedError) return
    this.closedError = error
    this.inbox.length = 0
    const receivers = this.recvWaiters.splice(0)
    const senders = this.sendWaiters.splice(0)
    const probes = this.probes.splice(0)
    this.armed = false
    this.watch?.close()
    for (const waiter of receivers) {
      if (!waiter.active) continue
      waiter.active = false
      waiter.resume(Effect.fail(error))
    }
    for (const waiter of [...senders, ...probes]) {
      if (!waiter.active) continue
      waiter.active = false
      waiter.resume(Effect.fail(error))
    }
  }

  stats(): GreenStats {
    return {
      receivers: this.recvWaiters.length,
      senders: this.sendWaiters.length,
      probes: this.probes.length,
      inbox: this.inbox.length,
      watching: this.armed,
      receiving: this.receiving
    }
  }

  private again(operation: string): ZMQError {
    return ZMQError.make("EAGAIN", operation)
  }

  /** Before an operation that completes without waiting: every `BURST` of them, let the event loop turn once. */
  private budget<A>(effect: Effect.Effect<A, ZMQError>): Effect.Effect<A, ZMQError> {
    if (++this.burst < BURST) return effect
    this.burst = 0
    return Effect.andThen(Effect.yieldNow, effect)
  }

  /** `budget` for an attempt that acts as soon as it is called: when a yield is due, the attempt runs after it. */
  private budgetThen<A>(attempt: () => Effect.Effect<A, ZMQError>): Effect.Effect<A, ZMQError> {
    if (++this.burst < BURST) return attempt()
    this.burst = 0
    return Effect.andThen(Effect.yieldNow, Effect.suspend(attempt))
  }

  private withTimeout<A>(
    wait: Effect.Effect<A, ZMQError>,
    millis: number | undefined,
    operation: string
  ): Effect.Effect<A, ZMQError> {
    if (millis === undefined || millis < 0) return wait
    return Effect.timeoutOrElse(wait, {
      duration: millis,
      orElse: () => Effect.fail(ZMQError.make("EAGAIN", operation, `${operation} timed out after ${millis} ms`))
    })
  }
}

const toInboxMessage = (message: ReadonlyArray<unknown>): InboxMessage => {
  const last = message[message.length - 1]
  if (message.length > 1 && !isBytes(last)) {
    return { frames: message.slice(0, -1) as Array<Uint8Array>, properties: last as Record<string, unknown>, next: 0 }
  }
  return { frames: message as ReadonlyArray<Uint8Array>, properties: undefined, next: 0 }
}
