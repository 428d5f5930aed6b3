// The results of one run: their shape (written as JSON), the targets from the issue, the printed table and the
// SVG chart.
import type { IdleResult, MemoryResult } from "./probe.ts"
import type { Transport } from "./Config.ts"
import { formatRate, formatRatio, type LatencySummary } from "./Measure.ts"

export const RAW = "raw zeromq.js"
export const EFFECT_RECV = "effect-zmq recv"
export const EFFECT_STREAM = "effect-zmq stream"
/** Sender `ZmqSocket.sink` (chunks of 128), receiver `ZmqSocket.stream`: the Stream-to-Stream pipeline. */
export const EFFECT_SINK_STREAM = "effect-zmq sink+stream"
export const LIBZMQ = "C libzmq"
export const EVENTLET = "eventlet.green.zmq"
/** The earlier effect-zmq (zeromq.js promise engine, 9b7a45e), measured in the same run when EFFECT_ZMQ_BEFORE is set. */
export const BEFORE = "effect-zmq 0.1.0 (zeromq.js engine)"
export const BEFORE_RECV = `${BEFORE} recv`
export const BEFORE_STREAM = `${BEFORE} stream`
export const BEFORE_SINK_STREAM = `${BEFORE} sink+stream`
/** Each of this build's effect-zmq systems with its counterpart in the earlier build. */
export const PAIRS: ReadonlyArray<readonly [after: string, before: string]> = [
  [EFFECT_RECV, BEFORE_RECV],
  [EFFECT_STREAM, BEFORE_STREAM],
  [EFFECT_SINK_STREAM, BEFORE_SINK_STREAM]
]
/** The name under which idle and memory probes report this build. */
export const EFFECT = "effect-zmq"

export interface ThroughputCase {
  readonly transport: Transport
  readonly size: number
  readonly count: number
  /** Messages per second of every trial, by system; the reported figure is the median. */
  readonly trials: Record<string, Array<number>>
}

export interface FanoutResult {
  readonly system: string
  readonly subscribers: number
  readonly sent: number
  readonly delivered: number
  readonly seconds: number
}

export interface Results {
  readonly date: string
  readonly config: string
  readonly machine: Record<string, string | number>
  readonly skipped: Array<{ readonly name: string; readonly reason: string }>
  /** Peer trials that failed or hung (killed after a minute); they are left out of the medians. */
  readonly problems: Array<string>
  readonly throughput: Array<ThroughputCase>
  readonly latency: Array<LatencySummary & { readonly system: string }>
  readonly fanout: Array<FanoutResult>
  readonly idle: Array<IdleResult>
  readonly memory: Array<MemoryResult>
}

export interface Target {
  readonly name: string
  readonly value: number
  readonly goal: string
  readonly met: boolean
  readonly unit: string
}

const MB = 1024 * 1024

const medianOf = (values: ReadonlyArray<number> | undefined): number => {
  const sorted = (values ?? []).filter(Number.isFinite).sort((a, b) => a - b)
  if (sorted.length === 0) return Number.NaN
  const middle = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

export const rate = (c: ThroughputCase, system: string): number => medianOf(c.trials[system])

export const sizeLabel = (size: number): string =>
  size >= 1024 ? `${size / 1024} KiB` : `${size} B`

/**
 * Issue 8's "Done means", each evaluated on this run's ratios (this build only; the earlier build is shown, never
 * checked); a target whose inputs are missing is left out.
 */
export const targets = (results: Results): Array<Target> => {
  const out: Array<Target> = []
  const atLeast = (name: string, value: number, goal: number, unit = "x") => {
    if (Number.isFinite(value)) out.push({ name, value, goal: `>= ${goal}${unit}`, met: value >= goal, unit })
  }
  const atMost = (name: string, value: number, goal: number, unit: string) => {
    if (Number.isFinite(value)) out.push({ name, value, goal: `<= ${goal}${unit}`, met: value <= goal, unit })
  }
  for (const c of results.throughput) {
    const where = `${sizeLabel(c.size)} ${c.transport}`
    const raw = rate(c, RAW)
    const recv = rate(c, EFFECT_RECV)
    if (c.size === 16) {
      atLeast(`recv loop / raw, ${where}`, recv / raw, 2.0)
      atLeast(`recv loop / ${EVENTLET}, ${where}`, recv / rate(c, EVENTLET), 2.0)
      atLeast(`stream / raw, ${where}`, rate(c, EFFECT_STREAM) / raw, 4.0)
      atLeast(`sink+stream / raw, ${where}`, rate(c, EFFECT_SINK_STREAM) / raw, 4.0)
    }
    if (c.size === 1024) atLeast(`recv loop / raw, ${where} (copy: true)`, recv / raw, 1.5)
    if (c.size === 65536) atLeast(`recv loop / raw, ${where}`, recv / raw, 1.0)
  }
  const raw = results.latency.find((l) => l.system === RAW)
  const effect = results.latency.find((l) => l.system === EFFECT_RECV)
  if (raw && effect) {
    atMost("REQ/REP p50 / raw", effect.p50 / raw.p50, 1.0, "x")
    atMost("REQ/REP p99 / raw", effect.p99 / raw.p99, 1.2, "x")
  }
  for (const idle of results.idle.filter((i) => i.system === EFFECT)) {
    atMost(`idle CPU (% of one core, ${idle.millis} ms)`, idle.coreFraction * 100, 1, "%")
  }
  for (const memory of results.memory.filter((m) => m.system === EFFECT)) {
    const per = `over ${memory.messages.toLocaleString("en")} messages`
    atMost(`RSS growth ${per} (MB)`, (memory.afterMessages.rss - memory.before.rss) / MB, 20, " MB")
  }
  return out
}

const pad = (rows: ReadonlyArray<ReadonlyArray<string>>): string => {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? "").length)))
  return rows
    .map((row) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("  "))
    .join("\n")
}

const mb = (bytes: number) => `${(bytes / MB).toFixed(1)}`
const signedMb = (bytes: number) => `${bytes >= 0 ? "+" : ""}${(bytes / MB).toFixed(1)}`

/** The whole run as text: one table per benchmark, ratios against raw zeromq.js, then the targets. */
export const table = (results: Results): string => {
  const out: Array<string> = []
  out.push(`effect-zmq benchmarks (${results.config}), ${results.date}`)
  out.push(Object.entries(results.machine).map(([k, v]) => `${k}: ${v}`).join("; "))
  for (const skipped of results.skipped) out.push(`skipped ${skipped.name}: ${skipped.reason}`)
  for (const problem of results.problems) out.push(`left out: ${problem}`)

  const systems = [...new Set(results.throughput.flatMap((c) => Object.keys(c.trials)))]
  const cases = results.throughput
  const caseLabels = cases.map((c) => `${c.transport} ${sizeLabel(c.size)}`)
  out.push("", "1. Throughput PUSH -> PULL, one process, messages/s (median of interleaved rounds)")
  out.push(pad([
    ["system", ...caseLabels],
    ["(messages per trial)", ...cases.map((c) => c.count.toLocaleString("en"))],
    ...systems.map((s) => [s, ...cases.map((c) => formatRate(rate(c, s)))])
  ]))
  const ratioRows: Array<Array<string>> = []
  const ratioRow = (label: string, of: (c: ThroughputCase) => number) => {
    const values = cases.map(of)
    if (values.some(Number.isFinite)) ratioRows.push([label, ...values.map(formatRatio)])
  }
  for (const s of systems.filter((s) => s.startsWith("effect-zmq"))) ratioRow(`${s} / raw`, (c) => rate(c, s) / rate(c, RAW))
  for (const s of [EFFECT_RECV, EFFECT_STREAM, EFFECT_SINK_STREAM]) {
    ratioRow(`${s} / ${EVENTLET}`, (c) => rate(c, s) / rate(c, EVENTLET))
  }
  for (const [after, before] of PAIRS) ratioRow(`${after} / before`, (c) => rate(c, after) / rate(c, before))
  if (ratioRows.length > 0) {
    out.push("", `1b. Ratios (raw = raw zeromq.js; before = ${BEFORE}; all from this run)`)
    out.push(pad([["ratio", ...caseLabels], ...ratioRows]))
  }

  if (results.latency.length > 0) {
    const raw = results.latency.find((l) => l.system === RAW)
    out.push("", `2. Latency REQ/REP over tcp, ${results.latency[0]!.samples.toLocaleString("en")} round trips of 16 B, µs`)
    out.push(pad([
      ["system", "p50", "p99", "mean", "p50 / raw", "p99 / raw", "mean / raw"],
      ...results.latency.map((l) => [
        l.system,
        l.p50.toFixed(1),
        l.p99.toFixed(1),
        l.mean.toFixed(1),
        formatRatio(raw ? l.p50 / raw.p50 : Number.NaN),
        formatRatio(raw ? l.p99 / raw.p99 : Number.NaN),
        formatRatio(raw ? l.mean / raw.mean : Number.NaN)
      ])
    ]))
  }

  if (results.fanout.length > 0) {
    const raw = results.fanout.find((f) => f.system === RAW)
    const rateOf = (f: FanoutResult) => f.delivered / f.seconds
    out.push("", `3. Fan-out PUB -> ${results.fanout[0]!.subscribers} SUBs over tcp, 16 B, messages/s delivered (all SUBs)`)
    out.push(pad([
      ["system", "delivered/s", "delivered", "of sent", "/ raw"],
      ...results.fanout.map((f) => [
        f.system,
        formatRate(rateOf(f)),
        f.delivered.toLocaleString("en"),
        `${((100 * f.delivered) / (f.sent * f.subscribers)).toFixed(0)}%`,
        formatRatio(raw ? rateOf(f) / rateOf(raw) : Number.NaN)
      ])
    ]))
  }

  if (results.idle.length > 0) {
    out.push("", `4. Idle CPU: one receive waiting ${results.idle[0]!.millis} ms with nobody sending`)
    out.push(pad([
      ["system", "CPU s", "% of one core"],
      ...results.idle.map((i) => [i.system, i.cpuSeconds.toFixed(4), (i.coreFraction * 100).toFixed(2)])
    ]))
  }

  if (results.memory.length > 0) {
    out.push("", "5. Memory (MB, after a full GC): 16 B PUSH -> PULL over tcp, then interrupted receives")
    out.push(pad([
      ["system", "messages", "RSS before", "RSS after", "growth", "heap before", "heap after", "growth",
        "interrupts", "RSS growth", "heap growth", "waiters left"],
      ...results.memory.map((m) => [
        m.system,
        m.messages.toLocaleString("en"),
        mb(m.before.rss),
        mb(m.afterMessages.rss),
        signedMb(m.afterMessages.rss - m.before.rss),
        mb(m.before.heapUsed),
        mb(m.afterMessages.heapUsed),
        signedMb(m.afterMessages.heapUsed - m.before.heapUsed),
        m.interrupts.toLocaleString("en"),
        m.afterInterrupts ? signedMb(m.afterInterrupts.rss - m.afterMessages.rss) : "-",
        m.afterInterrupts ? signedMb(m.afterInterrupts.heapUsed - m.afterMessages.heapUsed) : "-",
        m.leftoverWaiters === undefined ? "-" : String(m.leftoverWaiters)
      ])
    ]))
  }

  const goals = targets(results)
  if (goals.length > 0) {
    out.push("", "Targets (ratios from this run)")
    out.push(pad([
      ["target", "value", "goal", ""],
      ...goals.map((t) => [t.name, `${t.value.toFixed(2)}${t.unit === "x" ? "x" : ""}`, t.goal, t.met ? "met" : "MISSED"])
    ]))
  }
  return out.join("\n")
}

const colours: Record<string, string> = {
  [RAW]: "#8c8c8c",
  [EFFECT_RECV]: "#4c78a8",
  [EFFECT_STREAM]: "#1f3f8f",
  [EFFECT_SINK_STREAM]: "#72b7b2",
  [LIBZMQ]: "#54a24b",
  [EVENTLET]: "#e45756",
  [BEFORE_RECV]: "#b9cde5",
  [BEFORE_STREAM]: "#8da0cb",
  [BEFORE_SINK_STREAM]: "#c7e9e7"
}

const escape = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")

/** Throughput by message size and transport, one bar per system, on a logarithmic axis (C is ~40x Node). */
export const chart = (results: Results): string => {
  const systems = [...new Set(results.throughput.flatMap((c) => Object.keys(c.trials)))]
  const cases = results.throughput
  const values = cases.flatMap((c) => systems.map((s) => rate(c, s))).filter((v) => Number.isFinite(v) && v > 0)
  // the axis starts at least a factor of 2 below the smallest bar, so that no bar is a sliver
  const low = 10 ** Math.floor(Math.log10(Math.min(...values, 1e4) / 2))
  const high = 10 ** Math.ceil(Math.log10(Math.max(...values, 1e5)))
  const left = 80, right = 20, top = 60, bottom = 40
  const barWidth = 22, barGap = 3, groupGap = 30
  const groupWidth = systems.length * (barWidth + barGap) - barGap
  const plotWidth = cases.length * groupWidth + (cases.length + 1) * groupGap
  const plotHeight = 360
  const width = left + plotWidth + right
  const height = top + plotHeight + bottom + 22 * Math.ceil(systems.length / 3) + 10
  const y = (v: number) => top + plotHeight - ((Math.log10(v) - Math.log10(low)) / (Math.log10(high) - Math.log10(low))) * plotHeight
  const parts: Array<string> = []
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`)
  parts.push(`<rect width="100%" height="100%" fill="white"/>`)
  parts.push(`<text x="${width / 2}" y="24" text-anchor="middle" font-size="16" font-weight="bold">PUSH → PULL throughput, messages/s (log scale)</text>`)
  parts.push(`<text x="${width / 2}" y="44" text-anchor="middle" fill="#555">${escape(`${results.date}, ${results.config} run, ${results.machine["cpu"] ?? ""}`)}</text>`)
  for (let decade = low; decade <= high; decade *= 10) {
    parts.push(`<line x1="${left}" x2="${left + plotWidth}" y1="${y(decade)}" y2="${y(decade)}" stroke="#ddd"/>`)
    parts.push(`<text x="${left - 8}" y="${y(decade) + 4}" text-anchor="end">${formatRate(decade)}</text>`)
  }
  parts.push(`<line x1="${left}" x2="${left}" y1="${top}" y2="${top + plotHeight}" stroke="#333"/>`)
  parts.push(`<line x1="${left}" x2="${left + plotWidth}" y1="${top + plotHeight}" y2="${top + plotHeight}" stroke="#333"/>`)
  cases.forEach((c, i) => {
    const x0 = left + groupGap + i * (groupWidth + groupGap)
    systems.forEach((system, j) => {
      const value = rate(c, system)
      if (!Number.isFinite(value) || value <= 0) return
      const x = x0 + j * (barWidth + barGap)
      const yTop = y(Math.max(value, low))
      parts.push(`<rect x="${x}" y="${yTop}" width="${barWidth}" height="${top + plotHeight - yTop}" fill="${colours[system] ?? "#999"}"><title>${escape(`${system}: ${formatRate(value)} msg/s`)}</title></rect>`)
      parts.push(`<text x="${x + barWidth / 2}" y="${yTop - 4}" text-anchor="start" font-size="10" transform="rotate(-60 ${x + barWidth / 2} ${yTop - 4})">${formatRate(value)}</text>`)
    })
    parts.push(`<text x="${x0 + groupWidth / 2}" y="${top + plotHeight + 18}" text-anchor="middle">${c.transport} ${sizeLabel(c.size)}</text>`)
  })
  systems.forEach((system, k) => {
    const x = left + (k % 3) * 300
    const yy = top + plotHeight + 48 + Math.floor(k / 3) * 22
    parts.push(`<rect x="${x}" y="${yy - 11}" width="14" height="14" fill="${colours[system] ?? "#999"}"/>`)
    parts.push(`<text x="${x + 20}" y="${yy}">${escape(system)}</text>`)
  })
  parts.push(`</svg>`)
  return parts.join("\n")
}
