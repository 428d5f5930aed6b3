/**
 * Shared helpers of the reliability suites: stats checks, child processes that speak line-by-line on stdout, and
 * a guard that turns unhandled promise rejections into test failures.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { createInterface } from "node:readline"
import { fileURLToPath } from "node:url"
import { Deferred, Effect, Exit, Fiber, Queue } from "effect"
import type { ZmqSocket } from "@effect-zmq/zmq"

export const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url))

/** The engine of an open socket has nothing left: no waiting fiber, no probe, no undelivered message, no fd watch. */
export const idle = (socket: ZmqSocket.ZmqSocket) => {
  const stats = socket.stats()
  return stats.receivers === 0 && stats.senders === 0 && stats.probes === 0 && stats.inbox === 0 && !stats.watching
}

export const describeStats = (socket: ZmqSocket.ZmqSocket) => `${socket.type}${socket.closed ? " (closed)" : ""} ${JSON.stringify(socket.stats())}`

/**
 * Every fiber in `fibers` must have ended within `millis` (after its socket closed, for example). Returns the ones
 * still suspended.
 */
export const stuck = <A, E>(fibers: ReadonlyArray<Fiber.Fiber<A, E>>, millis = 2000) =>
  Effect.gen(function*() {
    const left: Array<Fiber.Fiber<A, E>> = []
    const deadline = Date.now() + millis
    for (const fiber of fibers) {
      const remaining = Math.max(1, deadline - Date.now())
      const exit = yield* Fiber.await(fiber).pipe(Effect.timeoutOption(remaining))
      if (exit._tag === "None") left.push(fiber)
    }
    return left
  })

export const isInterrupted = <A, E>(exit: Exit.Exit<A, E>) => Exit.isFailure(exit) && Exit.hasInterrupts(exit)

/** A child process (node, the same binary as ours) whose stdout lines can be awaited. */
export interface Child {
  readonly process: ChildProcess
  /** The next line on stdout that satisfies `predicate` (lines read before are skipped). */
  readonly line: (predicate?: (line: string) => boolean) => Effect.Effect<string>
  readonly exited: Effect.Effect<{ readonly code: number | null; readonly signal: NodeJS.Signals | null; readonly millis: number }>
  readonly stderr: () => string
  readonly kill: (signal?: NodeJS.Signals) => Effect.Effect<void>
}

/** Spawns `node <script> ...args` as a scoped child, SIGKILLed (if still running) when the scope closes. */
export const spawnNode = (
  script: string,
  args: ReadonlyArray<string> = [],
  env: Record<string, string> = {},
  nodeArgs: ReadonlyArray<string> = []
) =>
  Effect.acquireRelease(
    Effect.gen(function*() {
      const lines = yield* Queue.unbounded<string>()
      const exited = yield* Deferred.make<{ code: number | null; signal: NodeJS.Signals | null; millis: number }>()
      const started = Date.now()
      const child = spawn(process.execPath, ["--no-warnings", ...nodeArgs, script, ...args], {
        stdio: ["ignore", "pipe", "pipe"],
        env: { ...process.env, ...env }
      })
      let stderr = ""
      child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
        stderr += chunk
      })
      createInterface({ input: child.stdout! }).on("line", (line) => {
        Queue.offerUnsafe(lines, line)
      })
      child.on("exit", (code, signal) => {
        Deferred.doneUnsafe(exited, Exit.succeed({ code, signal, millis: Date.now() - started }))
      })
      const result: Child = {
        process: child,
        line: (predicate = () => true) =>
          Effect.gen(function*() {
            for (;;) {
              const line = yield* Queue.take(lines)
              if (predicate(line)) return line
            }
          }).pipe(Effect.orDie),
        exited: Deferred.await(exited),
        stderr: () => stderr,
        kill: (signal = "SIGKILL") =>
          Effect.suspend(() => {
            if (child.exitCode === null && child.signalCode === null) child.kill(signal)
            return Effect.asVoid(Deferred.await(exited))
          })
      }
      return result
    }),
    (child) => child.kill("SIGKILL")
  )

/**
 * Fails the test if any promise rejection goes unhandled while `self` runs (vitest also reports them; this makes
 * the failure belong to the test that caused it).
 */
export const noUnhandledRejections = <A, E, R>(self: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const seen: Array<unknown> = []
    const onRejection = (reason: unknown) => {
      seen.push(reason)
    }
    const onException = (error: unknown) => {
      seen.push(error)
    }
    process.on("unhandledRejection", onRejection)
    process.on("uncaughtException", onException)
    const result = yield* self.pipe(
      // let the microtask queue and a timer turn drain, so a late rejection is seen
      Effect.tap(() => Effect.promise(() => new Promise((resolve) => setImmediate(resolve)))),
      Effect.ensuring(Effect.sync(() => {
        process.off("unhandledRejection", onRejection)
        process.off("uncaughtException", onException)
      }))
    )
    if (seen.length > 0) {
      return yield* Effect.die(new Error(`unhandled rejections/exceptions: ${seen.map(String).join("; ")}`))
    }
    return result
  })
