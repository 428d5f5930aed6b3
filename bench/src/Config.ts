// How much work each benchmark does. The full run is sized so that every trial takes around a second on a small
// machine; the smoke run only proves that every path still works (CI runs it), so its numbers mean nothing.

export interface BenchConfig {
  readonly name: "full" | "smoke"
  /** Interleaved rounds: every system runs once per round, in a rotating order; the median round is reported. */
  readonly rounds: number
  readonly sizes: ReadonlyArray<number>
  readonly transports: ReadonlyArray<Transport>
  /** Messages per throughput trial, by message size. */
  readonly throughputCount: (size: number) => number
  readonly latencyRoundTrips: number
  readonly latencyWarmup: number
  readonly fanoutMessages: number
  readonly fanoutSubscribers: number
  readonly idleMillis: number
  readonly memoryMessages: number
  readonly memoryInterrupts: number
}

export type Transport = "tcp" | "ipc"

export const full: BenchConfig = {
  name: "full",
  rounds: 3,
  sizes: [16, 1024, 65536],
  transports: ["tcp", "ipc"],
  throughputCount: (size) => (size >= 65536 ? 20_000 : size >= 1024 ? 100_000 : 200_000),
  latencyRoundTrips: 20_000,
  latencyWarmup: 2_000,
  fanoutMessages: 100_000,
  fanoutSubscribers: 4,
  idleMillis: 5_000,
  memoryMessages: 1_000_000,
  memoryInterrupts: 100_000
}

export const smoke: BenchConfig = {
  name: "smoke",
  rounds: 1,
  sizes: [16, 1024, 65536],
  transports: ["tcp", "ipc"],
  throughputCount: (size) => (size >= 65536 ? 500 : 3_000),
  latencyRoundTrips: 1_000,
  latencyWarmup: 100,
  fanoutMessages: 3_000,
  fanoutSubscribers: 4,
  idleMillis: 200,
  memoryMessages: 5_000,
  memoryInterrupts: 1_000
}
