// Runs one scenario on its own, for profiling (see README.md, "Profiling"):
//   node --cpu-prof --cpu-prof-dir=results/prof src/hot.ts throughput raw|recv|stream|sink tcp|ipc SIZE COUNT
//   node --cpu-prof --cpu-prof-dir=results/prof src/hot.ts latency raw|recv ROUNDTRIPS
//   node src/profile.ts results/prof/<file>.cpuprofile
// With EFFECT_ZMQ_BEFORE=<checkout> set, the effect-zmq systems are those of that earlier build (see Systems.ts).
import type { Transport } from "./Config.ts"
import * as EffectZmq from "./EffectZmq.ts"
import { formatRate, summariseLatency } from "./Measure.ts"
import * as Raw from "./Raw.ts"
import { beforePath, current, loadBefore } from "./Systems.ts"

const [kind = "throughput", system = "recv", ...rest] = process.argv.slice(2)

const main = async () => {
  const root = beforePath()
  const lib = root === undefined ? current : await loadBefore(root)
  if (kind === "throughput") {
    const [transport = "tcp", size = "16", count = "200000"] = rest
    const cpu = process.cpuUsage()
    const perSecond = system === "raw"
      ? await Raw.throughput(transport as Transport, Number(size), Number(count))
      : system === "sink"
      ? await EffectZmq.throughput(lib, "stream", transport as Transport, Number(size), Number(count), "sink")
      : await EffectZmq.throughput(
        lib,
        system as EffectZmq.ReceiveMode,
        transport as Transport,
        Number(size),
        Number(count)
      )
    // CPU per message (all threads, libzmq's I/O thread included) is steadier than msg/s on a shared machine
    const used = process.cpuUsage(cpu)
    const cpuMicros = (used.user + used.system) / Number(count)
    console.log(`${lib.name} ${system} ${transport} ${size} B: ${formatRate(perSecond)} msg/s, ${cpuMicros.toFixed(2)} µs CPU/msg`)
  } else {
    const roundTrips = Number(rest[0] ?? 20000)
    const nanos = system === "raw" ? await Raw.latency(16, roundTrips, 1000) : await EffectZmq.latency(lib, 16, roundTrips, 1000)
    const { mean, p50, p99 } = summariseLatency(nanos)
    console.log(`${system} REQ/REP: p50 ${p50.toFixed(1)} µs, p99 ${p99.toFixed(1)} µs, mean ${mean.toFixed(1)} µs`)
  }
}

main().catch((error) => {
  console.error(error)
  process.exitCode = 1
})
