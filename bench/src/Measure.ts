// Small measuring helpers shared by every benchmark.
import { randomBytes } from "node:crypto"
import { unlinkSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { Transport } from "./Config.ts"

/** Monotonic time in nanoseconds, as a number (exact enough below 2^53 ns ≈ 104 days). */
export const nowNanos = (): number => Number(process.hrtime.bigint())

export const median = (values: ReadonlyArray<number>): number => {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const middle = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

/** The nearest-rank percentile of already sorted values. */
export const percentile = (sorted: ReadonlyArray<number>, p: number): number =>
  sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!

export interface LatencySummary {
  readonly p50: number
  readonly p99: number
  readonly mean: number
  readonly samples: number
}

/** Summarises round-trip times given in nanoseconds, in microseconds. */
export const summariseLatency = (nanos: ReadonlyArray<number>): LatencySummary => {
  const micros = nanos.map((n) => n / 1000).sort((a, b) => a - b)
  return {
    p50: percentile(micros, 50),
    p99: percentile(micros, 99),
    mean: micros.reduce((sum, x) => sum + x, 0) / micros.length,
    samples: micros.length
  }
}

/**
 * An endpoint to bind for one trial, and a clean-up for it. TCP binds an ephemeral port on loopback; IPC gets a
 * fresh path in the temporary directory (removed afterwards, in case the socket left it behind).
 */
export const bindEndpoint = (transport: Transport): { readonly endpoint: string; readonly cleanup: () => void } => {
  if (transport === "tcp") return { endpoint: "tcp://127.0.0.1:*", cleanup: () => {} }
  const path = join(tmpdir(), `effect-zmq-bench-${process.pid}-${randomBytes(4).toString("hex")}.ipc`)
  return {
    endpoint: `ipc://${path}`,
    cleanup: () => {
      try {
        unlinkSync(path)
      } catch {
        // already gone
      }
    }
  }
}

/** A payload of `size` bytes; the first byte is free for a marker. */
export const payload = (size: number): Buffer => Buffer.alloc(size, 0x61)

export const formatRate = (perSecond: number): string =>
  !Number.isFinite(perSecond)
    ? "-"
    : perSecond >= 1e6
    ? `${(perSecond / 1e6).toFixed(2)}M`
    : perSecond >= 1e3
    ? `${(perSecond / 1e3).toFixed(1)}k`
    : perSecond.toFixed(0)

export const formatRatio = (ratio: number): string => (Number.isFinite(ratio) ? `${ratio.toFixed(2)}x` : "-")
