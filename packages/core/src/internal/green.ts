import type * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import type * as Binding from "../Binding.ts"
import * as Events from "../Events.ts"
import * as Frame from "../Frame.ts"
import type { GreenOptions, GreenStats, RecvMode, RecvResult, SendOptions } from "../Green.ts"
import type { ReadinessWatch } from "../Readiness.ts"
import { ZMQError } from "../ZMQError.ts"

/**
 * One operation waiting for its turn. `queued` while it is in its direction's queue; `woken` from the moment the
 * engine resumed it until its attempt has run; `resume` while it is parked.
 */
interface Waiter {
  resume: ((effect: Effect.Effect<void, ZMQError>) => void) | undefined
  woken: boolean
  queued: boolean
  /** Its last attempt found nothing although EVENTS said ready: only a new fd signal (or a `poke`) wakes it again. */
  fruitless: boolean
}

interface Probe {
  readonly mask: number
  readonly resume: (effect: Effect.Effect<number, ZMQError>) => void
}

/** Whole messages given back by their receiver (a stream's leftovers); `next` is the first frame not handed out. */
interface Returned {
  readonly frames: ReadonlyArray<Uint8Array>
  next: number
}

type State =
  | { readonly _tag: "Open" }
  | { readonly _tag: "Closed"; readonly error: ZMQError }

const open: State = { _tag: "Open" }
const noProperties: Readonly<Record<string, unknown>> = Object.freeze({})
const DONTWAIT = 1
/** How many operations may complete without waiting before one yields to the event loop. */
const BURST = 64
/** An attempt that found nothing (EAGAIN, or others wait ahead): thrown by the attempt's step, never seen outside. */
const NOT_READY = Symbol("NOT_READY")
/** Thrown by a first attempt's step, before attempting, when a burst of operations is due to yield. */
const YIELD = Symbol("YIELD")
/** Returned by an attempt that must take the general path instead (see `sendFrame`). */
const DETOUR = Symbol("DETOUR")
const identity = <A>(a: A): A => a

/**
 * The green engine of one socket, over a synchronous {@link Binding.Binding} (design §3).
 *
 * Invariants:
 * - A message leaves libzmq only inside a synchronous attempt made by the fiber that completes with it, and a send is
 *   handed to libzmq only inside a synchronous attempt of the fiber whose send completes with it. An interrupted
 *   operation was interrupted while waiting, and had taken or sent nothing.
 * - New operations attempt at once only when nobody waits in their direction; otherwise they queue (FIFO). The engine
 *   resumes only the head waiter of a direction, and only when `EVENTS` shows that direction ready; a woken waiter
 *   stays at the head until its attempt has run (and goes back to waiting there on `EAGAIN`).
 * - Other fibers are never resumed from inside an attempt: wake-ups that an operation makes necessary (it may have
 *   consumed the fd's edge) run in a microtask (`schedulePoke`), so no fiber completes, and interrupts the attempting
 *   one, in the middle of its step.
 * - The fd watch runs exactly while someone waits (`reconcile`, the one place that starts and stops it).
 * - `state` is `Open` or `Closed`; closing fails every waiter at once and every later operation.
 */
export class GreenSocket {
  readonly binding: Binding.BindingShape
  readonly handle: Binding.SocketHandle
  readonly options: GreenOptions
  state: State = open

  private watch: ReadinessWatch | undefined
  private watching = false
  private readonly returned: Array<Returned> = []
  private readonly receivers: Array<Waiter> = []
  private readonly senders: Array<Waiter> = []
  private readonly probes: Array<Probe> = []
  private readonly recvEffects = new Map<string, Map<unknown, Effect.Effect<unknown, ZMQError>>>()
  private burst = 0
  private pokeScheduled = false
  private fruitlessTimer: ReturnType<typeof setTimeout> | undefined = undefined
  private fruitlessDelay = 1
  private readonly eagain: number
  private lastMore = false
  private lastProperties: Readonly<Record<string, unknown>> = noProperties

  constructor(binding: Binding.BindingShape, handle: Binding.SocketHandle, options: GreenOptions) {
    this.binding = binding
    this.handle = handle
    this.options = options
    this.eagain = binding.errnoOf("EAGAIN") ?? 11
  }

  attach(watch: ReadinessWatch): void {
    this.watch = watch
  }

  get closedError(): ZMQError | undefined {
    return this.state._tag === "Closed" ? this.state.error : undefined
  }

  /** Whether the last frame handed out has more frames after it (RCVMORE). */
  get rcvMore(): boolean {
    return this.lastMore
  }

  // ---------------------------------------------------------------------------------------------------------------
  // receiving

  /**
   * Receives one frame (`"bytes"`, or `"frame"` with its properties) or one whole message (`"message"`), mapped by
   * `transform` inside the step that takes it. Lazy, and reusable: the Effects without a per-call `retry` are built
   * once per socket, mode and transform.
   */
  recv<A = RecvResult>(
    mode: RecvMode,
    noblock: boolean,
    retry?: Schedule.Schedule<unknown, ZMQError> | undefined,
    transform?: ((result: RecvResult) => A) | undefined
  ): Effect.Effect<A, ZMQError> {
    if (retry !== undefined) return this.makeRecv(mode, noblock, retry, transform)
    const key = `${mode}${noblock ? 1 : 0}`
    let byTransform = this.recvEffects.get(key)
    if (byTransform === undefined) {
      byTransform = new Map()
      this.recvEffects.set(key, byTransform)
    }
    const cached = byTransform.get(transform ?? identity)
    if (cached !== undefined) return cached as Effect.Effect<A, ZMQError>
    const made = this.makeRecv(mode, noblock, undefined, transform)
    byTransform.set(transform ?? identity, made)
    return made
  }

  private makeRecv<A>(
    mode: RecvMode,
    noblock: boolean,
    retry: Schedule.Schedule<unknown, ZMQError> | undefined,
    transform: ((result: RecvResult) => A) | undefined
  ): Effect.Effect<A, ZMQError> {
    const attempt = (): A | ZMQError | typeof NOT_READY => {
      const result = this.attemptRecv(mode)
      return result === NOT_READY || result instanceof ZMQError || transform === undefined
        ? result as A | ZMQError | typeof NOT_READY
        : transform(result)
    }
    return this.operation(this.receivers, "recv", noblock, retry, this.receiveTimeout, attempt)
  }

  /**
   * Waits for at least one message, then appends to `target`, in the same step, every whole message ready (up to
   * `max`), and succeeds with how many. The caller owns `target` and gives back what it does not use (`requeue`).
   */
  recvInto(target: Array<ReadonlyArray<Uint8Array>>, max: number, noblock: boolean): Effect.Effect<number, ZMQError> {
    const want = Math.max(1, Math.floor(max))
    return this.operation(this.receivers, "recv", noblock, undefined, this.receiveTimeout, () => {
      let count = 0
      while (count < want) {
        const message = this.attemptRecv("message")
        if (message === NOT_READY) break
        if (message instanceof ZMQError) {
          if (count > 0) break // the next attempt reports it
          return message
        }
        target.push(message as ReadonlyArray<Uint8Array>)
        count++
      }
      return count === 0 ? NOT_READY : count
    })
  }

  /** Puts whole messages back at the front, in order, for the next receiver. */
  requeue(messages: ReadonlyArray<ReadonlyArray<Uint8Array>>): void {
    if (this.state._tag === "Closed" || messages.length === 0) return
    this.returned.unshift(...messages.map((frames): Returned => ({ frames, next: 0 })))
    // given-back messages never make the fd signal: every receiver may try again
    for (const waiter of this.receivers) waiter.fruitless = false
    this.schedulePoke()
  }

  /** One synchronous receive: a frame, a whole message, `NOT_READY` (EAGAIN), or the error. */
  private attemptRecv(mode: RecvMode): RecvResult | ZMQError | typeof NOT_READY {
    if (this.returned.length > 0) return this.takeReturned(mode)
    const binding = this.binding
    const handle = this.handle
    const first = binding.recv(handle, DONTWAIT, mode === "frame")
    if (typeof first === "number") return first === this.eagain ? NOT_READY : this.errorOf(first, "recv")
    if (mode !== "message") {
      this.lastMore = binding.more()
      if (mode === "bytes") return first
      this.lastProperties = frameProperties(binding.lastProperties())
      return Frame.make(first, { more: this.lastMore, properties: this.lastProperties })
    }
    if (!binding.more()) {
      this.lastMore = false
      return [first]
    }
    // the rest of a message is there as soon as its first frame is (libzmq delivers messages whole)
    const frames = [first]
    for (;;) {
      const next = binding.recv(handle, DONTWAIT, false)
      if (typeof next === "number") return this.errorOf(next, "recv")
      frames.push(next)
      if (!binding.more()) break
    }
    this.lastMore = false
    return frames
  }

  private takeReturned(mode: RecvMode): RecvResult {
    const message = this.returned[0]
    if (mode === "message") {
      this.returned.shift()
      this.lastMore = false
      return message.next === 0 ? message.frames : message.frames.slice(message.next)
    }
    const bytes = message.frames[message.next++]
    const more = message.next < message.frames.length
    if (!more) this.returned.shift()
    this.lastMore = more
    return mode === "bytes" ? bytes : Frame.make(bytes, { more })
  }

  // ---------------------------------------------------------------------------------------------------------------
  // sending

  /**
   * Sends one whole message. Lazy: nothing is attempted before the Effect runs. `onSent` runs inside the step that
   * sent it, and its value is the Effect's (a tracker, say), so nothing stands between the send and its caller.
   */
  send<A = void>(
    frames: ReadonlyArray<Uint8Array>,
    noblock: boolean,
    options?: SendOptions | undefined,
    retry?: Schedule.Schedule<unknown, ZMQError> | undefined,
    onSent?: (() => A) | undefined,
    onInterrupted?: (() => void) | undefined
  ): Effect.Effect<A, ZMQError> {
    const release = options?.release === undefined ? undefined : onceSent(options.release)
    const attemptOptions = release === undefined ? options : { ...options, release: release.onRelease }
    const binding = this.binding
    const handle = this.handle
    const single = frames.length === 1 && attemptOptions === undefined ? frames[0] : undefined
    return this.operation(this.senders, "send", noblock, retry, this.sendTimeout, (): A | ZMQError | typeof NOT_READY => {
      if (release !== undefined) release.calling = true
      const status = single !== undefined
        ? binding.send(handle, single, DONTWAIT)
        : binding.sendMessage(handle, frames, DONTWAIT, attemptOptions)
      release?.settle(status === 0)
      if (status === 0) return onSent === undefined ? undefined as A : onSent()
      return status === this.eagain ? NOT_READY : this.errorOf(status, "send")
    }, undefined, onInterrupted)
  }

  /**
   * Sends one frame, copied, as a whole message: the common `send(bytes)`, in one step. When `detour()` says so when
   * it runs (frames were staged with `SNDMORE` meanwhile), the Effect of `general()` runs instead.
   */
  sendFrame(
    bytes: Uint8Array,
    detour: () => boolean,
    general: () => Effect.Effect<void, ZMQError>
  ): Effect.Effect<void, ZMQError> {
    const binding = this.binding
    const handle = this.handle
    return this.operation(this.senders, "send", false, undefined, this.sendTimeout, (): void | ZMQError | typeof NOT_READY | typeof DETOUR => {
      if (detour()) return DETOUR
      const status = binding.send(handle, bytes, DONTWAIT)
      if (status === 0) return undefined
      return status === this.eagain ? NOT_READY : this.errorOf(status, "send")
    }, general)
  }

  /**
   * Sends messages in as few steps as possible: each step hands libzmq every message it accepts now and completes in
   * that same step; at the high-water mark the fiber waits (as `send` does, `SNDTIMEO` included) and goes on with the
   * rest. An interruption while waiting leaves the rest unsent.
   */
  sendBatch(messages: ReadonlyArray<ReadonlyArray<Uint8Array>>): Effect.Effect<void, ZMQError> {
    return Effect.suspend(() => {
      let next = 0
      const attempt = (): boolean | ZMQError | typeof NOT_READY => {
        const from = next
        while (next < messages.length) {
          const frames = messages[next]
          const status = frames.length === 1
            ? this.binding.send(this.handle, frames[0], DONTWAIT)
            : this.binding.sendMessage(this.handle, frames, DONTWAIT)
          if (status === 0) {
            next++
            continue
          }
          if (status !== this.eagain) return this.errorOf(status, "send")
          break
        }
        return next === from ? NOT_READY : next >= messages.length
      }
      const step: Effect.Effect<void, ZMQError> = Effect.flatMap(
        this.operation(this.senders, "send", false, undefined, this.sendTimeout, attempt),
        (finished) => finished ? Effect.void : step
      )
      return messages.length === 0 ? Effect.void : step
    })
  }

  /**
   * The Effect of one operation. Its first attempt runs in an `Effect.sync` step, so a value taken from libzmq goes
   * straight to the caller's continuation (no step in between at which the fiber could yield and be interrupted).
   * `attempt` returns the value, the `ZMQError`, or `NOT_READY` (EAGAIN); the step throws the last two (and `YIELD`
   * every `BURST` operations, before attempting), and `onCause` decides: fail, yield and start again, or hand over to
   * an {@link Operation} that waits for the engine to wake it. Reusable: no state lives in the Effect.
   */
  operation<A>(
    queue: Array<Waiter>,
    name: string,
    noblock: boolean,
    retry: Schedule.Schedule<unknown, ZMQError> | undefined,
    timeout: () => number | undefined,
    attempt: () => A | ZMQError | typeof NOT_READY | typeof DETOUR,
    general?: () => Effect.Effect<A, ZMQError>,
    onInterrupt?: () => void
  ): Effect.Effect<A, ZMQError> {
    const first = (): A => {
      if (this.state._tag === "Closed") throw this.closedFor(name)
      if (queue.length > 0) throw NOT_READY
      if (++this.burst >= BURST) {
        this.burst = 0
        throw YIELD
      }
      const result = attempt()
      // whatever its outcome, a libzmq call may have consumed the fd's edge that a waiter in the other direction was
      // counting on (a failed NOBLOCK send can process the command that made a message readable)
      this.afterAttempt()
      if (result === NOT_READY || result === DETOUR || result instanceof ZMQError) throw result
      return result
    }
    const effect: Effect.Effect<A, ZMQError> = Effect.catchCause(Effect.sync(first), (cause) => {
      const defect = dieOf(cause)
      if (defect instanceof ZMQError) return Effect.fail(defect)
      if (defect === YIELD) return Effect.andThen(Effect.yieldNow, effect)
      if (defect === DETOUR && general !== undefined) return general()
      if (defect !== NOT_READY) return Effect.failCause(cause as Cause.Cause<never>)
      if (noblock) return Effect.fail(this.again(name))
      return new Operation<A>(this, queue, name, retry ?? this.options.retry?.(), timeout(), attempt, general, onInterrupt)
        .wait()
    })
    return effect
  }

  private readonly receiveTimeout = () => this.options.receiveTimeout?.()
  private readonly sendTimeout = () => this.options.sendTimeout?.()

  // ---------------------------------------------------------------------------------------------------------------
  // used by Operation

  /** Whether an operation may attempt now: nobody waits ahead of it in its direction. */
  canAttempt(queue: Array<Waiter>, waiter: Waiter | undefined): boolean {
    return waiter === undefined ? queue.length === 0 : queue[0] === waiter
  }

  /** After a completed attempt: wake others later if the operation may have consumed the fd's edge. */
  afterAttempt(): void {
    if (this.receivers.length === 0 && this.senders.length === 0 && this.probes.length === 0) {
      if (this.fruitlessTimer !== undefined) this.stopFruitlessTimer()
      return
    }
    // the operation may have taken the fd's edge for a change the waiters care about (a send processes the commands
    // that make a message readable): every waiter may try again, fruitless or not
    for (const waiter of this.receivers) waiter.fruitless = false
    for (const waiter of this.senders) waiter.fruitless = false
    this.schedulePoke()
  }

  /** Queues a waiter at the back (a new operation) or, if it had left the queue after its turn, at the front. */
  enqueue(queue: Array<Waiter>, waiter: Waiter, front: boolean): void {
    if (waiter.queued) return
    waiter.queued = true
    if (front) queue.unshift(waiter)
    else queue.push(waiter)
  }

  /**
   * Suspends until the engine wakes this waiter (or the engine closes). Interrupted, the waiter stops being
   * resumable; with `leaveOnInterrupt` it also leaves its queue (otherwise, when a schedule's delay or a timeout beat
   * the park, the operation keeps its place in line and decides). If it had been woken, the next one is looked at.
   */
  park(
    queue: Array<Waiter>,
    waiter: Waiter,
    leaveOnInterrupt: boolean,
    onInterrupt?: (() => void) | undefined
  ): Effect.Effect<void, ZMQError> {
    return Effect.callback<void, ZMQError>((resume) => {
      if (this.state._tag === "Closed") return resume(Effect.fail(this.state.error))
      waiter.resume = resume
      waiter.woken = false
      this.reconcile()
      return Effect.sync(() => {
        waiter.resume = undefined
        const woken = waiter.woken
        waiter.woken = false
        if (leaveOnInterrupt) {
          this.leave(queue, waiter)
          onInterrupt?.()
        }
        if (woken) this.schedulePoke()
      })
    })
  }

  /** Takes a waiter out of its queue (its operation completed, failed, timed out or was interrupted). */
  leave(queue: Array<Waiter>, waiter: Waiter): void {
    if (!waiter.queued) return
    waiter.queued = false
    const index = queue.indexOf(waiter)
    if (index < 0) return
    queue.splice(index, 1)
    waiter.resume = undefined
    // the next one in line may be able to proceed now (it never had its own try as the head)
    if (index === 0 && queue.length > 0) {
      queue[0].fruitless = false
      this.schedulePoke()
    }
    this.reconcile()
  }

  /**
   * After a fruitless attempt (EVENTS said ready, the attempt met EAGAIN: ROUTER_MANDATORY or SERVER to a full peer):
   * the waiter keeps the head but is not woken again before the fd signals, or the engine would spin. Others may
   * still proceed: look at EVENTS after this step.
   */
  rewait(queue: Array<Waiter>, waiter: Waiter): void {
    waiter.woken = false
    waiter.fruitless = queue[0] === waiter
    if (waiter.fruitless) this.startFruitlessTimer()
    this.schedulePoke()
  }

  /**
   * A fruitless head waits for the next fd signal, but the engine's own EVENTS read after its attempt may take the
   * edge of the change it waits for (libzmq's EVENTS does not change when one full pipe of a ROUTER_MANDATORY or
   * SERVER socket drains while others had room). So while a head is fruitless, a backing-off timer (1 ms doubling to
   * 50 ms) lets it try again. The fd signal still wakes it at once; the timer only bounds what a lost edge costs, and
   * runs only in this rare state.
   */
  private startFruitlessTimer(): void {
    if (this.fruitlessTimer !== undefined) return
    this.fruitlessTimer = setTimeout(this.onFruitlessTimer, this.fruitlessDelay)
  }

  private readonly onFruitlessTimer = (): void => {
    this.fruitlessTimer = undefined
    this.fruitlessDelay = Math.min(this.fruitlessDelay * 2, 50)
    this.poke()
  }

  private stopFruitlessTimer(): void {
    this.fruitlessDelay = 1
    if (this.fruitlessTimer === undefined) return
    clearTimeout(this.fruitlessTimer)
    this.fruitlessTimer = undefined
  }

  again(operation: string): ZMQError {
    return ZMQError.make("EAGAIN", operation, undefined, undefined, this.eagain)
  }

  private needsPoke(): boolean {
    return this.receivers.length > 0 || this.senders.length > 0 || this.probes.length > 0
  }

  private schedulePoke(): void {
    if (this.pokeScheduled || this.state._tag === "Closed") return
    this.pokeScheduled = true
    queueMicrotask(this.runPoke)
  }

  private readonly runPoke = (): void => {
    this.pokeScheduled = false
    this.look()
  }

  // ---------------------------------------------------------------------------------------------------------------
  // readiness

  /** Called by the fd watch (a new event-loop turn, so the burst budget starts again): something changed. */
  readonly onSignal = (): void => {
    this.burst = 0
    this.poke()
  }

  /**
   * Something may have changed that the fd does not signal (`bind`, `connect`, `subscribe`, the fd itself): every
   * waiter may try again. Reads EVENTS and wakes the head of each ready direction.
   */
  readonly poke = (): void => {
    for (const waiter of this.receivers) waiter.fruitless = false
    for (const waiter of this.senders) waiter.fruitless = false
    this.look()
  }

  /** Reads EVENTS and wakes the head waiter of each direction that is ready, and the probes. Never inside an attempt. */
  private look(): void {
    if (this.state._tag === "Closed" || !this.needsPoke()) return this.reconcile()
    const events = this.readEvents()
    if (events instanceof ZMQError) return this.fail(events)
    this.wake(events)
  }

  private wake(events: number): void {
    const readable = (events & Events.POLLIN) !== 0 || this.returned.length > 0
    if (readable) this.wakeHead(this.receivers)
    if ((events & Events.POLLOUT) !== 0) this.wakeHead(this.senders)
    if (this.probes.length > 0) {
      const ready = readable ? events | Events.POLLIN : events
      for (const probe of this.probes.slice()) {
        if ((probe.mask & ready) === 0) continue
        const index = this.probes.indexOf(probe)
        // a probe resumed before this one may have interrupted it (a race of probes): it is gone already
        if (index < 0) continue
        this.probes.splice(index, 1)
        probe.resume(Effect.succeed(probe.mask & ready))
      }
    }
    this.reconcile()
  }

  private wakeHead(queue: Array<Waiter>): void {
    const head = queue[0]
    if (head === undefined || head.woken || head.fruitless || head.resume === undefined) return
    const resume = head.resume
    head.resume = undefined
    head.woken = true
    // the fiber runs now and makes its attempt in its own step
    resume(Effect.void)
  }

  /**
   * Waits until the socket is ready for any of `mask` (POLLIN, POLLOUT) and succeeds with the ready bits, consuming
   * nothing. With `noblock`, answers at once (possibly 0).
   */
  ready(mask: number, noblock: boolean): Effect.Effect<number, ZMQError> {
    return Effect.suspend(() => {
      if (this.state._tag === "Closed") return Effect.fail(this.state.error)
      const events = this.readEvents()
      if (events instanceof ZMQError) return Effect.fail(events)
      this.afterAttempt()
      const now = this.returned.length > 0 ? events | Events.POLLIN : events
      if ((now & mask) !== 0 || noblock) return Effect.succeed(now & mask)
      return Effect.callback<number, ZMQError>((resume) => {
        if (this.state._tag === "Closed") return resume(Effect.fail(this.state.error))
        const probe: Probe = { mask, resume }
        this.probes.push(probe)
        this.reconcile()
        return Effect.sync(() => {
          const index = this.probes.indexOf(probe)
          if (index >= 0) this.probes.splice(index, 1)
          this.reconcile()
        })
      })
    })
  }

  /** Reads EVENTS (counting given-back messages as POLLIN); waiters that can now proceed are woken after this step. */
  events(operation: string): Effect.Effect<number, ZMQError> {
    return Effect.suspend(() => {
      if (this.state._tag === "Closed") return Effect.fail(this.state.error)
      const events = this.readEvents(operation)
      if (events instanceof ZMQError) return Effect.fail(events)
      // the read may have taken the fd's edge a waiter was counting on
      this.afterAttempt()
      return Effect.succeed(this.returned.length > 0 ? events | Events.POLLIN : events)
    })
  }

  private readEvents(operation = "poll"): number | ZMQError {
    const events = this.binding.events(this.handle)
    return events >= 0 ? events : this.errorOf(-events, operation)
  }

  /** The one place that starts and stops the fd watch: it runs exactly while someone waits. */
  private reconcile(): void {
    const wanted = this.state._tag === "Open" &&
      (this.receivers.length > 0 || this.senders.length > 0 || this.probes.length > 0)
    if (wanted === this.watching || this.watch === undefined) return
    this.watching = wanted
    if (wanted) this.watch.start()
    else this.watch.stop()
  }

  // ---------------------------------------------------------------------------------------------------------------
  // life cycle

  /** Closes the engine: every waiter fails with `error` at once, and every later operation; the watch is released. */
  fail(error: ZMQError): void {
    if (this.state._tag === "Closed") return
    this.state = { _tag: "Closed", error }
    this.returned.length = 0
    const waiters = [...this.receivers.splice(0), ...this.senders.splice(0)]
    const probes = this.probes.splice(0)
    this.watching = false
    this.stopFruitlessTimer()
    this.watch?.close()
    for (const waiter of waiters) {
      waiter.queued = false
      const resume = waiter.resume
      waiter.resume = undefined
      resume?.(Effect.fail(error))
    }
    for (const probe of probes) probe.resume(Effect.fail(error))
  }

  stats(): GreenStats {
    return {
      receivers: this.receivers.length,
      senders: this.senders.length,
      probes: this.probes.length,
      inbox: this.returned.length,
      watching: this.watching,
      receiving: false
    }
  }

  /** The error of an operation on a closed engine, naming that operation. */
  closedFor(operation: string): ZMQError {
    const error = (this.state as { readonly error: ZMQError }).error
    return ZMQError.make(error.code, operation, error.message, undefined, error.errno)
  }

  errorOf(errno: number, operation: string): ZMQError {
    return ZMQError.fromErrno(errno, operation, this.binding)
  }
}

const encoder = new TextEncoder()

/**
 * The binding calls `release` for every attempt (during the call when it copied or the attempt failed, later when
 * libzmq frees a zero-copied buffer): pass on only the release of the attempt that sent, exactly once.
 */
const onceSent = (release: () => void) => {
  const state = {
    calling: false,
    calledDuringCall: false,
    sent: false,
    onRelease: () => {
      if (state.calling) state.calledDuringCall = true
      else if (state.sent) release()
    },
    settle: (sent: boolean) => {
      state.calling = false
      state.sent = sent
      if (sent && state.calledDuringCall) release()
      state.calledDuringCall = false
    }
  }
  return state
}

/** A received frame's properties as `Frame.properties` holds them: the group as bytes (what `join` takes, and RADIO sends). */
const frameProperties = (properties: Binding.FrameProperties): Readonly<Record<string, unknown>> => {
  if (properties.routingId === undefined && properties.group === undefined && properties["User-Id"] === undefined &&
    properties["Peer-Address"] === undefined) return noProperties
  return typeof properties.group === "string" ? { ...properties, group: encoder.encode(properties.group) } : properties as Readonly<Record<string, unknown>>
}


/** What a failed attempt's step threw, if it was a defect (`NOT_READY`, `YIELD` or a `ZMQError`). */
const dieOf = (cause: Cause.Cause<unknown>): unknown => {
  const reason = cause.reasons.length === 1 ? cause.reasons[0] : undefined
  return reason !== undefined && reason._tag === "Die" ? reason.defect : undefined
}

/**
 * The waiting part of one `recv`/`send`, once its first attempt met `EAGAIN`: it queues, parks until the engine wakes
 * it (or its schedule's delay, or its timeout, ends the wait), then attempts again in an `Effect.sync` step of its
 * own, as the first attempt did. Waiting is the only interruptible part, and it has taken nothing.
 */
class Operation<A> {
  private waiter: Waiter | undefined = undefined
  private observer: ((direction: "send" | "recv", millis: number) => void) | undefined = undefined
  private waitingSince = 0
  private step: ((now: number, input: ZMQError) => Effect.Effect<[unknown, Duration.Duration], unknown>) | undefined
  private deadline: number | undefined = undefined
  private readonly engine: GreenSocket
  private readonly queue: Array<Waiter>
  private readonly name: string
  private readonly schedule: Schedule.Schedule<unknown, ZMQError> | undefined
  private readonly timeout: number | undefined
  private readonly attemptEffect: Effect.Effect<A, ZMQError>
  private readonly general: (() => Effect.Effect<A, ZMQError>) | undefined
  /** Run when the operation is interrupted while waiting (a send gives up the frames staged for its message). */
  private readonly onInterrupt: (() => void) | undefined

  constructor(
    engine: GreenSocket,
    queue: Array<Waiter>,
    name: string,
    schedule: Schedule.Schedule<unknown, ZMQError> | undefined,
    timeout: number | undefined,
    attempt: () => A | ZMQError | typeof NOT_READY | typeof DETOUR,
    general?: () => Effect.Effect<A, ZMQError>,
    onInterrupt?: () => void
  ) {
    this.general = general
    this.onInterrupt = onInterrupt
    this.engine = engine
    this.queue = queue
    this.name = name
    this.schedule = schedule
    this.timeout = timeout === undefined || timeout < 0 ? undefined : timeout
    this.attemptEffect = Effect.catchCause(
      Effect.sync(() => {
        this.enter()
        let result: A | ZMQError | typeof NOT_READY | typeof DETOUR
        try {
          result = attempt()
        } catch (defect) {
          // a throwing transform or binding: the waiter must not stay at the head
          this.done()
          throw defect
        }
        if (result === NOT_READY) throw NOT_READY
        this.done()
        if (result === DETOUR || result instanceof ZMQError) throw result
        return result
      }),
      this.onCause
    )
  }

  /** At the start of each attempt: refuse on a closed engine, queue behind earlier waiters. */
  private enter(): void {
    const closed = this.engine.closedError
    if (closed !== undefined) {
      this.done()
      throw closed
    }
    if (!this.engine.canAttempt(this.queue, this.waiter)) throw NOT_READY
  }

  /** The attempt completed (with a value or an error): leave the queue, wake others later. */
  private done(): void {
    if (this.waiter !== undefined) {
      this.engine.leave(this.queue, this.waiter)
      this.waiter = undefined
    }
    if (this.observer !== undefined) {
      const observer = this.observer
      this.observer = undefined
      observer(this.name === "send" ? "send" : "recv", Date.now() - this.waitingSince)
    }
    this.engine.afterAttempt()
  }

  private readonly onCause = (cause: Cause.Cause<never>): Effect.Effect<A, ZMQError> => {
    const defect = dieOf(cause)
    if (defect instanceof ZMQError) return Effect.fail(defect)
    if (defect === DETOUR && this.general !== undefined) return this.general()
    if (defect !== NOT_READY) return Effect.failCause(cause)
    return this.wait()
  }

  /** Queues (or waits again at its place), parks, then attempts. */
  wait(): Effect.Effect<A, ZMQError> {
    const engine = this.engine
    if (this.waiter === undefined) {
      this.waiter = { resume: undefined, woken: false, queued: false, fruitless: false }
      engine.enqueue(this.queue, this.waiter, false)
      this.observer = engine.options.waitObserver?.()
      if (this.observer !== undefined) this.waitingSince = Date.now()
    } else {
      engine.rewait(this.queue, this.waiter)
    }
    return this.waitAgain()
  }

  private waitAgain(): Effect.Effect<A, ZMQError> {
    const engine = this.engine
    const waiter = this.waiter!
    if (this.schedule === undefined && this.timeout === undefined) {
      return Effect.andThen(engine.park(this.queue, waiter, true, this.onInterrupt), this.attemptEffect)
    }
    return Effect.flatMap(Clock.currentTimeMillis, (now) => this.waitWithPolicy(now))
  }

  private waitWithPolicy(now: number): Effect.Effect<A, ZMQError> {
    const engine = this.engine
    const waiter = this.waiter!
    if (this.timeout !== undefined && this.deadline === undefined) this.deadline = now + this.timeout
    const giveUp = (message?: string) =>
      Effect.suspend(() => {
        engine.leave(this.queue, waiter)
        this.waiter = undefined
        return Effect.fail(ZMQError.make("EAGAIN", this.name, message, undefined, engine.again(this.name).errno))
      })
    const bounded = (park: Effect.Effect<void, ZMQError>): Effect.Effect<void, ZMQError> => {
      if (this.deadline === undefined) return park
      const remaining = this.deadline - now
      if (remaining <= 0) return giveUp(`${this.name} timed out after ${this.timeout} ms`)
      return Effect.timeoutOrElse(park, {
        duration: remaining,
        orElse: () => giveUp(`${this.name} timed out after ${this.timeout} ms`)
      })
    }
    // the park may lose to a timeout or a delay: the waiter keeps its place in line, unless the operation itself is
    // interrupted while waiting (the attempt runs after this, outside any wrapper)
    const park = engine.park(this.queue, waiter, false)
    const leaveOnInterrupt = (wait: Effect.Effect<void, ZMQError>) =>
      Effect.onInterrupt(wait, () =>
        Effect.sync(() => {
          engine.leave(this.queue, waiter)
          this.waiter = undefined
          this.onInterrupt?.()
        }))
    if (this.schedule === undefined) return Effect.andThen(leaveOnInterrupt(bounded(park)), this.attemptEffect)
    const withStep = (step: NonNullable<Operation<A>["step"]>): Effect.Effect<A, ZMQError> =>
      step(now, engine.again(this.name)).pipe(
        Effect.matchEffect({
          onFailure: () => giveUp(),
          onSuccess: ([, delay]) =>
            Effect.andThen(
              leaveOnInterrupt(bounded(Duration.isZero(delay) ? park : Effect.raceFirst(park, Effect.sleep(delay)))),
              this.attemptEffect
            )
        })
      )
    if (this.step !== undefined) return withStep(this.step)
    return Effect.flatMap(Schedule.toStep(this.schedule), (step) => {
      this.step = step
      return withStep(step)
    })
  }
}
