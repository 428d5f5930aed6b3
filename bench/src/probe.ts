// Child-process probes, so that CPU and memory are measured in a process that runs nothing else:
//   node --expose-gc src/probe.ts idle effect|before|raw MILLIS
//   node --expose-gc src/probe.ts memory effect|before|raw MESSAGES INTERRUPTS
// `before` is the earlier effect-zmq named by EFFECT_ZMQ_BEFORE (see Systems.ts).
// Each prints one JSON object on stdout and exits on its own.
import * as zmq from "zeromq"
import { payload } from "./Measure.ts"
import { beforePath, current, type Lib, loadBefore } from "./Systems.ts"

export interface IdleResult {
  readonly system: string
  readonly millis: number
  /** user + system CPU seconds while one receive waited with nobody sending. */
  readonly cpuSeconds: number
  /** The same, as a fraction of one core. */
  readonly coreFraction: number
}

export interface MemorySample {
  readonly rss: number
  readonly heapUsed: number
}

export interface MemoryResult {
  readonly system: string
  readonly messages: number
  readonly interrupts: number
  readonly before: MemorySample
  readonly afterMessages: MemorySample
  readonly afterInterrupts: MemorySample | undefined
  /** Waiting receivers the engine still holds after the interrupted receives (should be 0). */
  readonly leftoverWaiters: number | undefined
}

const collect = (): MemorySample => {
  // two passes: the first may only queue finalizers and weak callbacks
  globalThis.gc?.()
  globalThis.gc?.()
  const usage = process.memoryUsage()
  return { rss: usage.rss, heapUsed: usage.heapUsed }
}

const cpuSecondsOver = async (millis: number): Promise<number> => {
  const before = process.cpuUsage()
  await new Promise((resolve) => setTimeout(resolve, millis))
  const used = process.cpuUsage(before)
  return (used.user + used.system) / 1e6
}

const idleEffect = ({ Effect, Fiber, NodeZmq, ZmqSocket, name }: Lib, millis: number): Promise<IdleResult> =>
  Effect.runPromise(Effect.scoped(Effect.gen(function*() {
    const pull = yield* ZmqSocket.make("PULL", { bind: "tcp://127.0.0.1:*" })
    const waiting = yield* Effect.forkChild(pull.recv())
    yield* Effect.sleep("50 millis") // let the receive start waiting
    const cpuSeconds = yield* Effect.promise(() => cpuSecondsOver(millis))
    yield* Fiber.interrupt(waiting)
    return { system: name, millis, cpuSeconds, coreFraction: cpuSeconds / (millis / 1000) }
  })).pipe(Effect.provide(NodeZmq.layer())))

const idleRaw = async (millis: number): Promise<IdleResult> => {
  const pull = new zmq.Pull()
  await pull.bind("tcp://127.0.0.1:*")
  const waiting = pull.receive().catch(() => undefined)
  await new Promise((resolve) => setTimeout(resolve, 50))
  const cpuSeconds = await cpuSecondsOver(millis)
  pull.close()
  await waiting
  return { system: "raw zeromq.js", millis, cpuSeconds, coreFraction: cpuSeconds / (millis / 1000) }
}

/** 16-byte messages PUSH → PULL over TCP with the plain recv loop, then receives interrupted while waiting. */
const memoryEffect = (
  { Effect, Fiber, NodeZmq, ZmqSocket, name }: Lib,
  messages: number,
  interrupts: number
): Promise<MemoryResult> =>
  Effect.runPromise(Effect.scoped(Effect.gen(function*() {
    const pull = yield* ZmqSocket.make("PULL", { bind: "tcp://127.0.0.1:*" })
    const push = yield* ZmqSocket.make("PUSH", { connect: yield* pull.lastEndpoint })
    const data = payload(16)
    yield* push.send(data)
    yield* pull.recv()
    const before = collect()
    const sender = yield* Effect.forkChild(Effect.gen(function*() {
      for (let i = 0; i < messages; i++) yield* push.send(data)
    }))
    for (let i = 0; i < messages; i++) yield* pull.recv()
    yield* Fiber.join(sender)
    const afterMessages = collect()
    for (let i = 0; i < interrupts; i++) {
      const waiting = yield* Effect.forkChild(pull.recv())
      yield* Effect.yieldNow // the receive registers as a waiter
      yield* Fiber.interrupt(waiting)
    }
    const afterInterrupts = collect()
    return {
      system: name,
      messages,
      interrupts,
      before,
      afterMessages,
      afterInterrupts,
      leftoverWaiters: pull.stats().receivers
    }
  })).pipe(Effect.provide(NodeZmq.layer())))

/** The same traffic with raw zeromq.js, for reference (a zeromq.js receive cannot be interrupted). */
const memoryRaw = async (messages: number): Promise<MemoryResult> => {
  const pull = new zmq.Pull()
  const push = new zmq.Push()
  await pull.bind("tcp://127.0.0.1:*")
  push.connect(pull.lastEndpoint!)
  const data = payload(16)
  await push.send(data)
  await pull.receive()
  const before = collect()
  const sending = (async () => {
    for (let i = 0; i < messages; i++) await push.send(data)
  })()
  for (let i = 0; i < messages; i++) await pull.receive()
  await sending
  const afterMessages = collect()
  push.close()
  pull.close()
  return {
    system: "raw zeromq.js",
    messages,
    interrupts: 0,
    before,
    afterMessages,
    afterInterrupts: undefined,
    leftoverWaiters: undefined
  }
}

const lib = async (system: string | undefined): Promise<Lib> => {
  if (system === "effect") return current
  const root = beforePath()
  if (system === "before" && root !== undefined) return loadBefore(root)
  throw new Error(`unknown system ${system} (before needs EFFECT_ZMQ_BEFORE)`)
}

const main = async (): Promise<unknown> => {
  const [kind, system, a, b] = process.argv.slice(2)
  if (kind === "idle") return system === "raw" ? idleRaw(Number(a)) : idleEffect(await lib(system), Number(a))
  if (kind === "memory") {
    return system === "raw" ? memoryRaw(Number(a)) : memoryEffect(await lib(system), Number(a), Number(b))
  }
  throw new Error(`unknown probe ${kind}`)
}

main().then(
  (result) => process.stdout.write(`${JSON.stringify(result)}\n`),
  (error) => {
    console.error(error)
    process.exitCode = 1
  }
)
