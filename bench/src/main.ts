// `pnpm bench` (full run) and `pnpm bench:smoke` (a few thousand messages, to keep every path working in CI).
// Runs every benchmark with the systems interleaved, prints the table, and writes results/*.json and an SVG chart.
import { spawnSync } from "node:child_process"
import { mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { cpus, release, totalmem } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import * as zmq from "zeromq"
import { type BenchConfig, full, smoke, type Transport } from "./Config.ts"
import * as EffectZmq from "./EffectZmq.ts"
import { median, summariseLatency } from "./Measure.ts"
import * as Peers from "./Peers.ts"
import type { IdleResult, MemoryResult } from "./probe.ts"
import * as Raw from "./Raw.ts"
import * as RpcBench from "./Rpc.ts"
import {
  BEFORE_RECV,
  BEFORE_SINK_STREAM,
  BEFORE_STREAM,
  chart,
  EFFECT_RECV,
  EFFECT_SINK_STREAM,
  EFFECT_STREAM,
  type FanoutResult,
  RAW,
  type Results,
  sizeLabel,
  table,
  type ThroughputCase
} from "./Report.ts"
import { beforePath, current, type Lib, loadBefore } from "./Systems.ts"

const benchDir = join(dirname(fileURLToPath(import.meta.url)), "..")
const resultsDir = join(benchDir, "results")

interface ThroughputSystem {
  readonly name: string
  readonly run: (transport: Transport, size: number, count: number) => Promise<number>
}

interface LatencySystem {
  readonly name: string
  readonly run: (size: number, roundTrips: number, warmup: number) => Promise<Array<number>>
}

const log = (line: string) => process.stderr.write(`${line}\n`)

/** Peer trials that failed; a failed peer trial is reported and left out rather than ending the whole run. */
const problems: Array<string> = []

const tolerant = <A>(what: string, fallback: A, run: () => A): A => {
  try {
    return run()
  } catch (error) {
    const line = `${what}: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`
    problems.push(line)
    log(`warning: ${line}`)
    return fallback
  }
}

/** Rotates the order of the systems from one trial to the next, so none always runs first (or right after GC). */
const rotate = <A>(items: ReadonlyArray<A>, by: number): Array<A> =>
  items.map((_, i) => items[(i + by) % items.length]!)

const packageVersion = (name: string): string => {
  try {
    const path = join(benchDir, "node_modules", name, "package.json")
    return (JSON.parse(readFileSync(path, "utf8")) as { version: string }).version
  } catch {
    return "?"
  }
}

/** The commit a checkout is at, with "+changes" when its packages/ differ from it (the bench's own files aside). */
const commitOf = (dir: string): string => {
  const head = spawnSync("git", ["-C", dir, "rev-parse", "--short", "HEAD"], { encoding: "utf8" })
  if (head.status !== 0) return "?"
  const dirty = spawnSync("git", ["-C", dir, "status", "--porcelain", "--untracked-files=no", "--", ":/packages"], {
    encoding: "utf8"
  })
  return `${head.stdout.trim()}${dirty.stdout.trim() === "" ? "" : "+changes"}`
}

const machine = (before: string | undefined): Record<string, string | number> => ({
  "effect-zmq": commitOf(benchDir),
  ...(before === undefined ? {} : { before: `${before} at ${commitOf(before)}` }),
  cpu: `${cpus()[0]?.model ?? "?"} x${cpus().length}`,
  memory: `${Math.round(totalmem() / 2 ** 30)} GiB`,
  os: `${process.platform} ${release()}`,
  node: process.version,
  "zeromq.js": packageVersion("zeromq"),
  libzmq: zmq.version,
  effect: packageVersion("effect")
})

const throughputBenchmarks = async (
  config: BenchConfig,
  systems: ReadonlyArray<ThroughputSystem>
): Promise<Array<ThroughputCase>> => {
  log("warming up the JIT ...")
  for (const system of systems) await system.run("tcp", 16, Math.min(5_000, config.throughputCount(16)))
  const cases: Array<ThroughputCase> = []
  for (const transport of config.transports) {
    for (const size of config.sizes) {
      cases.push({ transport, size, count: config.throughputCount(size), trials: {} })
    }
  }
  let trial = 0
  for (let round = 1; round <= config.rounds; round++) {
    for (const c of cases) {
      log(`throughput round ${round}/${config.rounds}: ${c.transport} ${sizeLabel(c.size)}`)
      for (const system of rotate(systems, trial++)) {
        const perSecond = await system.run(c.transport, c.size, c.count)
        ;(c.trials[system.name] ??= []).push(perSecond)
      }
    }
  }
  return cases
}

const latencyBenchmarks = async (config: BenchConfig, systems: ReadonlyArray<LatencySystem>) => {
  const samples = new Map<string, Array<number>>(systems.map((s) => [s.name, []]))
  for (let round = 1; round <= config.rounds; round++) {
    log(`latency round ${round}/${config.rounds}`)
    // the round trips are split over the rounds, exactly
    const perRound = Math.floor((config.latencyRoundTrips * round) / config.rounds) -
      Math.floor((config.latencyRoundTrips * (round - 1)) / config.rounds)
    for (const system of rotate(systems, round)) {
      samples.get(system.name)!.push(...(await system.run(16, perRound, config.latencyWarmup)))
    }
  }
  return systems.map((s) => ({ system: s.name, ...summariseLatency(samples.get(s.name)!) }))
}

const fanoutBenchmarks = async (config: BenchConfig, before: Lib | undefined) => {
  const effect = (name: string, lib: Lib, mode: EffectZmq.ReceiveMode) => ({
    name,
    run: () => EffectZmq.fanout(lib, mode, config.fanoutSubscribers, config.fanoutMessages)
  })
  const systems: ReadonlyArray<{ name: string; run: () => Promise<{ delivered: number; seconds: number }> }> = [
    { name: RAW, run: () => Raw.fanout(config.fanoutSubscribers, config.fanoutMessages) },
    effect(EFFECT_RECV, current, "recv"),
    effect(EFFECT_STREAM, current, "stream"),
    ...(before === undefined ? [] : [effect(BEFORE_RECV, before, "recv"), effect(BEFORE_STREAM, before, "stream")])
  ]
  const runs = new Map<string, Array<{ delivered: number; seconds: number }>>(systems.map((s) => [s.name, []]))
  for (let round = 1; round <= config.rounds; round++) {
    log(`fan-out round ${round}/${config.rounds}`)
    for (const system of rotate(systems, round)) runs.get(system.name)!.push(await system.run())
  }
  return systems.map((s): FanoutResult => {
    const all = runs.get(s.name)!
    const middle = median(all.map((r) => r.delivered / r.seconds))
    const chosen = all.reduce((a, b) =>
      Math.abs(b.delivered / b.seconds - middle) < Math.abs(a.delivered / a.seconds - middle) ? b : a
    )
    return {
      system: s.name,
      subscribers: config.fanoutSubscribers,
      sent: config.fanoutMessages,
      delivered: chosen.delivered,
      seconds: chosen.seconds
    }
  })
}

/** Runs src/probe.ts in a fresh Node process (same binary), so that nothing else uses CPU or memory there. */
const probe = <A>(args: ReadonlyArray<string>): A => {
  const result = spawnSync(process.execPath, ["--expose-gc", join(benchDir, "src", "probe.ts"), ...args], {
    encoding: "utf8",
    timeout: 600_000,
    maxBuffer: 64 * 1024 * 1024
  })
  if (result.status !== 0) throw new Error(`probe ${args.join(" ")} failed (${result.status}): ${result.stderr}`)
  return JSON.parse(result.stdout) as A
}

const main = async () => {
  const config = process.argv.includes("--smoke") ? smoke : full
  const started = new Date()
  log(`effect-zmq benchmarks, ${config.name} run`)
  const root = beforePath()
  // read at the start: the commits that are loaded, not those of the end of the run
  const system = machine(root)

  const skipped: Results["skipped"] = []
  const peers: Array<Peers.Peer> = []
  for (const status of [Peers.libzmq(), Peers.eventlet()]) {
    if (status.available) peers.push(status.peer)
    else {
      skipped.push({ name: status.name, reason: status.reason })
      log(`skipping ${status.name}: ${status.reason}`)
    }
  }

  const before = root === undefined ? undefined : await loadBefore(root)
  if (before === undefined) {
    skipped.push({ name: "effect-zmq before", reason: "EFFECT_ZMQ_BEFORE is not set (see README.md)" })
    log("skipping the earlier effect-zmq: EFFECT_ZMQ_BEFORE is not set")
  } else log(`before: ${root}`)
  const effectThroughput = (lib: Lib, names: readonly [string, string, string]): Array<ThroughputSystem> => [
    { name: names[0], run: (t, s, n) => EffectZmq.throughput(lib, "recv", t, s, n) },
    { name: names[1], run: (t, s, n) => EffectZmq.throughput(lib, "stream", t, s, n) },
    { name: names[2], run: (t, s, n) => EffectZmq.throughput(lib, "stream", t, s, n, "sink") }
  ]

  const throughput = await throughputBenchmarks(config, [
    { name: RAW, run: Raw.throughput },
    ...effectThroughput(current, [EFFECT_RECV, EFFECT_STREAM, EFFECT_SINK_STREAM]),
    ...(before === undefined ? [] : effectThroughput(before, [BEFORE_RECV, BEFORE_STREAM, BEFORE_SINK_STREAM])),
    ...peers.map((peer): ThroughputSystem => ({
      name: peer.name,
      run: async (t, s, n) => tolerant(`${peer.name} throughput ${t} ${s} B`, Number.NaN, () => peer.throughput(t, s, n))
    }))
  ])
  const latency = await latencyBenchmarks(config, [
    { name: RAW, run: Raw.latency },
    { name: EFFECT_RECV, run: (s, n, w) => EffectZmq.latency(current, s, n, w) },
    ...(before === undefined ? [] : [{
      name: BEFORE_RECV,
      run: (s: number, n: number, w: number) => EffectZmq.latency(before, s, n, w)
    }]),
    ...peers.map((peer): LatencySystem => ({
      name: peer.name,
      run: async (s, n, w) => tolerant(`${peer.name} latency`, [], () => peer.latency(s, n, w))
    }))
  ])
  const fanout = await fanoutBenchmarks(config, before)
  const effects = before === undefined ? ["effect"] : ["effect", "before"]
  log("idle CPU ...")
  const idle = ["raw", ...effects].map((system) => probe<IdleResult>(["idle", system, String(config.idleMillis)]))
  log("memory ...")
  const memory = [
    probe<MemoryResult>(["memory", "raw", String(config.memoryMessages), "0"]),
    ...effects.map((system) =>
      probe<MemoryResult>(["memory", system, String(config.memoryMessages), String(config.memoryInterrupts)])
    )
  ]

  const results: Results = {
    date: started.toISOString(),
    config: config.name,
    machine: system,
    skipped,
    problems,
    throughput,
    latency,
    fanout,
    idle,
    memory
  }
  const text = table(results)
  console.log(text)

  mkdirSync(resultsDir, { recursive: true })
  const stamp = started.toISOString().replace(/[:.]/g, "-")
  const prefix = config.name === "smoke" ? "smoke-" : ""
  const files = {
    json: join(resultsDir, `${prefix}bench-${stamp}.json`),
    svg: join(resultsDir, `${prefix}throughput-${stamp}.svg`),
    text: join(resultsDir, `${prefix}bench-${stamp}.txt`)
  }
  writeFileSync(files.json, `${JSON.stringify(results, null, 2)}\n`)
  writeFileSync(files.svg, chart(results))
  writeFileSync(files.text, `${text}\n`)
  // stable names for "the last run", so a person (or a script) can open them without looking up the stamp
  writeFileSync(join(resultsDir, `${prefix}latest.json`), `${JSON.stringify(results, null, 2)}\n`)
  writeFileSync(join(resultsDir, `${prefix}throughput.svg`), chart(results))
  console.log(`\nwrote ${files.json}\n      ${files.svg}\n      ${files.text}`)
  // Effect RPC over ZeroMQ against Effect's own socket protocol (bench/src/Rpc.ts); its own table and results file
  await RpcBench.main(config.name, resultsDir)
}

main().catch((error) => {
  console.error(error)
  process.exitCode = 1
})
