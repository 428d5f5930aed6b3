import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { encode, decode, pair, zmqTest } from "./helpers.ts"

describe("interruption under load", () => {
  it.live("4000 messages received through Effect.race of two receives lose nothing", () =>
    zmqTest(Effect.gen(function*() {
      const [pull, push] = yield* pair("PULL", "PUSH")
      const total = 4000
      yield* Effect.forkChild(Effect.forEach(Array.from({ length: total }, (_, i) => i), (i) => push.send(encode(String(i))), { discard: true }))
      const got: Array<number> = []
      while (got.length < total) {
        const m = yield* Effect.race(pull.recv(), pull.recv())
        got.push(Number(decode(m)))
      }
      expect(got).toEqual(Array.from({ length: total }, (_, i) => i))
      expect(pull.stats()).toMatchObject({ receivers: 0, inbox: 0 })
    })))
})
