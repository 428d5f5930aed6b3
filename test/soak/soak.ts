// The soak (issue 5, part 5): mixed traffic over 50 sockets with random interrupts, for a given time.
//
//   node --expose-gc test/soak/soak.ts [seconds]        (pnpm soak: 600 s; the CI test runs it for 20 s)
//
// 50 sockets: 8 PUSH/PULL, 6 DEALER/ROUTER, 6 PUB/SUB and 5 REQ/REP pairs, over tcp loopback. Every pair has a
// producer (each send in its own fiber; about one in ten is interrupted at once), two or three consumer fibers per
// receiving socket (receives with random timeouts), and a chaos fiber that interrupts random consumers and starts
// new ones. A credit window (a bounded queue) keeps every pair below its high-water mark, so no pattern may drop.
// At the end the producers stop, every successful send must arrive (exactly once, in order per pair, never an
// interrupted one), the consumers stop, and every socket's engine must be idle. Memory (RSS, heap after a full GC)
// is sampled at the start (after a warm-up), every tenth of the run and at the end. The last line on stdout is the
// result as JSON; the exit code is 0 only if every check passed.
import { Effect, Exit, Fiber, Queue, Random, Scope } from "effect"
import { ZmqSocket } from "@effect-zmq/zmq"
import { NodeZmq } from "@effect-zmq/platform-node"

const seconds = Number(process.argv[2] ?? 20)
const WINDOW = 200
const text = new TextEncoder()
const fromText = new TextDecoder()

const gc = (globalThis as { gc?: () => void }).gc
const memory = () => {
  gc?.()
  const usage = process.memoryUsage()
  return { rss: usage.rss, heapUsed: usage.heapUsed }
}
const mb = (bytes: number) => Math.round(bytes / 1048576 * 10) / 10

/** One bit per sequence number: the soak's own bookkeeping stays small (3 bits a message) and is reported. */
class Bits {
  private bytes = new Uint8Array(1024)
  has(i: number): boolean {
    return i >> 3 < this.bytes.length && (this.bytes[i >> 3] & (1 << (i & 7))) !== 0
  }
  add(i: number): void {
    if (i >> 3 >= this.bytes.length) {
      const grown = new Uint8Array(Math.max(this.bytes.length * 2, (i >> 3) + 1))
      grown.set(this.bytes)
      this.bytes = grown
    }
    this.bytes[i >> 3] |= 1 << (i & 7)
  }
  get size(): number {
    return this.bytes.length
  }
}

interface Lane {
  readonly name: string
  readonly sockets: Array<ZmqSocket.ZmqSocket>
  sent: number
  interruptedSends: number
  succeededCount: number
  receivedCount: number
  last: number
  readonly received: Bits
  readonly succeeded: Bits
  readonly interrupted: Bits
}

const problems: Array<string> = []
const counters = { timeouts: 0, interrupts: 0, lazyPirateResets: 0, requests: 0 }

const newLane = (name: string, sockets: Array<ZmqSocket.ZmqSocket>): Lane => ({
  name,
  sockets,
  sent: 0,
  interruptedSends: 0,
  succeededCount: 0,
  receivedCount: 0,
  last: -1,
  received: new Bits(),
  succeeded: new Bits(),
  interrupted: new Bits()
})

/** A one-way pair: producer, consumers, chaos. `decode` reads the sequence number from a received message. */
const oneWay = (
  lane: Lane,
  sender: ZmqSocket.ZmqSocket,
  receiver: ZmqSocket.ZmqSocket,
  decode: (frames: ReadonlyArray<Uint8Array>) => number
) =>
  Effect.gen(function*() {
    const credits = yield* Queue.bounded<number>(WINDOW)
    const record = (frames: ReadonlyArray<Uint8Array>) =>
      Effect.suspend(() => {
        const seq = decode(frames)
        if (seq < 0) return Effect.void // a late PUB/SUB join marker
        if (seq <= lane.last) problems.push(`${lane.name}: ${seq} after ${lane.last}`)
        if (lane.received.has(seq)) problems.push(`${lane.name}: ${seq} received twice`)
        lane.last = seq
        lane.received.add(seq)
        lane.receivedCount++
        return Effect.asVoid(Queue.poll(credits))
      })
    const consumer = Effect.gen(function*() {
      for (;;) {
        const millis = yield* Random.nextIntBetween(0, 8)
        // a taken message is always recorded, even if the fiber is interrupted right after
        const result = yield* Effect.uninterruptibleMask((restore) =>
          restore(receiver.recvMultipart().pipe(Effect.timeoutOption(millis === 0 ? "50 millis" : millis))).pipe(
            Effect.tap((frames) => frames._tag === "Some" ? record(frames.value) : Effect.void)
          )
        )
        if (result._tag === "None") counters.timeouts++
      }
    })
    const producer = Effect.gen(function*() {
      for (let seq = 0;; seq++) {
        yield* Queue.offer(credits, seq)
        const fiber = yield* Effect.forkChild(sender.sendMultipart([text.encode(lane.name), text.encode(String(seq))]), {
          startImmediately: true
        })
        lane.sent++
        if ((yield* Random.nextIntBetween(0, 9)) === 0) {
          yield* Fiber.interrupt(fiber)
          counters.interrupts++
        }
        const exit = yield* Fiber.await(fiber)
        if (Exit.isSuccess(exit)) {
          lane.succeeded.add(seq)
          lane.succeededCount++
        } else {
          lane.interrupted.add(seq)
          lane.interruptedSends++
          yield* Queue.poll(credits)
        }
        if (seq % 32 === 0) yield* Effect.yieldNow
      }
    })
    const consumers: Array<Fiber.Fiber<never, unknown>> = []
    for (let i = 0; i < 3; i++) consumers.push(yield* Effect.forkDetach(consumer))
    const chaos = Effect.gen(function*() {
      for (;;) {
        yield* Effect.sleep(yield* Random.nextIntBetween(1, 20))
        const index = yield* Random.nextIntBetween(0, consumers.length - 1) // inclusive bounds
        yield* Fiber.interrupt(consumers[index])
        counters.interrupts++
        // not a child of this fiber, and not a finalizer per fiber in a long-lived scope: tracked here, stopped at the end
        consumers[index] = yield* Effect.forkDetach(consumer)
      }
    })
    const producerFiber = yield* Effect.forkChild(producer)
    const chaosFiber = yield* Effect.forkChild(chaos)
    return {
      state: () =>
        [...consumers, producerFiber, chaosFiber].map((fiber) => {
          const exit = fiber.pollUnsafe()
          return exit === undefined ? "running" : Exit.isSuccess(exit) ? "done" : String(exit.cause).slice(0, 300)
        }).join(" | "),
      stopProducing: Effect.andThen(Fiber.interrupt(producerFiber), Fiber.interrupt(chaosFiber)),
      stopConsuming: Effect.suspend(() => Fiber.interruptAll(consumers))
    }
  })

const decodeLast = (frames: ReadonlyArray<Uint8Array>) => Number(fromText.decode(frames[frames.length - 1]))

const program = Effect.gen(function*() {
  const lanes: Array<Lane> = []
  const stops: Array<{ state: () => string; stopProducing: Effect.Effect<void>; stopConsuming: Effect.Effect<void> }> = []
  const sockets: Array<ZmqSocket.ZmqSocket> = []
  const make = (type: ZmqSocket.SocketType, options: ZmqSocket.MakeOptions) =>
    Effect.tap(ZmqSocket.make(type, options), (socket) => Effect.sync(() => sockets.push(socket)))

  for (let i = 0; i < 8; i++) {
    const pull = yield* make("PULL", { bind: "tcp://127.0.0.1:*" })
    const push = yield* make("PUSH", { connect: yield* pull.lastEndpoint })
    const lane = newLane(`push-${i}`, [push, pull])
    lanes.push(lane)
    stops.push(yield* oneWay(lane, push, pull, decodeLast))
  }
  for (let i = 0; i < 6; i++) {
    const router = yield* make("ROUTER", { bind: "tcp://127.0.0.1:*" })
    const dealer = yield* make("DEALER", { connect: yield* router.lastEndpoint })
    const lane = newLane(`dealer-${i}`, [dealer, router])
    lanes.push(lane)
    stops.push(yield* oneWay(lane, dealer, router, decodeLast))
  }
  for (let i = 0; i < 6; i++) {
    const pub = yield* make("PUB", { bind: "tcp://127.0.0.1:*" })
    const sub = yield* make("SUB", { SUBSCRIBE: `pub-${i}`, connect: yield* pub.lastEndpoint })
    // PUB/SUB joins late: publish markers until one arrives
    for (;;) {
      yield* pub.sendMultipart([text.encode(`pub-${i}`), text.encode("-1")])
      const got = yield* sub.recvMultipart().pipe(Effect.timeoutOption("20 millis"))
      if (got._tag === "Some") break
    }
    while ((yield* sub.recvMultipart({ flags: 1 }).pipe(Effect.option))._tag === "Some") {
      // drain the markers
    }
    const lane = newLane(`pub-${i}`, [pub, sub])
    lanes.push(lane)
    stops.push(yield* oneWay(lane, pub, sub, decodeLast))
  }

  // REQ/REP: lazy-pirate clients (a timed-out request replaces its socket) against echo servers whose receives are
  // interrupted at random
  const reqFibers: Array<Fiber.Fiber<unknown, unknown>> = []
  const reqSockets: Array<{ current: ZmqSocket.ZmqSocket; scope: Scope.Closeable }> = []
  const reps: Array<ZmqSocket.ZmqSocket> = []
  const servers: Array<{ fiber: Fiber.Fiber<unknown, unknown> }> = []
  for (let i = 0; i < 5; i++) {
    const rep = yield* make("REP", { bind: "tcp://127.0.0.1:*" })
    reps.push(rep)
    const endpoint = yield* rep.lastEndpoint
    const serve = Effect.forever(Effect.uninterruptibleMask((restore) =>
      restore(rep.recv()).pipe(Effect.flatMap((request) => rep.send(request)))
    ))
    const server = { fiber: yield* Effect.forkDetach(serve) }
    servers.push(server)
    reqFibers.push(yield* Effect.forkChild(Effect.forever(Effect.gen(function*() {
      yield* Effect.sleep(yield* Random.nextIntBetween(5, 50))
      yield* Fiber.interrupt(server.fiber)
      counters.interrupts++
      server.fiber = yield* Effect.forkDetach(serve)
    }))))
    // each REQ lives in its own scope: a replaced socket leaves no finalizer behind in the long-lived program scope
    const openReq = Effect.gen(function*() {
      const scope = yield* Scope.make()
      const socket = yield* ZmqSocket.make("REQ", { LINGER: 0, connect: endpoint }).pipe(Scope.provide(scope))
      return { socket, scope }
    })
    const first = yield* openReq
    const holder = { current: first.socket, scope: first.scope }
    sockets.push(holder.current)
    reqSockets.push(holder)
    reqFibers.push(yield* Effect.forkChild(Effect.gen(function*() {
      for (let n = 0;; n++) {
        const body = `req-${i}-${n}`
        yield* holder.current.sendString(body)
        const reply = yield* holder.current.recvString().pipe(Effect.timeoutOption((yield* Random.nextIntBetween(0, 3)) === 0 ? 1 : 500))
        if (reply._tag === "None") {
          counters.lazyPirateResets++
          const old = holder.current
          yield* Scope.close(holder.scope, Exit.void)
          const next = yield* openReq
          holder.current = next.socket
          holder.scope = next.scope
          sockets[sockets.indexOf(old)] = holder.current
        } else {
          counters.requests++
          if (reply.value !== body) problems.push(`REQ ${i}: asked ${body}, answered ${reply.value}`)
        }
      }
    })))
  }
  if (sockets.length !== 50) problems.push(`expected 50 sockets, made ${sockets.length}`)

  // warm up, then measure
  yield* Effect.sleep("2 seconds")
  const start = memory()
  const samples: Array<{ at: number; rss: number; heapUsed: number }> = []
  const startedAt = Date.now()
  const tenth = Math.max(1, Math.floor(seconds * 100))
  while (Date.now() - startedAt < seconds * 1000) {
    yield* Effect.sleep(tenth)
    const m = memory()
    samples.push({ at: Math.round((Date.now() - startedAt) / 1000), rss: mb(m.rss), heapUsed: mb(m.heapUsed) })
  }

  const states = lanes.map((lane, i) => `${lane.name}: ${stops[i].state()}`)
  // stop producing; every successful send must arrive
  yield* Effect.forEach(stops, (s) => s.stopProducing, { discard: true })
  yield* Fiber.interruptAll(reqFibers)
  yield* Fiber.interruptAll(servers.map((server) => server.fiber))
  const deadline = Date.now() + 15_000
  for (const lane of lanes) {
    while (lane.receivedCount < lane.succeededCount && Date.now() < deadline) yield* Effect.sleep(10)
  }
  yield* Effect.forEach(stops, (s) => s.stopConsuming, { discard: true })

  let messages = 0
  let bookkeeping = 0
  for (const lane of lanes) {
    messages += lane.receivedCount
    bookkeeping += lane.received.size + lane.succeeded.size + lane.interrupted.size
    const lost: Array<number> = []
    for (let seq = 0; seq < lane.sent; seq++) {
      if (lane.received.has(seq) && lane.interrupted.has(seq)) problems.push(`${lane.name}: interrupted send ${seq} was delivered`)
      if (lane.succeeded.has(seq) && !lane.received.has(seq)) lost.push(seq)
    }
    if (lost.length > 0) {
      const detail = yield* Effect.forEach(lane.sockets, (socket) =>
        socket.getOption("EVENTS").pipe(
          Effect.map((events) => `${socket.type} events=${events} ${JSON.stringify(socket.stats())}`),
          Effect.orElseSucceed(() => `${socket.type} closed`)
        ))
      problems.push(`${lane.name}: lost ${lost.length} (first ${lost.slice(0, 5).join(", ")}; received ${lane.receivedCount}, last ${lane.last}); ${detail.join("; ")}`)
    }
  }
  // no waiter leaks: with every fiber stopped, every open socket's engine is idle
  for (const socket of new Set([...sockets, ...reqSockets.map((h) => h.current), ...reps])) {
    if (socket.closed) continue
    const stats = socket.stats()
    if (stats.receivers !== 0 || stats.senders !== 0 || stats.probes !== 0 || stats.watching) {
      problems.push(`${socket.type} not idle: ${JSON.stringify(stats)}`)
    }
  }
  const end = memory()
  const result = {
    seconds,
    sockets: sockets.length,
    messages,
    perSecond: Math.round(messages / seconds),
    requests: counters.requests,
    sendsInterrupted: lanes.reduce((n, lane) => n + lane.interruptedSends, 0),
    interrupts: counters.interrupts,
    timeouts: counters.timeouts,
    lazyPirateResets: counters.lazyPirateResets,
    rssStartMB: mb(start.rss),
    rssEndMB: mb(end.rss),
    heapStartMB: mb(start.heapUsed),
    heapEndMB: mb(end.heapUsed),
    bookkeepingMB: mb(bookkeeping),
    samples,
    states: problems.length > 0 ? states.filter((line) => line.includes("|")) : [],
    problems: problems.slice(0, 20),
    ok: problems.length === 0
  }
  return result
}).pipe(Effect.scoped, Effect.provide(NodeZmq.layer()))

Effect.runPromise(program).then(
  (result) => {
    process.stdout.write(`${JSON.stringify(result)}\n`)
    process.exitCode = result.ok ? 0 : 1
  },
  (error) => {
    console.error(error)
    process.exitCode = 2
  }
)
