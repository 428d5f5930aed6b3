/**
 * The CI soak: test/soak/soak.ts for 20 s in a child process (its own heap, `--expose-gc` for honest numbers).
 * Mixed traffic over 50 sockets with random interrupts; no lost, duplicated, reordered or interrupted-yet-delivered
 * message, no waiter left behind, and memory flat: the heap after a full GC at the end within 8 MB of the start
 * (after warm-up). The full soak is `pnpm soak` (10 minutes); see docs/reliability.md.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { fileURLToPath } from "node:url"
import { spawnNode } from "../reliability/harness.ts"

const SECONDS = Number(process.env.ZMQ_SOAK_SECONDS ?? 20)
const soak = fileURLToPath(new URL("./soak.ts", import.meta.url))

describe("soak", () => {
  it.live(`${SECONDS} s of mixed traffic over 50 sockets with random interrupts`, () =>
    Effect.gen(function*() {
      const child = yield* spawnNode(soak, [String(SECONDS)], {}, ["--expose-gc"])
      const line = yield* child.line((l) => l.startsWith("{"))
      const exit = yield* child.exited
      const result = JSON.parse(line)
      console.log(`[soak] ${JSON.stringify({ ...result, samples: undefined, states: undefined })}`)
      expect(result.problems).toEqual([])
      expect(result.ok).toBe(true)
      expect(exit.code).toBe(0)
      expect(result.sockets).toBe(50)
      expect(result.messages).toBeGreaterThan(SECONDS * 1000)
      expect(result.heapEndMB - result.heapStartMB).toBeLessThan(8)
    }).pipe(Effect.scoped), (SECONDS + 60) * 1000)
})
