// The peers outside Node: a C libzmq program (the physical ceiling) and eventlet.green.zmq. Each is used when its
// tools are installed and skipped, with the reason, when they are not; the benchmark never installs anything.
import { spawnSync } from "node:child_process"
import { mkdirSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import type { Transport } from "./Config.ts"
import { bindEndpoint } from "./Measure.ts"

const benchDir = join(dirname(fileURLToPath(import.meta.url)), "..")
const peersDir = join(benchDir, "peers")
/** Build output lives under results/ (gitignored), never next to the sources. */
const buildDir = join(benchDir, "results", "build")

export interface Peer {
  readonly name: string
  readonly throughput: (transport: Transport, size: number, count: number) => number
  readonly latency: (size: number, roundTrips: number, warmup: number) => Array<number>
}

export type PeerStatus =
  | { readonly available: true; readonly peer: Peer }
  | { readonly available: false; readonly name: string; readonly reason: string }

const run = (command: string, args: ReadonlyArray<string>, timeoutMillis: number) =>
  spawnSync(command, args, { encoding: "utf8", timeout: timeoutMillis, maxBuffer: 64 * 1024 * 1024 })

/** Runs a peer program and parses the one JSON line it prints. */
const runPeer = <A>(command: string, args: ReadonlyArray<string>): A => {
  // a trial that needs more than a minute is stuck (the slowest peer trial takes a few seconds)
  const result = run(command, args, 60_000)
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(" ")} failed (${result.status ?? result.signal}): ${result.stderr}`)
  }
  return JSON.parse(result.stdout) as A
}

const makePeer = (name: string, command: string, prefix: ReadonlyArray<string>): Peer => ({
  name,
  throughput: (transport, size, count) => {
    const { cleanup, endpoint } = bindEndpoint(transport)
    try {
      return runPeer<{ perSecond: number }>(command, [...prefix, "throughput", endpoint, String(size), String(count)])
        .perSecond
    } finally {
      cleanup()
    }
  },
  latency: (size, roundTrips, warmup) =>
    runPeer<{ nanos: Array<number> }>(command, [
      ...prefix,
      "latency",
      "tcp://127.0.0.1:*",
      String(size),
      String(roundTrips),
      String(warmup)
    ]).nanos
})

/** Compiles peers/libzmq_bench.c with the system compiler against the system libzmq. */
export const libzmq = (): PeerStatus => {
  const name = "C libzmq"
  const compiler = process.env["CC"] ?? "cc"
  const binary = join(buildDir, "libzmq_bench")
  mkdirSync(buildDir, { recursive: true })
  const built = run(compiler, ["-O2", "-o", binary, join(peersDir, "libzmq_bench.c"), "-lzmq", "-lpthread"], 120_000)
  if (built.error !== undefined || built.status !== 0) {
    const why = built.error !== undefined ? `${compiler} not found` : built.stderr.split("\n")[0]
    return {
      available: false,
      name,
      reason: `cannot build peers/libzmq_bench.c (${why}); install a C compiler and libzmq3-dev`
    }
  }
  return { available: true, peer: makePeer(name, binary, []) }
}

/** Finds a Python 3 that has eventlet and pyzmq (Debian's python3-eventlet and python3-zmq live in /usr/bin). */
export const eventlet = (): PeerStatus => {
  const name = "eventlet.green.zmq"
  // BENCH_PYTHON, when set, is the only one tried (so a run can also be made without the peer)
  const chosen = process.env["BENCH_PYTHON"]
  const candidates = chosen ? [chosen] : ["/usr/bin/python3", "python3"]
  for (const python of candidates) {
    const probe = run(python, ["-c", "import eventlet, eventlet.green.zmq"], 30_000)
    if (probe.error === undefined && probe.status === 0) {
      return { available: true, peer: makePeer(name, python, [join(peersDir, "eventlet_bench.py")]) }
    }
  }
  return {
    available: false,
    name,
    reason: `no python3 with eventlet and pyzmq (tried ${candidates.join(", ")}); install python3-eventlet python3-zmq`
  }
}
