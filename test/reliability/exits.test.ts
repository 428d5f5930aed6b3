/**
 * Clean exits (issue 5, part 4). Each case runs test/reliability/fixtures/exit.ts in a child process (the same Node,
 * which strips the fixture's types) and measures from the line "ready" (printed just before its scope or runtime
 * ends, or when it starts waiting for a signal) to the process's exit: under 2 s, by itself, with exit code 0 (130
 * or 143 style codes are allowed after a signal).
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { fixture, spawnNode } from "./harness.ts"

const program = fixture("exit.ts")
const PROMPT_MS = 2000

const exitsPromptly = (scenario: string, signal?: NodeJS.Signals) =>
  Effect.gen(function*() {
    const child = yield* spawnNode(program, [scenario])
    yield* child.line((l) => l === "ready").pipe(
      Effect.timeoutOrElse({ duration: "20 seconds", orElse: () => Effect.die(new Error(`no "ready" from ${scenario}: ${child.stderr()}`)) })
    )
    const readyAt = Date.now()
    if (signal) child.process.kill(signal)
    const exit = yield* child.exited.pipe(
      Effect.timeoutOrElse({ duration: "10 seconds", orElse: () => Effect.die(new Error(`${scenario} still running 10 s after it should have ended`)) })
    )
    const millis = Date.now() - readyAt
    console.log(`[exit] ${scenario}${signal ? ` (${signal})` : ""}: exited ${millis} ms after "ready"`)
    return { ...exit, millis, stderr: child.stderr() }
  }).pipe(Effect.scoped)

describe("programs exit promptly", () => {
  for (
    const [scenario, what] of [
      ["recv-waiting", "a recv waits in a child fiber when runMain's program ends"],
      ["recv-waiting-detached", "a recv waits in a detached fiber when the context is released"],
      ["queued-absent-peer", "messages are queued for an absent peer (and a send waits at the HWM)"],
      ["stream", "a ZmqSocket.stream runs"],
      ["monitor", "a ZmqSocket.events monitor stream runs"],
      ["proxy", "a ZmqProxy.run proxy runs"],
      ["run-promise", "Effect.runPromise (not runMain) ends while a recv waits"],
      ["interrupted-recv-open-socket", "interrupted recvs on a socket left open leave no handle behind"]
    ] as const
  ) {
    it.live(`${scenario}: ${what}`, () =>
      Effect.gen(function*() {
        const result = yield* exitsPromptly(scenario)
        expect({ code: result.code, signal: result.signal }).toEqual({ code: 0, signal: null })
        expect(result.millis).toBeLessThan(PROMPT_MS)
        // zeromq.js warns when it waits for LINGER at exit; nothing else may be printed
        expect(result.stderr.replace(/.*Waiting for queued ZeroMQ messages.*\n?/g, "")).toBe("")
      }), 30_000)
  }

  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    it.live(`${signal} through NodeZmq.runMain interrupts a program waiting in recv`, () =>
      Effect.gen(function*() {
        const result = yield* exitsPromptly("signal", signal)
        // the program was interrupted, not killed by the signal
        expect(result.signal).toBe(null)
        expect(result.millis).toBeLessThan(PROMPT_MS)
      }), 30_000)
  }
})
