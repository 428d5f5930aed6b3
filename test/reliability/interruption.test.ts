/**
 * Property tests of interruption (issue 5, part 1). Random schedules of sends, receives, timeouts, races between
 * sockets, fiber interrupts and early closes run over PUSH/PULL, DEALER/ROUTER and PUB/SUB (two senders, two
 * receivers, tcp or inproc, small or default high-water marks) and over REQ/REP (a lazy-pirate client against a
 * server whose receives are interrupted). After each schedule:
 *
 * - every message is received at most once (per receiver for PUB/SUB), in send order per sending peer;
 * - every received message belongs to a send whose fiber succeeded: an interrupted (or failed) send is never
 *   delivered;
 * - every successful send is received, exactly once, where the pattern guarantees delivery (no receiver was
 *   closed; PUB/SUB below its high-water mark);
 * - every fiber waiting on a socket ends promptly when the socket closes;
 * - once every waiter is gone, each open socket's engine is idle: no waiters, no probes, no undelivered message in
 *   its inbox, no fd watch.
 *
 * Schedules come from `it.prop` (effect's `Arbitrary`, which @effect/vitest 4 uses in place of fast-check): on a
 * failure the report carries the shrunk schedule and a replay token, and the seed is printed; set
 * `ZMQ_PROP_SEED=<seed>` to rerun the same schedules.
 */
import { describe, expect, it } from "@effect/vitest"
import { Arbitrary, Cause, Effect, Exit, Fiber, Queue, Schema } from "effect"
import { ZMQError, ZmqSocket } from "@effect-zmq/zmq"
import { NodeZmq } from "@effect-zmq/platform-node"
import { describeStats, idle, isInterrupted, stuck } from "./harness.ts"

const seed = Number(process.env.ZMQ_PROP_SEED ?? Math.floor(Math.random() * 2 ** 31))
const RUNS = Number(process.env.ZMQ_PROP_RUNS ?? 20)

const propOptions = (runs = RUNS) => ({
  timeout: 60_000,
  arbitrary: { runs, seed, size: 48, maxShrinks: 30 }
})

const OPS = [
  "send",
  "send",
  "send",
  "send",
  "send",
  "recv",
  "recv",
  "race",
  "tick",
  "sendInterrupt",
  "recvInterrupt",
  "sendNoblock",
  "sendInterrupt",
  "recv",
  "recv",
  "recvTimeout",
  "recvInterrupt",
  "recvNoblock",
  "race",
  "interruptPending",
  "tick",
  "rcvtimeo",
  "closeSender",
  "closeReceiver"
] as const
type OpName = (typeof OPS)[number]

const opArbitrary = Arbitrary.schema(Schema.Tuple([Schema.Literals(OPS), Schema.Int, Schema.Int]))
const scheduleArbitrary = Arbitrary.array(opArbitrary, { minLength: 1, maxLength: 48 })
const configArbitrary = Arbitrary.schema(Schema.Tuple([Schema.Boolean, Schema.Boolean]))

const mod = (n: number, m: number) => ((n % m) + m) % m
const text = new TextEncoder()
const fromText = new TextDecoder()

type Pattern = "PUSH/PULL" | "DEALER/ROUTER" | "PUB/SUB"

interface Topology {
  readonly senders: ReadonlyArray<ZmqSocket.ZmqSocket>
  readonly receivers: ReadonlyArray<ZmqSocket.ZmqSocket>
  /** "one": each message goes to exactly one receiver; "all": to every receiver. */
  readonly fanout: "one" | "all"
}

let endpointCounter = 0

const setUp = (pattern: Pattern, inproc: boolean, smallHwm: boolean) =>
  Effect.gen(function*() {
    const hwm = smallHwm && pattern !== "PUB/SUB" ? { SNDHWM: 2, RCVHWM: 2 } : {}
    const [senderType, receiverType] = pattern.split("/") as [ZmqSocket.SocketType, ZmqSocket.SocketType]
    const bindSide = pattern === "PUB/SUB" ? "senders" : "receivers"
    const endpoint = () => inproc ? `inproc://interruption-${process.pid}-${++endpointCounter}` : "tcp://127.0.0.1:*"
    const binders: Array<ZmqSocket.ZmqSocket> = []
    const endpoints: Array<string> = []
    for (let i = 0; i < 2; i++) {
      const type = bindSide === "senders" ? senderType : receiverType
      const socket = yield* ZmqSocket.make(type, {
        ...hwm,
        LINGER: 1000,
        ...(type === "SUB" ? { SUBSCRIBE: "" } : {}),
        bind: endpoint()
      })
      binders.push(socket)
      endpoints.push(yield* socket.lastEndpoint)
    }
    const connectors: Array<ZmqSocket.ZmqSocket> = []
    for (let i = 0; i < 2; i++) {
      const type = bindSide === "senders" ? receiverType : senderType
      connectors.push(
        yield* ZmqSocket.make(type, {
          ...hwm,
          LINGER: 1000,
          ...(type === "DEALER" ? { ROUTING_ID: `peer-${i}` } : {}),
          ...(type === "SUB" ? { SUBSCRIBE: "" } : {}),
          connect: endpoints
        })
      )
    }
    const topology: Topology = bindSide === "senders"
      ? { senders: binders, receivers: connectors, fanout: "all" }
      : { senders: connectors, receivers: binders, fanout: "one" }
    if (pattern === "PUB/SUB") yield* awaitSubscriptions(topology)
    return topology
  })

/** PUB/SUB joins late: publish markers until every subscriber has one from every publisher, then drain them. */
const awaitSubscriptions = (topology: Topology) =>
  Effect.gen(function*() {
    for (let s = 0; s < topology.senders.length; s++) {
      for (const receiver of topology.receivers) {
        for (;;) {
          yield* topology.senders[s].sendMultipart([text.encode(`marker`), text.encode(String(s))])
          const got = yield* receiver.recvMultipart().pipe(Effect.timeoutOption("20 millis"))
          if (got._tag === "Some" && fromText.decode(got.value[1]) === String(s)) break
        }
      }
    }
    // markers still in flight are skipped by `decodeMessage`
  })

interface Message {
  readonly peer: number
  readonly seq: number
}

const decodeMessage = (frames: ReadonlyArray<Uint8Array>): Message | undefined => {
  const head = fromText.decode(frames[frames.length - 2])
  if (head === "marker") return undefined
  return { peer: Number(head), seq: Number(fromText.decode(frames[frames.length - 1])) }
}

interface Received {
  readonly receiver: number
  readonly message: Message
}

const runSchedule = (pattern: Pattern, ops: ReadonlyArray<readonly [OpName, number, number]>, inproc: boolean, smallHwm: boolean) =>
  Effect.gen(function*() {
    const topology = yield* setUp(pattern, inproc, smallHwm)
    const { receivers, senders } = topology
    const received: Array<Received> = []
    const arrivals = yield* Queue.unbounded<Received>()
    const sends: Array<{ readonly message: Message; readonly fiber: Fiber.Fiber<void, ZMQError> }> = []
    const pendingRecvs: Array<{ readonly receivers: ReadonlyArray<number>; readonly fiber: Fiber.Fiber<unknown, unknown> }> = []
    const closedSenders = new Set<number>()
    const closedReceivers = new Set<number>()
    let seq = 0

    const record = (receiver: number, frames: ReadonlyArray<Uint8Array>) =>
      Effect.sync(() => {
        const message = decodeMessage(frames)
        if (message === undefined) return
        const entry = { receiver, message }
        received.push(entry)
        Queue.offerUnsafe(arrivals, entry)
      })
    /** A receive whose message, once taken, is always recorded (even if the fiber is interrupted right after). */
    const recvOne = (r: number, wrap: <A, E>(self: Effect.Effect<A, E>) => Effect.Effect<A, E | Cause.TimeoutError> = (self) => self) =>
      Effect.uninterruptibleMask((restore) =>
        restore(wrap(receivers[r].recvMultipart())).pipe(Effect.tap((frames) => record(r, frames)))
      )
    const send = (s: number, noblock: boolean) =>
      Effect.gen(function*() {
        const message = { peer: s, seq: seq++ }
        const fiber = yield* Effect.forkChild(
          senders[s].sendMultipart([text.encode(String(s)), text.encode(String(message.seq))], {
            flags: noblock ? 1 : 0
          }),
          { startImmediately: true }
        )
        sends.push({ message, fiber })
        return fiber
      })
    const forkRecv = (r: number | ReadonlyArray<number>, effect: Effect.Effect<unknown, unknown>) =>
      Effect.gen(function*() {
        const fiber = yield* Effect.forkChild(effect, { startImmediately: true })
        pendingRecvs.push({ receivers: typeof r === "number" ? [r] : r, fiber })
        return fiber
      })

    for (const [name, a, b] of ops) {
      const s = mod(a, senders.length)
      const r = mod(a, receivers.length)
      switch (name) {
        case "send":
          // a burst of sends from one peer, each in its own fiber, in order
          for (let i = 0; i <= mod(b, 6); i++) yield* send(s, false)
          break
        case "sendNoblock":
          yield* send(s, true)
          break
        case "sendInterrupt": {
          const fiber = yield* send(s, false)
          for (let i = 0; i < mod(b, 3); i++) yield* Effect.yieldNow
          yield* Fiber.interrupt(fiber)
          break
        }
        case "recv":
          yield* forkRecv(r, recvOne(r))
          break
        case "recvTimeout":
          yield* forkRecv(r, recvOne(r, (self) => Effect.timeout(self, mod(b, 4))))
          break
        case "recvNoblock":
          yield* forkRecv(
            r,
            Effect.uninterruptibleMask((restore) =>
              restore(receivers[r].recvMultipart({ flags: 1 })).pipe(Effect.tap((frames) => record(r, frames)))
            )
          )
          break
        case "recvInterrupt": {
          const fiber = yield* forkRecv(r, recvOne(r))
          for (let i = 0; i < mod(b, 3); i++) yield* Effect.yieldNow
          yield* Fiber.interrupt(fiber)
          break
        }
        case "race": {
          // a race between the two receivers: the loser is interrupted; a loser that had already taken its message
          // still records it (the engine hands a taken message to its fiber in the same step)
          yield* forkRecv([0, 1], Effect.race(recvOne(0), recvOne(1)))
          break
        }
        case "interruptPending": {
          const live = pendingRecvs.filter((p) => p.fiber.pollUnsafe() === undefined)
          if (live.length > 0) yield* Fiber.interrupt(live[mod(b, live.length)].fiber)
          break
        }
        case "tick":
          if (mod(b, 2) === 0) yield* Effect.yieldNow
          else yield* Effect.sleep(1)
          break
        case "rcvtimeo": {
          // the socket's own receive timeout: a wait longer than RCVTIMEO fails with EAGAIN
          yield* receivers[r].setOption("RCVTIMEO", mod(b, 3)).pipe(Effect.ignore)
          yield* forkRecv(r, recvOne(r))
          yield* receivers[r].setOption("RCVTIMEO", -1).pipe(Effect.ignore)
          break
        }
        case "closeSender": {
          closedSenders.add(s)
          yield* senders[s].close
          // every send waiting on it ends now (failed with ENOTSOCK: never delivered)
          const waiting = sends.filter((x) => x.message.peer === s).map((x) => x.fiber)
          const left = yield* stuck(waiting, 2000)
          if (left.length > 0) return yield* Effect.die(new Error(`${left.length} send(s) still suspended after close`))
          break
        }
        case "closeReceiver": {
          closedReceivers.add(r)
          yield* receivers[r].close
          // every fiber waiting on it (only) ends now
          const waiting = pendingRecvs.filter((p) => p.receivers.every((x) => closedReceivers.has(x))).map((p) => p.fiber)
          const left = yield* stuck(waiting, 2000)
          if (left.length > 0) return yield* Effect.die(new Error(`${left.length} receive(s) still suspended after close`))
          break
        }
      }
    }

    // drain: keep receiving on every open receiver
    const openReceivers = receivers.map((_, r) => r).filter((r) => !closedReceivers.has(r))
    const drains = yield* Effect.forEach(openReceivers, (r) => Effect.forkChild(Effect.forever(recvOne(r)), { startImmediately: true }))
    // sends settle: with an open receiver they complete; with none (or only closed senders) they cannot, and are
    // interrupted (so they must never be delivered)
    if (openReceivers.length > 0) {
      const left = yield* stuck(sends.map((x) => x.fiber), 5000)
      if (left.length > 0) {
        return yield* Effect.die(new Error(`${left.length} send(s) still suspended with an open receiver: ${senders.map(describeStats).join(", ")}`))
      }
    } else {
      yield* Fiber.interruptAll(sends.map((x) => x.fiber))
    }
    const exits = new Map<string, Exit.Exit<void, ZMQError>>()
    for (const { fiber, message } of sends) exits.set(`${message.peer}:${message.seq}`, yield* Fiber.await(fiber))
    const delivered = sends.filter(({ message }) => Exit.isSuccess(exits.get(`${message.peer}:${message.seq}`)!))

    const guaranteed = closedReceivers.size === 0
    if (guaranteed) {
      const expected = delivered.length * (topology.fanout === "all" ? receivers.length : 1)
      let count = received.length
      const all = Effect.gen(function*() {
        while (count < expected) {
          yield* Queue.take(arrivals)
          count++
        }
      })
      // the queue also holds what arrived before: count only what is new
      yield* Queue.clear(arrivals)
      const done = yield* all.pipe(Effect.timeoutOption("5 seconds"))
      if (done._tag === "None") {
        return yield* Effect.die(
          new Error(`lost messages: ${received.length} of ${expected} received; ${receivers.map(describeStats).join(", ")}`)
        )
      }
    } else {
      // at most once: take what still arrives, then stop
      for (;;) {
        const next = yield* Queue.take(arrivals).pipe(Effect.timeoutOption("50 millis"))
        if (next._tag === "None") break
      }
    }

    // stop every waiter; the open sockets' engines must then be idle
    yield* Fiber.interruptAll(drains)
    yield* Fiber.interruptAll(pendingRecvs.map((p) => p.fiber))
    const busy = [...senders.filter((_, s) => !closedSenders.has(s)), ...receivers.filter((_, r) => !closedReceivers.has(r))]
      .filter((socket) => !idle(socket))
    if (busy.length > 0) return yield* Effect.die(new Error(`engines not idle: ${busy.map(describeStats).join(", ")}`))

    // invariants
    const sentOk = new Set(delivered.map(({ message }) => `${message.peer}:${message.seq}`))
    const seen = new Set<string>()
    const lastSeq = new Map<string, number>()
    for (const { message, receiver } of received) {
      const id = `${message.peer}:${message.seq}`
      const exit = exits.get(id)
      if (exit === undefined) return yield* Effect.die(new Error(`received ${id}, which was never sent`))
      if (!sentOk.has(id)) {
        return yield* Effect.die(
          new Error(`received ${id}, whose send did not succeed (${isInterrupted(exit) ? "interrupted" : "failed"})`)
        )
      }
      const key = topology.fanout === "all" ? `${receiver}/${id}` : id
      if (seen.has(key)) return yield* Effect.die(new Error(`received ${id} twice`))
      seen.add(key)
      const lane = `${receiver}/${message.peer}`
      if ((lastSeq.get(lane) ?? -1) > message.seq) {
        return yield* Effect.die(new Error(`out of order from peer ${message.peer} at receiver ${receiver}: ${message.seq} after ${lastSeq.get(lane)}`))
      }
      lastSeq.set(lane, message.seq)
    }
    if (guaranteed) {
      const expected = delivered.length * (topology.fanout === "all" ? receivers.length : 1)
      expect(received.length).toBe(expected)
    }

    // closing every socket ends every fiber
    yield* Effect.forEach([...senders, ...receivers], (socket) => socket.close, { discard: true })
    const left = yield* stuck([...sends.map((x) => x.fiber), ...pendingRecvs.map((p) => p.fiber)], 2000)
    if (left.length > 0) return yield* Effect.die(new Error(`${left.length} fiber(s) suspended after close`))
    if (process.env.ZMQ_PROP_DEBUG) {
      console.log(`${pattern} inproc=${inproc} hwm=${smallHwm} ops=${ops.length} sent=${delivered.length}/${sends.length} received=${received.length} closed=${closedSenders.size}/${closedReceivers.size}`)
    }
    return true
  }).pipe(Effect.scoped, Effect.provide(NodeZmq.layer()))

const REQ_OPS = ["request", "request", "request", "requestTimeout", "sendInterrupt", "recvInterrupt", "serverInterrupt", "tick"] as const
type ReqOpName = (typeof REQ_OPS)[number]
const reqScheduleArbitrary = Arbitrary.array(
  Arbitrary.schema(Schema.Tuple([Schema.Literals(REQ_OPS), Schema.Int])),
  { minLength: 1, maxLength: 40 }
)

/**
 * REQ/REP: a lazy-pirate client (a timed-out request closes and replaces its REQ socket) against an echoing REP
 * server whose waiting receives are interrupted at random. Every reply answers its own request; a request whose
 * send was interrupted never reaches the server; no request reaches it twice.
 */
const runRequests = (ops: ReadonlyArray<readonly [ReqOpName, number]>, inproc: boolean) =>
  Effect.gen(function*() {
    const rep = yield* ZmqSocket.make("REP", { bind: inproc ? `inproc://req-${process.pid}-${++endpointCounter}` : "tcp://127.0.0.1:*" })
    const endpoint = yield* rep.lastEndpoint
    const served: Array<number> = []
    const serveOne = Effect.uninterruptibleMask((restore) =>
      restore(rep.recv()).pipe(
        Effect.flatMap((request) => {
          served.push(Number(fromText.decode(request)))
          return rep.send(request)
        })
      )
    )
    let server = yield* Effect.forkChild(Effect.forever(serveOne), { startImmediately: true })
    const clients: Array<ZmqSocket.ZmqSocket> = []
    const newClient = Effect.gen(function*() {
      const req = yield* ZmqSocket.make("REQ", { LINGER: 0, connect: endpoint })
      clients.push(req)
      return req
    })
    let req = yield* newClient
    const interrupted = new Set<number>()
    const answered = new Set<number>()
    let seq = 0
    const replace = Effect.gen(function*() {
      yield* req.close
      req = yield* newClient
    })
    /** Waits for the reply to `id` (bounded by `millis`); a timeout replaces the socket (lazy pirate). */
    const awaitReply = (id: number, millis: number | undefined) =>
      Effect.gen(function*() {
        const reply = millis === undefined
          ? yield* Effect.map(req.recv(), (bytes) => ({ _tag: "Some" as const, value: bytes }))
          : yield* req.recv().pipe(Effect.timeoutOption(millis))
        if (reply._tag === "None") return yield* replace
        const answer = Number(fromText.decode(reply.value))
        if (answer !== id) return yield* Effect.die(new Error(`request ${id} answered with ${answer}`))
        answered.add(id)
      })

    for (const [name, a] of ops) {
      switch (name) {
        case "request": {
          const id = seq++
          yield* req.send(text.encode(String(id)))
          yield* awaitReply(id, 2000)
          if (!answered.has(id)) return yield* Effect.die(new Error(`request ${id} unanswered by a live server`))
          break
        }
        case "requestTimeout": {
          const id = seq++
          yield* req.send(text.encode(String(id)))
          yield* awaitReply(id, mod(a, 3))
          break
        }
        case "sendInterrupt": {
          const id = seq++
          const fiber = yield* Effect.forkChild(req.send(text.encode(String(id))), { startImmediately: true })
          for (let i = 0; i < mod(a, 2); i++) yield* Effect.yieldNow
          yield* Fiber.interrupt(fiber)
          const exit = yield* Fiber.await(fiber)
          if (Exit.isSuccess(exit)) yield* awaitReply(id, 2000)
          else interrupted.add(id)
          break
        }
        case "recvInterrupt": {
          // an interrupted receive leaves the reply for the next one
          const id = seq++
          yield* req.send(text.encode(String(id)))
          const fiber = yield* Effect.forkChild(req.recv(), { startImmediately: true })
          for (let i = 0; i < mod(a, 3); i++) yield* Effect.yieldNow
          yield* Fiber.interrupt(fiber)
          const exit = yield* Fiber.await(fiber)
          if (Exit.isSuccess(exit)) {
            if (Number(fromText.decode(exit.value)) !== id) return yield* Effect.die(new Error(`request ${id} answered wrongly`))
            answered.add(id)
          } else {
            yield* awaitReply(id, 2000)
          }
          break
        }
        case "serverInterrupt":
          yield* Fiber.interrupt(server)
          server = yield* Effect.forkChild(Effect.forever(serveOne), { startImmediately: true })
          break
        case "tick":
          yield* Effect.yieldNow
          break
      }
    }
    for (const id of interrupted) {
      if (served.includes(id)) return yield* Effect.die(new Error(`request ${id}, whose send was interrupted, reached the server`))
    }
    if (new Set(served).size !== served.length) return yield* Effect.die(new Error(`a request was served twice: ${served}`))
    yield* Fiber.interrupt(server)
    const busy = [rep, req].filter((socket) => !idle(socket))
    if (busy.length > 0) return yield* Effect.die(new Error(`engines not idle: ${busy.map(describeStats).join(", ")}`))
    for (const client of clients) yield* client.close
    yield* rep.close
    return true
  }).pipe(Effect.scoped, Effect.provide(NodeZmq.layer()))

/** Prints the seed once per failed test (the property callback runs once per schedule). */
const printSeedOnFailure = (name: string, ctx: { readonly onTestFailed: (f: () => void) => void }) => {
  const registered = printSeedOnFailure.done
  if (registered.has(name)) return
  registered.add(name)
  ctx.onTestFailed(() => {
    console.error(`[${name}] failed; seed ${seed} (rerun with ZMQ_PROP_SEED=${seed})`)
  })
}
printSeedOnFailure.done = new Set<string>()

describe("interruption properties", () => {
  // Regression (found by the soak): the engine's burst budget yields once every 64 operations; a send that was
  // attempted *before* that yield could be interrupted in the yield after its message had gone.
  it.live("a send interrupted at once is never delivered, over more than one burst budget", () =>
    Effect.gen(function*() {
      const pull = yield* ZmqSocket.make("PULL", { bind: "tcp://127.0.0.1:*" })
      const push = yield* ZmqSocket.make("PUSH", { connect: yield* pull.lastEndpoint })
      yield* push.sendString("connected")
      expect(fromText.decode(yield* pull.recv())).toBe("connected")
      const exits: Array<Exit.Exit<void, ZMQError>> = []
      for (let seq = 0; seq < 300; seq++) {
        const fiber = yield* Effect.forkChild(push.send(text.encode(String(seq))), { startImmediately: true })
        yield* Fiber.interrupt(fiber)
        exits.push(yield* Fiber.await(fiber))
      }
      yield* push.sendString("end")
      for (;;) {
        const message = fromText.decode(yield* pull.recv().pipe(Effect.timeout("5 seconds")))
        if (message === "end") break
        const exit = exits[Number(message)]
        expect({ seq: message, delivered: true, interrupted: isInterrupted(exit) }).toEqual({ seq: message, delivered: true, interrupted: false })
      }
    }).pipe(Effect.scoped, Effect.provide(NodeZmq.layer())))

  for (const pattern of ["PUSH/PULL", "DEALER/ROUTER", "PUB/SUB"] as const) {
    it.live.prop(
      `${pattern}: random sends, receives, timeouts, races, interrupts and closes lose and duplicate nothing`,
      [scheduleArbitrary, configArbitrary],
      ([ops, [inproc, smallHwm]], ctx) => {
        printSeedOnFailure(pattern, ctx)
        return runSchedule(pattern, ops, inproc, smallHwm)
      },
      propOptions()
    )
  }

  it.live.prop(
    "REQ/REP: a lazy-pirate client and an interrupted server never mix up replies",
    [reqScheduleArbitrary, Arbitrary.schema(Schema.Boolean)],
    ([ops, inproc], ctx) => {
      printSeedOnFailure("REQ/REP", ctx)
      return runRequests(ops, inproc)
    },
    propOptions()
  )
})
