/**
 * Regression (found through the soak): a socket closed early used to stay referenced by the finalizer that
 * `ZmqSocket.make` adds to the caller's Scope until that Scope closed, so code that makes and closes sockets for ever
 * in one long-lived scope (reconnect loops, lazy pirate) grew by ~5.5 KB per socket. Measured in a child process with
 * `--expose-gc`: 3000 make+close cycles in one scope must not grow the heap by more than 4 MB (16.7 MB before the fix).
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { fixture, spawnNode } from "./harness.ts"

describe("memory", () => {
  it.live("sockets made and closed in one long-lived scope are released", () =>
    Effect.gen(function*() {
      const child = yield* spawnNode(fixture("churn.ts"), [], {}, ["--expose-gc"])
      const result = JSON.parse(yield* child.line((l) => l.startsWith("{")))
      console.log(`[memory] 3000 sockets made and closed in one scope: heap +${result.growthMB.toFixed(2)} MB`)
      expect(result.stillWorks).toBe(true)
      expect(result.growthMB).toBeLessThan(4)
      expect((yield* child.exited).code).toBe(0)
    }).pipe(Effect.scoped), 60_000)
})
